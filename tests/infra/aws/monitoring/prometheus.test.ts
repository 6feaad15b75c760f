/**
 * infra/aws/monitoring/prometheus.ts (issue 15): the SLO rules evaluated in the cloud. Under mocks, per tier:
 * the managed Prometheus workspace, the rules (equal to the promtool-tested file), the alert manager routed to
 * the alert topic with the policies AMP needs, each only where `twincloud:cloudMetrics` is on (tier default:
 * off in dev, on in staging and prod).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { alertManagerDefinition, apsServicePrincipal } from "../../../../infra/aws/monitoring/prometheus.js";
import { buildServiceSpec, TIERS, type Tier } from "../../../../infra/spec/index.js";
import type { CapturedResource } from "../../../../tools/mock/run.js";
import { RULES_FILE } from "../../../observability/observability-files.js";
import { apiContainersOf, captureAws } from "../../../support/aws-stack.js";
import { byType, one } from "../../../support/rendered.js";

type Doc = Record<string, unknown>;
interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const policyOf = (r: CapturedResource, key = "policy"): Statement[] =>
  (JSON.parse(String(r.props[key])) as { Statement: Statement[] }).Statement;

const NEW_TYPES = [
  "aws:amp/workspace:Workspace",
  "aws:amp/ruleGroupNamespace:RuleGroupNamespace",
  "aws:amp/alertManagerDefinition:AlertManagerDefinition",
  "aws:route53/healthCheck:HealthCheck",
];

describe("where cloud metrics are on", () => {
  it("is off in dev, on in staging and prod by default, and switchable per stack", async () => {
    const expected: Record<Tier, boolean> = { dev: false, staging: true, prod: true };
    for (const tier of TIERS) {
      const types = new Set((await captureAws(tier)).map((r) => r.type));
      for (const type of NEW_TYPES) expect(types.has(type), `${tier} ${type}`).toBe(expected[tier]);
      const containers = apiContainersOf(await captureAws(tier)).map((c) => c.name);
      expect(containers.includes("otel-collector"), tier).toBe(expected[tier]);
    }
    const devOn = new Set((await captureAws("dev", { "twincloud:cloudMetrics": "true" })).map((r) => r.type));
    for (const type of NEW_TYPES) expect(devOn.has(type), type).toBe(true);
    expect(
      buildServiceSpec({ cloud: "aws", cloudMetrics: "false" }, { stack: "staging" }).cloudMetrics.enabled,
    ).toBe(false);
  });
});

describe.each(["staging", "prod"] as const)("%s: managed Prometheus", (tier) => {
  let resources: CapturedResource[];
  let workspaceArn: string;
  let topicArn: string;
  beforeAll(async () => {
    resources = await captureAws(tier);
    const workspace = one(resources, "aws:amp/workspace:Workspace");
    workspaceArn = String(workspace.state.arn);
    const topics = byType(resources, "aws:sns/topic:Topic").filter(
      (t) => t.name === `twincloud-${tier}-alerts`,
    );
    expect(topics).toHaveLength(1);
    topicArn = String(topics[0]!.state.arn);
  });

  it("encrypts the workspace with its own key, which AMP may use through the service only", () => {
    const workspace = one(resources, "aws:amp/workspace:Workspace");
    const key = byType(resources, "aws:kms/key:Key").find((k) => k.name === `twincloud-${tier}-prometheus`);
    expect(key).toBeDefined();
    expect(workspace.props.kmsKeyArn).toBe(key!.state.arn);
    expect(workspace.props.tags).toMatchObject({ project: "twincloud", environment: tier });
    const amp = policyOf(key!).find((s) => s.Sid === "PrometheusWorkspace");
    expect(amp?.Condition?.StringEquals).toEqual({
      "kms:ViaService": "aps.eu-west-1.amazonaws.com",
      "kms:CallerAccount": "123456789012",
    });
  });

  it("lets the task role do exactly aps:RemoteWrite on that workspace", () => {
    const taskRole = one(
      resources.filter((r) => r.name === `twincloud-${tier}-task`),
      "aws:iam/role:Role",
    );
    const policies = byType(resources, "aws:iam/rolePolicy:RolePolicy").filter(
      (p) => p.props.role === taskRole.state.name || p.props.role === `twincloud-${tier}-task-id`,
    );
    const aps = policies.flatMap((p) => policyOf(p)).filter((s) => JSON.stringify(s.Action).includes("aps:"));
    expect(aps).toEqual([
      { Sid: "PrometheusRemoteWrite", Effect: "Allow", Action: "aps:RemoteWrite", Resource: workspaceArn },
    ]);
    // No other role or policy in the stack grants anything on AMP.
    const elsewhere = byType(resources, "aws:iam/rolePolicy:RolePolicy")
      .filter((p) => !policies.includes(p))
      .filter((p) => String(p.props.policy).includes("aps:"));
    expect(elsewhere).toEqual([]);
  });

  it("holds exactly the promtool-tested rules file in the rule groups namespace", () => {
    const rules = one(resources, "aws:amp/ruleGroupNamespace:RuleGroupNamespace");
    expect(rules.props.data).toBe(readFileSync(RULES_FILE, "utf8"));
    expect(rules.props.workspaceId).toBe(`twincloud-${tier}-prometheus-id`);
  });

  it("routes every alert to the stack's alert topic through the SNS receiver with SigV4", () => {
    const definition = one(resources, "aws:amp/alertManagerDefinition:AlertManagerDefinition");
    expect(definition.props.workspaceId).toBe(`twincloud-${tier}-prometheus-id`);
    const outer = parse(String(definition.props.definition)) as { alertmanager_config: string };
    const config = parse(outer.alertmanager_config) as {
      route: { receiver: string; routes?: unknown };
      receivers: { name: string; sns_configs: Doc[] }[];
    };
    expect(config.route.receiver).toBe("alert-topic");
    expect(config.route.routes).toBeUndefined();
    expect(config.receivers).toHaveLength(1);
    expect(config.receivers[0]!.sns_configs).toEqual([
      expect.objectContaining({ topic_arn: topicArn, sigv4: { region: "eu-west-1" }, send_resolved: true }),
    ]);
  });

  it("lets this workspace publish to the topic and use the topic's key", () => {
    const policy = one(resources, "aws:sns/topicPolicy:TopicPolicy");
    const statement = policyOf(policy).find((s) => s.Sid === "PrometheusAlertManager");
    expect(statement).toEqual({
      Sid: "PrometheusAlertManager",
      Effect: "Allow",
      Principal: { Service: "aps.amazonaws.com" },
      Action: ["sns:Publish", "sns:GetTopicAttributes"],
      Resource: topicArn,
      Condition: {
        ArnEquals: { "aws:SourceArn": workspaceArn },
        StringEquals: { "AWS:SourceAccount": "123456789012" },
      },
    });
    expect(policyOf(policy).map((s) => s.Sid)).toContain("DenyPlainHttp");
    const key = byType(resources, "aws:kms/key:Key").find((k) => k.name === `twincloud-${tier}-alerts`);
    expect(policyOf(key!).find((s) => s.Sid === "PrometheusAlertManagerPublish")).toEqual({
      Sid: "PrometheusAlertManagerPublish",
      Effect: "Allow",
      Principal: { Service: "aps.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
    });
  });

  it("alarms when AMP cannot deliver alert notifications (the alert path itself: OpsCenter too)", () => {
    const alarm = byType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm").find(
      (a) => a.props.name === `twincloud-${tier}-prometheus-alerts-undelivered`,
    );
    expect(alarm?.props).toMatchObject({
      namespace: "AWS/Prometheus",
      metricName: "AlertManagerNotificationsFailed",
      dimensions: { Workspace: `twincloud-${tier}-prometheus-id` },
      threshold: 0,
      treatMissingData: "notBreaching",
    });
    expect(alarm?.props.alarmActions).toEqual([topicArn, expect.stringMatching(/:opsitem:/)]);
    expect(String(alarm?.props.alarmDescription)).toContain("docs/runbook.md#prometheus-alerts-undelivered");
  });
});

describe("pure parts", () => {
  it("uses the regional AMP service principal in opt-in regions", () => {
    expect(apsServicePrincipal("eu-west-1")).toBe("aps.amazonaws.com");
    expect(apsServicePrincipal("eu-central-2")).toBe("aps.eu-central-2.amazonaws.com");
  });

  it("writes an alert manager definition AMP accepts: no api_url, no http_config", () => {
    const spec = buildServiceSpec({ cloud: "aws" }, { stack: "dev" });
    const text = alertManagerDefinition(spec, "arn:aws:sns:eu-west-1:1:t", "eu-west-1");
    expect(text).not.toMatch(/api_url|http_config/);
    expect(Object.keys(parse(text) as Doc)).toEqual(["alertmanager_config"]);
  });
});
