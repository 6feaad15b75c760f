/**
 * Runs the real Pulumi program in-process under mocks with a stack file's config (no credentials, CLI or
 * network) and evaluates the CrossGuard policies with the stack's policy config: the plan of one stack.
 */

import { CLOUDS, PROJECT_NAME } from "../../infra/spec/constants.js";
import { evaluatePolicies, loadPolicyConfig } from "../../policies/evaluate.js";
import { fromCaptured } from "../mock/captured.js";
import { runUnderMocks } from "../mock/run.js";
import { specOfConfig } from "../stacks/assumptions.js";
import { REPO_ROOT, renderedStackConfig, stackCloud } from "../stacks/stack-file.js";
import { buildCloudPlan, buildPlan } from "./build.js";
import {
  type CloudPlan,
  PLAN_CLOUDS,
  type Plan,
  type PlanCloudName,
  type PolicyViolationLike,
} from "./model.js";

export const CLOUD_CHOICES = [...CLOUDS, "both"] as const;
export type CloudChoice = (typeof CLOUD_CHOICES)[number];

export interface CollectOptions {
  stack: string;
  cloud?: CloudChoice;
  /** Extra or overriding config keys (full names), applied after the stack file and --cloud. */
  configOverrides?: Record<string, string>;
  root?: string;
}

/** Run the program for one stack on one cloud under mocks and evaluate the policies. */
async function planCloud(
  stack: string,
  cloud: PlanCloudName,
  overrides: Record<string, string> = {},
  root = REPO_ROOT,
): Promise<CloudPlan> {
  // A rendering without a cloud assumes the operator values the stack file lacks (prod's alert address, an
  // AWS stack's certificate and domain), and says so; a what-if rendering (a stack shown on a cloud it does
  // not ship on) says that too. Validate the spec first so bad config fails with the spec's own message.
  const { config, assumptions } = renderedStackConfig(stack, cloud, { root, overrides });
  const spec = specOfConfig(stack, config);
  const { program } = await import("../../infra/program.js");
  const result = await runUnderMocks(program, { stack, config });
  // The same evaluator the policy tests use, with the stack's policy config (policies/config/<env>.json,
  // the file the workflows pass to --policy-pack-config).
  let violations: PolicyViolationLike[] | undefined;
  let policyError: string | undefined;
  try {
    violations = evaluatePolicies(fromCaptured(result.resources), {
      environment: spec.environment,
      config: loadPolicyConfig(spec.environment),
    });
  } catch (error) {
    policyError = `evaluatePolicies failed: ${(error as Error).message.split("\n")[0]}`;
  }
  return buildCloudPlan({
    cloud,
    environment: spec.environment,
    ...(assumptions.length > 0 ? { assumptions } : {}),
    resources: result.resources,
    outputs: result.outputs as unknown as Record<string, unknown>,
    ...(violations ? { violations } : {}),
    ...(policyError ? { policyError } : {}),
  });
}

export async function collectPlan(options: CollectOptions): Promise<Plan> {
  const root = options.root ?? REPO_ROOT;
  const choice = options.cloud ?? stackCloud(options.stack, root);
  const clouds: PlanCloudName[] = choice === "both" ? [...PLAN_CLOUDS] : [choice];
  const plans: CloudPlan[] = [];
  for (const cloud of clouds)
    plans.push(await planCloud(options.stack, cloud, options.configOverrides, root));
  return buildPlan({ project: PROJECT_NAME, stack: options.stack, clouds: plans });
}
