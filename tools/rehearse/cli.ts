/**
 * Finds the Pulumi CLI the rehearsal runs: a `pulumi` on PATH (the user's own CLI, with its bundled language
 * hosts), else the one tools/rehearse/build-cli.sh built from the Go module proxy into the cache outside the
 * repository (built now when missing and Go is installed). No CLI and no Go: one message, exit code 2.
 *
 * `languageHost` says whether a Node.js language host (`pulumi-language-nodejs`) sits next to that `pulumi`, as
 * in every Pulumi release. With one, the runner lets the CLI start the program the normal way; without one (the
 * built CLI: the host is not served by the Go module proxy), it serves the program itself through the SDK's
 * in-process language runtime (tools/rehearse/program-host.ts) and lets the CLI start the policy pack through
 * tools/rehearse/bin/pulumi-language-nodejs (policy-host.ts: RunPlugin only).
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BUILD_SCRIPT = fileURLToPath(new URL("./build-cli.sh", import.meta.url));

export interface PulumiCli {
  /** Absolute path of the `pulumi` executable. */
  pulumi: string;
  /** Directory that holds it (prepended to PATH so the engine finds the language host next to it). */
  binDir: string;
  /** Where it came from. */
  source: "path" | "cache" | "built";
  version: string;
  /** `pulumi-language-nodejs` next to `pulumi`, when there is one. */
  languageHost?: string;
}

export class NoCliError extends Error {
  override name = "NoCliError";
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `pulumi` on PATH, skipping npm's node_modules/.bin (the npm `pulumi` package is a downloader, not the CLI). */
export function pulumiOnPath(envPath = process.env.PATH ?? ""): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir || dir.split(path.sep).includes("node_modules")) continue;
    const candidate = path.join(dir, "pulumi");
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The Node.js language host shipped next to a `pulumi` executable, if any. */
export function languageHostNextTo(pulumi: string): string | undefined {
  const host = path.join(path.dirname(pulumi), "pulumi-language-nodejs");
  return isExecutable(host) ? host : undefined;
}

function withHost(cli: Omit<PulumiCli, "languageHost">): PulumiCli {
  const host = languageHostNextTo(cli.pulumi);
  return host ? { ...cli, languageHost: host } : cli;
}

function versionOf(pulumi: string): string {
  const result = spawnSync(pulumi, ["version"], {
    encoding: "utf8",
    env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
  });
  return (result.stdout ?? "").trim() || "unknown";
}

/**
 * Resolves the CLI. `TWINCLOUD_PULUMI_SOURCE=cache` ignores a `pulumi` on PATH (CI pins the built version);
 * `=path` refuses to build.
 */
export function resolvePulumiCli(options: { log?: (line: string) => void } = {}): PulumiCli {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const preference = process.env.TWINCLOUD_PULUMI_SOURCE ?? "auto";
  if (preference !== "cache") {
    const onPath = pulumiOnPath();
    if (onPath) {
      return withHost({
        pulumi: onPath,
        binDir: path.dirname(onPath),
        source: "path",
        version: versionOf(onPath),
      });
    }
  }
  const cached = spawnSync("bash", [BUILD_SCRIPT, "--check"], { encoding: "utf8" });
  let source: PulumiCli["source"] = "cache";
  let binDir = cached.status === 0 ? cached.stdout.trim().split("\n").pop() : undefined;
  if (!binDir) {
    if (preference === "path") {
      throw new NoCliError(
        "rehearse: no 'pulumi' on PATH (TWINCLOUD_PULUMI_SOURCE=path forbids building one)",
      );
    }
    log("rehearse: no 'pulumi' on PATH and none cached: building it from the Go module proxy (once)");
    const built = spawnSync("bash", [BUILD_SCRIPT], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (built.status === 2) {
      throw new NoCliError(
        "rehearse: no 'pulumi' on PATH and no Go toolchain to build it: install the Pulumi CLI " +
          "(https://www.pulumi.com/docs/install/) or Go >= 1.26, then run again.",
      );
    }
    if (built.status !== 0)
      throw new Error(`rehearse: building the Pulumi CLI failed (exit ${built.status})`);
    binDir = built.stdout.trim().split("\n").pop();
    source = "built";
  }
  if (!binDir) throw new Error("rehearse: build-cli.sh printed no directory");
  const pulumi = path.join(binDir, "pulumi");
  return withHost({ pulumi, binDir, source, version: versionOf(pulumi) });
}

/** True when a rehearsal can run here: a CLI on PATH or cached, or Go to build one. */
export function canRehearse(): boolean {
  if (process.env.TWINCLOUD_PULUMI_SOURCE !== "cache" && pulumiOnPath()) return true;
  if (spawnSync("bash", [BUILD_SCRIPT, "--check"]).status === 0) return true;
  return spawnSync("go", ["version"]).status === 0;
}
