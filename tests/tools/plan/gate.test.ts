/**
 * The offline plan fails loudly: `npm run plan` exits non-zero (after printing) when any rendering, what-if
 * ones included, is blocked by a mandatory policy or could not be evaluated, and a diff that deletes,
 * replaces or unprotects a protected or stateful resource says so first, as `⚠ DESTRUCTIVE`, in the text and
 * the Markdown. The destructive cases are made from the real prod plan on both clouds.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { PROTECTED_TYPES } from "../../../policies/rules/common/stateful.js";
import { DATA_TYPES, STATEFUL_TYPES } from "../../../policies/stateful-types.js";
import { main } from "../../../tools/plan/cli.js";
import { collectPlan } from "../../../tools/plan/collect.js";
import {
  buildCloudPlan,
  buildPlan,
  type CloudPlan,
  type DestructiveChange,
  diffPlans,
  gateFailures,
  PLAN_EXIT,
  PLAN_REPLACE_ON_CHANGE,
  type Plan,
  type PlanCloudName,
  type PlanResource,
  renderMarkdown,
  renderText,
} from "../../../tools/plan/index.js";
import { replaceOnChanges } from "../../../tools/rehearse/providers/replacements.js";

let prod: Plan;
beforeAll(async () => {
  prod = await collectPlan({ stack: "prod", cloud: "both" });
}, 300_000);

afterEach(() => {
  vi.restoreAllMocks();
});

const stackUrn = "urn:pulumi:t::twincloud::pulumi:pulumi:Stack::twincloud-t";
function syntheticPlan(
  stack: string,
  clouds: Partial<Record<PlanCloudName, "pass" | "blocked" | "error">>,
): Plan {
  return buildPlan({
    stack,
    clouds: Object.entries(clouds).map(([cloud, verdict]) =>
      buildCloudPlan({
        cloud: cloud as PlanCloudName,
        environment: stack,
        resources: [
          {
            type: "pulumi:pulumi:Stack",
            name: "twincloud-t",
            urn: stackUrn,
            props: {},
            state: {},
            custom: false,
          },
        ],
        ...(verdict === "error"
          ? { policyError: "evaluatePolicies failed: boom" }
          : {
              violations:
                verdict === "blocked"
                  ? [
                      { policyName: "aws-rds-multi-az", enforcementLevel: "mandatory", message: "single-AZ" },
                      { policyName: "aws-rds-multi-az", enforcementLevel: "mandatory", message: "again" },
                      { policyName: "required-tags", enforcementLevel: "advisory", message: "meh" },
                    ]
                  : [{ policyName: "required-tags", enforcementLevel: "advisory", message: "meh" }],
            }),
      }),
    ),
  });
}

/** Run `main` with a given plan, capturing what it prints. */
async function runMain(argv: string[], plan: Plan) {
  let stdout = "";
  const stderr: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(console, "error").mockImplementation((line: unknown) => {
    stderr.push(String(line));
  });
  const code = await main(argv, async () => plan);
  return { code, stdout, stderr };
}

describe("the policy gate of npm run plan", () => {
  it("names every rendering that is blocked or unevaluated, what-if ones marked", () => {
    expect(gateFailures(syntheticPlan("prod", { aws: "pass", azure: "pass" }), "aws")).toEqual([]);
    expect(gateFailures(syntheticPlan("staging", { aws: "blocked", azure: "error" }), "azure")).toEqual([
      "staging on AWS (what-if): BLOCKED by 2 mandatory violation(s) (aws-rds-multi-az)",
      "staging on Azure: policies NOT EVALUATED (evaluatePolicies failed: boom)",
    ]);
    // Advisory findings never fail the gate.
    expect(gateFailures(syntheticPlan("dev", { aws: "pass" }))).toEqual([]);
  });

  it("exits 3 after printing the whole plan when a what-if rendering is blocked", async () => {
    // staging ships on Azure: its AWS rendering is the what-if one, and it counts.
    const blocked = syntheticPlan("staging", { aws: "blocked", azure: "pass" });
    const { code, stdout, stderr } = await runMain(
      ["--stack", "staging", "--cloud", "both", "--format", "markdown"],
      blocked,
    );
    expect(code).toBe(PLAN_EXIT.gate);
    expect(code).not.toBe(0);
    expect(stdout).toContain("| AWS | 1 | 0 | **blocked** (2 mandatory) |");
    expect(stderr).toEqual([
      "plan: staging on AWS (what-if): BLOCKED by 2 mandatory violation(s) (aws-rds-multi-az)",
    ]);
  });

  it("exits 3 when the policy pack could not be evaluated (no verdict is not a pass)", async () => {
    const { code, stderr } = await runMain(["--stack", "dev"], syntheticPlan("dev", { aws: "error" }));
    expect(code).toBe(PLAN_EXIT.gate);
    expect(stderr.join("\n")).toMatch(/dev on AWS: policies NOT EVALUATED/);
  });

  it("exits 0 for the shipped prod stack on both clouds, and for dev run for real", async () => {
    expect((await runMain(["--stack", "prod", "--cloud", "both", "--format", "json"], prod)).code).toBe(0);
    const dev = await runMain(
      ["--stack", "dev", "--format", "text", "--compact"],
      await collectPlan({ stack: "dev" }),
    );
    expect(dev).toMatchObject({ code: PLAN_EXIT.ok, stderr: [] });
    expect(dev.stdout).toContain("policies: pass");
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------------
// Destructive changes, made from the real prod plan

type Edit = (resources: PlanResource[]) => PlanResource[];
/** A copy of the prod plan with one cloud's resources edited. */
function edited(cloud: PlanCloudName, edit: Edit): Plan {
  const copy = structuredClone(prod);
  const target = copy.clouds.find((c) => c.cloud === cloud) as CloudPlan;
  target.resources = edit(target.resources);
  return copy;
}
const only = (resources: PlanResource[], type: string): PlanResource => {
  const found = resources.filter((r) => r.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
};
const setProp =
  (type: string, path: string, value: unknown): Edit =>
  (resources) => {
    const r = only(resources, type);
    const keys = path.split(".");
    let at = r.props as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
    at[keys.at(-1)!] = value;
    return resources;
  };
const destructive = (head: Plan): (DestructiveChange & { cloud: PlanCloudName })[] =>
  diffPlans(prod, head).clouds.flatMap((c) => c.destructive.map((d) => ({ ...d, cloud: c.cloud })));

describe("destructive changes in the plan diff", () => {
  it("flags nothing when nothing stateful goes (the same plan, a scaling change, a removed alarm)", () => {
    expect(destructive(structuredClone(prod))).toEqual([]);
    expect(
      destructive(edited("aws", setProp("aws:appautoscaling/target:Target", "maxCapacity", 20))),
    ).toEqual([]);
    const noAlarm = edited("aws", (rs) => {
      const alarm = rs.find((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")!;
      return rs.filter((r) => r !== alarm);
    });
    expect(diffPlans(prod, noAlarm).clouds.find((c) => c.cloud === "aws")?.removed).toHaveLength(1);
    expect(destructive(noAlarm)).toEqual([]);
    expect(renderText(noAlarm, diffPlans(prod, noAlarm))).not.toContain("DESTRUCTIVE");
  });

  it("flags the removed protected database first, in the text and the Markdown (compact too)", () => {
    const head = edited("aws", (rs) => rs.filter((r) => r.type !== "aws:rds/instance:Instance"));
    const diff = diffPlans(prod, head);
    const db = only(prod.clouds.find((c) => c.cloud === "aws")!.resources, "aws:rds/instance:Instance");
    expect(destructive(head)).toEqual([
      expect.objectContaining({
        cloud: "aws",
        action: "delete",
        type: "aws:rds/instance:Instance",
        name: db.name,
        kind: "database",
        protect: true,
        reason: expect.stringContaining("refuses while it is protected"),
      }),
    ]);
    const text = renderText(head, diff);
    expect(text.split("\n")[0]).toBe(
      "⚠ DESTRUCTIVE: 1 change(s) delete, replace or unprotect a protected or stateful resource",
    );
    expect(text.split("\n")[1]).toMatch(
      new RegExp(
        `^ {2}AWS +delete +database: aws:rds/instance:Instance ${db.name} \\[protected\\]: no longer declared`,
      ),
    );
    expect(text).toContain(`- aws:rds/instance:Instance ${db.name}  ⚠ DESTRUCTIVE`);
    for (const compact of [false, true]) {
      const lines = renderMarkdown(head, diff, { compact }).split("\n");
      // Right under the title, before the summary table.
      expect(lines[2]).toBe(
        "#### ⚠ DESTRUCTIVE: 1 change(s) delete, replace or unprotect a protected or stateful resource",
      );
      expect(lines.slice(4, 7)).toEqual([
        "| Cloud | Action | What | Resource | Why |",
        "| --- | --- | --- | --- | --- |",
        expect.stringMatching(
          new RegExp(
            `^\\| AWS \\| \\*\\*delete\\*\\* \\| database \\| \`aws:rds/instance:Instance\` ${db.name} \\(protected\\) \\|`,
          ),
        ),
      ]);
    }
  });

  it("suggests an alias when a stateful resource seems renamed", () => {
    const head = edited("aws", (rs) =>
      rs.map((r) => (r.type === "aws:ecr/repository:Repository" ? { ...r, name: `${r.name}-v2` } : r)),
    );
    expect(destructive(head)).toEqual([
      expect.objectContaining({
        action: "delete",
        kind: "registry",
        reason: expect.stringMatching(/renamed to .*-v2, add `aliases: \[\{ name: ".*" \}\]`/),
      }),
    ]);
  });

  it("flags replacements: an input the provider cannot update in place, on both clouds", () => {
    const awsHead = edited("aws", setProp("aws:ecr/repository:Repository", "name", "renamed-repository"));
    expect(destructive(awsHead)).toEqual([
      expect.objectContaining({
        cloud: "aws",
        action: "replace",
        kind: "registry",
        reason: expect.stringMatching(/^name: .* → renamed-repository forces a replacement/),
      }),
    ]);
    const dbHead = edited("aws", setProp("aws:rds/instance:Instance", "storageEncrypted", false));
    expect(destructive(dbHead)).toEqual([
      expect.objectContaining({ action: "replace", kind: "database", protect: true }),
    ]);
    const azureHead = edited("azure", (rs) => {
      setProp("azure-native:containerregistry:Registry", "registryName", "acrrenamed")(rs);
      return setProp("azure-native:dbforpostgresql:Server", "location", "northeurope")(rs);
    });
    expect(destructive(azureHead).map((d) => [d.cloud, d.action, d.kind, d.reason.split(":")[0]])).toEqual(
      expect.arrayContaining([
        ["azure", "replace", "registry", "registryName"],
        ["azure", "replace", "database", "location"],
      ]),
    );
    // An update in place on a stateful resource is not destructive.
    expect(
      destructive(edited("aws", setProp("aws:rds/instance:Instance", "backupRetentionPeriod", 14))),
    ).toEqual([]);
  });

  it("flags a new parent type (a new URN without an alias) as a replacement", () => {
    const head = edited("azure", (rs) =>
      rs.map((r) =>
        r.type === "azure-native:keyvault:Vault"
          ? // moved under a new component: its qualified type (the URN's third part) gains a parent type
            {
              ...r,
              urn: r.urn
                .split("::")
                .map((part, n) => (n === 2 ? `twincloud:azure:Vaults$${part}` : part))
                .join("::"),
            }
          : r,
      ),
    );
    expect(destructive(head)).toEqual([
      expect.objectContaining({
        action: "replace",
        kind: "key vault",
        reason: expect.stringContaining("without `aliases`"),
      }),
    ]);
  });

  it("keeps a resource moved under a new parent when an alias names its old place", () => {
    const moved = (aliases: PlanResource["aliases"]) =>
      edited("aws", (rs) =>
        rs.map((r) =>
          r.type === "aws:rds/instance:Instance"
            ? {
                ...r,
                urn: r.urn
                  .split("::")
                  .map((part, n) => (n === 2 ? `twincloud:aws:Database$${part}` : part))
                  .join("::"),
                ...(aliases ? { aliases } : {}),
              }
            : r,
        ),
      );
    const aws = prod.clouds.find((c) => c.cloud === "aws")!.resources;
    const database = only(aws, "aws:rds/instance:Instance");
    const component = only(aws, "twincloud:aws:Service");
    expect(destructive(moved(undefined)).map((d) => d.action)).toEqual(["replace"]);
    expect(destructive(moved([{ urn: database.urn }]))).toEqual([]);
    expect(destructive(moved([{ parentUrn: component.urn }]))).toEqual([]);
    expect(destructive(moved([{ noParent: true }])).map((d) => d.action)).toEqual(["replace"]);
  });

  it("flags safeguards turned off on stateful resources (protect, deletion protection)", () => {
    const head = edited("aws", (rs) =>
      rs.map((r) =>
        r.type === "aws:rds/instance:Instance"
          ? { ...r, protect: false, props: { ...r.props, deletionProtection: false } }
          : r,
      ),
    );
    expect(destructive(head)).toEqual([
      expect.objectContaining({
        action: "unprotect",
        kind: "database",
        reason: "safeguard off: protect: true → false; deletionProtection: true → false",
      }),
    ]);
  });

  it("flags every type prod protects; prod protects every type of the data category, as the pack requires", () => {
    expect([...PROTECTED_TYPES].sort()).toEqual(Object.keys(DATA_TYPES).sort());
    for (const cloud of prod.clouds) {
      for (const r of cloud.resources.filter((x) => x.protect)) {
        expect(STATEFUL_TYPES, `${cloud.cloud}: ${r.type} is protected`).toHaveProperty([r.type]);
      }
      for (const r of cloud.resources.filter((x) => x.type in DATA_TYPES)) {
        expect(r.protect, `${cloud.cloud}: ${r.type} ${r.name} holds data`).toBe(true);
      }
    }
  });

  it("replaces on inputs the rehearsal's stubs replace on too", () => {
    // tools/plan/destructive.ts says why the two tables stay apart; this keeps the plan's within the stubs'.
    for (const [type, paths] of Object.entries(PLAN_REPLACE_ON_CHANGE)) {
      const extra = paths.filter((p) => !replaceOnChanges(type).includes(p));
      expect(extra, type).toEqual([]);
    }
  });
});
