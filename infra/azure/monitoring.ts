/**
 * Logs and alerts: one Log Analytics workspace (the environment's log destination), an action group that
 * emails the on-call address, and Azure Monitor alert rules, each with a stable name and a runbook anchor.
 *
 * What Azure measures and what it does not:
 *  - Container Apps publishes request counts by status class but no latency metric, and metric alerts cannot
 *    divide one metric by another. The 5xx percentage and the p95 latency are therefore Log Analytics
 *    scheduled queries over the API's own request log lines (ContainerAppConsoleLogs_CL: pino JSON with
 *    `msg: "request"`, `route`, `status`, `durationMs`, written by api/app.ts), health-check routes excluded.
 *    They lag by the log ingestion delay (typically 1–3 minutes) and see only what the API answered.
 *  - What the API never answered (the managed ingress returning 502/503/504 because no replica is healthy)
 *    is covered by a platform-metric alert on `Requests` with `statusCodeCategory = 5xx`, an absolute count.
 */
import type * as app from "@pulumi/azure-native/app/index.js";
import type * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql/index.js";
import * as monitor from "@pulumi/azure-native/monitor/index.js";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights/index.js";
import type * as pulumi from "@pulumi/pulumi";
import { HEALTH_PATHS } from "../../api/config.js";
import { RUNBOOK_PATH, type ServiceSpec } from "../spec.js";
import { API_CONTAINER_NAME } from "./app.js";

/** The API's per-request log line (api/app.ts): message and fields the log alerts read. */
export const REQUEST_LOG = {
  message: "request",
  route: "route",
  status: "status",
  /** Response time in milliseconds. */
  duration: "durationMs",
} as const;
/** Kept for callers that only need the duration field. */
export const REQUEST_LOG_RESPONSE_TIME_FIELD = REQUEST_LOG.duration;
/** Fewest requests in a window for a percentage or percentile to mean anything. */
export const MIN_REQUESTS_PER_WINDOW = 20;
/** 5xx responses per 5 minutes, counted at the ingress, that page (1 % of 1,000 requests). */
export const HTTP_5XX_PER_FIVE_MINUTES = 10;
/** Restart count of a single replica above which it is crash-looping. */
export const REPLICA_RESTARTS_THRESHOLD = 2;

export function createWorkspace(
  args: {
    spec: ServiceSpec;
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    name: string;
  },
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

/** Default max_connections of Flexible Server per SKU ("Limits in Azure Database for PostgreSQL"). */
export const FLEXIBLE_SERVER_MAX_CONNECTIONS: Record<string, number> = {
  Standard_B1ms: 50,
  Standard_B2s: 100,
  Standard_D2ds_v5: 859,
  Standard_D4ds_v5: 1719,
};

/**
 * Flexible Server storage: auto-grow starts when less than 20 % is free (servers under 1 TiB), and the
 * server turns read-only at 95 % used or under 5 GiB free. The storage alert sits between the two: it fires
 * only when auto-grow has not kept up, before writes stop.
 */
export const STORAGE_AUTOGROW_TRIGGER_PERCENT = 80;
export const STORAGE_READ_ONLY_FREE_GIB = 5;
export function storageAlertPercent(storageGiB: number, freeGiB: number): number {
  const beforeReadOnly = 100 - ((Math.max(freeGiB, STORAGE_READ_ONLY_FREE_GIB) + 1) / storageGiB) * 100;
  const percent = Math.max(STORAGE_AUTOGROW_TRIGGER_PERCENT + 0.5, Math.min(90, beforeReadOnly));
  return Math.round(percent * 10) / 10;
}

interface AlertBase {
  /** Stable id, independent of the stack, shared with the AWS alarm of the same meaning: the runbook anchor. */
  id: string;
  /** Physical rule name: `<project>-<stack>-<id>`. */
  name: string;
  /** What firing means (the rule's description starts with it). */
  summary: string;
  /** `docs/runbook.md#<id>`. */
  runbook: string;
  severity: number;
  threshold: number;
  windowSize: string;
}

/** A platform-metric alert rule (`monitor.MetricAlert`). */
export interface MetricAlertDefinition extends AlertBase {
  kind: "metric";
  target: "app" | "database";
  metric: string;
  aggregation: "Average" | "Maximum" | "Total";
  operator: "GreaterThan";
  dimensions?: { name: string; values: string[] }[];
}

/** A Log Analytics query alert rule (`monitor.ScheduledQueryRule`). */
export interface LogAlertDefinition extends AlertBase {
  kind: "log";
  /** Column of the query's result compared with the threshold. */
  measureColumn: string;
  /** KQL over the workspace for the given Container App name. */
  query(appName: string): string;
}

export type AzureAlertDefinition = MetricAlertDefinition | LogAlertDefinition;

/** Every alert rule the Azure stack creates, as data (the runbook coverage test can read it). */
export function azureAlerts(spec: ServiceSpec): AzureAlertDefinition[] {
  const a = spec.alerts;
  const base = (id: string) => ({ id, name: `${spec.name}-${id}`, runbook: `${RUNBOOK_PATH}#${id}` });
  const storageThreshold = storageAlertPercent(spec.database.storageGiB, a.databaseFreeStorageGiB);
  const maxConnections = FLEXIBLE_SERVER_MAX_CONNECTIONS[spec.database.azureSku.name] ?? 859;
  const connectionThreshold = Math.min(a.databaseConnections, Math.floor(maxConnections * 0.8));
  return [
    {
      ...base("api-5xx-rate"),
      kind: "log",
      summary: `More than ${a.http5xxRatePercent}% of API requests answered 5xx over 5 minutes (from the API's request logs)`,
      measureColumn: "errorPercent",
      query: errorRateQuery,
      threshold: a.http5xxRatePercent,
      windowSize: "PT5M",
      severity: 1,
    },
    {
      ...base("api-latency-p95"),
      kind: "log",
      summary: `API p95 latency above ${a.latencyP95Ms} ms over 5 minutes (from the API's request logs)`,
      measureColumn: "p95",
      query: latencyQuery,
      threshold: a.latencyP95Ms,
      windowSize: "PT5M",
      severity: 2,
    },
    {
      ...base("api-ingress-5xx"),
      kind: "metric",
      summary: `More than ${HTTP_5XX_PER_FIVE_MINUTES} HTTP 5xx responses in 5 minutes at the ingress (including 502/503/504 when no replica is healthy)`,
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
      ...base("api-replica-restarts"),
      kind: "metric",
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
      ...base("api-cpu-high"),
      kind: "metric",
      summary: `API CPU above ${a.cpuPercent}% of its limit for 15 minutes`,
      target: "app",
      metric: "CpuPercentage",
      aggregation: "Average",
      operator: "GreaterThan",
      threshold: a.cpuPercent,
      windowSize: "PT15M",
      severity: 3,
    },
    {
      ...base("api-memory-high"),
      kind: "metric",
      summary: `API memory above ${a.memoryPercent}% of its limit for 15 minutes`,
      target: "app",
      metric: "MemoryPercentage",
      aggregation: "Average",
      operator: "GreaterThan",
      threshold: a.memoryPercent,
      windowSize: "PT15M",
      severity: 3,
    },
    {
      ...base("db-cpu-high"),
      kind: "metric",
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
      ...base("db-free-storage-low"),
      kind: "metric",
      summary: `Database storage above ${storageThreshold}% of ${spec.database.storageGiB} GiB: auto-grow (at ${STORAGE_AUTOGROW_TRIGGER_PERCENT}%) has not kept up, and the server turns read-only under ${STORAGE_READ_ONLY_FREE_GIB} GiB free or at 95%`,
      target: "database",
      metric: "storage_percent",
      aggregation: "Maximum",
      operator: "GreaterThan",
      threshold: storageThreshold,
      windowSize: "PT15M",
      severity: 2,
    },
    {
      ...base("db-connections-high"),
      kind: "metric",
      summary: `More than ${connectionThreshold} active database connections (80% of ${spec.database.azureSku.name}'s ${maxConnections}, at most ${a.databaseConnections})`,
      target: "database",
      metric: "active_connections",
      aggregation: "Maximum",
      operator: "GreaterThan",
      threshold: connectionThreshold,
      windowSize: "PT5M",
      severity: 2,
    },
  ];
}

/** The API's request log lines of one Container App, health checks excluded, JSON parsed into `entry`. */
function requestLines(appName: string): string[] {
  const health = Object.values(HEALTH_PATHS)
    .map((path) => `"${path}"`)
    .join(", ");
  return [
    "ContainerAppConsoleLogs_CL",
    `| where ContainerAppName_s == "${appName}" and ContainerName_s == "${API_CONTAINER_NAME}"`,
    "| extend entry = parse_json(Log_s)",
    `| where tostring(entry.msg) == "${REQUEST_LOG.message}" and tostring(entry.${REQUEST_LOG.route}) !in (${health})`,
  ];
}

/** KQL for the p95 latency alert: one row with the window's p95 in ms, when there was enough traffic. */
export function latencyQuery(appName: string): string {
  return [
    ...requestLines(appName),
    `| summarize p95 = percentile(todouble(entry.${REQUEST_LOG.duration}), 95), requests = count()`,
    `| where requests >= ${MIN_REQUESTS_PER_WINDOW}`,
  ].join("\n");
}

/** KQL for the 5xx alert: one row with the window's percentage of 5xx answers, when there was enough traffic. */
export function errorRateQuery(appName: string): string {
  return [
    ...requestLines(appName),
    `| summarize requests = count(), errors = countif(toint(entry.${REQUEST_LOG.status}) >= 500)`,
    `| where requests >= ${MIN_REQUESTS_PER_WINDOW}`,
    "| extend errorPercent = 100.0 * errors / requests",
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
  logAlerts: monitor.ScheduledQueryRule[];
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

  const definitions = azureAlerts(spec);
  const metricAlerts = definitions
    .filter((def): def is MetricAlertDefinition => def.kind === "metric")
    .map((def) => {
      const target = targets[def.target];
      return new monitor.MetricAlert(
        def.name,
        {
          resourceGroupName,
          location: "global",
          ruleName: def.name,
          description: `${def.summary}. Runbook: ${def.runbook}`,
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
                  ? {
                      dimensions: def.dimensions.map((d) => ({
                        name: d.name,
                        operator: "Include",
                        values: d.values,
                      })),
                    }
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

  const logAlerts = definitions
    .filter((def): def is LogAlertDefinition => def.kind === "log")
    .map(
      (def) =>
        new monitor.ScheduledQueryRule(
          def.name,
          {
            resourceGroupName,
            location: args.location,
            ruleName: def.name,
            displayName: def.name,
            description: `${def.summary}. Runbook: ${def.runbook}`,
            kind: "LogAlert",
            severity: def.severity,
            enabled: true,
            scopes: [args.workspace.id],
            evaluationFrequency: def.windowSize,
            windowSize: def.windowSize,
            // The _CL table appears only once the environment has shipped its first log line.
            skipQueryValidation: true,
            autoMitigate: true,
            criteria: {
              allOf: [
                {
                  query: def.query(args.appName),
                  timeAggregation: "Maximum",
                  metricMeasureColumn: def.measureColumn,
                  operator: "GreaterThan",
                  threshold: def.threshold,
                  failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
                },
              ],
            },
            actions: { actionGroups: [actionGroup.id] },
            tags: spec.tags,
          },
          { ...opts, dependsOn: [args.app] },
        ),
    );

  return { actionGroup, metricAlerts, logAlerts };
}

/**
 * Resource logs into the workspace: the database server's logs (PostgreSQL log, sessions, Query Store: the
 * counterpart of the RDS log exports) and the vault's audit log (who read which secret).
 */
export function createDiagnostics(
  args: {
    workspace: operationalinsights.Workspace;
    targets: { name: string; resourceUri: pulumi.Input<string>; categoryGroup: "allLogs" | "audit" }[];
  },
  opts: pulumi.ComponentResourceOptions,
): monitor.DiagnosticSetting[] {
  return args.targets.map(
    (target) =>
      new monitor.DiagnosticSetting(
        target.name,
        {
          name: `to-${target.name}-workspace`,
          resourceUri: target.resourceUri,
          workspaceId: args.workspace.id,
          logs: [{ categoryGroup: target.categoryGroup, enabled: true }],
        },
        opts,
      ),
  );
}
