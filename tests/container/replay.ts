/**
 * Replays a Dockerfile's build without a Docker engine: each stage gets a directory standing for its root
 * filesystem; WORKDIR, ENV, COPY (from the build context or `--from` an earlier stage) and RUN (through
 * `sh -c`, in the stage's working directory, with the stage's ENV) are carried out in order; the final stage's
 * metadata (ENTRYPOINT, CMD, HEALTHCHECK, ENV, USER, EXPOSE) is returned so a test can start the result the
 * way the image would.
 *
 * What it cannot reproduce: the base images' own files (the replay uses this machine's Node 24 and npm for
 * `/nodejs/bin/node` and `npm`), USER switching (everything runs as the current user) and platform emulation.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, posix, relative, sep } from "node:path";
import {
  copyPaths,
  type Dockerfile,
  finalStage,
  findStage,
  type Instruction,
  lastOf,
  parseKeyValues,
  type Stage,
  substitute,
} from "../../infra/dockerfile.js";
import { dockerignoreMatcher, dockerignorePatterns, mayReincludeBelow } from "../../infra/dockerignore.js";

/** Copy the build context (repo minus .dockerignore) into `target`; returns the relative paths copied. */
function copyBuildContext(repo: string, target: string): string[] {
  const ignorePath = join(repo, ".dockerignore");
  const patterns = dockerignorePatterns(existsSync(ignorePath) ? readFileSync(ignorePath, "utf8") : "");
  const ignored = dockerignoreMatcher(patterns);
  const mayReinclude = mayReincludeBelow(patterns);
  const copied: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const rel = relative(repo, full).split(sep).join("/");
      if (rel === ".git") continue;
      if (entry.isDirectory()) {
        if (!ignored(rel) || mayReinclude(rel)) walk(full);
      } else if (entry.isFile() && !ignored(rel)) {
        mkdirSync(dirname(join(target, rel)), { recursive: true });
        cpSync(full, join(target, rel), { preserveTimestamps: true });
        copied.push(rel);
      }
    }
  };
  walk(repo);
  return copied.sort();
}

export interface ReplayOptions {
  /** Repository root: the build context. */
  repo: string;
  /** Empty scratch directory for the context and the stages' file systems. */
  workDir: string;
  /** Extra environment for RUN steps (e.g. npm_config_prefer_offline); PATH and HOME come from this process. */
  runEnv?: Record<string, string>;
  /** Called after each step, for progress output. */
  onStep?: (stage: Stage, instruction: Instruction, ms: number) => void;
}

export interface StageResult {
  stage: Stage;
  /** Directory standing for the stage's `/`. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  /** Output of every RUN, in order. */
  runs: Array<{ command: string; ms: number; output: string }>;
}

export interface ReplayResult {
  contextFiles: string[];
  stages: StageResult[];
  final: StageResult & {
    entrypoint?: string[];
    cmd?: string[];
    healthcheck?: Instruction;
    user?: string;
    exposed: string[];
  };
}

/** Run a command to completion without blocking the event loop; stdout and stderr interleaved. */
function runCommand(
  argv: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<{ status: number | string; output: string }> {
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(argv[0]!, argv.slice(1), { ...options, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", (error) => resolve({ status: error.message, output }));
    child.once("close", (code, signal) => resolve({ status: code ?? signal ?? "unknown", output }));
  });
}

const inRoot = (root: string, path: string) => join(root, ...path.split("/").filter(Boolean));

function copyInto(sources: string[], from: string, dest: string, instruction: Instruction): void {
  for (const source of sources) {
    if (/[*?[]/.test(source))
      throw new Error(`replay: wildcards are not supported (line ${instruction.line})`);
    const path = join(from, ...source.split("/").filter(Boolean));
    if (!existsSync(path))
      throw new Error(`replay: COPY source ${source} does not exist (line ${instruction.line})`);
    if (statSync(path).isDirectory()) {
      // A directory's contents are copied into the destination directory.
      mkdirSync(dest, { recursive: true });
      cpSync(path, dest, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    } else {
      const intoDir =
        sources.length > 1 || dest.endsWith(sep) || (existsSync(dest) && statSync(dest).isDirectory());
      const target = intoDir ? join(dest, basename(path)) : dest;
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target, { preserveTimestamps: true });
    }
  }
}

export async function replayBuild(dockerfile: Dockerfile, options: ReplayOptions): Promise<ReplayResult> {
  const context = join(options.workDir, "context");
  const contextFiles = copyBuildContext(options.repo, context);
  const results: StageResult[] = [];

  for (const stage of dockerfile.stages) {
    const parent = findStage(dockerfile, stage.base, stage.index);
    if (parent) throw new Error(`replay: FROM an earlier stage (${stage.base}) is not supported`);
    const root = join(options.workDir, `stage-${stage.index}-${stage.name ?? "unnamed"}`);
    mkdirSync(root, { recursive: true });
    const result: StageResult = { stage, root, workdir: "/", env: {}, runs: [] };
    const args: Record<string, string | undefined> = {};

    for (const instruction of stage.instructions) {
      const started = Date.now();
      const values = { ...args, ...result.env };
      switch (instruction.name) {
        case "WORKDIR": {
          const dir = substitute(instruction.args, values);
          result.workdir = dir.startsWith("/") ? posix.normalize(dir) : posix.join(result.workdir, dir);
          mkdirSync(inRoot(root, result.workdir), { recursive: true });
          break;
        }
        case "ENV":
          for (const [key, value] of parseKeyValues(instruction.args)) {
            result.env[key] = substitute(value ?? "", { ...args, ...result.env });
          }
          break;
        case "ARG":
          for (const [key, value] of parseKeyValues(instruction.args)) args[key] = value;
          break;
        case "COPY": {
          const { sources, dest } = copyPaths(instruction);
          const destPath = substitute(dest, values);
          const absolute = destPath.startsWith("/") ? destPath : posix.join(result.workdir, destPath);
          const target = inRoot(root, absolute) + (destPath.endsWith("/") ? sep : "");
          if (instruction.flags.from) {
            const source = results.find(
              (done) => done.stage === findStage(dockerfile, instruction.flags.from!, stage.index),
            );
            if (!source)
              throw new Error(`replay: COPY --from=${instruction.flags.from} names no earlier stage`);
            // --from sources are paths in the source stage's file system, relative to its root.
            copyInto(sources, source.root, target, instruction);
          } else {
            copyInto(sources, context, target, instruction);
          }
          break;
        }
        case "RUN": {
          const argv = instruction.json ?? ["sh", "-c", instruction.args];
          const cwd = inRoot(root, result.workdir);
          const run = await runCommand(argv, {
            cwd,
            env: {
              PATH: process.env.PATH ?? "/usr/bin:/bin",
              HOME: process.env.HOME ?? "/root",
              // The host's TLS trust and proxy settings, as a build would get from the builder's network: a
              // registry behind a TLS-intercepting proxy is otherwise "self-signed certificate in chain".
              ...hostNetworkEnv(),
              ...options.runEnv,
              ...result.env,
            },
          });
          result.runs.push({ command: argv.join(" "), ms: Date.now() - started, output: run.output });
          if (run.status !== 0) {
            throw new Error(
              `replay: RUN (line ${instruction.line}) failed with ${run.status}: ${argv.join(" ")}\n${run.output}`,
            );
          }
          break;
        }
        case "ADD":
          throw new Error(`replay: ADD is not supported (line ${instruction.line}); use COPY`);
        default:
          // Metadata only (USER, EXPOSE, HEALTHCHECK, CMD, ENTRYPOINT, STOPSIGNAL, LABEL...): read below.
          break;
      }
      options.onStep?.(stage, instruction, Date.now() - started);
    }
    results.push(result);
  }

  const last = results.at(-1)!;
  const stage = finalStage(dockerfile);
  const final: ReplayResult["final"] = {
    ...last,
    exposed: stage.instructions
      .filter((instruction) => instruction.name === "EXPOSE")
      .flatMap((instruction) => instruction.args.split(/\s+/)),
  };
  const entrypoint = lastOf(stage, "ENTRYPOINT")?.json;
  const cmd = lastOf(stage, "CMD")?.json;
  const healthcheck = lastOf(stage, "HEALTHCHECK");
  const user = lastOf(stage, "USER")?.args;
  if (entrypoint) final.entrypoint = entrypoint;
  if (cmd) final.cmd = cmd;
  if (healthcheck) final.healthcheck = healthcheck;
  if (user) final.user = user;
  return { contextFiles, stages: results, final };
}

const HOST_NETWORK_ENV = [
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "NO_PROXY",
  "no_proxy",
] as const;

function hostNetworkEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of HOST_NETWORK_ENV) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}
