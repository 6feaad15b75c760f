/**
 * Serves a project's program to the CLI when no Node.js language host is next to it: starts
 * tools/rehearse/program-host.ts (`node --import tsx program-host.ts <entry>`) and hands its port to the CLI
 * command as `--client=127.0.0.1:<port>` (steps.ts). One host per CLI command, like the language host.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { StepFailure } from "./failure.js";

const PROGRAM_HOST = fileURLToPath(new URL("./program-host.ts", import.meta.url));
/** How long to wait for the program host's port (node start + tsx + the program's imports). */
const HOST_START_TIMEOUT_MS = 120_000;

/** The entry module and working directory of a project's program (Pulumi.yaml `main`, as the engine reads it). */
export function programEntry(project: string): { entry: string; cwd: string } {
  const settings = parseYaml(readFileSync(path.join(project, "Pulumi.yaml"), "utf8")) as { main?: string };
  const main = path.resolve(project, settings.main ?? ".");
  if (!existsSync(main)) throw new StepFailure(`Pulumi.yaml main ${main} does not exist`);
  if (!statSync(main).isDirectory()) return { entry: main, cwd: path.dirname(main) };
  for (const index of ["index.ts", "index.js", "index.mjs"]) {
    if (existsSync(path.join(main, index))) return { entry: path.join(main, index), cwd: main };
  }
  throw new StepFailure(`Pulumi.yaml main ${main} is a directory without index.ts/index.js`);
}

export interface ProgramHost {
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts tools/rehearse/program-host.ts for `project`'s program (in the directory the engine would start it in)
 * and resolves with its port; its output goes to `onOutput` (console output of the program, which a language
 * host would relay through the engine).
 */
export function startProgramHost(
  env: NodeJS.ProcessEnv,
  project: string,
  onOutput: (chunk: Buffer) => void,
): Promise<ProgramHost> {
  const { entry, cwd } = programEntry(project);
  const tsx = import.meta.resolve("tsx");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", tsx, PROGRAM_HOST, entry], {
      cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let pending = "";
    let port: number | undefined;
    const exited = new Promise<void>((done) => child.on("close", () => done()));
    const stop = async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new StepFailure(`the program host did not start in ${HOST_START_TIMEOUT_MS / 1000} s`));
    }, HOST_START_TIMEOUT_MS);
    child.stdout.on("data", (chunk: Buffer) => {
      if (port !== undefined) return onOutput(chunk);
      pending += chunk.toString("utf8");
      const newline = pending.indexOf("\n");
      if (newline < 0) return;
      const match = /^port (\d+)$/.exec(pending.slice(0, newline));
      const rest = pending.slice(newline + 1);
      if (rest) onOutput(Buffer.from(rest));
      if (!match) return onOutput(Buffer.from(pending.slice(0, newline + 1)));
      port = Number(match[1]);
      clearTimeout(timer);
      resolve({ port, stop });
    });
    child.stderr.on("data", onOutput);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (port === undefined) {
        reject(new StepFailure(`the program host exited (${code}) before serving ${entry}`));
      }
    });
  });
}
