/**
 * Amazon Managed Service for Prometheus (when `spec.cloudMetrics` is on): a KMS-encrypted workspace that the
 * ADOT collector in the API's task remote-writes to (infra/aws/collector.ts), the task role's one permission
 * on it, a rule groups namespace holding observability/prometheus/rules.yml unchanged (the file promtool
 * tests; read when the program runs by infra/prometheus-rules.ts, one source for both clouds), and an alert
 * manager that publishes to the stack's alert topic. The topic's and its key's policy statements for AMP are
 * built here and added by monitoring/index.ts, which owns the topic.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { prometheusRulesText } from "../../prometheus-rules.js";
import type { ServiceSpec } from "../../spec/index.js";
import { remoteWriteUrl } from "../collector.js";
import { tagsFor } from "../tags.js";
import { accountKey } from "./kms.js";

export interface PrometheusWorkspace {
  workspace: aws.amp.Workspace;
  key: aws.kms.Key;
  /** `<prometheusEndpoint>api/v1/remote_write`: where the collector writes. */
  remoteWriteUrl: pulumi.Output<string>;
}

/**
 * Regions AWS lists as opt-in use a regional service principal for AMP (`aps.<region>.amazonaws.com`; "Giving
 * Amazon Managed Service for Prometheus permission to send alert messages to your Amazon SNS topic").
 */
const OPT_IN_REGIONS = new Set([
  "af-south-1",
  "ap-east-1",
  "ap-southeast-7",
  "eu-south-1",
  "eu-central-2",
  "me-central-1",
  "ap-southeast-5",
]);

export function apsServicePrincipal(region: string): string {
  return OPT_IN_REGIONS.has(region) ? `aps.${region}.amazonaws.com` : "aps.amazonaws.com";
}

export function createPrometheusWorkspace(
  spec: ServiceSpec,
  opts: pulumi.ComponentResourceOptions,
): PrometheusWorkspace {
  const caller = aws.getCallerIdentityOutput({});
  const region = aws.getRegionOutput({}).region;
  const name = `${spec.name}-prometheus`;
  // The key policy AMP's user guide gives for a customer managed key ("Encryption at rest"): AMP creates its
  // grants through the service, for callers of this account only.
  const key = accountKey(
    spec,
    name,
    {
      description: `Encrypts the ${spec.name} Prometheus workspace`,
      accountId: caller.accountId,
      statements: [
        {
          Sid: "PrometheusWorkspace",
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: ["kms:DescribeKey", "kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt"],
          Resource: "*",
          Condition: {
            StringEquals: {
              "kms:ViaService": pulumi.interpolate`aps.${region}.amazonaws.com`,
              "kms:CallerAccount": caller.accountId,
            },
          },
        },
      ],
    },
    opts,
  );
  const workspace = new aws.amp.Workspace(
    name,
    { alias: name, kmsKeyArn: key.arn, tags: tagsFor(spec, name) },
    opts,
  );
  return { workspace, key, remoteWriteUrl: workspace.prometheusEndpoint.apply(remoteWriteUrl) };
}

/** The task role may remote-write to this workspace and do nothing else with AMP. */
export function grantRemoteWrite(
  spec: ServiceSpec,
  taskRole: aws.iam.Role,
  prometheus: PrometheusWorkspace,
  opts: pulumi.ComponentResourceOptions,
): aws.iam.RolePolicy {
  return new aws.iam.RolePolicy(
    `${spec.name}-task-prometheus`,
    {
      role: taskRole.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "PrometheusRemoteWrite",
            Effect: "Allow",
            Action: "aps:RemoteWrite",
            Resource: prometheus.workspace.arn,
          },
        ],
      }),
    },
    opts,
  );
}

/**
 * The alert manager configuration (AMP's definition wraps Alertmanager's YAML in `alertmanager_config`): every
 * alert to the stack's topic through the SNS receiver (SigV4 with the region is required), grouped by alert and
 * job, resolved notifications too. AMP sets `api_url` itself and refuses `http_config`.
 */
export function alertManagerDefinition(spec: ServiceSpec, topicArn: string, region: string): string {
  const config = {
    route: {
      receiver: "alert-topic",
      group_by: ["alertname", "job"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
    },
    receivers: [
      {
        name: "alert-topic",
        sns_configs: [
          {
            topic_arn: topicArn,
            sigv4: { region },
            subject: `${spec.name}: {{ .Status }} {{ .CommonLabels.alertname }}`,
            send_resolved: true,
            attributes: { stack: spec.name },
          },
        ],
      },
    ],
  };
  return stringify({ alertmanager_config: stringify(config) });
}

/** The rule groups namespace and the alert manager: the workspace evaluates rules.yml and pages via the topic. */
export function createPrometheusAlerting(
  spec: ServiceSpec,
  prometheus: PrometheusWorkspace,
  topic: aws.sns.Topic,
  opts: pulumi.ComponentResourceOptions,
): { rules: aws.amp.RuleGroupNamespace; alertManager: aws.amp.AlertManagerDefinition } {
  const region = aws.getRegionOutput({}).region;
  const rules = new aws.amp.RuleGroupNamespace(
    `${spec.name}-slo-rules`,
    {
      name: `${spec.name}-slo-rules`,
      workspaceId: prometheus.workspace.id,
      // AMP takes the rules file's text unchanged.
      data: prometheusRulesText(),
      tags: tagsFor(spec, `${spec.name}-slo-rules`),
    },
    opts,
  );
  const alertManager = new aws.amp.AlertManagerDefinition(
    `${spec.name}-alert-manager`,
    {
      workspaceId: prometheus.workspace.id,
      definition: pulumi
        .all([topic.arn, region])
        .apply(([topicArn, regionName]) => alertManagerDefinition(spec, topicArn, regionName)),
    },
    opts,
  );
  return { rules, alertManager };
}

/** The topic policy statement AMP's user guide gives: this workspace of this account may publish. */
export function topicStatementForPrometheus(
  prometheus: PrometheusWorkspace,
  topicArn: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
  region: pulumi.Input<string>,
): Record<string, unknown> {
  return {
    Sid: "PrometheusAlertManager",
    Effect: "Allow",
    Principal: { Service: pulumi.output(region).apply(apsServicePrincipal) },
    Action: ["sns:Publish", "sns:GetTopicAttributes"],
    Resource: topicArn,
    Condition: {
      ArnEquals: { "aws:SourceArn": prometheus.workspace.arn },
      StringEquals: { "AWS:SourceAccount": accountId },
    },
  };
}
