/**
 * How fast the real engine starts the program, per TypeScript loader (docs/benchmark.md "Program start on the
 * real engine"):
 *
 *   npx tsx tools/rehearse/program-start.ts [--stack dev] [--runs 1] [--root <dir>]
 *
 * For each runtime configuration it writes the temporary project's Pulumi.yaml `runtime:` block, runs
 * `pulumi preview -v=7 --logtostderr` on a fresh rehearsal stack (stub providers, no policy pack) and reads
 * from the engine's own log:
 *   - start: the language host's Run() call → the first resource the program registers after the stack
 *     (node start, loader set-up, loading and compiling infra/, the program's first `new`);
 *   - program: Run() → Run() returning (the whole program, including waiting on the engine);
 * and the program process's peak RSS (a `--import` hook in NODE_OPTIONS records process.resourceUsage()).
 *
 * It needs the Node.js language host (`pulumi-language-nodejs` next to the `pulumi` it runs, as in every Pulumi
 * release): what it compares is how that host loads the program per Pulumi.yaml `runtime.options`. The CLI that
 * tools/rehearse/build-cli.sh builds has no host (the Go module proxy does not serve it) and the rehearsal then
 * serves the program in-process, which reads no runtime options; with that CLI this script exits 2, saying so.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { resolvePulumiCli } from "./cli.js";
import { projectFarm, stackSetup } from "./stack.js";
import { rehearsalEnv } from "./steps.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Variant {
  name: string;
  /** Replaces Pulumi.yaml's runtime.options; undefined keeps the file's own. */
  options?: Record<string, unknown>;
  env?: Record<string, string>;
}

const VARIANTS: Variant[] = [
  { name: "ts-node, type-checking (Pulumi's default)", options: { typescript: true, packagemanager: "npm" } },
  {
    name: "ts-node, transpile-only",
    options: { typescript: true, packagemanager: "npm" },
    env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
  },
  { name: "tsx (Pulumi.yaml as shipped)" },
];

const MARKER = `import { appendFileSync } from "node:fs";
process.on("exit", () => {
  if (!process.argv.some((arg) => arg.includes("cmd/run") && !arg.includes("policy"))) return;
  appendFileSync(process.env.TWINCLOUD_MARK_FILE, JSON.stringify({ maxRssMB: process.resourceUsage().maxRSS / 1024 }) + "\\n");
});
`;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Seconds from the language host's Run() to the first non-stack registration and to Run() returning. */
export function timingsFromLog(log: string): { start: number; program: number } {
  const times: { t: number; msg: string }[] = [];
  for (const line of log.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const entry = JSON.parse(line) as { time?: string; msg?: string };
      if (entry.time && entry.msg) times.push({ t: Date.parse(entry.time) / 1000, msg: entry.msg });
    } catch {
      // not a log record
    }
  }
  const runs = times.filter((e) => e.msg.startsWith("langhost[nodejs].Run("));
  const first = times.find(
    (e) =>
      e.msg.startsWith("ResourceMonitor.RegisterResource received:") &&
      !e.msg.includes("pulumi:pulumi:Stack"),
  );
  if (runs.length < 2 || !first)
    throw new Error("the engine log has no Run() pair or no resource registration");
  const begin = runs[0]!.t;
  return { start: first.t - begin, program: runs[runs.length - 1]!.t - begin };
}

async function main(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string", default: "dev" },
      runs: { type: "string", default: "1" },
      root: { type: "string" },
    },
  });
  const root = path.resolve(values.root ?? REPO_ROOT);
  const stack = values.stack ?? "dev";
  const cli = resolvePulumiCli();
  if (!cli.languageHost) {
    console.error(
      `program-start: ${cli.pulumi} has no pulumi-language-nodejs next to it, and the loaders compared here are the ` +
        "language host's (Pulumi.yaml runtime options). Put a Pulumi release's `pulumi` (which ships the host) on PATH.",
    );
    process.exit(2);
  }
  const tmp = mkdtempSync(path.join(tmpdir(), "twincloud-program-start-"));
  try {
    const project = projectFarm(root, path.join(tmp, "project"));
    mkdirSync(path.join(tmp, "state"));
    const marker = path.join(tmp, "marker.mjs");
    writeFileSync(marker, MARKER);
    const env = rehearsalEnv(cli, tmp, root);
    const setup = stackSetup(root, stack);
    writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), stringifyYaml({ config: setup.config }));
    const pulumi = (args: string[], extra: Record<string, string> = {}) =>
      run(cli.pulumi, [...args, "--non-interactive", "--color", "never"], project, { ...env, ...extra });
    await pulumi(["login", env.PULUMI_BACKEND_URL!]);
    const init = await pulumi(["stack", "init", stack]);
    if (init.code !== 0) throw new Error(init.stderr);
    const shipped = parseYaml(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as Record<
      string,
      unknown
    >;
    console.log(
      `pulumi ${cli.version}, stack ${stack}, load ${readFileSync("/proc/loadavg", "utf8").trim()}`,
    );
    console.log("| loader | start (s) | program (s) | peak RSS (MB) |");
    console.log("| --- | ---: | ---: | ---: |");
    for (const variant of VARIANTS) {
      const runtime = variant.options
        ? { name: "nodejs", options: variant.options }
        : (shipped.runtime as Record<string, unknown>);
      writeFileSync(path.join(project, "Pulumi.yaml"), stringifyYaml({ ...shipped, runtime }));
      for (let i = 0; i < Number(values.runs); i++) {
        const markFile = path.join(tmp, `mark-${i}.jsonl`);
        const result = await pulumi(["preview", "-v=7", "--logtostderr"], {
          ...variant.env,
          NODE_OPTIONS: `--import ${marker}`,
          TWINCLOUD_MARK_FILE: markFile,
        });
        if (result.code !== 0) {
          console.log(`| ${variant.name} | failed (exit ${result.code}) | | |`);
          console.error(result.stdout.slice(-3000));
          continue;
        }
        const { start, program } = timingsFromLog(result.stderr);
        const rss = readFileSync(markFile, "utf8")
          .trim()
          .split("\n")
          .map((line) => (JSON.parse(line) as { maxRssMB: number }).maxRssMB);
        console.log(
          `| ${variant.name} | ${start.toFixed(1)} | ${program.toFixed(1)} | ${Math.max(...rss).toFixed(0)} |`,
        );
        rmSync(markFile, { force: true });
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
