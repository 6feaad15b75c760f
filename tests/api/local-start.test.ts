/**
 * `npm start` (api/local.ts) with its own embedded PostgreSQL in a temporary LOCAL_DATA_DIR: SIGTERM drains
 * in-flight requests before PostgreSQL stops (exit 0), and a start after `kill -9` finds the orphaned
 * server, stops it and starts normally.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const LOCAL = new URL("../../api/local.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let dataDir: string;
let env: Record<string, string>;
let port: number;
const children: ChildProcess[] = [];

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
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
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
function start() {
  const child = spawn(process.execPath, ["--import", "tsx", LOCAL], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    out += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exit };
}

async function waitFor(check: () => boolean, what: string, output: () => string, ms = 60_000) {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}:\n${output()}`);
}

/** A POST whose body arrives in two parts: in flight from the first byte until `finish()`. */
function slowPost(key: string, title: string) {
  const body = JSON.stringify({ title });
  let finish!: () => void;
  const result = new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/v1/tasks",
        agent: false,
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode!));
      },
    );
    req.on("error", reject);
    req.flushHeaders();
    req.write(body.slice(0, 5));
    finish = () => req.end(body.slice(5));
  });
  return { result, finish: () => finish() };
}

let key: string;

describe("npm start (api/local.ts)", () => {
  it("on SIGTERM drains in-flight requests, then stops PostgreSQL, and exits 0", async () => {
    const proc = start();
    await waitFor(() => /shown once: (\S+)/.test(proc.output()), "the API key", proc.output);
    key = /shown once: (\S+)/.exec(proc.output())![1]!;
    const pgPid = postmasterPid()!;
    expect(alive(pgPid)).toBe(true);

    const slow = Array.from({ length: 10 }, (_, i) => slowPost(key, `in flight ${i}`));
    const reads = Array.from({ length: 10 }, () =>
      fetch(`http://127.0.0.1:${port}/v1/tasks`, { headers: { authorization: `Bearer ${key}` } }).then(
        (r) => r.status,
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    proc.child.kill("SIGTERM");
    await waitFor(() => proc.output().includes("readiness now 503"), "shutdown start", proc.output);
    await new Promise((r) => setTimeout(r, 500)); // PostgreSQL must still be up while requests drain
    for (const s of slow) s.finish();
    expect(await Promise.all(slow.map((s) => s.result))).toEqual(Array(10).fill(201));
    expect(await Promise.all(reads)).toEqual(Array(10).fill(200));
    expect(await proc.exit).toBe(0);
    // PostgreSQL stopped after the drain: no server left, no lock file.
    expect(alive(pgPid)).toBe(false);
    expect(postmasterPid()).toBeUndefined();
  }, 90_000);

  it("after kill -9, the next start stops the orphaned PostgreSQL and starts normally", async () => {
    const first = start();
    await waitFor(() => first.output().includes("API "), "listening", first.output);
    const orphan = postmasterPid()!;
    first.child.kill("SIGKILL");
    await first.exit;
    expect(alive(orphan)).toBe(true); // embedded PostgreSQL survived its parent

    const second = start();
    await waitFor(
      () => second.output().includes("API ") || second.child.exitCode !== null,
      "listening",
      second.output,
    );
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
