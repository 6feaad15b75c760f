/** Child processes the tests start the way production does (`node --import tsx <entry>`), and waiting on them. */
import { type ChildProcess, spawn } from "node:child_process";

export interface NodeProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr as they arrived, for failure messages and checks that do not care which. */
  output(): string;
  exit: Promise<number | null>;
}

/**
 * `node --import tsx <script>` with `env` (and this process's PATH unless `env` sets one): the signal a test
 * sends reaches the script's process itself, not an npx/tsx wrapper.
 */
export function spawnNode(script: string, env: Record<string, string>, options: { cwd?: string } = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    ...options,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let both = "";
  child.stdout!.on("data", (d) => {
    out += d;
    both += d;
  });
  child.stderr!.on("data", (d) => {
    err += d;
    both += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const proc: NodeProcess = { child, stdout: () => out, stderr: () => err, output: () => both, exit };
  return proc;
}

/** Polls `check` every 100 ms; the error names `what` and, when given, the process output so far. */
export async function waitFor(
  check: () => boolean,
  what: string,
  options: { output?: () => string; ms?: number } = {},
): Promise<void> {
  for (const until = Date.now() + (options.ms ?? 30_000); Date.now() < until; ) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${options.output ? `:\n${options.output()}` : ""}`);
}
