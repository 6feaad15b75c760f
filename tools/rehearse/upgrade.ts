/**
 * The upgrade rehearsal (--upgrade-from <ref>): deploys <ref>'s program (a git worktree, same stubs) into the
 * stack, then previews the current tree against that state and fails when a protected or stateful resource
 * would be replaced or deleted (stateful.ts), printing the step list.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, symlinkSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { StepFailure } from "./failure.js";
import { REPO_ROOT, type RehearseOptions } from "./options.js";
import { projectFarm, type StackSetup, stackSetup, writeStackFile } from "./stack.js";
import { type PreviewStep, stepType, unsafeSteps, whyUnsafe } from "./stateful.js";
import { COMMON, initStack, mustSucceed, type Runner, runStep, setRehearsalSecrets } from "./steps.js";
import type { Summary } from "./summary.js";

function git(root: string, args: string[]) {
  const result = spawnSync("git", ["-C", root, ...args], { encoding: "utf8" });
  if (result.status !== 0) throw new StepFailure(`git ${args.join(" ")} failed:\n${result.stderr}`);
  return result.stdout;
}

/** Deploys <ref>'s program (a git worktree) into the stack; resolves with the stack's passphrase salt. */
async function deployBase(runner: Runner, options: RehearseOptions, tmp: string) {
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
  }
}

/**
 * Deploys <ref>'s program into the stack, selects the stack for the current tree (`project`) and previews it:
 * fails when a protected or stateful resource would be replaced or deleted, or when the preview fails; resolves
 * with the steps for the summary.
 */
export async function rehearseUpgrade(
  runner: Runner,
  options: RehearseOptions,
  tmp: string,
  project: string,
  setup: StackSetup,
): Promise<NonNullable<Summary["upgrade"]>> {
  const salt = await deployBase(runner, options, tmp);
  writeStackFile(project, options.stack, setup.config, salt ? { encryptionsalt: salt } : {});
  await mustSucceed(runner, "select", project, ["stack", "select", options.stack, ...COMMON], {
    quiet: true,
  });
  await setRehearsalSecrets(runner, project, setup.secrets);
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
        "stateful types: policies/stateful-types.ts; add an alias when a resource moves",
      ].join("\n"),
      unsafe.length > 0 ? undefined : result,
    );
  }
  return {
    from: options.upgradeFrom!,
    steps: listed.map((step) => ({ op: step.op, type: stepType(step), urn: step.urn })),
  };
}
