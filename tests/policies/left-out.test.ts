/**
 * policies/lib/policy.ts `notYetCreated`: only what the deploy's phase 1 leaves out (`pulumi up --exclude` of the
 * API service / app with `--exclude-dependents`, before the full `pulumi up`) is exempt while it has no inputs.
 * A resource the program declares with no inputs is judged like any other.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { CLOUDS, type Cloud, TIERS, type Tier } from "../../infra/spec/constants.js";
import type { EvaluatedResource } from "../../policies/evaluate.js";
import { LEFT_OUT_BY_PHASE_ONE } from "../../policies/lib/policy.js";
import { aws } from "../../policies/types.js";
import { fromCaptured } from "../../tools/mock/captured.js";
import { parseWorkflow, pulumiRuns, urnGlobMatches } from "../delivery/workflow-checks.js";
import { captureStack } from "../observability/stack-captures.js";
import { awsStack, azureStack, byPolicy, res, run, summary } from "./fixtures.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The phase-1 `exclude` globs of deploy.yml (read as the delivery tests read them), of every stack: each stack's
 * job deploys one cloud, and the other cloud's glob is what its job would pass.
 */
function phaseOneGlobs(): string[] {
  const wf = parseWorkflow(readFileSync(`${ROOT}.github/workflows/deploy.yml`, "utf8"));
  return pulumiRuns(wf)
    .filter((r) => r.command === "up")
    .flatMap((r) =>
      String(r.step.with?.exclude ?? "")
        .split(/[\n,]/)
        .filter(Boolean),
    );
}

/**
 * What phase 1 leaves out of a stack: the resources its globs match and, with --exclude-dependents, everything
 * whose parent or dependencies are left out (the engine's GetAllDependencies; the SDK sends property dependencies
 * among `dependencies`). Resources come in registration order, so one pass reaches every dependent.
 */
function leftOut(resources: EvaluatedResource[], globs: string[]): Set<string> {
  const out = new Set<string>();
  for (const r of resources) {
    if (
      globs.some((glob) => urnGlobMatches(glob, r.urn)) ||
      (r.parent && out.has(r.parent)) ||
      (r.dependencies ?? []).some((d) => out.has(d))
    )
      out.add(r.urn);
  }
  return out;
}

/** Each deployed stack's program under mocks, on both clouds (the pipeline may deploy either). */
const programs = new Map<string, EvaluatedResource[]>();
beforeAll(async () => {
  for (const cloud of CLOUDS) {
    for (const tier of TIERS) {
      const capture = await captureStack(tier, cloud);
      if (capture.error) throw capture.error;
      programs.set(`${tier}/${cloud}`, fromCaptured(capture.resources));
    }
  }
}, 300_000);

/** The required properties of `<Class>Args` in the installed SDK's .d.ts of a type token. */
function requiredInputs(token: string): string[] {
  const [pkg, module, type] = token.split(":") as [string, string, string];
  const [dir, file] =
    pkg === "aws" ? module.split("/") : [module, type.charAt(0).toLowerCase() + type.slice(1)];
  const dts = readFileSync(`${ROOT}node_modules/@pulumi/${pkg}/${dir}/${file}.d.ts`, "utf8");
  const start = dts.indexOf(`export interface ${type}Args {`);
  if (start < 0) throw new Error(`${token}: no ${type}Args in the SDK's .d.ts`);
  const body = dts.slice(start, dts.indexOf("\n}", start));
  return [...body.matchAll(/^ {4}(?:readonly )?(\w+): /gm)].map((m) => m[1]!);
}

describe("a resource declared with no inputs is judged", () => {
  it("an S3 bucket and an SNS topic (types without required inputs) are flagged by required-tags", () => {
    const stack = [
      ...awsStack("prod"),
      res("aws:s3/bucket:Bucket", "bare-bucket", {}),
      res("aws:sns/topic:Topic", "bare-topic", {}),
    ];
    const flagged = byPolicy(run(stack), "required-tags").map((v) => v.resource.name);
    expect(flagged.sort()).toEqual(["bare-bucket", "bare-topic"]);
    // They can be declared so: the SDK requires nothing of either.
    expect(requiredInputs("aws:s3/bucket:Bucket")).toEqual([]);
    expect(requiredInputs("aws:sns/topic:Topic")).toEqual([]);
  });

  it("a Key Vault declared with no inputs fails its own rules and the tags rule", () => {
    const stack = [...azureStack("prod"), res("azure-native:keyvault:Vault", "bare-vault", {})];
    const policies = new Set(
      run(stack)
        .filter((v) => v.resource.name === "bare-vault")
        .map((v) => v.policyName),
    );
    expect(policies).toContain("required-tags");
    expect(policies).toContain("azure-keyvault-rbac");
  });
});

describe("the phase-1 case is still exempt", () => {
  for (const cloud of CLOUDS) {
    for (const tier of TIERS) {
      it(`${cloud} ${tier}: what phase 1 leaves out, with no inputs (a new stack), raises no mandatory violation`, () => {
        const resources = structuredClone(programs.get(`${tier}/${cloud}`)!);
        const out = leftOut(resources, phaseOneGlobs());
        expect(out.size, "phase 1 leaves something out").toBeGreaterThan(0);
        for (const r of resources) {
          if (!out.has(r.urn)) continue;
          r.props = {};
          r.outputs = {};
        }
        const mandatory = run(resources, { environment: tier as Tier }).filter(
          (v) => v.enforcementLevel === "mandatory",
        );
        expect(summary(mandatory)).toEqual([]);
      });
    }
  }

  it("the same resource with inputs is judged (a service without tags)", () => {
    const stack = awsStack("prod");
    const service = stack.find((r) => r.type === aws.ecs.Service)!;
    service.props = { desiredCount: 2, networkConfiguration: { assignPublicIp: true } };
    expect(byPolicy(run(stack), "aws-ecs-service-no-public-ip")).toHaveLength(1);
    expect(byPolicy(run(stack), "required-tags").map((v) => v.resource.name)).toContain(service.name);
  });
});

describe("LEFT_OUT_BY_PHASE_ONE", () => {
  it("is exactly the types the deploy's phase 1 leaves out of the program, over every stack and cloud", () => {
    const types = new Set<string>();
    for (const cloud of CLOUDS as readonly Cloud[]) {
      for (const tier of TIERS) {
        const resources = programs.get(`${tier}/${cloud}`)!;
        const out = leftOut(resources, phaseOneGlobs());
        for (const r of resources) if (out.has(r.urn)) types.add(r.type);
      }
    }
    expect([...types].sort()).toEqual([...LEFT_OUT_BY_PHASE_ONE].sort());
  });

  it("has required inputs for every type but the ECS service and the metric alarm (pinned: a change is noticed)", () => {
    const without = LEFT_OUT_BY_PHASE_ONE.filter((token) => requiredInputs(token).length === 0);
    // These two can be declared with no inputs; the engine's policies still see the provider's autonamed `name`.
    expect(without.sort()).toEqual(["aws:cloudwatch/metricAlarm:MetricAlarm", "aws:ecs/service:Service"]);
    expect(requiredInputs("aws:appautoscaling/target:Target")).toContain("resourceId");
    expect(requiredInputs("azure-native:app:ContainerApp")).toEqual(["resourceGroupName"]);
  });
});
