/**
 * The offline plan, end to end: every stack on both clouds under mocks (golden structure per tier, not a
 * snapshot), the policy verdicts, the renderers, the diff on a real change, the CLI's flag errors, and the
 * generated docs/aws-vs-azure.md being up to date.
 */

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type ServiceSpec, TIERS, type Tier } from "../../../infra/spec/index.js";
import { DOCS_COMMAND, DOCS_PATH, main, PlanUsageError, parseCliArgs } from "../../../tools/plan/cli.js";
import { collectPlan } from "../../../tools/plan/collect.js";
import {
  buildCloudPlan,
  buildPlan,
  type CloudPlan,
  COMPUTED,
  CONCERNS,
  concernTable,
  diffPlans,
  isEmptyDiff,
  normalizeMarkdown,
  type Plan,
  type PlanCloudName,
  type PlanResource,
  parsePlanJson,
  renderComparisonDoc,
  renderJson,
  renderMarkdown,
  renderText,
  renderTree,
  SECRET,
} from "../../../tools/plan/index.js";
import { stackSpec } from "../../support/stacks.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const plans = new Map<Tier, Plan>();

const specFor = (stack: Tier, cloud: PlanCloudName): ServiceSpec => stackSpec(stack, cloud);

const cloudPlan = (stack: Tier, cloud: PlanCloudName): CloudPlan => {
  const found = plans.get(stack)?.clouds.find((c) => c.cloud === cloud);
  if (!found) throw new Error(`no ${cloud} plan for ${stack}`);
  return found;
};
const ofType = (cloud: CloudPlan, type: string): PlanResource[] =>
  cloud.resources.filter((r) => r.type === type);
const one = (cloud: CloudPlan, type: string): PlanResource => {
  const matches = ofType(cloud, type);
  if (matches.length !== 1) throw new Error(`expected one ${type}, found ${matches.length}`);
  return matches[0]!;
};

beforeAll(async () => {
  // All six stack × cloud combinations, one stack at a time (the Pulumi runtime is process-global).
  for (const stack of TIERS) plans.set(stack, await collectPlan({ stack, cloud: "both" }));
}, 600_000);

describe("offline plan for every stack on both clouds", () => {
  const combos = TIERS.flatMap((stack) =>
    (["aws", "azure"] as const).map((cloud) => [stack, cloud] as const),
  );

  it("completes all six combinations", () => {
    for (const [stack, cloud] of combos) {
      const plan = cloudPlan(stack, cloud);
      expect(plan.environment).toBe(stack);
      expect(plan.resources.length).toBeGreaterThan(10);
      expect(plan.resources[0]?.type).toBe("pulumi:pulumi:Stack");
    }
  });

  // Every stack on both clouds: the one its stack file names and the what-if one (with the assumption a
  // what-if needs, next test).
  it.each(combos)("%s on %s: the policy pack is evaluated with no mandatory violation", (stack, cloud) => {
    const { policy } = cloudPlan(stack, cloud);
    expect(policy.error).toBeUndefined();
    expect(policy.evaluated).toBe(true);
    expect(policy.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    expect(policy.blocked).toBe(false);
  });

  it("assumes the operator values a stack file lacks, marks each one, and what-ifs say so", async () => {
    const whatIf = cloudPlan("staging", "aws");
    expect(whatIf.assumptions).toEqual([
      expect.stringMatching(/^what-if: .*twincloud:certificateArn=arn:aws:acm:eu-west-1:000000000000:/),
      expect.stringMatching(/^what-if: .*twincloud:domainName=api\.twincloud\.rehearsal/),
    ]);
    const listeners = ofType(whatIf, "aws:lb/listener:Listener");
    expect(listeners.map((l) => l.props.protocol).sort()).toEqual(["HTTP", "HTTPS"]);
    expect(renderText(plans.get("staging")!)).toContain("assumption: what-if: this stack ships on azure");
    expect(renderMarkdown(plans.get("staging")!)).toContain("> **AWS**: what-if: this stack ships on azure");
    // prod ships with no operator values at all: on its own cloud the plan assumes all three, and says so.
    expect(cloudPlan("prod", "aws").assumptions).toEqual([
      expect.stringMatching(/^the stack file lacks twincloud:alertEmail .*=oncall@twincloud\.rehearsal/),
      expect.stringMatching(/^the stack file lacks twincloud:certificateArn/),
      expect.stringMatching(/^the stack file lacks twincloud:domainName/),
    ]);
    expect(cloudPlan("prod", "azure").assumptions).toEqual([
      expect.stringMatching(/^what-if: .*twincloud:alertEmail/),
    ]);
    // dev and staging on their own clouds need no operator value.
    for (const [stack, cloud] of [
      ["dev", "aws"],
      ["dev", "azure"],
      ["staging", "azure"],
    ] as const) {
      expect(cloudPlan(stack, cloud).assumptions, `${stack} on ${cloud}`).toBeUndefined();
    }
    // Values of one's own replace the assumptions.
    const own = await collectPlan({
      stack: "staging",
      cloud: "aws",
      configOverrides: {
        "twincloud:certificateArn":
          "arn:aws:acm:eu-west-1:210987654321:certificate/1a2b3c4d-0000-4000-8000-000000000001",
        "twincloud:domainName": "api.staging.twincloud.io",
      },
    });
    expect(own.clouds[0]?.assumptions).toBeUndefined();
    expect(own.clouds[0]?.policy).toMatchObject({ evaluated: true, blocked: false });
  });

  it.each(TIERS)("%s on AWS: the resource types of the tier, matching the spec", (stack) => {
    const plan = cloudPlan(stack, "aws");
    const spec = specFor(stack, "aws");
    for (const type of [
      "aws:ecs/cluster:Cluster",
      "aws:ecs/service:Service",
      "aws:ecs/taskDefinition:TaskDefinition",
      "aws:lb/loadBalancer:LoadBalancer",
      "aws:lb/targetGroup:TargetGroup",
      "aws:rds/instance:Instance",
      "aws:ecr/repository:Repository",
      "aws:cloudwatch/logGroup:LogGroup",
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "aws:sns/topic:Topic",
    ]) {
      expect(ofType(plan, type).length, type).toBeGreaterThan(0);
    }
    expect(one(plan, "aws:appautoscaling/target:Target").props).toMatchObject({
      minCapacity: spec.scaling.minReplicas,
      maxCapacity: spec.scaling.maxReplicas,
    });
    expect(one(plan, "aws:rds/instance:Instance").props).toMatchObject({
      multiAz: spec.database.highAvailability,
      backupRetentionPeriod: spec.database.backupRetentionDays,
      deletionProtection: spec.database.deletionProtection,
      publiclyAccessible: false,
    });
    expect(ofType(plan, "aws:wafv2/webAcl:WebAcl")).toHaveLength(spec.ingress.waf.enabled ? 1 : 0);
    const ports = ofType(plan, "aws:lb/listener:Listener").map((l) => l.props.port);
    expect(ports.includes(443)).toBe(spec.ingress.httpsOnly);
    expect(ofType(plan, "aws:backup/plan:Plan").length > 0).toBe(spec.database.crossRegionBackup.enabled);
    expect(plan.resources.some((r) => r.protect)).toBe(spec.operations.protectStatefulResources);
  });

  it.each(TIERS)("%s on Azure: the resource types of the tier, matching the spec", (stack) => {
    const plan = cloudPlan(stack, "azure");
    const spec = specFor(stack, "azure");
    for (const type of [
      "azure-native:app:ManagedEnvironment",
      "azure-native:app:ContainerApp",
      "azure-native:dbforpostgresql:Server",
      "azure-native:keyvault:Vault",
      "azure-native:containerregistry:Registry",
      "azure-native:operationalinsights:Workspace",
      "azure-native:network:VirtualNetwork",
    ]) {
      expect(ofType(plan, type).length, type).toBeGreaterThan(0);
    }
    const app = one(plan, "azure-native:app:ContainerApp").props;
    expect(app).toMatchObject({
      template: { scale: { minReplicas: spec.scaling.minReplicas, maxReplicas: spec.scaling.maxReplicas } },
      configuration: { ingress: { allowInsecure: false } },
    });
    const server = one(plan, "azure-native:dbforpostgresql:Server").props;
    expect(server).toMatchObject({ backup: { backupRetentionDays: spec.database.backupRetentionDays } });
    expect((server.highAvailability as { mode?: string } | undefined)?.mode === "ZoneRedundant").toBe(
      spec.database.highAvailability,
    );
    expect(plan.resources.some((r) => r.protect)).toBe(spec.operations.protectStatefulResources);
  });

  it("marks values only the cloud knows as computed and never prints secrets", () => {
    const aws = cloudPlan("prod", "aws");
    expect(one(aws, "aws:lb/loadBalancer:LoadBalancer").key.dnsName).toBe(COMPUTED);
    expect(one(aws, "aws:ecs/service:Service").props.cluster).toBe(COMPUTED);
    const json = renderJson(plans.get("prod")!);
    expect(json).not.toMatch(/"4dabf18193072939515e22adb298388d"/); // no secret wrapper leaks through
    expect(json).not.toMatch(/-id"/); // no mock fake id is presented as a real one
  });

  it("derives the side-by-side table from each cloud's resources", () => {
    const table = concernTable(plans.get("prod")!);
    for (const concern of CONCERNS) {
      for (const cloud of ["aws", "azure"] as const) {
        const cell = table[concern][cloud]!;
        expect(cell.facts.length + cell.resources.length, `${concern} on ${cloud}`).toBeGreaterThan(0);
      }
    }
    expect(table.scaling.aws?.facts).toContain("replicas 2–10");
    expect(table.scaling.azure?.facts).toContain("replicas 2–10");
  });

  it("compares SLO alerting, uptime checks and error tracking in facts on both clouds (issue 15)", () => {
    const table = concernTable(plans.get("prod")!);
    const facts = (concern: (typeof CONCERNS)[number], cloud: "aws" | "azure") =>
      (table[concern][cloud]?.facts ?? []).join("\n");
    expect(facts("SLO alerting", "aws")).toMatch(/Managed Service for Prometheus workspace/);
    expect(facts("SLO alerting", "aws")).toMatch(
      /aps:RemoteWrite on the workspace \(the ADOT collector sidecar/,
    );
    expect(facts("SLO alerting", "aws")).toMatch(/\d+ recording, \d+ alerting/);
    expect(facts("SLO alerting", "azure")).toMatch(/Azure Monitor workspace/);
    expect(facts("SLO alerting", "azure")).toMatch(/OpenTelemetry Collector sidecar/);
    expect(facts("SLO alerting", "azure")).toMatch(/data collection rule: Prometheus remote write/);
    expect(facts("SLO alerting", "azure")).toMatch(
      /4 Prometheus rule groups of observability\/prometheus\/rules.yml: 11 recording, 10 alerting, every PT1M; alerts → action group/,
    );
    expect(facts("uptime checks", "aws")).toMatch(/Route 53 health check HTTPS \/health\/ready/);
    expect(facts("uptime checks", "aws")).toMatch(/alarm when unhealthy 2 × 60 s/);
    expect(facts("uptime checks", "azure")).toMatch(/standard test GET every 300 s from 5 locations/);
    expect(facts("uptime checks", "azure")).toMatch(/alert when 2\+ locations fail/);
    // The shipped stacks set no Sentry DSN (a secret per stack): the cell says how it is turned on.
    for (const cloud of ["aws", "azure"] as const)
      expect(facts("error tracking", cloud)).toBe(
        "none in this stack (Sentry when twincloud:sentryDsn is set)",
      );
    expect(facts("metrics/alerts", "azure")).not.toContain("alert - - -");
  });
});

describe("renderers", () => {
  it("json parses back into a plan", () => {
    const plan = plans.get("staging")!;
    const parsed = parsePlanJson(renderJson(plan), "staging.json");
    expect(parsed.clouds.map((c) => c.cloud)).toEqual(["aws", "azure"]);
    expect(parsed.clouds[1]?.resources.length).toBe(plan.clouds[1]?.resources.length);
  });

  it("markdown has the summary and comparison tables and the trees", () => {
    const md = renderMarkdown(plans.get("prod")!);
    expect(md).toContain("| Cloud | Resources | Protected | Policies |");
    expect(md).toContain("| Concern | AWS | Azure |");
    for (const concern of CONCERNS) expect(md).toContain(`| ${concern} |`);
    expect(md).toContain("```text\npulumi:pulumi:Stack twincloud-prod");
    const compact = renderMarkdown(plans.get("prod")!, undefined, { compact: true });
    expect(compact).toContain("| Concern | AWS | Azure |");
    expect(compact).not.toContain("```text");
  });

  it("text has the tree by parent and the policy verdict", () => {
    const text = renderText(plans.get("dev")!);
    expect(text).toMatch(/^pulumi:pulumi:Stack twincloud-dev$/m);
    // Each cloud's resources nest under its component (twincloud:aws:Service, twincloud:azure:Service).
    expect(text).toMatch(/^ {3}[├└]─ aws:ecs\/service:Service twincloud-dev-api .*desiredCount=1/m);
    expect(text).toMatch(/^ {3}[├└]─ azure-native:app:ContainerApp api /m);
    expect(text).toContain("policies: pass");
    expect(text).toContain("== The same spec on each cloud, concern by concern");
  });
});

describe("diff", () => {
  it("shows exactly a raised prod maxReplicas on the autoscaling target and the container app scale", async () => {
    const base = plans.get("prod")!;
    const head = await collectPlan({
      stack: "prod",
      cloud: "both",
      configOverrides: { "twincloud:maxReplicas": "20" },
    });
    const diff = diffPlans(base, head);
    const byCloud = Object.fromEntries(diff.clouds.map((c) => [c.cloud, c]));
    for (const cloud of ["aws", "azure"] as const) {
      expect(byCloud[cloud]?.added).toEqual([]);
      expect(byCloud[cloud]?.removed).toEqual([]);
      expect(byCloud[cloud]?.newViolations).toEqual([]);
    }
    expect(byCloud.aws?.changed.map((c) => ({ type: c.type, changes: c.changes }))).toEqual([
      { type: "aws:appautoscaling/target:Target", changes: [{ path: "maxCapacity", before: 10, after: 20 }] },
    ]);
    expect(byCloud.azure?.changed.map((c) => ({ type: c.type, changes: c.changes }))).toEqual([
      {
        type: "azure-native:app:ContainerApp",
        changes: [{ path: "template.scale.maxReplicas", before: 10, after: 20 }],
      },
    ]);
    expect(renderText(head, diff)).toContain("maxCapacity: 10 → 20");
    expect(renderMarkdown(head, diff)).toContain("| AWS | change | `aws:appautoscaling/target:Target`");
    // A --format json document carries the diff and still parses as a plan.
    expect(parsePlanJson(renderJson(head, diff), "head.json").stack).toBe("prod");
  });

  it("is empty against the same plan, and lists additions and removals across tiers", () => {
    const prod = plans.get("prod")!;
    expect(isEmptyDiff(diffPlans(prod, parsePlanJson(renderJson(prod), "prod.json")))).toBe(true);
    const devToProd = diffPlans(plans.get("dev")!, prod).clouds.find((c) => c.cloud === "aws")!;
    // URNs embed the stack name, so across stacks resources pair up by type::name: all differ by name here.
    expect(devToProd.added.some((r) => r.type === "aws:wafv2/webAcl:WebAcl")).toBe(true);
    expect(devToProd.removed.length).toBeGreaterThan(0);
  });
});

describe("the plan on synthetic resources", () => {
  const stackUrn = "urn:pulumi:t::p::pulumi:pulumi:Stack::p-t";
  const plan = buildPlan({
    stack: "t",
    clouds: [
      buildCloudPlan({
        cloud: "aws",
        environment: "dev",
        resources: [
          { type: "pulumi:pulumi:Stack", name: "p-t", urn: stackUrn, props: {}, state: {}, custom: false },
          {
            type: "aws:ec2/vpc:Vpc",
            name: "net",
            urn: "urn:vpc",
            parent: stackUrn,
            props: { cidrBlock: "10.0.0.0/16" },
            state: { cidrBlock: "10.0.0.0/16", arn: "arn:aws:ec2:eu-west-1:1:vpc/net" },
          },
          {
            type: "aws:rds/instance:Instance",
            name: "db",
            urn: "urn:db",
            parent: "urn:vpc",
            props: {
              vpcId: "net-id",
              password: {
                "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                value: "hunter2",
              },
              masterPassword: "plain-but-named-secret",
              policy: '{"Resource":"arn:aws:ec2:eu-west-1:1:vpc/net"}',
            },
            state: {},
            opts: { protect: true },
          },
        ],
        violations: [
          { policyName: "p1", enforcementLevel: "mandatory", resource: { urn: "urn:db" }, message: "bad" },
          { policyName: "p2", enforcementLevel: "advisory", message: "meh" },
        ],
      }),
    ],
  });
  const [cloud] = plan.clouds;

  it("marks ids and embedded outputs computed, redacts secrets by wrapper and by name", () => {
    const db = cloud!.resources[2]!;
    expect(db.props).toEqual({ vpcId: COMPUTED, password: SECRET, masterPassword: SECRET, policy: COMPUTED });
    expect(cloud!.resources[1]?.computed).toEqual(["arn"]);
    expect(renderJson(plan)).not.toContain("hunter2");
  });

  it("nests the tree by parent and flags protected resources", () => {
    expect(renderTree(cloud!)).toEqual([
      "pulumi:pulumi:Stack p-t",
      "└─ aws:ec2/vpc:Vpc net  cidrBlock=10.0.0.0/16",
      "   └─ aws:rds/instance:Instance db [protected]",
    ]);
  });

  it("counts violations by level and blocks on mandatory ones", () => {
    expect(cloud!.policy).toMatchObject({
      evaluated: true,
      blocked: true,
      counts: { mandatory: 1, advisory: 1 },
    });
    expect(renderText(plan)).toContain("policies: BLOCKED (1 mandatory, 1 advisory)");
    const unevaluated = buildCloudPlan({
      cloud: "azure",
      environment: "dev",
      resources: [],
      policyError: "boom",
    });
    expect(unevaluated.policy).toMatchObject({ evaluated: false, error: "boom", blocked: false });
  });

  it("rejects a file that is not a plan", () => {
    expect(() => parsePlanJson("{", "x.json")).toThrow(/x.json: not JSON/);
    expect(() => parsePlanJson('{"version":2}', "x.json")).toThrow(/not an offline plan/);
    expect(() => parsePlanJson('{"version":1,"clouds":[{"cloud":"gcp","resources":[]}]}', "x.json")).toThrow(
      /aws or azure/,
    );
  });
});

describe("CLI flags", () => {
  it.each([
    [["--stack", "qa"], /--stack "qa" is not a stack: use one of dev, staging, prod/],
    [[], /--stack is required/],
    [["--stack", "dev", "--cloud", "gcp"], /--cloud "gcp" is not allowed: use one of aws, azure, both/],
    [
      ["--stack", "dev", "--format", "yaml"],
      /--format "yaml" is not allowed: use one of text, markdown, json/,
    ],
    [
      ["--stack", "dev", "--diff-against", "/nonexistent.json"],
      /--diff-against: file \/nonexistent.json does not exist/,
    ],
    [["--stack", "dev", "--write-docs"], /--write-docs documents the prod stack on both clouds/],
    [["--stack", "dev", "--colour"], /Unknown option '--colour'/],
  ])("%j fails naming the flag", (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(PlanUsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });

  it("accepts the documented forms", () => {
    expect(parseCliArgs(["--stack", "prod", "--cloud", "both", "--format", "markdown"])).toEqual({
      stack: "prod",
      cloud: "both",
      format: "markdown",
      writeDocs: false,
      compact: false,
    });
    expect(parseCliArgs(["--stack", "dev"])).toMatchObject({ format: "text" });
  });

  it("exits 2 with the message on a bad flag (as a process)", () => {
    let status = 0;
    let stderr = "";
    try {
      execFileSync(
        process.execPath,
        ["--import", "tsx", "tools/plan/cli.ts", "--stack", "dev", "--format", "xml"],
        {
          cwd: ROOT,
          stdio: "pipe",
        },
      );
    } catch (error) {
      status = (error as { status: number }).status;
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toContain('plan: --format "xml" is not allowed');
  });

  it("main returns 0 for --help without running anything", async () => {
    expect(await main(["--help"])).toBe(0);
  });
});

describe(DOCS_PATH, () => {
  it("normalizes markdown tables independent of alignment", () => {
    expect(normalizeMarkdown("| a  | b\\|c |\n| -- | --- |\n| x | y |\ntext  ")).toBe(
      normalizeMarkdown("| a | b\\|c |\n| --- | --- |\n| x  | y  |\ntext"),
    );
    expect(normalizeMarkdown("| a | b |")).not.toBe(normalizeMarkdown("| a | c |"));
  });

  it(`is up to date (regenerate with: ${DOCS_COMMAND})`, () => {
    const expected = renderComparisonDoc(plans.get("prod")!, DOCS_COMMAND);
    const actual = readFileSync(`${ROOT}${DOCS_PATH}`, "utf8");
    // Compared modulo table alignment (biome formats markdown tables).
    expect(normalizeMarkdown(actual), `${DOCS_PATH} is out of date: run ${DOCS_COMMAND}`).toBe(
      normalizeMarkdown(expected),
    );
  });
});
