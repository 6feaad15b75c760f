/**
 * Logs and alerts: one Log Analytics workspace (the environment's log destination), an action group that
 * emails the on-call address, and Azure Monitor alert rules, each with a stable name and a runbook anchor.
 *
 * What Azure measures and what it does not:
 *  - 5xx: the Container App `Requests` platform metric split by `statusCodeCategory`. Metric alerts cannot
 *    divide one metric by another, so this is an absolute rate (5xx responses per 5 minutes), not a
 *    percentage; it counts responses the managed ingress itself returns (no healthy replica) too.
 *  - Latency: Container Apps publishes no response-time percentile metric. The p95 alert is a Log Analytics
 *    scheduled query over the API's own request log lines (ContainerAppConsoleLogs_CL, JSON with a
 *    `responseTime` field in milliseconds): it only works while the API logs one line per request with that
 *    field, and it lags by the log ingestion delay (typically 1–3 minutes).
 */
import type * as app from "@pulumi/azure-native/app/index.js";
import type * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql/index.js";
import * as monitor from "@pulumi/azure-native/monitor/index.js";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights/index.js";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../spec.js";
import { API_CONTAINER_NAME } from "./app.js";

/** JSON field of the API's per-request log line holding the response time in milliseconds. */
export const REQUEST_LOG_RESPONSE_TIME_FIELD = "responseTime";
/** 5xx responses per 5 minutes that page: 1 % of 1,000 requests (Azure metric alerts cannot do ratios). */
export const HTTP_5XX_PER_FIVE_MINUTES = 10;
/** Restart count of a single replica above which it is crash-looping. */
export const REPLICA_RESTARTS_THRESHOLD = 2;

export const RUNBOOK = "docs/runbook.md";

export function createWorkspace(
  args: { spec: ServiceSpec; resourceGroupName: pulumi.Input<string>; location: pulumi.Input<string>; name: string },
  opts: pulumi.ComponentResourceOptions,
): operationalinsights.Workspace {
  const { spec } = args;
  return new operationalinsights.Workspace(
    "logs",
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      workspaceName: args.name,
      sku: { name: "PerGB2018" },
      retentionInDays: spec.logs.retentionDays,
      // A runaway debug log in dev must not run up the bill: cap ingestion at 1 GB/day there.
      ...(spec.environment === "dev" ? { workspaceCapping: { dailyQuotaGb: 1 } } : {}),
      tags: spec.tags,
    },
    opts,
  );
}

/** A metric alert rule as data: what the program renders and what docs/tests list. */
export interface MetricAlertDefinition {
  /** Stable rule name (the Azure resource name). */
  name: string;
  anchor: string;
  summary: string;
  target: "app" | "database";
  metric: string;
  aggregation: "Average" | "Maximum" | "Total";
  operator: "GreaterThan";
  threshold: number;
  windowSize: string;
  severity: number;
  dimensions?: { name: string; values: string[] }[];
}

export function metricAlertDefinitions(spec: ServiceSpec): MetricAlertDefinition[] {
  const a = spec.alerts;
  const storageThreshold =
    Math.round((100 - (a.databaseFreeStorageGiB / spec.database.storageGiB) * 100) * 10) / 10;
  return [
    {
      name: `${spec.name}-api-5xx-rate`,
      anchor: "twincloud-api-high-error-rate",
      summary: `More than ${HTTP_5XX_PER_FIVE_MINUTES} HTTP 5xx responses in 5 minutes`,
      target: "app",
      metric: "Requests",
      aggregation: "Total",
      operator: "GreaterThan",
      threshold: HTTP_5XX_PER_FIVE_MINUTES,
      windowSize: "PT5M",
      severity: 1,
      dimensions: [{ name: "statusCodeCategory", values: ["5xx"] }],
    },
    {
      name: `${spec.name}-api-replica-restarts`,
      anchor: "twincloud-api-replica-restarts",
      summary: `An API replica restarted more than ${REPLICA_RESTARTS_THRESHOLD} times (crash loop or failing liveness probe)`,
      target: "app",
      metric: "RestartCount",
      aggregation: "Maximum",
      operator: "GreaterThan",
      threshold: REPLICA_RESTARTS_THRESHOLD,
      windowSize: "PT15M",
      severity: 2,
    },
    {
      name: `${spec.name}-api-cpu-high`,
      anchor: "twincloud-api-cpu-high",
      summary: `API CPU above ${a.cpuPercent}% of its limit for 10 minutes`,
      target: "app",
      metric: "CpuPercentage",
      aggregation: "Average",
      operator: "GreaterThan",
      threshold: a.cpuPercent,
      windowSize: "PT10M",
      severity: 3,
    },
    {
      name: `${spec.name}-api-memory-high`,
      anchor: "twincloud-api-memory-high",
      summary: `API memory above ${a.memoryPercent}% of its limit for 10 minutes`,
      target: "app",
      metric: "MemoryPercentage",
      aggregation: "Average",
      operator: "GreaterThan",
      threshold: a.memoryPercent,
      windowSize: "PT10M",
      severity: 3,
    },
    {
      name: `${spec.name}-database-cpu-high`,
      anchor: "twincloud-database-cpu-high",
      summary: `Database CPU above ${a.databaseCpuPercent}% for 15 minutes`,
      target: "database",
      metric: "cpu_percent",
      aggregation: "Average",
      operator: "GreaterThan",
      threshold: a.databaseCpuPercent,
      windowSize: "PT15M",
      severity: 2,
    },
    {
      name: `${spec.name}-database-storage-low`,
      anchor: "twincloud-database-storage-low",
      summary: `Database storage above ${storageThreshold}% (less than ${a.databaseFreeStorageGiB} GiB of ${spec.database.storageGiB} GiB free)`,
      target: "database",
      metric: "storage_percent",
      aggregation: "Maximum",
      operator: "GreaterThan",
      threshold: storageThreshold,
      windowSize: "PT15M",
      severity: 2,
    },
    {
      name: `${spec.name}-database-connections-high`,
      anchor: "twincloud-database-connections-high",
      summary: `More than ${a.databaseConnections} active database connections`,
      target: "database",
      metric: "active_connections",
      aggregation: "Maximum",
      operator: "GreaterThan",
      threshold: a.databaseConnections,
      windowSize: "PT5M",
      severity: 2,
    },
  ];
}

export const LATENCY_ALERT = {
  suffix: "api-latency-p95",
  anchor: "twincloud-api-latency-p95-high",
} as const;

/** KQL for the p95 latency alert: one row with the p95 of the last window, when there was traffic. */
export function latencyQuery(appName: string): string {
  const field = REQUEST_LOG_RESPONSE_TIME_FIELD;
  return [
    "ContainerAppConsoleLogs_CL",
    `| where ContainerAppName_s == "${appName}" and ContainerName_s == "${API_CONTAINER_NAME}"`,
    "| extend entry = parse_json(Log_s)",
    `| where isnotnull(entry.${field})`,
    `| summarize p95 = percentile(todouble(entry.${field}), 95), requests = count()`,
    "| where requests >= 20",
  ].join("\n");
}

export interface AlertsArgs {
  spec: ServiceSpec;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  actionGroupName: string;
  actionGroupShortName: string;
  workspace: operationalinsights.Workspace;
  app: app.ContainerApp;
  appName: string;
  server: dbforpostgresql.Server;
}

export interface Alerts {
  actionGroup: monitor.ActionGroup;
  metricAlerts: monitor.MetricAlert[];
  latencyAlert: monitor.ScheduledQueryRule;
}

export function createAlerts(args: AlertsArgs, opts: pulumi.ComponentResourceOptions): Alerts {
  const { spec, resourceGroupName } = args;
  const email = spec.alerts.email;

  const actionGroup = new monitor.ActionGroup(
    "alerts",
    {
      resourceGroupName,
      location: "Global",
      actionGroupName: args.actionGroupName,
      groupShortName: args.actionGroupShortName,
      enabled: true,
      emailReceivers: email ? [{ name: "on-call", emailAddress: email, useCommonAlertSchema: true }] : [],
      tags: spec.tags,
    },
    opts,
  );

  const targets = {
    app: { id: args.app.id, type: "Microsoft.App/containerApps" },
    database: { id: args.server.id, type: "Microsoft.DBforPostgreSQL/flexibleServers" },
  };

  const metricAlerts = metricAlertDefinitions(spec).map((def) => {
    const target = targets[def.target];
    return new monitor.MetricAlert(
      def.name,
      {
        resourceGroupName,
        location: "global",
        ruleName: def.name,
        description: `${def.summary}. Runbook: ${RUNBOOK}#${def.anchor}`,
        severity: def.severity,
        enabled: true,
        scopes: [target.id],
        targetResourceType: target.type,
        evaluationFrequency: "PT1M",
        windowSize: def.windowSize,
        autoMitigate: true,
        criteria: {
          odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
          allOf: [
            {
              criterionType: "StaticThresholdCriterion",
              name: def.metric,
              metricName: def.metric,
              metricNamespace: target.type,
              operator: def.operator,
              threshold: def.threshold,
              timeAggregation: def.aggregation,
              ...(def.dimensions
                ? { dimensions: def.dimensions.map((d) => ({ name: d.name, operator: "Include", values: d.values })) }
                : {}),
            },
          ],
        },
        actions: [{ actionGroupId: actionGroup.id }],
        tags: spec.tags,
      },
      opts,
    );
  });

  const latencyName = `${spec.name}-${LATENCY_ALERT.suffix}`;
  const latencyAlert = new monitor.ScheduledQueryRule(
    latencyName,
    {
      resourceGroupName,
      location: args.location,
      ruleName: latencyName,
      displayName: latencyName,
      description: `API p95 latency above ${spec.alerts.latencyP95Ms} ms over 5 minutes (from the API's request logs). Runbook: ${RUNBOOK}#${LATENCY_ALERT.anchor}`,
      kind: "LogAlert",
      severity: 2,
      enabled: true,
      scopes: [args.workspace.id],
      evaluationFrequency: "PT5M",
      windowSize: "PT5M",
      // The _CL table appears only once the environment has shipped its first log line.
      skipQueryValidation: true,
      autoMitigate: true,
      criteria: {
        allOf: [
          {
            query: latencyQuery(args.appName),
            timeAggregation: "Maximum",
            metricMeasureColumn: "p95",
            operator: "GreaterThan",
            threshold: spec.alerts.latencyP95Ms,
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
          },
        ],
      },
      actions: { actionGroups: [actionGroup.id] },
      tags: spec.tags,
    },
    { ...opts, dependsOn: [args.app] },
  );

  return { actionGroup, metricAlerts, latencyAlert };
}
