/**
 * Offline plan CLI:
 *
 *   npm run plan -- --stack <dev|staging|prod> [--cloud aws|azure|both] [--format text|markdown|json]
 *                   [--diff-against FILE.json] [--compact] [--write-docs]
 *
 * Runs the real Pulumi program in-process under mocks with the stack file's config (no credentials, CLI or
 * network), evaluates the CrossGuard policies with the stack's policy config, and prints the plan. Exits 3
 * (after printing) when a rendering is blocked by a mandatory policy; with --diff-against, deletions and
 * replacements of protected or stateful resources head the output as `⚠ DESTRUCTIVE`. The logic lives in
 * plan-lib.ts; this file only reads files, runs the program and parses flags.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { fromCaptured } from "../../policies/captured.js";
import { evaluatePolicies, loadPolicyConfig } from "../../policies/evaluate.js";
import { PROJECT_NAME, TIERS } from "../spec/index.js";
import { assumedCertificateArn, specOfConfig, withAssumedOperatorValues } from "./assumptions.js";
import { runUnderMocks } from "./mock-run.js";
import {
  buildCloudPlan,
  buildPlan,
  type CloudPlan,
  diffPlans,
  gateFailures,
  PLAN_CLOUDS,
  PLAN_EXIT,
  PLAN_FORMATS,
  type Plan,
  type PlanCloudName,
  type PlanFormat,
  type PolicyViolationLike,
  parsePlanJson,
  render,
  renderComparisonDoc,
} from "./plan-lib.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const STACKS = TIERS;
export const CLOUD_CHOICES = ["aws", "azure", "both"] as const;
export type CloudChoice = (typeof CLOUD_CHOICES)[number];
export const DOCS_PATH = "docs/aws-vs-azure.md";
export const DOCS_COMMAND = "npm run plan -- --stack prod --cloud both --write-docs";

/** Region / location defaults when the stack file does not set them. */
const PROVIDER_DEFAULTS: Record<string, string> = {
  "aws:region": "eu-west-1",
  "azure-native:location": "westeurope",
};

/** The ACM certificate an offline AWS rendering assumes when the stack file has none (account 0: not real). */
export const whatIfCertificateArn = assumedCertificateArn;

export class PlanUsageError extends Error {
  override name = "PlanUsageError";
}

/** `Pulumi.<stack>.yaml` → flat `{ "ns:key": "value" }` (secure values become a placeholder). */
export function readStackConfig(stack: string, root = REPO_ROOT): Record<string, string> {
  const file = `${root}Pulumi.${stack}.yaml`;
  if (!existsSync(file)) throw new PlanUsageError(`no stack file Pulumi.${stack}.yaml in ${root}`);
  const doc = parseYaml(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
    const full = key.includes(":") ? key : `${PROJECT_NAME}:${key}`;
    if (value && typeof value === "object" && "secure" in value)
      config[full] = "offline-plan-placeholder-secret";
    else config[full] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
}

/** The cloud a stack file names, or undefined when it names none (then no rendering is called what-if). */
function ownCloudOf(stack: string): PlanCloudName | undefined {
  const cloud = readStackConfig(stack)[`${PROJECT_NAME}:cloud`];
  return cloud === "aws" || cloud === "azure" ? cloud : undefined;
}

export function stackCloud(stack: string, root = REPO_ROOT): PlanCloudName {
  const cloud = readStackConfig(stack, root)[`${PROJECT_NAME}:cloud`];
  if (cloud !== "aws" && cloud !== "azure") {
    throw new PlanUsageError(
      `Pulumi.${stack}.yaml: ${PROJECT_NAME}:cloud must be aws or azure (got ${cloud})`,
    );
  }
  return cloud;
}

export interface CollectOptions {
  stack: string;
  cloud?: CloudChoice;
  /** Extra or overriding config keys (full names), applied after the stack file and --cloud. */
  configOverrides?: Record<string, string>;
  root?: string;
}

/** Run the program for one stack on one cloud under mocks and evaluate the policies. */
export async function planCloud(
  stack: string,
  cloud: PlanCloudName,
  overrides: Record<string, string> = {},
  root = REPO_ROOT,
): Promise<CloudPlan> {
  const config: Record<string, string> = {
    ...PROVIDER_DEFAULTS,
    ...readStackConfig(stack, root),
    [`${PROJECT_NAME}:cloud`]: cloud,
    ...overrides,
  };
  // A rendering without a cloud assumes the operator values the stack file lacks (prod's alert address, an
  // AWS stack's certificate and domain), and says so; a what-if rendering (a stack shown on a cloud it does
  // not ship on) says that too. Validate the spec first so bad config fails with the spec's own message.
  const ownCloud = readStackConfig(stack, root)[`${PROJECT_NAME}:cloud`];
  const assumed = withAssumedOperatorValues(stack, config, ownCloud);
  Object.assign(config, assumed.config);
  const assumptions = [...assumed.assumptions];
  const spec = specOfConfig(stack, config);
  const { program } = await import("../program.js");
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

export interface CliArgs {
  stack: string;
  cloud?: CloudChoice;
  format: PlanFormat;
  diffAgainst?: string;
  writeDocs: boolean;
  /** text/markdown without the resource trees. */
  compact: boolean;
}

const USAGE =
  "usage: npm run plan -- --stack <dev|staging|prod> [--cloud aws|azure|both] [--format text|markdown|json] [--diff-against FILE.json] [--compact] [--write-docs]";

/** Parse and validate flags; errors name the flag and what it accepts. */
export function parseCliArgs(argv: string[]): CliArgs | "help" {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        cloud: { type: "string" },
        format: { type: "string" },
        "diff-against": { type: "string" },
        "write-docs": { type: "boolean" },
        compact: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new PlanUsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) return "help";
  const stack = values.stack;
  if (typeof stack !== "string")
    throw new PlanUsageError(`--stack is required: one of ${STACKS.join(", ")}\n${USAGE}`);
  if (!(STACKS as readonly string[]).includes(stack)) {
    throw new PlanUsageError(`--stack "${stack}" is not a stack: use one of ${STACKS.join(", ")}`);
  }
  const cloud = values.cloud;
  if (cloud !== undefined && !(CLOUD_CHOICES as readonly unknown[]).includes(cloud)) {
    throw new PlanUsageError(
      `--cloud "${String(cloud)}" is not allowed: use one of ${CLOUD_CHOICES.join(", ")}`,
    );
  }
  const format = values.format ?? "text";
  if (!(PLAN_FORMATS as readonly unknown[]).includes(format)) {
    throw new PlanUsageError(
      `--format "${String(format)}" is not allowed: use one of ${PLAN_FORMATS.join(", ")}`,
    );
  }
  const diffAgainst = values["diff-against"];
  if (typeof diffAgainst === "string" && !existsSync(diffAgainst)) {
    throw new PlanUsageError(
      `--diff-against: file ${diffAgainst} does not exist (give a plan written with --format json)`,
    );
  }
  const writeDocs = values["write-docs"] === true;
  if (writeDocs && (stack !== "prod" || (cloud !== undefined && cloud !== "both"))) {
    throw new PlanUsageError(`--write-docs documents the prod stack on both clouds: use ${DOCS_COMMAND}`);
  }
  return {
    stack,
    ...(cloud ? { cloud: cloud as CloudChoice } : {}),
    format: format as PlanFormat,
    ...(typeof diffAgainst === "string" ? { diffAgainst } : {}),
    writeDocs,
    compact: values.compact === true,
  };
}

/**
 * Exit codes: 0 plan printed and every rendering passes the policy gate; 3 plan printed, but a rendering is
 * blocked by a mandatory policy or its pack could not be evaluated (what-if renderings count: see
 * `gateFailures`); 1 the plan could not be made; 2 bad flags. `collect` is replaceable for tests.
 */
export async function main(argv: string[], collect: typeof collectPlan = collectPlan): Promise<number> {
  let args: CliArgs | "help";
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    console.error(`plan: ${(error as Error).message}`);
    return 2;
  }
  if (args === "help") {
    console.log(USAGE);
    return 0;
  }
  try {
    const base = args.diffAgainst
      ? parsePlanJson(readFileSync(args.diffAgainst, "utf8"), args.diffAgainst)
      : undefined;
    const plan = await collect({ stack: args.stack, ...(args.cloud ? { cloud: args.cloud } : {}) });
    if (args.writeDocs) {
      writeFileSync(`${REPO_ROOT}${DOCS_PATH}`, renderComparisonDoc(plan, DOCS_COMMAND));
      // `npm run lint` (biome) formats markdown too: align the tables the way it wants them.
      const biome = `${REPO_ROOT}node_modules/.bin/biome`;
      if (existsSync(biome))
        spawnSync(biome, ["format", "--write", DOCS_PATH], { cwd: REPO_ROOT, stdio: "ignore" });
      console.error(`plan: wrote ${DOCS_PATH}`);
      return 0;
    }
    process.stdout.write(
      render(plan, args.format, base ? diffPlans(base, plan) : undefined, { compact: args.compact }),
    );
    // The plan is printed either way (the PR comment shows why); the exit code is the gate.
    const failures = gateFailures(plan, ownCloudOf(args.stack));
    for (const failure of failures) console.error(`plan: ${failure}`);
    return failures.length > 0 ? PLAN_EXIT.gate : PLAN_EXIT.ok;
  } catch (error) {
    console.error(`plan: ${(error as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
