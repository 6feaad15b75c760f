/**
 * Every Azure Monitor alert rule the Azure stack creates, as data (`azureAlerts(spec)`, read by the runbook
 * coverage test), and the KQL of the log alerts.
 *
 * What Azure measures and what it does not:
 *  - Container Apps publishes request counts by status class but no latency metric, and metric alerts cannot
 *    divide one metric by another. The 5xx percentage and the p95 latency are therefore Log Analytics
 *    scheduled queries over the API's own request log lines (ContainerAppConsoleLogs_CL: pino JSON with
 *    `msg: "request"`, `route`, `status`, `durationMs`, written by the API's request logger), health-check
 *    routes excluded. They lag by the log ingestion delay (typically 1–3 minutes) and see only what the API
 *    answered.
 *  - What the API never answered (the managed ingress returning 502/503/504 because no replica is healthy)
 *    is covered by a platform-metric alert on `Requests` with `statusCodeCategory = 5xx`, an absolute count.
 */
import { API_CONTAINER, HEALTH_PATHS, RUNBOOK_PATH } from "../../spec/constants.js";
import type { ServiceSpec } from "../../spec/index.js";
import { FLEXIBLE_SERVER_MAX_CONNECTIONS, flexibleServerSku } from "../sizes.js";

/** The API's per-request log line (api/middleware/request-context.ts): message and fields the log alerts read. */
export const REQUEST_LOG = {
  message: "request",
  route: "route",
  status: "status",
  /** Response time in milliseconds. */
  duration: "durationMs",
} as const;
/** Fewest requests in a window for a percentage or percentile to mean anything. */
const MIN_REQUESTS_PER_WINDOW = 20;
/** 5xx responses per 5 minutes, counted at the ingress, that page (1 % of 1,000 requests). */
const HTTP_5XX_PER_FIVE_MINUTES = 10;
/** Restart count of a single replica above which it is crash-looping. */
const REPLICA_RESTARTS_THRESHOLD = 2;

/**
 * Flexible Server storage: auto-grow starts when less than 20 % is free (servers under 1 TiB), and the
 * server turns read-only at 95 % used or under 5 GiB free. The storage alert sits between the two: it fires
 * only when auto-grow has not kept up, before writes stop.
 */
const STORAGE_AUTOGROW_TRIGGER_PERCENT = 80;
const STORAGE_READ_ONLY_FREE_GIB = 5;
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
  const sku = flexibleServerSku(spec.database.size).name;
  const maxConnections = FLEXIBLE_SERVER_MAX_CONNECTIONS[sku] ?? 859;
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
      summary: `More than ${connectionThreshold} active database connections (80% of ${sku}'s ${maxConnections}, at most ${a.databaseConnections})`,
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
    `| where ContainerAppName_s == "${appName}" and ContainerName_s == "${API_CONTAINER}"`,
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
