/**
 * Monitoring: an encrypted SNS topic (email subscription when configured), one CloudWatch alarm per failure
 * mode with a runbook anchor, and a dashboard. `awsAlarms(spec)` is the single table of alarms: the runbook
 * (docs/runbook.md, one entry per alarm id) and its coverage test read it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RUNBOOK_PATH, type ServiceSpec } from "../spec.js";
import { tagsFor } from "./common.js";

/** Which resource an alarm watches: decides its CloudWatch dimensions. */
export type AlarmTarget =
  | "loadBalancer"
  | "targetGroup"
  | "service"
  | "database"
  | "eventRule"
  | "stateMachine";

interface SingleMetric {
  kind: "metric";
  namespace: string;
  metricName: string;
  statistic?: "Average" | "Sum" | "Minimum" | "Maximum";
  extendedStatistic?: string;
  target: AlarmTarget;
  /**
   * The watched resource's physical name, for `eventRule` (dimension `RuleName`) and `stateMachine`
   * (dimension `StateMachineArn`, built from the name): both names are fixed before deploy.
   */
  resourceName?: string;
}
interface MetricMath {
  kind: "math";
  expression: string;
  label: string;
  metrics: { id: string; namespace: string; metricName: string; stat: string; target: AlarmTarget }[];
}

export interface AlarmDefinition {
  /** Stable id, independent of the stack: the runbook anchor (`docs/runbook.md#<id>`). */
  id: string;
  /** Physical alarm name: `<project>-<stack>-<id>`. */
  name: string;
  /** What firing means, for the alarm description and the runbook. */
  summary: string;
  runbook: string;
  threshold: number;
  comparisonOperator:
    | "GreaterThanThreshold"
    | "GreaterThanOrEqualToThreshold"
    | "LessThanThreshold"
    | "LessThanOrEqualToThreshold";
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: "missing" | "ignore" | "breaching" | "notBreaching";
  /**
   * Page on INSUFFICIENT_DATA too: for a metric that exists only while what it counts exists (Container
   * Insights publishes no RunningTaskCount when no task runs). A new alarm starts in INSUFFICIENT_DATA and
   * CloudWatch acts on state changes only, so this does not page at creation, unlike `breaching`.
   */
  pageOnInsufficientData?: boolean;
  /**
   * Also open a Systems Manager OpsItem on ALARM: for alarms about the alert path itself (an EventBridge rule
   * that cannot publish to the topic), whose notification through that same topic may not arrive.
   */
  opsItemFallback?: boolean;
  query: SingleMetric | MetricMath;
}

/** Approximate RDS PostgreSQL max_connections (LEAST(DBInstanceClassMemory/9531392, 5000)) per class. */
const INSTANCE_MEMORY_GIB: Record<string, number> = {
  "db.t4g.micro": 1,
  "db.t4g.small": 2,
  "db.t4g.medium": 4,
  "db.m7g.large": 8,
};
export function approximateMaxConnections(instanceClass: string): number {
  const gib = INSTANCE_MEMORY_GIB[instanceClass] ?? 8;
  return Math.min(Math.floor((gib * 1024 ** 3 * 0.85) / 9_531_392), 5000);
}

/** Every alarm the AWS stack creates, as data. */
export function awsAlarms(spec: ServiceSpec): AlarmDefinition[] {
  const a = spec.alerts;
  const alarm = (def: Omit<AlarmDefinition, "name" | "runbook">): AlarmDefinition => ({
    ...def,
    name: `${spec.name}-${def.id}`,
    runbook: `${RUNBOOK_PATH}#${def.id}`,
  });
  const connectionThreshold = Math.min(
    a.databaseConnections,
    Math.floor(approximateMaxConnections(spec.database.awsInstanceClass) * 0.8),
  );
  return [
    alarm({
      id: "api-5xx-rate",
      summary: `More than ${a.http5xxRatePercent}% of requests answered 5xx (target + load balancer) for 5 minutes`,
      threshold: a.http5xxRatePercent,
      comparisonOperator: "GreaterThanThreshold",
      periodSeconds: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: "notBreaching",
      query: {
        kind: "math",
        label: "5xx rate (%)",
        expression: "IF(requests > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)",
        metrics: [
          {
            id: "target5xx",
            namespace: "AWS/ApplicationELB",
            metricName: "HTTPCode_Target_5XX_Count",
            stat: "Sum",
            target: "loadBalancer",
          },
          {
            id: "elb5xx",
            namespace: "AWS/ApplicationELB",
            metricName: "HTTPCode_ELB_5XX_Count",
            stat: "Sum",
            target: "loadBalancer",
          },
          {
            id: "requests",
            namespace: "AWS/ApplicationELB",
            metricName: "RequestCount",
            stat: "Sum",
            target: "loadBalancer",
          },
        ],
      },
    }),
    alarm({
      id: "api-latency-p95",
      summary: `Target p95 response time above ${a.latencyP95Ms} ms (the SLA) for 5 minutes`,
      threshold: a.latencyP95Ms / 1000,
      comparisonOperator: "GreaterThanThreshold",
      periodSeconds: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: "notBreaching",
      query: {
        kind: "metric",
        namespace: "AWS/ApplicationELB",
        metricName: "TargetResponseTime",
        extendedStatistic: "p95",
        target: "targetGroup",
      },
    }),
    alarm({
      id: "api-unhealthy-targets",
      summary: "At least one API replica fails the load balancer's readiness check for 3 minutes",
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      periodSeconds: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      query: {
        kind: "metric",
        namespace: "AWS/ApplicationELB",
        metricName: "UnHealthyHostCount",
        statistic: "Maximum",
        target: "targetGroup",
      },
    }),
    alarm({
      id: "api-running-tasks-low",
      summary: `Fewer than ${spec.scaling.minReplicas} API tasks running for 3 minutes, or none reporting (crash loop or capacity)`,
      threshold: spec.scaling.minReplicas,
      comparisonOperator: "LessThanThreshold",
      periodSeconds: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      // Not `breaching`: a new alarm has no datapoints yet and would page at creation. With no task running,
      // Container Insights publishes nothing at all, so "all missing" (INSUFFICIENT_DATA) pages instead.
      treatMissingData: "missing",
      pageOnInsufficientData: true,
      query: {
        kind: "metric",
        namespace: "ECS/ContainerInsights",
        metricName: "RunningTaskCount",
        statistic: "Minimum",
        target: "service",
      },
    }),
    alarm({
      id: "api-cpu-high",
      summary: `API service CPU above ${a.cpuPercent}% for 10 minutes (autoscaling at its maximum or too slow)`,
      threshold: a.cpuPercent,
      comparisonOperator: "GreaterThanThreshold",
      periodSeconds: 60,
      evaluationPeriods: 10,
      datapointsToAlarm: 10,
      treatMissingData: "missing",
      query: {
        kind: "metric",
        namespace: "AWS/ECS",
        metricName: "CPUUtilization",
        statistic: "Average",
        target: "service",
      },
    }),
    alarm({
      id: "api-memory-high",
      summary: `API service memory above ${a.memoryPercent}% for 10 minutes (leak or undersized task)`,
      threshold: a.memoryPercent,
      comparisonOperator: "GreaterThanThreshold",
      periodSeconds: 60,
      evaluationPeriods: 10,
      datapointsToAlarm: 10,
      treatMissingData: "missing",
      query: {
        kind: "metric",
        namespace: "AWS/ECS",
        metricName: "MemoryUtilization",
        statistic: "Average",
        target: "service",
      },
    }),
    alarm({
      id: "db-cpu-high",
      summary: `Database CPU above ${a.databaseCpuPercent}% for 15 minutes`,
      threshold: a.databaseCpuPercent,
      comparisonOperator: "GreaterThanThreshold",
      periodSeconds: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "missing",
      query: {
        kind: "metric",
        namespace: "AWS/RDS",
        metricName: "CPUUtilization",
        statistic: "Average",
        target: "database",
      },
    }),
    alarm({
      id: "db-free-storage-low",
      summary: `Database free storage below ${a.databaseFreeStorageGiB} GiB`,
      threshold: a.databaseFreeStorageGiB * 1024 ** 3,
      comparisonOperator: "LessThanThreshold",
      periodSeconds: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "missing",
      query: {
        kind: "metric",
        namespace: "AWS/RDS",
        metricName: "FreeStorageSpace",
        statistic: "Minimum",
        target: "database",
      },
    }),
    alarm({
      id: "db-connections-high",
      summary: `More than ${connectionThreshold} database connections for 10 minutes (near max_connections for ${spec.database.awsInstanceClass})`,
      threshold: connectionThreshold,
      comparisonOperator: "GreaterThanThreshold",
      periodSeconds: 300,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: "missing",
      query: {
        kind: "metric",
        namespace: "AWS/RDS",
        metricName: "DatabaseConnections",
        statistic: "Maximum",
        target: "database",
      },
    }),
    // EventBridge drops an event it cannot deliver (a permission error is not retried) and says so only in
    // the rule's FailedInvocations metric: every rule gets an alarm on it.
    ...awsEventRules(spec).map((rule) =>
      alarm({
        id: `${rule.id}-undelivered`,
        summary: `EventBridge rule ${rule.name} failed to deliver an event to ${rule.target}: ${rule.lost}`,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        periodSeconds: 300,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // The metric exists only when an invocation fails: no data is the healthy case.
        treatMissingData: "notBreaching",
        opsItemFallback: true,
        query: {
          kind: "metric",
          namespace: "AWS/Events",
          metricName: "FailedInvocations",
          statistic: "Sum",
          target: "eventRule",
          resourceName: rule.name,
        },
      }),
    ),
    // The workflow the rotation rule starts retries for ~15 minutes, then fails with nobody told.
    alarm({
      id: `${REDEPLOY_ON_ROTATION_ID}-failed`,
      summary: `The workflow ${spec.name}-${REDEPLOY_ON_ROTATION_ID} failed to replace the API's tasks after a database password rotation: they keep the rotated-out password`,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      periodSeconds: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      query: {
        kind: "metric",
        namespace: "AWS/States",
        metricName: "ExecutionsFailed",
        statistic: "Sum",
        target: "stateMachine",
        resourceName: `${spec.name}-${REDEPLOY_ON_ROTATION_ID}`,
      },
    }),
  ];
}

/** Runbook anchor (and rule id) of the AWS Backup job failure notification. */
const BACKUP_JOB_FAILED_ID = "backup-job-failed";
/** Id of the rotation redeploy (rule and workflow `<project>-<stack>-<id>`, created in service.ts). */
const REDEPLOY_ON_ROTATION_ID = "redeploy-on-rotation";

/** An EventBridge rule the AWS stack creates; `name` is its physical name (the `RuleName` dimension). */
export interface EventRuleDefinition {
  id: string;
  name: string;
  /** What the rule delivers to. */
  target: string;
  /** What an undelivered event means. */
  lost: string;
}

/**
 * Every EventBridge rule the AWS stack creates, as data: each gets a FailedInvocations alarm. The rules
 * themselves are created next to what they drive (`watchBackupJobs` below, the rotation redeploy in
 * service.ts); a test checks that every rule in the stack is listed here under its physical name.
 */
export function awsEventRules(spec: ServiceSpec): EventRuleDefinition[] {
  return [
    ...(spec.database.crossRegionBackup.enabled
      ? [
          {
            id: BACKUP_JOB_FAILED_ID,
            name: `${spec.name}-${BACKUP_JOB_FAILED_ID}`,
            target: "the alert topic",
            lost: "a failed backup or DR copy was not reported",
          },
        ]
      : []),
    {
      id: REDEPLOY_ON_ROTATION_ID,
      name: `${spec.name}-${REDEPLOY_ON_ROTATION_ID}`,
      target: "the redeploy workflow",
      lost: "the API's tasks keep a rotated-out database password",
    },
  ];
}

export interface MonitoredResources {
  loadBalancerArnSuffix: pulumi.Input<string>;
  targetGroupArnSuffix: pulumi.Input<string>;
  clusterName: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
  databaseIdentifier: pulumi.Input<string>;
  /** The RDS instance's ARN: AWS Backup job events name it as `detail.resourceArn`. */
  databaseArn: pulumi.Input<string>;
}

function dimensionsFor(
  target: AlarmTarget,
  r: MonitoredResources,
  where: { region: pulumi.Input<string>; accountId: pulumi.Input<string> },
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
    case "stateMachine":
      if (!resourceName) throw new Error("a stateMachine alarm needs resourceName");
      return {
        StateMachineArn: pulumi.interpolate`arn:aws:states:${where.region}:${where.accountId}:stateMachine:${resourceName}`,
      };
  }
}

export interface Monitoring {
  topic: aws.sns.Topic;
  alarms: aws.cloudwatch.MetricAlarm[];
  dashboardUrl: pulumi.Output<string>;
}

export function createMonitoring(spec: ServiceSpec, resources: MonitoredResources): Monitoring {
  const caller = aws.getCallerIdentityOutput({});
  const region = aws.getRegionOutput({}).region;

  // AWS Backup runs only where the spec asks for cross-region copies (prod): its job failures page too.
  const backupsWatched = spec.database.crossRegionBackup.enabled;

  // Who encrypts with the topic's key when publishing. Confused-deputy conditions where the service sends
  // them: the SNS developer guide ("Managing Amazon SNS encryption keys and costs") says adding
  // aws:SourceAccount, aws:SourceArn and aws:SourceOrgID to a KMS key policy "is not supported for
  // EventBridge-to-encrypted topics": EventBridge's statement has no condition (with one, every event is
  // dropped, visible only as FailedInvocations). The topic policy still lets only our rule publish.
  const publishers: { sid: string; service: string; condition?: Record<string, unknown> }[] = [
    {
      sid: "CloudWatchAlarmsPublish",
      service: "cloudwatch.amazonaws.com",
      condition: { StringEquals: { "aws:SourceAccount": caller.accountId } },
    },
    ...(backupsWatched ? [{ sid: "EventBridgePublish", service: "events.amazonaws.com" }] : []),
  ];
  // CloudWatch cannot publish to a topic encrypted with the AWS-managed aws/sns key: use our own key.
  const key = new aws.kms.Key(`${spec.name}-alerts`, {
    description: `Encrypts the ${spec.name} alert topic`,
    enableKeyRotation: true,
    deletionWindowInDays: 7,
    policy: pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AccountAdministration",
          Effect: "Allow",
          Principal: { AWS: pulumi.interpolate`arn:aws:iam::${caller.accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
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
    }),
    tags: tagsFor(spec, `${spec.name}-alerts`),
  });

  const topic = new aws.sns.Topic(`${spec.name}-alerts`, {
    displayName: `${spec.name} alerts`,
    kmsMasterKeyId: key.arn,
    tags: tagsFor(spec, `${spec.name}-alerts`),
  });
  if (backupsWatched) watchBackupJobs(spec, topic, resources.databaseArn, caller.accountId);
  if (spec.alerts.email) {
    new aws.sns.TopicSubscription(`${spec.name}-alerts-email`, {
      topic: topic.arn,
      protocol: "email",
      endpoint: spec.alerts.email,
    });
  }

  // An alarm about the alert path itself also opens an OpsItem in Systems Manager OpsCenter, which needs
  // neither the topic nor its key (CloudWatch creates its AWSServiceRoleForCloudWatchAlarms_ActionSSM role).
  const opsItem = pulumi.interpolate`arn:aws:ssm:${region}:${caller.accountId}:opsitem:2#CATEGORY=Availability`;
  const where = { region, accountId: caller.accountId };
  const alarms = awsAlarms(spec).map((def) => {
    const query = def.query;
    const metricArgs =
      query.kind === "metric"
        ? {
            namespace: query.namespace,
            metricName: query.metricName,
            period: def.periodSeconds,
            dimensions: dimensionsFor(query.target, resources, where, query.resourceName),
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
                  dimensions: dimensionsFor(m.target, resources, where),
                },
              })),
            ],
          };
    return new aws.cloudwatch.MetricAlarm(def.name, {
      name: def.name,
      alarmDescription: `${def.summary}. Runbook: ${def.runbook}`,
      comparisonOperator: def.comparisonOperator,
      threshold: def.threshold,
      evaluationPeriods: def.evaluationPeriods,
      datapointsToAlarm: def.datapointsToAlarm,
      treatMissingData: def.treatMissingData,
      actionsEnabled: true,
      alarmActions: def.opsItemFallback ? [topic.arn, opsItem] : [topic.arn],
      okActions: [topic.arn],
      ...(def.pageOnInsufficientData ? { insufficientDataActions: [topic.arn] } : {}),
      ...metricArgs,
      tags: tagsFor(spec, def.name),
    });
  });

  const dashboardName = `${spec.name}-api`;
  new aws.cloudwatch.Dashboard(`${spec.name}-dashboard`, {
    dashboardName,
    dashboardBody: pulumi
      .all([
        region,
        resources.loadBalancerArnSuffix,
        resources.targetGroupArnSuffix,
        resources.clusterName,
        resources.serviceName,
        resources.databaseIdentifier,
        pulumi.all(alarms.map((alarm) => alarm.arn)),
      ])
      .apply(([regionName, lb, tg, cluster, service, db, alarmArns]) =>
        JSON.stringify(dashboardBody({ region: regionName, lb, tg, cluster, service, db, alarmArns, spec })),
      ),
  });
  const dashboardUrl = pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName}`;
  return { topic, alarms, dashboardUrl };
}

/**
 * AWS Backup reports job outcomes as EventBridge events, not metrics, so no alarm can watch them: a rule
 * matches a failed, aborted or expired backup or cross-region copy of this stack's database and publishes a
 * readable message to the alert topic. The topic policy keeps what AWS grants by default (the account's own
 * principals, which is how CloudWatch alarms publish), lets only this rule publish besides, and refuses
 * anything over plain HTTP.
 */
function watchBackupJobs(
  spec: ServiceSpec,
  topic: aws.sns.Topic,
  databaseArn: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
): void {
  const name = `${spec.name}-${BACKUP_JOB_FAILED_ID}`;
  const runbook = `${RUNBOOK_PATH}#${BACKUP_JOB_FAILED_ID}`;
  const rule = new aws.cloudwatch.EventRule(name, {
    name,
    description: `An AWS Backup job or cross-region copy of ${spec.name}'s database failed. Runbook: ${runbook}`,
    eventPattern: pulumi.jsonStringify({
      source: ["aws.backup"],
      "detail-type": ["Backup Job State Change", "Copy Job State Change"],
      detail: { state: ["FAILED", "ABORTED", "EXPIRED"], resourceArn: [databaseArn] },
    }),
    tags: tagsFor(spec, name),
  });
  // No roleArn: SNS targets are authorised by the topic policy, and the EventBridge user guide warns that a
  // RoleArn on an SNS target with KMS encryption can make delivery fail.
  new aws.cloudwatch.EventTarget(name, {
    rule: rule.name,
    arn: topic.arn,
    inputTransformer: {
      inputPaths: { kind: "$.detail-type", state: "$.detail.state", reason: "$.detail.statusMessage" },
      inputTemplate: `"${name}: <kind> <state> (<reason>). Runbook: ${runbook}"`,
    },
  });
  new aws.sns.TopicPolicy(`${spec.name}-alerts`, {
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
        {
          // EventBridge does send aws:SourceArn (the rule) with sns:Publish; only its KMS calls lack it.
          Sid: "BackupJobFailures",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topic.arn,
          Condition: { ArnEquals: { "aws:SourceArn": rule.arn } },
        },
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
  });
}

function dashboardBody(d: {
  region: string;
  lb: string;
  tg: string;
  cluster: string;
  service: string;
  db: string;
  alarmArns: string[];
  spec: ServiceSpec;
}): Record<string, unknown> {
  const widget = (
    title: string,
    metrics: unknown[][],
    x: number,
    y: number,
    extra: Record<string, unknown> = {},
  ) => ({
    type: "metric",
    x,
    y,
    width: 8,
    height: 6,
    properties: {
      title,
      region: d.region,
      view: "timeSeries",
      stacked: false,
      period: 60,
      metrics,
      ...extra,
    },
  });
  const elb = "AWS/ApplicationELB";
  return {
    widgets: [
      {
        type: "alarm",
        x: 0,
        y: 0,
        width: 24,
        height: 3,
        properties: { title: "Alarms", alarms: d.alarmArns },
      },
      widget("Requests", [[elb, "RequestCount", "LoadBalancer", d.lb, { stat: "Sum" }]], 0, 3),
      widget(
        "5xx",
        [
          [elb, "HTTPCode_Target_5XX_Count", "LoadBalancer", d.lb, { stat: "Sum" }],
          [elb, "HTTPCode_ELB_5XX_Count", "LoadBalancer", d.lb, { stat: "Sum" }],
        ],
        8,
        3,
      ),
      widget(
        "Target response time (s)",
        ["p50", "p95", "p99"].map((stat) => [
          elb,
          "TargetResponseTime",
          "LoadBalancer",
          d.lb,
          "TargetGroup",
          d.tg,
          { stat },
        ]),
        16,
        3,
        { annotations: { horizontal: [{ label: "SLA p95", value: d.spec.alerts.latencyP95Ms / 1000 }] } },
      ),
      widget(
        "Targets",
        [
          [elb, "HealthyHostCount", "LoadBalancer", d.lb, "TargetGroup", d.tg, { stat: "Minimum" }],
          [elb, "UnHealthyHostCount", "LoadBalancer", d.lb, "TargetGroup", d.tg, { stat: "Maximum" }],
          [
            "ECS/ContainerInsights",
            "RunningTaskCount",
            "ClusterName",
            d.cluster,
            "ServiceName",
            d.service,
            { stat: "Minimum" },
          ],
        ],
        0,
        9,
      ),
      widget(
        "API CPU / memory (%)",
        [
          ["AWS/ECS", "CPUUtilization", "ClusterName", d.cluster, "ServiceName", d.service],
          ["AWS/ECS", "MemoryUtilization", "ClusterName", d.cluster, "ServiceName", d.service],
        ],
        8,
        9,
      ),
      widget(
        "Database",
        [
          ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", d.db],
          ["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", d.db, { yAxis: "right" }],
        ],
        16,
        9,
      ),
    ],
  };
}
