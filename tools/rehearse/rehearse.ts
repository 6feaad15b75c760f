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
 *   tree would replace or delete a protected or stateful resource (upgrade.ts, stateful.ts).
 * --keep      keeps the temporary directory (state, PULUMI_HOME, project) and prints how to use it.
 * --out <dir> writes each step's CLI output to <dir>/<step>.txt (the preview's diff for a PR comment).
 * --root <dir> rehearses another checkout (tests use a copy with a changed Pulumi.yaml).
 *
 * This file runs the steps in order; the parts: options.ts (flags), stack.ts (stack file, project directory,
 * policy arguments), steps.ts (environment, one CLI step, stack creation), program-server.ts (the in-process
 * program host), upgrade.ts (--upgrade-from), summary.ts (what is reported), failure.ts.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { NoCliError, resolvePulumiCli } from "./cli.js";
import { StepFailure } from "./failure.js";
import { parseCli, type RehearseOptions } from "./options.js";
import { PROJECT, policyArgs, projectFarm, stackSetup } from "./stack.js";
import { COMMON, initStack, mustSucceed, PASSPHRASE, type Runner, rehearsalEnv, runStep } from "./steps.js";
import {
  countByPackage,
  countOf,
  type Deployment,
  policyVerdicts,
  programMode,
  renderSummary,
  resourceSummary,
  type Summary,
} from "./summary.js";
import { rehearseUpgrade } from "./upgrade.js";

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
    if (options.upgradeFrom) upgrade = await rehearseUpgrade(runner, options, tmp, project, setup);
    else await initStack(runner, project, options, setup);

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
