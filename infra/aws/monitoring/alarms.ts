/**
 * Every CloudWatch alarm and EventBridge rule the AWS stack creates, as data: `awsAlarms(spec)` is the single
 * table of alarms. The runbook (docs/runbook.md, one entry per alarm id) and its coverage test read it;
 * `createMonitoring` (index.ts) turns each row into a MetricAlarm.
 */
import { RUNBOOK_PATH, type ServiceSpec } from "../../spec/index.js";
import { approximateMaxConnections, rdsInstanceClass } from "../sizes.js";

/** Which resource an alarm watches: decides its CloudWatch dimensions. */
export type AlarmTarget =
  | "loadBalancer"
  | "targetGroup"
  | "service"
  | "database"
  | "eventRule"
  | "healthCheck"
  | "prometheusWorkspace";

export interface SingleMetric {
  kind: "metric";
  namespace: string;
  metricName: string;
  statistic?: "Average" | "Sum" | "Minimum" | "Maximum";
  extendedStatistic?: string;
  target: AlarmTarget;
  /** The watched resource's physical name, for `eventRule` (dimension `RuleName`): fixed before deploy. */
  resourceName?: string;
}
export interface MetricMath {
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
  /**
   * Created in this region instead of the stack's, notifying a topic there: for metrics AWS publishes in one
   * region only (Route 53 health checks: us-east-1; monitoring/uptime.ts).
   */
  metricsRegion?: "us-east-1";
  query: SingleMetric | MetricMath;
}

/** Every alarm the AWS stack creates, as data. */
export function awsAlarms(spec: ServiceSpec): AlarmDefinition[] {
  const a = spec.alerts;
  const alarm = (def: Omit<AlarmDefinition, "name" | "runbook">): AlarmDefinition => ({
    ...def,
    name: `${spec.name}-${def.id}`,
    runbook: `${RUNBOOK_PATH}#${def.id}`,
  });
  // A notification path that failed to deliver (EventBridge, AMP's alert manager): any failure pages. The metric
  // is published only when a delivery fails, so no data is the healthy case.
  const undelivered = (def: Pick<AlarmDefinition, "id" | "summary" | "query">): AlarmDefinition =>
    alarm({
      ...def,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      periodSeconds: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      opsItemFallback: true,
    });
  const connectionThreshold = Math.min(
    a.databaseConnections,
    Math.floor(approximateMaxConnections(rdsInstanceClass(spec.database.size)) * 0.8),
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
      summary: `More than ${connectionThreshold} database connections for 10 minutes (near max_connections for ${rdsInstanceClass(spec.database.size)})`,
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
      undelivered({
        id: `${rule.id}-undelivered`,
        summary: `EventBridge rule ${rule.name} failed to deliver an event to ${rule.target}: ${rule.lost}`,
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
    // The outside uptime check (monitoring/uptime.ts): Route 53's checkers find url + /health/ready failing.
    ...(spec.cloudMetrics.enabled
      ? [
          alarm({
            id: UPTIME_CHECK_FAILED_ID,
            summary: `The outside uptime check (Route 53, several regions) finds the API's ${spec.container.health.ready} failing for 2 minutes`,
            threshold: 1,
            comparisonOperator: "LessThanThreshold",
            periodSeconds: 60,
            evaluationPeriods: 2,
            datapointsToAlarm: 2,
            // Route 53 publishes HealthCheckStatus every minute while the check exists: no data is a broken
            // check, which pages as INSUFFICIENT_DATA (not at creation: CloudWatch acts on state changes).
            treatMissingData: "missing",
            pageOnInsufficientData: true,
            metricsRegion: "us-east-1",
            query: {
              kind: "metric",
              namespace: "AWS/Route53",
              metricName: "HealthCheckStatus",
              statistic: "Minimum",
              target: "healthCheck",
            },
          }),
        ]
      : []),
    // AMP's alert manager could not publish to the topic (policy, key, throttling): the SLO alerts are lost.
    ...(spec.cloudMetrics.enabled
      ? [
          undelivered({
            id: PROMETHEUS_ALERTS_UNDELIVERED_ID,
            summary: `Amazon Managed Service for Prometheus failed to deliver alert notifications to the alert topic: SLO and burn-rate alerts of ${spec.name} are not reaching anyone`,
            query: {
              kind: "metric",
              namespace: "AWS/Prometheus",
              metricName: "AlertManagerNotificationsFailed",
              statistic: "Sum",
              target: "prometheusWorkspace",
            },
          }),
        ]
      : []),
  ];
}

/** Runbook anchor of the alarm on AMP's alert manager failing to publish (monitoring/prometheus.ts). */
export const PROMETHEUS_ALERTS_UNDELIVERED_ID = "prometheus-alerts-undelivered";
/** Runbook anchor of the outside uptime check's alarm (monitoring/uptime.ts). */
export const UPTIME_CHECK_FAILED_ID = "api-uptime-check-failed";
/** Runbook anchor (and rule id) of the AWS Backup job failure notification. */
export const BACKUP_JOB_FAILED_ID = "backup-job-failed";

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
 * themselves are created next to what they drive (`watchBackupJobs`); a test checks that every rule in the
 * stack is listed here under its physical name.
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
  ];
}
