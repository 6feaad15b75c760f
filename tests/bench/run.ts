/**
 * `npm run bench [-- --duration 10 --connections 50 --json bench-results.json]`
 *   --duration S      measured seconds per scenario and server (default 10), split into --rounds (default 4);
 *                     autocannon runs whole seconds, so each round lasts ceil(S / rounds) s (4 x 3 s by default)
 *   --warmup S        unmeasured warm-up per scenario and server (default 2)
 *   --only a,b        scenarios to run (health, list, get, create)
 *   --log-level L     the full API's LOG_LEVEL (default info)
 *   --node-options O  extra node flags for both servers, after the image's own (Dockerfile ENTRYPOINT),
 *                     e.g. "--node-options=--max-semi-space-size=64" (a later flag wins)
 *   --task-memory M   emulate a task of M MiB (default: the prod tier's): both servers get the heap limit the
 *                     deployed container gets (NODE_OPTIONS=--max-old-space-size=, infra/spec/sizes.ts); 0 = none
 *   --env K=V         an extra environment variable for both servers, after the image's own (Dockerfile
 *                     ENV); repeatable, e.g. --env MALLOC_ARENA_MAX=8
 *   --rate R          total rate cap (req/s) instead of saturating the servers. Caveat: autocannon gives each
 *                     connection a per-second quota, so requests leave in a burst at the start of each second
 *                     (not a paced arrival rate); prefer --connections 10 for latency below saturation
 *   --skip-build      reuse dist/ as it is
 *
 * Builds the API (`npm run build`), starts an embedded PostgreSQL 17, starts the full API exactly as in
 * production (`node dist/api/main.js`) and a bare Hono + postgres.js server (tests/bench/bare-server.ts, same
 * queries, no middleware), seeds 10,000 tasks, then drives the same scenarios against both with autocannon:
 * GET /health/live, GET /v1/tasks?limit=20, GET /v1/tasks/:id (random seeded ids), POST /v1/tasks. Prints
 * req/s, latency percentiles, errors, peak RSS and CPU per request of each server, the full/bare ratio,
 * and PASS/MISS against the targets. A report, not a test: it always exits 0 unless something broke.
 *
 * Everything listens on 127.0.0.1 on free ports. The full API runs with LOG_LEVEL=info, the production
 * default, so the one JSON log line per request it writes in production is part of what is measured
 * (stdout goes to a file, as a container runtime would take it off the process); `--log-level warn` shows
 * what logging costs.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { HEALTH_PATHS } from "../../api/config.js";
import {
  execCommand,
  finalStage,
  nodeScriptIndex,
  parseDockerfile,
  stageEnv,
} from "../../infra/dockerfile.js";
import { nodeHeapLimitMiB, TIER_DEFAULTS } from "../../infra/spec/index.js";
import { type LocalPostgres, startPostgres } from "../container/embedded-postgres.js";
import { freePort } from "../support/ports.js";
import { checkTargets, latencySummary, type Measurement, resultsTable, targetsTable } from "./stats.js";

// autocannon ships no types; this is the part of its API used here.
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  overallRate?: number;
  duration: number;
  timeout: number;
  requests: AutocannonRequest[];
}
interface AutocannonResult {
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  requests: { total: number };
}
interface AutocannonInstance {
  on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (
  options: AutocannonOptions,
  done: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

const REPO = join(import.meta.dirname, "..", "..");
const SEED_TASKS = 10_000;
const BOOTSTRAP_API_KEY = `bench-${"b".repeat(40)}`;

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    rounds: { type: "string", default: "4" },
    rate: { type: "string" },
    connections: { type: "string", default: "50" },
    json: { type: "string" },
    "log-level": { type: "string", default: "info" },
    "skip-build": { type: "boolean", default: false },
    only: { type: "string" },
    "node-options": { type: "string", default: "" },
    env: { type: "string", multiple: true, default: [] },
    "task-memory": { type: "string", default: String(TIER_DEFAULTS.prod.memoryMiB) },
  },
});
const durationS = Number(args.duration);
const warmupS = Number(args.warmup);
const connections = Number(args.connections);
const rounds = Number(args.rounds);
/** Open-loop mode: a fixed total request rate instead of as fast as the connections go. */
const rate = args.rate === undefined ? undefined : Number(args.rate);
if (rate !== undefined && !(rate > 0))
  throw new Error("--rate must be a positive number of requests per second");
if (!(durationS > 0) || !(warmupS >= 0) || !(connections > 0) || !Number.isInteger(rounds) || rounds < 1) {
  throw new Error(
    "--duration and --connections must be positive numbers, --warmup >= 0, --rounds a positive integer",
  );
}
/** autocannon counts whole seconds: a 2.5 s run lasts 3 s, so say so instead of pretending otherwise. */
const roundS = Math.ceil(durationS / rounds);

/**
 * The node flags the image starts the API with (ENTRYPOINT + CMD up to the script, e.g.
 * --max-semi-space-size=8): both servers get them, so the full API runs as in production and the baseline
 * differs only by the missing middleware.
 */
const dockerfile = parseDockerfile(readFileSync(join(REPO, "Dockerfile"), "utf8"));
function imageNodeFlags(): string[] {
  const argv = execCommand(finalStage(dockerfile));
  const script = nodeScriptIndex(argv);
  return argv.slice(1, script === -1 ? undefined : script);
}
const nodeFlags = [...imageNodeFlags(), ...(args["node-options"] ? args["node-options"].split(/\s+/) : [])];

/**
 * The image's ENV, then what the deployed task adds for its size (the heap limit), then --env: both servers
 * get them, so the baseline differs from the API only by the missing middleware.
 */
const taskMemoryMiB = Number(args["task-memory"]);
if (!Number.isInteger(taskMemoryMiB) || taskMemoryMiB < 0)
  throw new Error("--task-memory must be a whole number of MiB (0: no heap limit)");
const imageEnv: Record<string, string> = { ...stageEnv(dockerfile, finalStage(dockerfile)) };
if (taskMemoryMiB > 0) imageEnv.NODE_OPTIONS = `--max-old-space-size=${nodeHeapLimitMiB(taskMemoryMiB)}`;
for (const pair of args.env ?? []) {
  const eq = pair.indexOf("=");
  if (eq < 1) throw new Error(`--env takes KEY=VALUE, got "${pair}"`);
  imageEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
}

interface Server {
  name: "full" | "bare";
  process: ChildProcess;
  base: string;
  stderr: () => string;
}

const children: ChildProcess[] = [];
let db: LocalPostgres | undefined;
let work: string | undefined;

async function cleanup(): Promise<void> {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  }
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => {
            child.kill("SIGKILL");
            resolve();
          }, 10_000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
  await db?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
}

process.once("SIGINT", () => {
  void cleanup().finally(() => process.exit(130));
});

function procStatusKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(
      readFileSync(`/proc/${pid}/status`, "utf8"),
    );
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
/** utime + stime of a process, in milliseconds. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

async function waitForStatus(
  url: string,
  status: number,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: server exited (${child.exitCode})\n${output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.status === status) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} never answered ${status}\n${output()}`);
}

function startChild(
  name: Server["name"],
  argv: string[],
  env: Record<string, string>,
  logFile: string,
): Omit<Server, "base"> {
  const log = createWriteStream(logFile);
  let stderr = "";
  const child = spawn(process.execPath, [...nodeFlags, ...argv], {
    cwd: REPO,
    env: { ...imageEnv, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  children.push(child);
  return { name, process: child, stderr: () => stderr };
}

interface Scenario {
  name: string;
  request: (ids: string[]) => AutocannonRequest;
  auth: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: "health", auth: false, request: () => ({ method: "GET", path: HEALTH_PATHS.live }) },
  { name: "list", auth: true, request: () => ({ method: "GET", path: "/v1/tasks?limit=20" }) },
  {
    name: "get",
    auth: true,
    request: (ids) => {
      let next = 0;
      return {
        method: "GET",
        path: `/v1/tasks/${ids[0]}`,
        setupRequest: (request) => ({ ...request, path: `/v1/tasks/${ids[next++ % ids.length]}` }),
      };
    },
  },
  {
    name: "create",
    auth: true,
    request: () => ({
      method: "POST",
      path: "/v1/tasks",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Benchmark task", description: "created under load", priority: "high" }),
    }),
  },
];

function drive(
  server: Server,
  scenario: Scenario,
  ids: string[],
  seconds: number,
): Promise<{ result: AutocannonResult; latencies: number[] }> {
  const request = scenario.request(ids);
  const headers = {
    ...request.headers,
    ...(scenario.auth ? { authorization: `Bearer ${BOOTSTRAP_API_KEY}` } : {}),
  };
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: server.base,
        connections,
        duration: seconds,
        timeout: 10,
        requests: [{ ...request, headers }],
        ...(rate ? { overallRate: rate } : {}),
      },
      (error, result) => (error ? reject(error) : resolve({ result, latencies })),
    );
    instance.on("response", (_client, _status, _bytes, ms) => latencies.push(ms));
  });
}

/** What one server accumulates over the rounds of a scenario. */
interface Tally {
  seconds: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  latencies: number[];
  rssPeakKiB: number;
  cpuMs: number;
}

async function round(
  server: Server,
  scenario: Scenario,
  ids: string[],
  seconds: number,
  tally: Tally,
): Promise<void> {
  const pid = server.process.pid!;
  tally.rssPeakKiB = Math.max(tally.rssPeakKiB, procStatusKiB(pid, "VmRSS"));
  const sampler = setInterval(() => {
    tally.rssPeakKiB = Math.max(tally.rssPeakKiB, procStatusKiB(pid, "VmRSS"));
  }, 100);
  const cpuBefore = cpuMs(pid);
  try {
    const { result, latencies } = await drive(server, scenario, ids, seconds);
    tally.seconds += result.duration;
    tally.requests += result.requests.total;
    tally.non2xx += result.non2xx;
    tally.socketErrors += result.errors;
    for (const latency of latencies) tally.latencies.push(latency);
  } finally {
    clearInterval(sampler);
  }
  tally.rssPeakKiB = Math.max(tally.rssPeakKiB, procStatusKiB(pid, "VmRSS"));
  tally.cpuMs += cpuMs(pid) - cpuBefore;
}

/**
 * One scenario on both servers: a warm-up each, then `rounds` short runs per server, alternating
 * (A B B A A B ...), so a burst of other work on this shared machine hits both about equally.
 */
async function measureScenario(
  servers: [Server, Server],
  scenario: Scenario,
  ids: string[],
): Promise<Measurement[]> {
  for (const server of servers) if (warmupS > 0) await drive(server, scenario, ids, warmupS);
  const tallies = new Map<Server, Tally>(
    servers.map((server) => [
      server,
      { seconds: 0, requests: 0, non2xx: 0, socketErrors: 0, latencies: [], rssPeakKiB: 0, cpuMs: 0 },
    ]),
  );
  for (let index = 0; index < rounds; index++) {
    const order = index % 2 === 0 ? servers : [servers[1], servers[0]];
    for (const server of order) await round(server, scenario, ids, roundS, tallies.get(server)!);
  }
  return servers.map((server) => {
    const tally = tallies.get(server)!;
    return {
      scenario: scenario.name,
      target: server.name,
      durationS: tally.seconds,
      requests: tally.requests,
      reqPerSec: tally.seconds > 0 ? tally.requests / tally.seconds : 0,
      latencyMs: latencySummary(tally.latencies),
      errors: tally.non2xx + tally.socketErrors,
      non2xx: tally.non2xx,
      socketErrors: tally.socketErrors,
      rssPeakMiB: tally.rssPeakKiB / 1024,
      cpuMsPerRequest: tally.requests > 0 ? tally.cpuMs / tally.requests : 0,
    };
  });
}

async function main(): Promise<void> {
  const cpu = cpus();
  const machine = {
    cpu: `${cpu.length} x ${cpu[0]?.model ?? "unknown"}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: loadavg().map((value) => Number(value.toFixed(2))),
  };
  console.log(`machine: ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}`);
  console.log(
    `node flags for both servers (the image's ENTRYPOINT, then --node-options): ${nodeFlags.join(" ") || "none"}`,
  );
  const envShown = Object.entries(imageEnv).map(([key, value]) => `${key}=${value}`);
  console.log(
    `environment for both servers (the image's ENV, a ${taskMemoryMiB || "no"} MiB task's heap limit, then --env): ${envShown.join(" ") || "none"}`,
  );
  console.log(
    `load average at start: ${machine.loadAverageAtStart.join(" ")} (other work on this machine skews results)`,
  );

  if (!args["skip-build"]) {
    console.log("building: npm run build");
    const build = spawnSync("npm", ["run", "build"], { cwd: REPO, stdio: ["ignore", "inherit", "inherit"] });
    if (build.status !== 0) throw new Error("npm run build failed");
  }

  work = mkdtempSync(join(tmpdir(), "twincloud-bench-"));
  db = await startPostgres();
  console.log(`PostgreSQL 17 (embedded) on 127.0.0.1:${db.port}`);

  const [fullPort, metricsPort, barePort] = [await freePort(), await freePort(), await freePort()];
  const logLevel = args["log-level"]!;
  const fullChild = startChild(
    "full",
    ["dist/api/main.js"],
    {
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(fullPort),
      METRICS_PORT: String(metricsPort),
      DATABASE_URL: db.url,
      DATABASE_SSL: "disable",
      BOOTSTRAP_API_KEY,
      RATE_LIMIT_PER_MINUTE: "1000000",
      LOG_LEVEL: logLevel,
    },
    join(work, "full.log"),
  );
  const full: Server = { ...fullChild, base: `http://127.0.0.1:${fullPort}` };
  // Ready means migrated and the bootstrap key created.
  await waitForStatus(`${full.base}${HEALTH_PATHS.ready}`, 200, full.process, full.stderr);

  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  await sql`
    insert into tasks (title, description, status, priority, due_date, created_at, updated_at)
    select 'Seeded task ' || g,
           case when g % 3 = 0 then null else 'Description of seeded task ' || g end,
           (array['todo', 'in_progress', 'done'])[1 + g % 3],
           (array['low', 'medium', 'high'])[1 + g % 3],
           case when g % 2 = 0 then now() + g * interval '1 hour' end,
           now() - (${SEED_TASKS} - g) * interval '1 second',
           now() - (${SEED_TASKS} - g) * interval '1 second'
    from generate_series(1, ${SEED_TASKS}) as g`;
  await sql`analyze tasks`;
  const ids = (await sql<{ id: string }[]>`select id from tasks order by random() limit 2000`).map(
    (row) => row.id,
  );
  await sql.end({ timeout: 5 });
  console.log(`seeded ${SEED_TASKS} tasks`);

  // The bare server runs as plain JavaScript like the built API: transpiled (types erased, nothing else)
  // next to a node_modules link. Node's own type stripping would add ~17 MiB of RSS to the baseline.
  const ts = (await import("typescript")).default;
  const bareJs = join(work, "bare-server.mjs");
  writeFileSync(
    bareJs,
    ts.transpileModule(readFileSync(join(REPO, "tests/bench/bare-server.ts"), "utf8"), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    }).outputText,
  );
  symlinkSync(join(REPO, "node_modules"), join(work, "node_modules"), "dir");
  const bareChild = startChild(
    "bare",
    [bareJs],
    { NODE_ENV: "production", HOST: "127.0.0.1", PORT: String(barePort), DATABASE_URL: db.url },
    join(work, "bare.log"),
  );
  const bare: Server = { ...bareChild, base: `http://127.0.0.1:${barePort}` };
  await waitForStatus(`${bare.base}${HEALTH_PATHS.live}`, 200, bare.process, bare.stderr);

  const idleRssMiB = {
    full: procStatusKiB(full.process.pid!, "VmRSS") / 1024,
    bare: procStatusKiB(bare.process.pid!, "VmRSS") / 1024,
  };
  console.log(
    `idle RSS after start-up: full ${idleRssMiB.full.toFixed(0)} MiB, bare ${idleRssMiB.bare.toFixed(0)} MiB`,
  );

  // One request per scenario and server first: a wrong status here means the comparison would be void.
  for (const scenario of SCENARIOS) {
    for (const server of [full, bare]) {
      const request = scenario.request(ids);
      const response = await fetch(`${server.base}${request.path}`, {
        method: request.method ?? "GET",
        headers: {
          ...request.headers,
          ...(scenario.auth ? { authorization: `Bearer ${BOOTSTRAP_API_KEY}` } : {}),
        },
        ...(request.body ? { body: request.body } : {}),
      });
      await response.body?.cancel();
      if (response.status >= 300) throw new Error(`${server.name} ${scenario.name}: HTTP ${response.status}`);
    }
  }

  const selected = args.only
    ? SCENARIOS.filter((scenario) => args.only!.split(",").includes(scenario.name))
    : SCENARIOS;
  console.log(
    `load: autocannon in this process (one thread), ${connections} connections${rate ? ` at a fixed ${rate} req/s` : " as fast as they go"}; per scenario and server ${warmupS} s warm-up, ` +
      `then ${rounds} measured rounds of ${roundS} s alternating between the servers (never both at once). ` +
      "The load generator shares the CPUs with both servers and PostgreSQL.",
  );
  const results: Measurement[] = [];
  for (const scenario of selected) {
    // Alternate who goes first from one scenario to the next as well.
    const servers: [Server, Server] = selected.indexOf(scenario) % 2 === 0 ? [full, bare] : [bare, full];
    for (const measurement of await measureScenario(servers, scenario, ids)) {
      results.push(measurement);
      console.log(
        `  ${scenario.name.padEnd(6)} ${measurement.target.padEnd(4)} ${measurement.reqPerSec.toFixed(0).padStart(6)} req/s  p99 ${measurement.latencyMs.p99.toFixed(1)} ms  errors ${measurement.errors}`,
      );
    }
  }
  results.sort((a, b) =>
    a.scenario === b.scenario
      ? a.target.localeCompare(b.target) * -1
      : selected.findIndex((s) => s.name === a.scenario) - selected.findIndex((s) => s.name === b.scenario),
  );

  const lifetimePeakMiB = {
    full: procStatusKiB(full.process.pid!, "VmHWM") / 1024,
    bare: procStatusKiB(bare.process.pid!, "VmHWM") / 1024,
  };
  const checks = checkTargets(results);
  console.log(`\n${resultsTable(results)}\n`);
  console.log(
    `Lifetime peak RSS (VmHWM): full ${lifetimePeakMiB.full.toFixed(0)} MiB, bare ${lifetimePeakMiB.bare.toFixed(0)} MiB. ` +
      `Full API LOG_LEVEL=${logLevel}. errors = non-2xx + socket errors/timeouts.`,
  );
  console.log(`\n${targetsTable(checks)}\n`);
  console.log(`${checks.filter((check) => !check.pass).length} of ${checks.length} targets missed.`);

  if (args.json) {
    const report = {
      date: new Date().toISOString(),
      command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
      machine: { ...machine, loadAverageAtEnd: loadavg().map((value) => Number(value.toFixed(2))) },
      settings: {
        durationS,
        roundS,
        warmupS,
        connections,
        rounds,
        rate: rate ?? null,
        seedTasks: SEED_TASKS,
        logLevel,
        nodeFlags,
        taskMemoryMiB,
        environment: imageEnv,
        loadGenerator: "autocannon 9, in-process, one thread, same machine",
      },
      results,
      idleRssMiB,
      lifetimePeakMiB,
      targets: checks,
    };
    writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanup();
}
