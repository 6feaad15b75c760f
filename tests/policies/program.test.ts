/**
 * The program's own resources, captured with runUnderMocks for dev, staging and prod on both clouds, pass
 * the pack with zero mandatory violations; deliberately insecure mutations of those captured resources are
 * each blocked by a mandatory violation. The advisory violations are printed (and listed in docs/policies.md).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { program } from "../../infra/program.js";
import { type EvaluatedResource, evaluatePolicies, type Violation } from "../../policies/evaluate.js";
import type { Tier } from "../../policies/lib/environment.js";
import { fromCaptured } from "../../tools/mock/captured.js";
import { runUnderMocks } from "../../tools/mock/run.js";
import { stackConfig } from "../support/stacks.js";
import { byPolicy, summary } from "./fixtures.js";

const STACKS: Tier[] = ["dev", "staging", "prod"];
const CLOUDS = ["aws", "azure"] as const;
type Cloud = (typeof CLOUDS)[number];

const runs = new Map<string, EvaluatedResource[]>();
const key = (stack: Tier, cloud: Cloud) => `${stack}/${cloud}`;

beforeAll(async () => {
  for (const cloud of CLOUDS) {
    for (const stack of STACKS) {
      const result = await runUnderMocks(program, { stack, config: stackConfig(stack, cloud) });
      runs.set(key(stack, cloud), fromCaptured(result.resources));
    }
  }
}, 300_000);

const evaluate = (resources: EvaluatedResource[], environment: Tier): Violation[] =>
  evaluatePolicies(resources, { environment });

describe("the program's own stacks", () => {
  for (const cloud of CLOUDS) {
    for (const stack of STACKS) {
      it(`${cloud} ${stack}: zero mandatory violations`, () => {
        const violations = evaluate(runs.get(key(stack, cloud))!, stack);
        const advisory = violations.filter((v) => v.enforcementLevel === "advisory");
        if (advisory.length > 0)
          console.log(`[advisory] ${cloud} ${stack}\n  ${summary(advisory).join("\n  ")}`);
        expect(summary(violations.filter((v) => v.enforcementLevel === "mandatory"))).toEqual([]);
      });
    }
  }
});

type Mutation = (resources: EvaluatedResource[]) => void;

function mutate(resources: EvaluatedResource[], type: string, change: (r: EvaluatedResource) => void): void {
  const targets = resources.filter((r) => r.type === type);
  if (targets.length === 0) throw new Error(`the program creates no ${type}`);
  for (const r of targets) {
    r.props = structuredClone(r.props);
    change(r);
    r.outputs = { ...(r.outputs ?? {}), ...r.props };
  }
}

/** Deliberately insecure variants of the prod stacks: [title, cloud, mutation, policies any of which must block]. */
const insecure: [string, Cloud, Mutation, string[]][] = [
  [
    "public database",
    "aws",
    (rs) =>
      mutate(
        rs,
        "aws:rds/instance:Instance",
        (r) => void Object.assign(r.props, { publiclyAccessible: true }),
      ),
    ["aws-rds-not-public"],
  ],
  [
    "database port open to the world",
    "aws",
    (rs) =>
      rs.push({
        type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        name: "db-world",
        urn: "urn:pulumi:prod::twincloud::aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::db-world",
        props: {
          cidrIpv4: "0.0.0.0/0",
          fromPort: 5432,
          toPort: 5432,
          ipProtocol: "tcp",
          securityGroupId: "x",
        },
      }),
    ["aws-sg-no-world-ingress"],
  ],
  [
    "plain-HTTP listener forwarding",
    "aws",
    (rs) =>
      mutate(rs, "aws:lb/listener:Listener", (r) =>
        Object.assign(r.props, {
          protocol: "HTTP",
          defaultActions: [{ type: "forward", targetGroupArn: "tg" }],
        }),
      ),
    ["aws-lb-listener-https"],
  ],
  [
    "plaintext password env var",
    "aws",
    (rs) =>
      mutate(rs, "aws:ecs/taskDefinition:TaskDefinition", (r) => {
        const defs = JSON.parse(String(r.props.containerDefinitions)) as Record<string, unknown>[];
        defs[0]!.environment = [
          ...((defs[0]!.environment as unknown[]) ?? []),
          { name: "DATABASE_PASSWORD", value: "x" },
        ];
        r.props.containerDefinitions = JSON.stringify(defs);
      }),
    ["aws-ecs-no-plaintext-secrets"],
  ],
  [
    "0-day backups in prod",
    "aws",
    (rs) =>
      mutate(rs, "aws:rds/instance:Instance", (r) => {
        r.props.backupRetentionPeriod = 0;
      }),
    ["aws-rds-backup-retention"],
  ],
  [
    "one replica in prod",
    "aws",
    (rs) =>
      mutate(rs, "aws:appautoscaling/target:Target", (r) => {
        r.props.minCapacity = 1;
      }),
    ["prod-high-availability"],
  ],
  [
    "public database",
    "azure",
    (rs) =>
      mutate(rs, "azure-native:dbforpostgresql:Server", (r) => {
        r.props.network = { publicNetworkAccess: "Enabled" };
      }),
    ["azure-postgres-private"],
  ],
  [
    "database open to the world (firewall rule)",
    "azure",
    (rs) =>
      rs.push({
        type: "azure-native:dbforpostgresql:FirewallRule",
        name: "all",
        urn: "urn:pulumi:prod::twincloud::azure-native:dbforpostgresql:FirewallRule::all",
        props: { startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" },
      }),
    ["azure-postgres-no-allow-all-firewall"],
  ],
  [
    "insecure ingress",
    "azure",
    (rs) =>
      mutate(rs, "azure-native:app:ContainerApp", (r) => {
        const ingress = (r.props.configuration as { ingress?: Record<string, unknown> } | undefined)?.ingress;
        if (ingress) ingress.allowInsecure = true;
      }),
    ["azure-containerapp-no-insecure-ingress"],
  ],
  [
    "registry admin user",
    "azure",
    (rs) =>
      mutate(rs, "azure-native:containerregistry:Registry", (r) => {
        r.props.adminUserEnabled = true;
      }),
    ["azure-acr-no-admin-user"],
  ],
  [
    "plaintext password env var",
    "azure",
    (rs) =>
      mutate(rs, "azure-native:app:ContainerApp", (r) => {
        const containers = (r.props.template as { containers?: { env?: unknown[] }[] }).containers ?? [];
        for (const c of containers)
          c.env = [...(c.env ?? []), { name: "DATABASE_PASSWORD", value: "hunter2" }];
      }),
    ["azure-containerapp-no-plaintext-secrets"],
  ],
  [
    "0-day backups in prod",
    "azure",
    (rs) =>
      mutate(rs, "azure-native:dbforpostgresql:Server", (r) => {
        r.props.backup = { ...(r.props.backup as object), backupRetentionDays: 0 };
      }),
    ["azure-postgres-backup-retention"],
  ],
  [
    "one replica in prod",
    "azure",
    (rs) =>
      mutate(rs, "azure-native:app:ContainerApp", (r) => {
        const template = r.props.template as { scale?: Record<string, unknown> };
        template.scale = { ...(template.scale ?? {}), minReplicas: 1 };
      }),
    ["prod-high-availability"],
  ],
];

describe("deliberately insecure variants of the prod stacks are blocked", () => {
  for (const [title, cloud, change, expected] of insecure) {
    it(`${cloud}: ${title}`, () => {
      const resources = structuredClone(runs.get(key("prod", cloud))!);
      change(resources);
      const violations = evaluate(resources, "prod");
      const blocking = expected
        .flatMap((p) => byPolicy(violations, p))
        .filter((v) => v.enforcementLevel === "mandatory");
      expect(
        blocking.length,
        `${expected.join("/")} must block: ${summary(violations).join("; ")}`,
      ).toBeGreaterThan(0);
    });
  }
});
