/**
 * Monitoring: an encrypted SNS topic (email subscription when configured), one CloudWatch alarm per failure
 * mode with a runbook anchor, and a dashboard. `awsAlarms(spec)` is the single table of alarms: the runbook
 * (docs/runbook.md, one entry per alarm id) and its coverage test read it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RUNBOOK_PATH, type ServiceSpec } from "../../spec/index.js";
import { tagsFor } from "../tags.js";
import { type AlarmTarget, awsAlarms, BACKUP_JOB_FAILED_ID } from "./alarms.js";
import { dashboardBody } from "./dashboard.js";
import { accountKey } from "./kms.js";
import {
  apsServicePrincipal,
  createPrometheusAlerting,
  type PrometheusWorkspace,
  topicStatementForPrometheus,
} from "./prometheus.js";
import { createUptimeCheck, type UptimeCheck } from "./uptime.js";

export type { AlarmDefinition, AlarmTarget, EventRuleDefinition } from "./alarms.js";
export { awsAlarms, awsEventRules } from "./alarms.js";

export interface MonitoredResources {
  loadBalancerArnSuffix: pulumi.Input<string>;
  targetGroupArnSuffix: pulumi.Input<string>;
  clusterName: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
  databaseIdentifier: pulumi.Input<string>;
  /** The RDS instance's ARN: AWS Backup job events name it as `detail.resourceArn`. */
  databaseArn: pulumi.Input<string>;
  /** The stack's public URL: the outside uptime check probes it (with `spec.cloudMetrics`). */
  url: pulumi.Input<string>;
  /** The managed Prometheus workspace (with `spec.cloudMetrics`): its rules and alert manager page here. */
  prometheus?: PrometheusWorkspace;
  /** Set by createMonitoring once the uptime check exists: its alarm's `HealthCheckId`. */
  healthCheckId?: pulumi.Input<string>;
}

function dimensionsFor(
  target: AlarmTarget,
  r: MonitoredResources,
  resourceName?: string,
): Record<string, pulumi.Input<string>> {
  switch (target) {
    case "loadBalancer":
      return { LoadBalancer: r.loadBalancerArnSuffix };
    case "targetGroup":
      return { LoadBalancer: r.loadBalancerArnSuffix, TargetGroup: r.targetGroupArnSuffix };
    case "service":
      return { ClusterName: r.clusterName, ServiceName: r.serviceName };
    case "database":
      return { DBInstanceIdentifier: r.databaseIdentifier };
    case "eventRule":
      if (!resourceName) throw new Error("an eventRule alarm needs resourceName");
      return { RuleName: resourceName };
    case "healthCheck":
      if (!r.healthCheckId) throw new Error("a healthCheck alarm needs the uptime check");
      return { HealthCheckId: r.healthCheckId };
    case "prometheusWorkspace":
      if (!r.prometheus) throw new Error("a prometheusWorkspace alarm needs the workspace");
      return { Workspace: r.prometheus.workspace.id };
  }
}

export interface Monitoring {
  topic: aws.sns.Topic;
  alarms: aws.cloudwatch.MetricAlarm[];
  dashboardUrl: pulumi.Output<string>;
}

export function createMonitoring(
  spec: ServiceSpec,
  resources: MonitoredResources,
  opts: pulumi.ComponentResourceOptions,
): Monitoring {
  const caller = aws.getCallerIdentityOutput({});
  const region = aws.getRegionOutput({}).region;

  // AWS Backup runs only where the spec asks for cross-region copies (prod): its job failures page too.
  const backupsWatched = spec.database.crossRegionBackup.enabled;
  const prometheus = resources.prometheus;

  // Who encrypts with the topic's key when publishing. Confused-deputy conditions where the service sends
  // them: the SNS developer guide ("Managing Amazon SNS encryption keys and costs") says adding
  // aws:SourceAccount, aws:SourceArn and aws:SourceOrgID to a KMS key policy "is not supported for
  // EventBridge-to-encrypted topics": EventBridge's statement has no condition (with one, every event is
  // dropped, visible only as FailedInvocations). The topic policy still lets only our rule publish.
  // AMP's alert manager: the statement its user guide gives for an encrypted topic, without conditions (the
  // topic policy names the workspace).
  const publishers: { sid: string; service: pulumi.Input<string>; condition?: Record<string, unknown> }[] = [
    {
      sid: "CloudWatchAlarmsPublish",
      service: "cloudwatch.amazonaws.com",
      condition: { StringEquals: { "aws:SourceAccount": caller.accountId } },
    },
    ...(backupsWatched ? [{ sid: "EventBridgePublish", service: "events.amazonaws.com" }] : []),
    ...(prometheus
      ? [
          {
            sid: "PrometheusAlertManagerPublish",
            service: region.apply(apsServicePrincipal),
          },
        ]
      : []),
  ];
  // CloudWatch cannot publish to a topic encrypted with the AWS-managed aws/sns key: use our own key.
  const key = accountKey(
    spec,
    `${spec.name}-alerts`,
    {
      description: `Encrypts the ${spec.name} alert topic`,
      accountId: caller.accountId,
      statements: [
        // The services that publish to the topic encrypt with this key.
        ...publishers.map(({ sid, service, condition }) => ({
          Sid: sid,
          Effect: "Allow",
          Principal: { Service: service },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          ...(condition ? { Condition: condition } : {}),
        })),
      ],
    },
    opts,
  );

  const topic = new aws.sns.Topic(
    `${spec.name}-alerts`,
    {
      displayName: `${spec.name} alerts`,
      kmsMasterKeyId: key.arn,
      tags: tagsFor(spec, `${spec.name}-alerts`),
    },
    opts,
  );
  const backupRule = backupsWatched ? watchBackupJobs(spec, topic, resources.databaseArn, opts) : undefined;
  if (backupRule || prometheus) {
    topicPolicy(spec, topic, caller.accountId, opts, [
      ...(backupRule
        ? [
            {
              // EventBridge does send aws:SourceArn (the rule) with sns:Publish; only its KMS calls lack it.
              Sid: "BackupJobFailures",
              Effect: "Allow",
              Principal: { Service: "events.amazonaws.com" },
              Action: "sns:Publish",
              Resource: topic.arn,
              Condition: { ArnEquals: { "aws:SourceArn": backupRule.arn } },
            },
          ]
        : []),
      ...(prometheus ? [topicStatementForPrometheus(prometheus, topic.arn, caller.accountId, region)] : []),
    ]);
  }
  if (prometheus) createPrometheusAlerting(spec, prometheus, topic, opts);
  const uptime: UptimeCheck | undefined = spec.cloudMetrics.enabled
    ? createUptimeCheck(spec, resources.url, opts)
    : undefined;
  const monitored: MonitoredResources = {
    ...resources,
    ...(uptime ? { healthCheckId: uptime.healthCheck.id } : {}),
  };
  if (spec.alerts.email) {
    new aws.sns.TopicSubscription(
      `${spec.name}-alerts-email`,
      {
        topic: topic.arn,
        protocol: "email",
        endpoint: spec.alerts.email,
      },
      opts,
    );
  }

  // An alarm about the alert path itself also opens an OpsItem in Systems Manager OpsCenter, which needs
  // neither the topic nor its key (CloudWatch creates its AWSServiceRoleForCloudWatchAlarms_ActionSSM role).
  const opsItem = pulumi.interpolate`arn:aws:ssm:${region}:${caller.accountId}:opsitem:2#CATEGORY=Availability`;
  const definitions = awsAlarms(spec);
  const alarms = definitions.map((def) => {
    const query = def.query;
    const metricArgs =
      query.kind === "metric"
        ? {
            namespace: query.namespace,
            metricName: query.metricName,
            period: def.periodSeconds,
            dimensions: dimensionsFor(query.target, monitored, query.resourceName),
            ...(query.extendedStatistic
              ? { extendedStatistic: query.extendedStatistic }
              : { statistic: query.statistic ?? "Average" }),
          }
        : {
            metricQueries: [
              { id: "rate", expression: query.expression, label: query.label, returnData: true },
              ...query.metrics.map((m) => ({
                id: m.id,
                returnData: false,
                metric: {
                  namespace: m.namespace,
                  metricName: m.metricName,
                  stat: m.stat,
                  period: def.periodSeconds,
                  dimensions: dimensionsFor(m.target, monitored),
                },
              })),
            ],
          };
    // An alarm on a metric published in one region only is created there and notifies the topic there.
    if (def.metricsRegion && !uptime) throw new Error(`${def.id}: no provider for ${def.metricsRegion}`);
    const [target, alarmOpts] =
      def.metricsRegion && uptime ? [uptime.topic, { ...opts, provider: uptime.provider }] : [topic, opts];
    return new aws.cloudwatch.MetricAlarm(
      def.name,
      {
        name: def.name,
        alarmDescription: `${def.summary}. Runbook: ${def.runbook}`,
        comparisonOperator: def.comparisonOperator,
        threshold: def.threshold,
        evaluationPeriods: def.evaluationPeriods,
        datapointsToAlarm: def.datapointsToAlarm,
        treatMissingData: def.treatMissingData,
        actionsEnabled: true,
        alarmActions: def.opsItemFallback ? [target.arn, opsItem] : [target.arn],
        okActions: [target.arn],
        ...(def.pageOnInsufficientData ? { insufficientDataActions: [target.arn] } : {}),
        ...metricArgs,
        tags: tagsFor(spec, def.name),
      },
      alarmOpts,
    );
  });
  // The dashboard's alarm widget shows the stack region's alarms.
  const regionalAlarms = alarms.filter((_, i) => !definitions[i]?.metricsRegion);

  const dashboardName = `${spec.name}-api`;
  new aws.cloudwatch.Dashboard(
    `${spec.name}-dashboard`,
    {
      dashboardName,
      dashboardBody: pulumi
        .all([
          region,
          resources.loadBalancerArnSuffix,
          resources.targetGroupArnSuffix,
          resources.clusterName,
          resources.serviceName,
          resources.databaseIdentifier,
          pulumi.all(regionalAlarms.map((alarm) => alarm.arn)),
        ])
        .apply(([regionName, lb, tg, cluster, service, db, alarmArns]) =>
          JSON.stringify(
            dashboardBody({ region: regionName, lb, tg, cluster, service, db, alarmArns, spec }),
          ),
        ),
    },
    opts,
  );
  const dashboardUrl = pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName}`;
  return { topic, alarms, dashboardUrl };
}

/**
 * AWS Backup reports job outcomes as EventBridge events, not metrics, so no alarm can watch them: a rule
 * matches a failed, aborted or expired backup or cross-region copy of this stack's database and publishes a
 * readable message to the alert topic (allowed by the topic policy, `topicPolicy`).
 */
function watchBackupJobs(
  spec: ServiceSpec,
  topic: aws.sns.Topic,
  databaseArn: pulumi.Input<string>,
  opts: pulumi.ComponentResourceOptions,
): aws.cloudwatch.EventRule {
  const name = `${spec.name}-${BACKUP_JOB_FAILED_ID}`;
  const runbook = `${RUNBOOK_PATH}#${BACKUP_JOB_FAILED_ID}`;
  const rule = new aws.cloudwatch.EventRule(
    name,
    {
      name,
      description: `An AWS Backup job or cross-region copy of ${spec.name}'s database failed. Runbook: ${runbook}`,
      eventPattern: pulumi.jsonStringify({
        source: ["aws.backup"],
        "detail-type": ["Backup Job State Change", "Copy Job State Change"],
        detail: { state: ["FAILED", "ABORTED", "EXPIRED"], resourceArn: [databaseArn] },
      }),
      tags: tagsFor(spec, name),
    },
    opts,
  );
  // No roleArn: SNS targets are authorised by the topic policy, and the EventBridge user guide warns that a
  // RoleArn on an SNS target with KMS encryption can make delivery fail.
  new aws.cloudwatch.EventTarget(
    name,
    {
      rule: rule.name,
      arn: topic.arn,
      inputTransformer: {
        inputPaths: { kind: "$.detail-type", state: "$.detail.state", reason: "$.detail.statusMessage" },
        inputTemplate: `"${name}: <kind> <state> (<reason>). Runbook: ${runbook}"`,
      },
    },
    opts,
  );
  return rule;
}

/**
 * The alert topic's policy, where a service besides CloudWatch publishes (the backup rule, AMP's alert
 * manager): it keeps what AWS grants by default (the account's own principals, which is how CloudWatch alarms
 * publish), lets exactly those services publish besides, and refuses anything over plain HTTP.
 */
function topicPolicy(
  spec: ServiceSpec,
  topic: aws.sns.Topic,
  accountId: pulumi.Input<string>,
  opts: pulumi.ComponentResourceOptions,
  servicePublishers: Record<string, unknown>[],
): void {
  new aws.sns.TopicPolicy(
    `${spec.name}-alerts`,
    {
      arn: topic.arn,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountPrincipals",
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: [
              "SNS:GetTopicAttributes",
              "SNS:SetTopicAttributes",
              "SNS:AddPermission",
              "SNS:RemovePermission",
              "SNS:DeleteTopic",
              "SNS:Subscribe",
              "SNS:ListSubscriptionsByTopic",
              "SNS:Publish",
            ],
            Resource: topic.arn,
            Condition: { StringEquals: { "AWS:SourceOwner": accountId } },
          },
          ...servicePublishers,
          {
            Sid: "DenyPlainHttp",
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Resource: topic.arn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    },
    opts,
  );
}
