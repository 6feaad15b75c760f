/**
 * The graceful-shutdown harness of the tests that start the API as a process (api/main.ts, and api/local.ts
 * behind `npm start`): requests held in flight across SIGTERM. The callers assert on what it returns.
 */
import { request } from "node:http";
import { type NodeProcess, waitFor } from "./processes.js";

/** A POST whose body arrives in two parts: in flight from the first byte until `finish()`; resolves to its status. */
function slowPost(port: number, key: string, title: string) {
  const body = JSON.stringify({ title });
  const half = Math.floor(body.length / 2);
  let finish!: () => void;
  const status = new Promise<number>((resolve, reject) => {
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
    req.write(body.slice(0, half));
    finish = () => req.end(body.slice(half));
  });
  return { status, finish: () => finish() };
}

export interface DrainOptions {
  port: number;
  key: string;
  /** How many POSTs (titles `in flight <i>`) are held half-sent across the signal. */
  posts: number;
  /** How many `GET /v1/tasks` are sent alongside. */
  reads: number;
  /** Runs once the process has logged the start of its shutdown, before the POSTs' bodies are completed. */
  whileDraining?: () => Promise<void>;
  /** How long a wait for the shutdown log may take. */
  ms?: number;
}

/**
 * Puts the requests in flight, sends SIGTERM, waits for "readiness now 503", runs `whileDraining`, then
 * completes the POSTs. Returns the POSTs' and the reads' statuses, in order; the exit code is the caller's.
 */
export async function sigtermWithRequestsInFlight(
  proc: NodeProcess,
  options: DrainOptions,
): Promise<{ posts: number[]; reads: number[] }> {
  const { port, key } = options;
  const slow = Array.from({ length: options.posts }, (_, i) => slowPost(port, key, `in flight ${i}`));
  const reads = Array.from({ length: options.reads }, () =>
    fetch(`http://127.0.0.1:${port}/v1/tasks`, { headers: { authorization: `Bearer ${key}` } }).then(
      (r) => r.status,
    ),
  );
  // Let every request reach the server before the signal.
  await new Promise((r) => setTimeout(r, 300));
  proc.child.kill("SIGTERM");
  await waitFor(() => proc.stdout().includes("readiness now 503"), "shutdown start", {
    output: proc.output,
    ...(options.ms ? { ms: options.ms } : {}),
  });
  await options.whileDraining?.();
  for (const s of slow) s.finish();
  return { posts: await Promise.all(slow.map((s) => s.status)), reads: await Promise.all(reads) };
}
