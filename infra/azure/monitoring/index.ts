/**
 * Logs and alerts: one Log Analytics workspace (the environment's log destination), an action group that
 * emails the on-call address, the alert rules of `azureAlerts(spec)` (alarms.ts), each with a stable name and
 * a runbook anchor, and the resource logs of the database and the vault.
 */
import type * as app from "@pulumi/azure-native/app/index.js";
import type * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql/index.js";
import * as monitor from "@pulumi/azure-native/monitor/index.js";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights/index.js";
import type * as pulumi from "@pulumi/pulumi";
import type { GroupArgs } from "../group.js";
import { azureAlerts, type LogAlertDefinition, type MetricAlertDefinition } from "./alarms.js";

export * from "./alarms.js";

export function createWorkspace(
  args: GroupArgs & { name: string },
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

export interface AlertsArgs extends GroupArgs {
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
