/**
 * The CLI steps of a rehearsal: the environment they run in (no credentials, the stub providers first on PATH,
 * a file backend and passphrase in the rehearsal's temporary directory), one step (`pulumi <args>`, its program
 * served in-process when the CLI has no language host: program-server.ts), and the stack's creation.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PulumiCli } from "./cli.js";
import { StepFailure, type StepResult } from "./failure.js";
import type { RehearseOptions } from "./options.js";
import { startProgramHost } from "./program-server.js";
import { type StackSetup, writeStackFile } from "./stack.js";

export const PASSPHRASE = "twincloud-rehearsal-only";
/** Per step; a hung engine or provider must not hang CI. */
const STEP_TIMEOUT_MS = 10 * 60_000;

export interface StepOptions {
  /** Not listed in the summary, not logged. */
  quiet?: boolean;
  /** The command runs the program: serve it in-process (--client) when the CLI has no language host. */
  program?: boolean;
  /** Kill the CLI after this long (default 10 minutes). */
  timeoutMs?: number;
}

export const COMMON = ["--non-interactive", "--color", "never"];

export interface Runner {
  cli: PulumiCli;
  env: NodeJS.ProcessEnv;
  steps: StepResult[];
  out?: string;
  log: (line: string) => void;
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

export function runStep(
  runner: Runner,
  name: string,
  cwd: string,
  cliArgs: string[],
  options: StepOptions = {},
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
        const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? STEP_TIMEOUT_MS);
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

export async function mustSucceed(
  runner: Runner,
  name: string,
  cwd: string,
  args: string[],
  options: StepOptions = {},
) {
  const result = await runStep(runner, name, cwd, args, options);
  if (result.code !== 0) throw new StepFailure(`${name} failed (exit ${result.code})`, result);
  return result;
}

/** Sets the stack's secret keys again, as rehearsal secrets (the shipped ciphertexts are for another passphrase). */
export async function setRehearsalSecrets(runner: Runner, project: string, secrets: readonly string[]) {
  for (const key of secrets) {
    await mustSucceed(
      runner,
      "config-secret",
      project,
      ["config", "set", "--secret", key, `rehearsal-secret-${key.split(":").pop()}`, ...COMMON],
      { quiet: true },
    );
  }
}

/** `pulumi stack init` with the rehearsal's stack file and secrets. */
export async function initStack(
  runner: Runner,
  project: string,
  options: RehearseOptions,
  setup: StackSetup,
) {
  writeStackFile(project, options.stack, setup.config);
  await mustSucceed(runner, "stack-init", project, [
    "stack",
    "init",
    options.stack,
    "--secrets-provider",
    "passphrase",
    ...COMMON,
  ]);
  await setRehearsalSecrets(runner, project, setup.secrets);
}
