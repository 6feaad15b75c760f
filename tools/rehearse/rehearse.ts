/**
 * Rehearsal on the real Pulumi engine, offline:
 *
 *   npm run rehearse -- --stack <dev|staging|prod> [--cloud aws|azure] [--upgrade-from <git-ref>] [--keep]
 *                       [--out <dir>] [--root <dir>]
 *
 * The real CLI (tools/rehearse/cli.ts), a local file backend and a passphrase secrets provider in a temporary
 * directory, and the stub provider plugins in tools/rehearse/providers/bin (found by the engine on PATH, as
 * "ambient" plugins; nothing is downloaded). The program: when a Node.js language host is next to the CLI (a
 * user's own `pulumi`), the CLI starts it the normal way; otherwise (the CLI built by build-cli.sh, which has no
 * host) the runner serves it through the Node.js SDK's in-process language runtime, as the Automation API serves
 * an inline program (tools/rehearse/program-host.ts, `--client=<address>` on every command that runs the
 * program), and the CLI starts the policy pack through the rehearsal's policy-pack host
 * (tools/rehearse/bin/pulumi-language-nodejs → policy-host.ts: RunPlugin only). Steps:
 * preview with the policy pack exactly as CI runs it, up with the same pack, a preview that must show no change,
 * and for prod a destroy that `protect` must refuse. Any failure exits non-zero with the CLI's own output.
 *
 * --upgrade-from <ref> first deploys <ref>'s program (a git worktree) into the stack and fails when the current
 *   tree would replace or delete a protected or stateful resource (tools/rehearse/stateful.ts).
 * --keep      keeps the temporary directory (state, PULUMI_HOME, project) and prints how to use it.
 * --out <dir> writes each step's CLI output to <dir>/<step>.txt (the preview's diff for a PR comment).
 * --root <dir> rehearses another checkout (tests use a copy with a changed Pulumi.yaml).
 */
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { withAssumedOperatorValues } from "../stacks/assumptions.js";
import { NoCliError, type PulumiCli, resolvePulumiCli } from "./cli.js";
import { type PreviewStep, stepType, unsafeSteps, whyUnsafe } from "./stateful.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PROGRAM_HOST = fileURLToPath(new URL("./program-host.ts", import.meta.url));
/** Seconds to wait for the program host's port (node start + tsx + the program's imports). */
const HOST_START_TIMEOUT_MS = 120_000;
const PROJECT = "twincloud";
const PASSPHRASE = "twincloud-rehearsal-only";
/** Per step; a hung engine or provider must not hang CI. */
const STEP_TIMEOUT_MS = 10 * 60_000;

/** Region / location when a stack file (or a what-if cloud) sets none, as in the offline plan. */
const REGION_DEFAULTS: Record<string, string> = {
  "aws:region": "eu-west-1",
  "azure-native:location": "westeurope",
};

export interface RehearseOptions {
  stack: string;
  cloud?: "aws" | "azure";
  upgradeFrom?: string;
  keep: boolean;
  out?: string;
  root: string;
}

export class UsageError extends Error {
  override name = "UsageError";
}

export function parseCli(argv: string[]): RehearseOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      cloud: { type: "string" },
      "upgrade-from": { type: "string" },
      keep: { type: "boolean", default: false },
      out: { type: "string" },
      root: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.stack) throw new UsageError("--stack <dev|staging|prod> is required");
  if (values.cloud !== undefined && values.cloud !== "aws" && values.cloud !== "azure") {
    throw new UsageError(`--cloud must be aws or azure, not ${values.cloud}`);
  }
  const root = path.resolve(values.root ?? REPO_ROOT);
  if (!existsSync(path.join(root, `Pulumi.${values.stack}.yaml`))) {
    throw new UsageError(`no stack file Pulumi.${values.stack}.yaml in ${root}`);
  }
  return {
    stack: values.stack,
    ...(values.cloud ? { cloud: values.cloud as "aws" | "azure" } : {}),
    ...(values["upgrade-from"] ? { upgradeFrom: values["upgrade-from"] } : {}),
    keep: values.keep ?? false,
    ...(values.out ? { out: path.resolve(values.out) } : {}),
    root,
  };
}

type Config = Record<string, unknown>;

export interface StackSetup {
  config: Config;
  /** Keys whose shipped value is a `secure:` ciphertext for another passphrase: set again as rehearsal secrets. */
  secrets: string[];
  assumptions: string[];
  cloud: string;
  environment: string;
}

/** The shipped stack file's config, with `--cloud` applied and rehearsal values where operator values are missing. */
export function stackSetup(root: string, stack: string, cloudOverride?: string): StackSetup {
  const shipped = parseYaml(readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Config;
  } | null;
  const config: Config = {};
  const secrets: string[] = [];
  for (const [key, value] of Object.entries(shipped?.config ?? {})) {
    const full = key.includes(":") ? key : `${PROJECT}:${key}`;
    if (value && typeof value === "object" && "secure" in value) secrets.push(full);
    else config[full] = value;
  }
  const assumptions: string[] = secrets.map(
    (key) => `${key}: the shipped value is encrypted for the real stack; a rehearsal secret is used instead`,
  );
  if (cloudOverride) config[`${PROJECT}:cloud`] = cloudOverride;
  const cloud = String(config[`${PROJECT}:cloud`] ?? "");
  const environment = String(config[`${PROJECT}:environment`] ?? stack);
  const ownCloud =
    typeof shipped?.config?.[`${PROJECT}:cloud`] === "string"
      ? shipped.config[`${PROJECT}:cloud`]
      : undefined;
  const regionKey = cloud === "aws" ? "aws:region" : cloud === "azure" ? "azure-native:location" : undefined;
  if (regionKey && config[regionKey] === undefined) {
    config[regionKey] = REGION_DEFAULTS[regionKey]!;
    assumptions.push(`the stack file sets no ${regionKey}, so ${regionKey}=${config[regionKey]} is assumed`);
  }
  // The operator values the offline plan assumes too (marked in their names: .rehearsal TLD, account 0).
  const asStrings = Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
  const assumed = withAssumedOperatorValues(stack, asStrings, ownCloud as string | undefined);
  for (const [key, value] of Object.entries(assumed.config)) if (!(key in config)) config[key] = value;
  assumptions.push(...assumed.assumptions);
  return { config, secrets, assumptions, cloud, environment };
}

/**
 * A project directory for the engine: symlinks to every top-level entry of `root`, but its own Pulumi.yaml
 * and stack file, so `pulumi stack init` / `config set` never write into the checkout. Node resolves the
 * symlinks to the real files, so the program, tsconfig and node_modules are the checkout's.
 */
export function projectFarm(root: string, dest: string): string {
  mkdirSync(dest, { recursive: true });
  for (const entry of readdirSync(root)) {
    if (entry === ".git" || /^Pulumi\..+\.yaml$/.test(entry) || entry === "Pulumi.yaml") continue;
    symlinkSync(path.join(root, entry), path.join(dest, entry));
  }
  cpSync(path.join(root, "Pulumi.yaml"), path.join(dest, "Pulumi.yaml"));
  return dest;
}

export interface StepResult {
  name: string;
  command: string;
  code: number | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
  /** stdout alone (the JSON of `preview --json`). */
  stdout: string;
  seconds: number;
}

export class StepFailure extends Error {
  override name = "StepFailure";
  constructor(
    message: string,
    readonly step?: StepResult,
  ) {
    super(message);
  }
}

interface Runner {
  cli: PulumiCli;
  env: NodeJS.ProcessEnv;
  steps: StepResult[];
  out?: string;
  log: (line: string) => void;
}

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

interface ProgramHost {
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

function runStep(
  runner: Runner,
  name: string,
  cwd: string,
  cliArgs: string[],
  options: { quiet?: boolean; program?: boolean } = {},
): Promise<StepResult> {
  const started = performance.now();
  const command = `pulumi ${cliArgs.join(" ")}`;
  if (!options.quiet) runner.log(`rehearse: ${name}: ${command}`);
  const chunks: Buffer[] = [];
  // No language host next to the CLI: this command's program is served in-process (--client).
  const hosted =
    options.program && !runner.cli.languageHost
      ? startProgramHost(runner.env, cwd, (chunk) => chunks.push(chunk))
      : undefined;
  return (hosted ?? Promise.resolve(undefined)).then(
    (host) =>
      new Promise<StepResult>((resolve, reject) => {
        const args = host ? [...cliArgs, `--client=127.0.0.1:${host.port}`] : cliArgs;
        const child = spawn(runner.cli.pulumi, args, {
          cwd,
          env: runner.env,
          stdio: ["ignore", "pipe", "pipe"],
        });
        const stdout: Buffer[] = [];
        child.stdout.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          stdout.push(chunk);
        });
        child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
        const timer = setTimeout(() => child.kill("SIGKILL"), STEP_TIMEOUT_MS);
        child.on("error", (error) => {
          clearTimeout(timer);
          void host?.stop();
          reject(error);
        });
        child.on("close", async (code) => {
          clearTimeout(timer);
          await host?.stop();
          const result: StepResult = {
            name,
            command,
            code,
            output: Buffer.concat(chunks).toString("utf8"),
            stdout: Buffer.concat(stdout).toString("utf8"),
            seconds: (performance.now() - started) / 1000,
          };
          if (!options.quiet) {
            runner.steps.push(result);
            runner.log(`rehearse: ${name}: exit ${code} in ${result.seconds.toFixed(1)} s`);
          }
          if (runner.out) {
            mkdirSync(runner.out, { recursive: true });
            writeFileSync(path.join(runner.out, `${name}.txt`), result.output);
          }
          resolve(result);
        });
      }),
    // The program host did not come up (an import error in the program, say): the step fails with its output.
    (error: Error) => {
      chunks.push(Buffer.from(`rehearse: ${error.message}\n`));
      const result: StepResult = {
        name,
        command,
        code: 1,
        output: Buffer.concat(chunks).toString("utf8"),
        stdout: "",
        seconds: (performance.now() - started) / 1000,
      };
      if (!options.quiet) {
        runner.steps.push(result);
        runner.log(`rehearse: ${name}: the program host failed in ${result.seconds.toFixed(1)} s`);
      }
      return result;
    },
  );
}

async function mustSucceed(
  runner: Runner,
  name: string,
  cwd: string,
  args: string[],
  options: { quiet?: boolean; program?: boolean } = {},
) {
  const result = await runStep(runner, name, cwd, args, options);
  if (result.code !== 0) throw new StepFailure(`${name} failed (exit ${result.code})`, result);
  return result;
}

/** `[mandatory]  rule  (type: name)` lines of the CLI's Policies section, by enforcement level. */
export function policyVerdicts(output: string): { level: string; rule: string }[] {
  const verdicts: { level: string; rule: string }[] = [];
  for (const match of output.matchAll(/^\s*- \[(mandatory|advisory|remediate)\]\s+(\S+)/gm)) {
    verdicts.push({ level: match[1]!, rule: match[2]! });
  }
  return verdicts;
}

/** The CLI's "Resources:" summary block, one line per operation. */
export function resourceSummary(output: string): string[] {
  const lines = output.split("\n");
  const start = lines.findIndex((line) => line.trim() === "Resources:");
  if (start < 0) return [];
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.trim()) break;
    block.push(line.trim());
  }
  return block;
}

/** N of the "+ N <what>" line of a Resources: block (0 when absent). */
export function countOf(summary: readonly string[], what: string): number {
  const line = summary.find((entry) => entry.endsWith(` ${what}`));
  return line ? Number(line.match(/(\d+)/)?.[1] ?? 0) : 0;
}

interface Deployment {
  resources?: { type: string; protect?: boolean }[];
}

function countByPackage(deployment: Deployment): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of deployment.resources ?? []) {
    const pkg = resource.type.startsWith("pulumi:providers:") ? "(providers)" : resource.type.split(":")[0]!;
    counts[pkg] = (counts[pkg] ?? 0) + 1;
  }
  return counts;
}

export function rehearsalEnv(cli: PulumiCli, tmp: string, root: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // No cloud or Pulumi Cloud credentials, no inherited backend: the rehearsal must not reach anything.
    if (/^(PULUMI_|AWS_|ARM_|AZURE_)/.test(key)) continue;
    env[key] = value;
  }
  const providers =
    process.env.TWINCLOUD_REHEARSE_PROVIDERS ?? path.join(root, "tools/rehearse/providers/bin");
  return {
    ...env,
    // Stub providers first; then, when the CLI has no language host next to it, the rehearsal's policy-pack host
    // (tools/rehearse/bin/pulumi-language-nodejs, RunPlugin only); then the CLI's own directory (its language
    // host, when it has one), then the rest.
    PATH: [
      providers,
      ...(cli.languageHost ? [] : [path.join(root, "tools/rehearse/bin")]),
      cli.binDir,
      env.PATH ?? "",
    ].join(path.delimiter),
    PULUMI_HOME: path.join(tmp, "home"),
    PULUMI_BACKEND_URL: pathToFileURL(path.join(tmp, "state")).href,
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SELF_MANAGED_STATE_NO_LEGACY_WARNING: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    // The program exchanges an Entra ID token for an ACR push token during `up` (infra/azure/acr-token.ts); a
    // rehearsal reaches no registry, so it hands the program a token (the documented override).
    TWINCLOUD_ACR_REFRESH_TOKEN: "rehearsal-acr-refresh-token",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
}

const COMMON = ["--non-interactive", "--color", "never"];

function policyArgs(root: string, stack: string, environment: string): string[] {
  // CI passes policies/config/<stack>.json; a stack named otherwise falls back to its tier's file.
  const byStack = `policies/config/${stack}.json`;
  const file = existsSync(path.join(root, byStack)) ? byStack : `policies/config/${environment}.json`;
  return ["--policy-pack", "policies", "--policy-pack-config", file];
}

function writeStackFile(project: string, stack: string, config: Config, extra: Record<string, unknown> = {}) {
  writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), stringifyYaml({ ...extra, config }));
}

async function initStack(runner: Runner, project: string, options: RehearseOptions, setup: StackSetup) {
  writeStackFile(project, options.stack, setup.config);
  await mustSucceed(runner, "stack-init", project, [
    "stack",
    "init",
    options.stack,
    "--secrets-provider",
    "passphrase",
    ...COMMON,
  ]);
  for (const key of setup.secrets) {
    await mustSucceed(
      runner,
      "config-secret",
      project,
      ["config", "set", "--secret", key, `rehearsal-secret-${key.split(":").pop()}`, ...COMMON],
      { quiet: true },
    );
  }
}

function git(root: string, args: string[]) {
  const result = spawnSync("git", ["-C", root, ...args], { encoding: "utf8" });
  if (result.status !== 0) throw new StepFailure(`git ${args.join(" ")} failed:\n${result.stderr}`);
  return result.stdout;
}

/** Deploys <ref>'s program into the stack, then checks what the current tree's preview would do to it. */
async function upgradeFrom(runner: Runner, options: RehearseOptions, tmp: string, project: string) {
  const ref = options.upgradeFrom!;
  const worktree = path.join(tmp, "base-worktree");
  // The repository holding <ref>: the rehearsed checkout, or this script's when that is no repository.
  const repo =
    spawnSync("git", ["-C", options.root, "rev-parse", "--git-dir"]).status === 0 ? options.root : REPO_ROOT;
  git(repo, ["worktree", "add", "--detach", "--force", worktree, ref]);
  try {
    if (!existsSync(path.join(worktree, "node_modules"))) {
      symlinkSync(path.join(options.root, "node_modules"), path.join(worktree, "node_modules"));
    }
    const baseProject = projectFarm(worktree, path.join(tmp, "base-project"));
    const stackFile = existsSync(path.join(worktree, `Pulumi.${options.stack}.yaml`))
      ? worktree
      : options.root;
    const baseSetup = stackSetup(stackFile, options.stack, options.cloud);
    for (const line of baseSetup.assumptions) runner.log(`assumption (${ref}): ${line}`);
    await initStack(runner, baseProject, options, baseSetup);
    await mustSucceed(runner, "base-up", baseProject, ["up", "--yes", "--skip-preview", ...COMMON], {
      program: true,
    });
    // The stack's passphrase salt lives in its stack file: carry it to the current tree's copy.
    const baseFile = parseYaml(
      readFileSync(path.join(baseProject, `Pulumi.${options.stack}.yaml`), "utf8"),
    ) as {
      encryptionsalt?: string;
    };
    return baseFile.encryptionsalt;
  } finally {
    if (!options.keep) {
      spawnSync("git", ["-C", repo, "worktree", "remove", "--force", worktree]);
      spawnSync("git", ["-C", repo, "worktree", "prune"]);
    }
    void project;
  }
}

/** One line on how the program and the policy pack run with this CLI. */
export function programMode(cli: PulumiCli): string {
  return cli.languageHost
    ? `under the Node.js language host next to the CLI (${cli.languageHost}), as \`pulumi up\` runs it`
    : "served in-process by the Node.js SDK's language runtime (--client; no pulumi-language-nodejs next to the CLI); " +
        "policy pack through tools/rehearse/bin/pulumi-language-nodejs (RunPlugin only)";
}

export interface Summary {
  stack: string;
  cloud: string;
  environment: string;
  cli: string;
  /** How the program ran: under the language host next to the CLI, or served in-process (--client). */
  program: string;
  assumptions: string[];
  steps: { name: string; seconds: number; code: number | null }[];
  previewResources: string[];
  resources: Record<string, number>;
  verdicts: { level: string; rule: string }[];
  upgrade?: { from: string; steps: { op: string; type: string; urn: string }[] };
  /** prod: what `pulumi destroy` did before `protect` stopped it. */
  destroy?: { protectedTypes: string[]; before: number; remaining: number };
  seconds: number;
}

export async function rehearse(options: RehearseOptions, log = (line: string) => console.error(line)) {
  const started = performance.now();
  const cli = resolvePulumiCli({ log });
  const tmp = mkdtempSync(path.join(tmpdir(), `twincloud-rehearse-${options.stack}-`));
  const runner: Runner = {
    cli,
    env: rehearsalEnv(cli, tmp, options.root),
    steps: [],
    log,
    ...(options.out ? { out: options.out } : {}),
  };
  log(`rehearse: pulumi ${cli.version} (${cli.source}: ${cli.pulumi}); state in ${tmp}`);
  log(`rehearse: program: ${programMode(cli)}`);
  try {
    const setup = stackSetup(options.root, options.stack, options.cloud);
    for (const line of setup.assumptions) log(`assumption: ${line}`);
    if (options.cloud) log(`override: ${PROJECT}:cloud = ${options.cloud} (--cloud)`);
    const project = projectFarm(options.root, path.join(tmp, "project"));
    mkdirSync(path.join(tmp, "state"), { recursive: true });
    await mustSucceed(runner, "login", project, ["login", runner.env.PULUMI_BACKEND_URL!, ...COMMON], {
      quiet: true,
    });

    let upgrade: Summary["upgrade"];
    if (options.upgradeFrom) {
      const salt = await upgradeFrom(runner, options, tmp, project);
      writeStackFile(project, options.stack, setup.config, salt ? { encryptionsalt: salt } : {});
      await mustSucceed(runner, "select", project, ["stack", "select", options.stack, ...COMMON], {
        quiet: true,
      });
      for (const key of setup.secrets) {
        await mustSucceed(
          runner,
          "config-secret",
          project,
          ["config", "set", "--secret", key, `rehearsal-secret-${key.split(":").pop()}`, ...COMMON],
          { quiet: true },
        );
      }
      const result = await runStep(runner, "upgrade-preview", project, ["preview", "--json", ...COMMON], {
        program: true,
      });
      let steps: PreviewStep[];
      try {
        steps = (JSON.parse(result.stdout) as { steps?: PreviewStep[] }).steps ?? [];
      } catch {
        throw new StepFailure(`upgrade-preview failed (exit ${result.code}): no JSON step list`, result);
      }
      const listed = steps.filter((step) => step.op !== "same");
      upgrade = {
        from: options.upgradeFrom,
        steps: listed.map((step) => ({ op: step.op, type: stepType(step), urn: step.urn })),
      };
      const unsafe = unsafeSteps(steps);
      if (result.code !== 0 || unsafe.length > 0) {
        const lines = listed.map((step) => {
          const flag = unsafe.includes(step) ? "UNSAFE " : "       ";
          const reasons = step.replaceReasons?.length ? ` (replace: ${step.replaceReasons.join(", ")})` : "";
          const why = unsafe.includes(step) ? ` <- ${whyUnsafe(step)}` : "";
          return `${flag}${step.op.padEnd(18)} ${step.urn}${reasons}${why}`;
        });
        throw new StepFailure(
          [
            unsafe.length > 0
              ? `upgrade from ${options.upgradeFrom}: ${unsafe.length} protected or stateful resource(s) would be replaced or deleted`
              : `upgrade-preview failed (exit ${result.code})`,
            "steps:",
            ...lines,
            "stateful types: tools/rehearse/providers/replacements.ts STATEFUL_TYPES; add an alias when a resource moves",
          ].join("\n"),
          unsafe.length > 0 ? undefined : result,
        );
      }
    } else {
      await initStack(runner, project, options, setup);
    }

    const policy = policyArgs(options.root, options.stack, setup.environment);
    const preview = await mustSucceed(
      runner,
      "preview",
      project,
      ["preview", "--diff", ...policy, ...COMMON],
      { program: true },
    );
    const up = await mustSucceed(
      runner,
      "up",
      project,
      ["up", "--yes", "--skip-preview", ...policy, ...COMMON],
      { program: true },
    );
    // A fresh stack: the update must create what the preview planned (a program that registers fewer
    // resources on a second run, or an update that stops early without an error, shows up here).
    const planned = countOf(resourceSummary(preview.output), "to create");
    const created = countOf(resourceSummary(up.output), "created");
    if (!options.upgradeFrom && planned !== created) {
      throw new StepFailure(`up created ${created} resources, the preview planned ${planned}`, up);
    }
    await mustSucceed(
      runner,
      "no-change-preview",
      project,
      ["preview", "--expect-no-changes", "--diff", ...COMMON],
      { program: true },
    );
    const exportState = async () => {
      const exported = await mustSucceed(runner, "export", project, ["stack", "export"], { quiet: true });
      return (JSON.parse(exported.stdout) as { deployment?: Deployment }).deployment ?? {};
    };
    const deployment = await exportState();
    let destroyed: Summary["destroy"];
    if (setup.environment === "prod") {
      const destroy = await runStep(
        runner,
        "destroy-refused",
        project,
        ["destroy", "--yes", "--skip-preview", ...COMMON],
        { program: true },
      );
      if (destroy.code === 0) {
        throw new StepFailure("prod: pulumi destroy succeeded, but protect must refuse it", destroy);
      }
      if (!/protect/i.test(destroy.output)) {
        throw new StepFailure("prod: pulumi destroy failed, but not because of protect", destroy);
      }
      // The engine refuses the protected resources but deletes every other resource it can first.
      const before = (deployment.resources ?? []).filter((r) => !r.type.startsWith("pulumi:"));
      const after = ((await exportState()).resources ?? []).filter((r) => !r.type.startsWith("pulumi:"));
      destroyed = {
        protectedTypes: [...new Set(before.filter((r) => r.protect).map((r) => r.type))].sort(),
        before: before.length,
        remaining: after.length,
      };
    }
    const summary: Summary = {
      stack: options.stack,
      cloud: setup.cloud,
      environment: setup.environment,
      cli: `${cli.version} (${cli.source})`,
      program: programMode(cli),
      assumptions: setup.assumptions,
      steps: runner.steps.map((step) => ({ name: step.name, seconds: step.seconds, code: step.code })),
      previewResources: resourceSummary(preview.output),
      resources: countByPackage(deployment),
      ...(destroyed ? { destroy: destroyed } : {}),
      verdicts: [...policyVerdicts(preview.output), ...policyVerdicts(up.output)],
      ...(upgrade ? { upgrade } : {}),
      seconds: (performance.now() - started) / 1000,
    };
    return { summary, tmp };
  } finally {
    if (options.keep) {
      log(
        `rehearse: kept ${tmp}: cd ${path.join(tmp, "project")} && export PULUMI_HOME=${runner.env.PULUMI_HOME}`,
      );
      log(
        `rehearse:   PULUMI_BACKEND_URL=${runner.env.PULUMI_BACKEND_URL} PULUMI_CONFIG_PASSPHRASE=${PASSPHRASE} ` +
          `PATH=${runner.env.PATH?.split(path.delimiter).slice(0, 2).join(path.delimiter)}:$PATH`,
      );
    } else {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

export function renderSummary(summary: Summary): string {
  const lines = [`rehearsal of ${summary.stack} (${summary.cloud}, tier ${summary.environment}): OK`];
  lines.push(`  pulumi ${summary.cli}`);
  lines.push(`  program: ${summary.program}`);
  for (const assumption of summary.assumptions) lines.push(`  assumption: ${assumption}`);
  lines.push("  steps:");
  for (const step of summary.steps) {
    lines.push(`    ${step.name.padEnd(18)} ${step.seconds.toFixed(1).padStart(6)} s  exit ${step.code}`);
  }
  lines.push(`  preview: ${summary.previewResources.join("; ") || "(no Resources: block)"}`);
  const counts = Object.entries(summary.resources)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([pkg, count]) => `${pkg} ${count}`);
  const total = Object.values(summary.resources).reduce((a, b) => a + b, 0);
  lines.push(`  resources in state (${summary.cloud}): ${total} = ${counts.join(", ")}`);
  const byLevel: Record<string, Set<string>> = {};
  for (const verdict of summary.verdicts) {
    byLevel[verdict.level] = (byLevel[verdict.level] ?? new Set()).add(verdict.rule);
  }
  const verdicts = Object.entries(byLevel).map(
    ([level, rules]) => `${level}: ${[...rules].sort().join(", ")}`,
  );
  lines.push(`  policy verdicts: ${verdicts.length ? verdicts.join("; ") : "no violations"}`);
  if (summary.upgrade) {
    lines.push(
      `  upgrade from ${summary.upgrade.from}: ${summary.upgrade.steps.length} change(s), none unsafe`,
    );
    for (const step of summary.upgrade.steps) lines.push(`    ${step.op.padEnd(18)} ${step.urn}`);
  }
  if (summary.destroy) {
    const { protectedTypes, before, remaining } = summary.destroy;
    lines.push(
      `  destroy: refused by protect (${protectedTypes.join(", ")}), but it first deleted ${before - remaining} of ${before} resources; ${remaining} remain`,
    );
  }
  lines.push(`  total ${summary.seconds.toFixed(1)} s`);
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  let options: RehearseOptions;
  try {
    options = parseCli(argv);
  } catch (error) {
    console.error(`rehearse: ${(error as Error).message}`);
    console.error(
      "usage: npm run rehearse -- --stack <dev|staging|prod> [--cloud aws|azure] [--upgrade-from <git-ref>] [--keep] [--out <dir>]",
    );
    return 64;
  }
  try {
    const { summary } = await rehearse(options);
    console.log(renderSummary(summary));
    return 0;
  } catch (error) {
    if (error instanceof NoCliError) {
      console.error(error.message);
      return 2;
    }
    if (error instanceof StepFailure) {
      if (error.step) {
        console.error(`--- ${error.step.command} (exit ${error.step.code}) ---`);
        console.error(error.step.output.trimEnd());
        console.error("---");
      }
      console.error(`rehearse: ${options.stack}: FAILED: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
