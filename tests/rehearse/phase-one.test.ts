/**
 * The deploy pipeline's phase 1 on a new stack, on the real engine (tools/rehearse/: the real CLI, the stub
 * providers, the policy pack as CI passes it): `pulumi up --exclude <the API resource> --exclude-dependents`
 * hands the policies the left-out resources with no inputs, which the pack exempts (policies/lib/policy.ts
 * notYetCreated); then the full `pulumi up` creates and judges them. Skipped without a Pulumi CLI, like
 * rehearse.test.ts. The exemption's limits (what else stays judged) are tests/policies/left-out.test.ts's.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { canRehearse, resolvePulumiCli } from "../../tools/rehearse/cli.js";
import { policyArgs, projectFarm, stackSetup } from "../../tools/rehearse/stack.js";
import {
  COMMON,
  initStack,
  mustSucceed,
  type Runner,
  rehearsalEnv,
  runStep,
} from "../../tools/rehearse/steps.js";
import { policyVerdicts } from "../../tools/rehearse/summary.js";
import { parseWorkflow, pulumiRuns } from "../delivery/workflow-checks.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Per CLI command; a step takes seconds on the stub providers. */
const STEP_TIMEOUT_MS = 120_000;

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** deploy.yml's phase-1 `exclude` glob for the API resource of `cloud` (the workflow's own words). */
function phaseOneGlob(cloud: "aws" | "azure"): string {
  const wf = parseWorkflow(readFileSync(path.join(ROOT, ".github/workflows/deploy.yml"), "utf8"));
  const globs = pulumiRuns(wf).flatMap((r) => String(r.step.with?.exclude ?? "").split(/[\n,]/));
  const glob = globs.find((g) =>
    g.includes(cloud === "aws" ? "$aws:ecs/service:Service" : "$azure-native:app:"),
  );
  if (!glob) throw new Error(`deploy.yml has no phase-1 exclude for ${cloud}`);
  return glob;
}

interface Deployment {
  resources?: { type: string; urn: string }[];
}

async function phasesOneAndThree(stack: string, cloud: "aws" | "azure") {
  const cli = resolvePulumiCli();
  const tmp = mkdtempSync(path.join(tmpdir(), `twincloud-phase-one-${stack}-`));
  scratch.push(tmp);
  const runner: Runner = { cli, env: rehearsalEnv(cli, tmp, ROOT), steps: [], log: () => {} };
  const setup = stackSetup(ROOT, stack, cloud);
  const project = projectFarm(ROOT, path.join(tmp, "project"));
  mkdirSync(path.join(tmp, "state"), { recursive: true });
  await mustSucceed(runner, "login", project, ["login", runner.env.PULUMI_BACKEND_URL!, ...COMMON]);
  await initStack(runner, project, { stack, cloud, keep: false, root: ROOT }, setup);
  const policy = policyArgs(ROOT, stack, setup.environment);
  const up = (name: string, extra: string[]) =>
    runStep(runner, name, project, ["up", "--yes", "--skip-preview", ...extra, ...policy, ...COMMON], {
      program: true,
      timeoutMs: STEP_TIMEOUT_MS,
    });
  const types = async () => {
    const exported = await mustSucceed(runner, "export", project, ["stack", "export"]);
    return ((JSON.parse(exported.stdout) as { deployment?: Deployment }).deployment?.resources ?? []).map(
      (r) => r.type,
    );
  };
  const phase1 = await up("phase-1", ["--exclude", phaseOneGlob(cloud), "--exclude-dependents"]);
  const afterPhase1 = phase1.code === 0 ? await types() : [];
  const phase3 = phase1.code === 0 ? await up("phase-3", []) : undefined;
  const afterPhase3 = phase3?.code === 0 ? await types() : [];
  return { phase1, afterPhase1, phase3, afterPhase3 };
}

describe.skipIf(!canRehearse())("phase 1 on a new stack, on the real engine", () => {
  for (const [stack, cloud, api, migrator] of [
    ["dev", "aws", "aws:ecs/service:Service", "aws:ecs/taskDefinition:TaskDefinition"],
    ["prod", "azure", "azure-native:app:ContainerApp", "azure-native:app:Job"],
  ] as const) {
    it(
      `${cloud} ${stack}: phase 1 passes the pack without the API resource, phase 3 creates and judges it`,
      async () => {
        const { phase1, afterPhase1, phase3, afterPhase3 } = await phasesOneAndThree(stack, cloud);
        expect(phase1.code, phase1.output).toBe(0);
        expect(policyVerdicts(phase1.output).filter((v) => v.level === "mandatory")).toEqual([]);
        expect(afterPhase1).not.toContain(api);
        expect(afterPhase1).toContain(migrator);
        expect(phase3?.code, phase3?.output).toBe(0);
        expect(policyVerdicts(phase3!.output).filter((v) => v.level === "mandatory")).toEqual([]);
        expect(afterPhase3).toContain(api);
      },
      4 * STEP_TIMEOUT_MS,
    );
  }
});
