/**
 * Offline plan CLI:
 *
 *   npm run plan -- --stack <dev|staging|prod> [--cloud aws|azure|both] [--format text|markdown|json]
 *                   [--diff-against FILE.json] [--compact] [--write-docs]
 *
 * Plans the stack (collect.ts: the real program under mocks, the CrossGuard policies with the stack's policy
 * config) and prints it. Exits 3 (after printing) when a rendering is blocked by a mandatory policy; with
 * --diff-against, deletions and replacements of protected or stateful resources head the output as
 * `⚠ DESTRUCTIVE`. The logic lives in the plan's modules (index.ts); this file only parses flags and
 * reads and writes files.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { TIERS } from "../../infra/spec/constants.js";
import { ownCloudOf, REPO_ROOT } from "../stacks/stack-file.js";
import { CLOUD_CHOICES, type CloudChoice, collectPlan } from "./collect.js";
import { diffPlans, parsePlanJson } from "./diff.js";
import { renderComparisonDoc } from "./doc.js";
import { gateFailures, PLAN_EXIT } from "./gate.js";
import { PLAN_FORMATS, type PlanFormat } from "./model.js";
import { render } from "./render.js";

export const STACKS = TIERS;
export const DOCS_PATH = "docs/aws-vs-azure.md";
export const DOCS_COMMAND = "npm run plan -- --stack prod --cloud both --write-docs";

export class PlanUsageError extends Error {
  override name = "PlanUsageError";
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
