/**
 * `npm start` (api/local.ts) with its own embedded PostgreSQL in a temporary LOCAL_DATA_DIR: SIGTERM drains
 * in-flight requests before PostgreSQL stops (exit 0), and a start after `kill -9` finds the orphaned
 * server, stops it and starts normally.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sigtermWithRequestsInFlight } from "../support/drain.js";
import { freePort } from "../support/ports.js";
import { type NodeProcess, spawnNode, waitFor } from "../support/processes.js";

const LOCAL = new URL("../../api/local.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;
/** local.ts starts its own PostgreSQL first (initdb on the first start): longer than the default wait. */
const WAIT_MS = 60_000;

let dataDir: string;
let env: Record<string, string>;
let port: number;
const children: NodeProcess[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "twincloud-local-"));
  chmodSync(dir, 0o755); // embedded PostgreSQL runs as `postgres` when we are root: it must reach .data
  dataDir = join(dir, ".data");
  port = await freePort();
  env = {
    PATH: process.env.PATH ?? "",
    LOCAL_DATA_DIR: dataDir,
    LOCAL_PG_PORT: String(await freePort()),
    PORT: String(port),
    METRICS_PORT: String(await freePort()),
    LOG_LEVEL: "info",
  };
});
afterAll(async () => {
  for (const { child } of children) if (child.exitCode === null) child.kill("SIGKILL");
  const pid = postmasterPid();
  if (pid && alive(pid)) process.kill(pid, "SIGINT");
  for (let i = 0; i < 50 && pid && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  rmSync(join(dataDir, ".."), { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function postmasterPid(): number | undefined {
  const file = join(dataDir, "postgres", "postmaster.pid");
  return existsSync(file) ? Number(readFileSync(file, "utf8").split("\n")[0]) : undefined;
}

/** `node --import tsx api/local.ts`: what `npm start` runs, with the signal reaching it directly. */
function start(): NodeProcess {
  const proc = spawnNode(LOCAL, env, { cwd: ROOT });
  children.push(proc);
  return proc;
}

let key: string;

describe("npm start (api/local.ts)", () => {
  it("on SIGTERM drains in-flight requests, then stops PostgreSQL, and exits 0", async () => {
    const proc = start();
    await waitFor(() => /shown once: (\S+)/.test(proc.output()), "the API key", {
      output: proc.output,
      ms: WAIT_MS,
    });
    key = /shown once: (\S+)/.exec(proc.output())![1]!;
    const pgPid = postmasterPid()!;
    expect(alive(pgPid)).toBe(true);

    const drained = await sigtermWithRequestsInFlight(proc, {
      port,
      key,
      posts: 10,
      reads: 10,
      // PostgreSQL must still be up while requests drain.
      whileDraining: () => new Promise((r) => setTimeout(r, 500)),
      ms: WAIT_MS,
    });
    expect(drained.posts).toEqual(Array(10).fill(201));
    expect(drained.reads).toEqual(Array(10).fill(200));
    expect(await proc.exit).toBe(0);
    // PostgreSQL stopped after the drain: no server left, no lock file.
    expect(alive(pgPid)).toBe(false);
    expect(postmasterPid()).toBeUndefined();
  }, 90_000);

  it("after kill -9, the next start stops the orphaned PostgreSQL and starts normally", async () => {
    const first = start();
    await waitFor(() => first.output().includes("API "), "listening", { output: first.output, ms: WAIT_MS });
    const orphan = postmasterPid()!;
    first.child.kill("SIGKILL");
    await first.exit;
    expect(alive(orphan)).toBe(true); // embedded PostgreSQL survived its parent

    const second = start();
    await waitFor(() => second.output().includes("API ") || second.child.exitCode !== null, "listening", {
      output: second.output,
      ms: WAIT_MS,
    });
    expect(second.output()).toContain("still running");
    expect(alive(orphan)).toBe(false);
    // Same data: the tasks of the first test and its key.
    const res = await fetch(`http://127.0.0.1:${port}/v1/tasks?limit=100`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(10);
    second.child.kill("SIGTERM");
    expect(await second.exit).toBe(0);
    expect(postmasterPid()).toBeUndefined();
  }, 90_000);
});
