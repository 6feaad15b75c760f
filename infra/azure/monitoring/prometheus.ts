/**
 * Azure Monitor managed service for Prometheus (when `spec.cloudMetrics` is on): an Azure Monitor workspace,
 * the data collection endpoint + rule that take remote writes into it, the app identity's one grant
 * (`Monitoring Metrics Publisher` on that rule, nothing wider), an OpenTelemetry collector sidecar in the
 * Container App, and Prometheus rule groups holding observability/prometheus/rules.yml (one source, read
 * when the program runs: infra/prometheus-rules.ts) with the stack's action group as the receiver.
 *
 * Why a collector sidecar (docs/observability.md#in-the-clouds):
 *  - Azure Monitor's managed Prometheus scraping (the metrics add-on, ama-metrics) runs only in AKS and Arc
 *    Kubernetes clusters: nothing in Azure scrapes a Container App's port.
 *  - The Container Apps managed OpenTelemetry agent receives OTLP from the app and forwards it (Application
 *    Insights, Datadog, an OTLP endpoint); it scrapes nothing, and the API exposes Prometheus, not OTLP metrics.
 *  - Azure documents remote write into a workspace through a data collection rule, authenticated by a
 *    user-assigned managed identity holding Monitoring Metrics Publisher on the rule ("Send Prometheus metrics
 *    from virtual machines ... to an Azure Monitor workspace"). The OpenTelemetry Collector (contrib) does that
 *    with its Prometheus receiver (scraping localhost, same replica) and the prometheusremotewrite exporter
 *    authenticated by the Azure authenticator extension (`azure_auth`) with the app's user-assigned identity.
 *
 * Checked against published sources (docs/observability.md, "What is verified and how"), not against a
 * running collector or workspace:
 *  - The collector version. Up to contrib 0.130.0 the Azure authenticator had no `scopes` key (a config with
 *    one fails to load) and asked Entra ID for a token scoped to the request's host (`https://<ingestion
 *    host>/.default`), which Azure Monitor's ingestion does not accept (contrib issue #41003, "Support for
 *    custom scopes"; the `scopes` key came with PR #41084, merged after 0.130.0 shipped). The extension's
 *    README documents `scopes` for exactly this case (the workspace's host is per instance, the audience is
 *    `https://monitor.azure.com/.default`) under the component name `azure_auth` (`azureauth` kept as a
 *    deprecated alias), and the contrib distribution's manifest of 0.151.0 (opentelemetry-collector-releases)
 *    includes the extension; 0.151.0 is also the first release after the extension's server-side advisory
 *    GHSA-pjv4-3c63-699f (v0.124.0 to v0.150.0; only receivers that use it to authenticate callers are
 *    affected, not this exporter).
 *  - The data collection rule. The Prometheus data collection rules Microsoft publishes (the AKS
 *    metrics-profile rule in Azure/ARO-HCP, remote-write samples that build the same URL from their own
 *    endpoint and rule) are `kind: Linux` with a `prometheusForwarder` data source for the
 *    `Microsoft-PrometheusMetrics` stream; the rule here has the same shape (it had neither before, a shape
 *    no published sample uses).
 *  - The remote-write URL: `<endpoint metricsIngestion.endpoint>/dataCollectionRules/<rule
 *    immutableId>/streams/Microsoft-PrometheusMetrics/api/v1/write?api-version=2023-04-24`, the "Metrics
 *    ingestion endpoint" format.
 */
import * as alertsmanagement from "@pulumi/azure-native/alertsmanagement/index.js";
import type * as managedidentity from "@pulumi/azure-native/managedidentity/index.js";
import * as monitor from "@pulumi/azure-native/monitor/index.js";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { apiScrapeConfig } from "../../metrics-scrape.js";
import {
  durationSeconds,
  isoDuration,
  type PrometheusRuleGroup,
  prometheusRuleGroups,
} from "../../prometheus-rules.js";
import type { GroupArgs } from "../group.js";
import { grantRole } from "../identity.js";
import { ROLE_DEFINITION_IDS } from "../naming.js";
import { COLLECTOR_SIDECAR, memoryQuantity } from "../sizes.js";

/** The sidecar's container name. */
export const COLLECTOR_CONTAINER = COLLECTOR_SIDECAR.name;
/**
 * OpenTelemetry Collector contrib, pinned: a release with the Azure authenticator's `scopes` key (added after
 * 0.130.0) and the first after its server-side advisory (see above); by tag, the project publishes no digest list.
 */
const COLLECTOR_IMAGE = "otel/opentelemetry-collector-contrib:0.151.0";
/** The Azure authenticator extension's component name (contrib; `azureauth` is its deprecated alias). */
const AUTH_EXTENSION = "azure_auth";
/** The environment variable holding the collector's configuration (`--config=env:...`). */
export const COLLECTOR_CONFIG_VARIABLE = "OTELCOL_CONFIG";
/** The stream a data collection rule routes to an Azure Monitor workspace. */
export const PROMETHEUS_STREAM = "Microsoft-PrometheusMetrics";
/** The kind Azure's published Prometheus data collection endpoints and rules use. */
const DATA_COLLECTION_KIND = "Linux";
/** The token audience of Azure Monitor's ingestion (the extension's `scopes`; the default would be the host's). */
const MONITOR_SCOPE = "https://monitor.azure.com/.default";
/** Azure Monitor evaluates Prometheus rule groups every 1–15 minutes (PrometheusRuleGroup `interval`). */
const MIN_RULE_INTERVAL_SECONDS = 60;

/** The remote-write URL of a data collection rule behind its endpoint's metrics ingestion address. */
function remoteWriteUrl(metricsIngestionEndpoint: string, ruleImmutableId: string): string {
  return `${metricsIngestionEndpoint.replace(/\/+$/, "")}/dataCollectionRules/${ruleImmutableId}/streams/${PROMETHEUS_STREAM}/api/v1/write?api-version=2023-04-24`;
}

/**
 * Scrape the API's metrics port on localhost (a sidecar shares the replica's network) every 15 s as the local
 * Prometheus does, label each series' `instance` with the replica's host name (every replica scrapes
 * `localhost:<port>`: without it the replicas' series collide and the per-instance rules cannot tell them
 * apart; the collector expands `${env:HOSTNAME}`), and remote-write with the user-assigned identity.
 */
function collectorConfig(inputs: {
  metricsPort: number;
  remoteWriteUrl: string;
  identityClientId: string;
}): Record<string, unknown> {
  return {
    extensions: {
      [AUTH_EXTENSION]: { managed_identity: { client_id: inputs.identityClientId }, scopes: [MONITOR_SCOPE] },
    },
    receivers: {
      prometheus: {
        config: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the collector's own expansion
          scrape_configs: [apiScrapeConfig(inputs.metricsPort, { instance: "${env:HOSTNAME}" })],
        },
      },
    },
    processors: { memory_limiter: { check_interval: "1s", limit_percentage: 80 }, batch: {} },
    exporters: {
      prometheusremotewrite: {
        endpoint: inputs.remoteWriteUrl,
        auth: { authenticator: AUTH_EXTENSION },
        resource_to_telemetry_conversion: { enabled: false },
      },
    },
    service: {
      extensions: [AUTH_EXTENSION],
      pipelines: {
        metrics: {
          receivers: ["prometheus"],
          processors: ["memory_limiter", "batch"],
          exporters: ["prometheusremotewrite"],
        },
      },
    },
  };
}

/**
 * One rule of rules.yml as Azure Monitor takes it: the same record/alert, expression, labels and annotations;
 * `for` as an ISO 8601 duration. Alerts notify the action group and resolve themselves.
 */
function azureRuleGroupRules(
  group: PrometheusRuleGroup,
  actionGroupId: pulumi.Input<string>,
): alertsmanagement.PrometheusRuleGroupArgs["rules"] {
  return group.rules.map((rule) => ({
    ...(rule.record ? { record: rule.record } : {}),
    ...(rule.alert ? { alert: rule.alert } : {}),
    expression: rule.expr,
    ...(rule.for ? { for: isoDuration(durationSeconds(rule.for)) } : {}),
    ...(rule.labels ? { labels: rule.labels } : {}),
    ...(rule.annotations ? { annotations: rule.annotations } : {}),
    enabled: true,
    ...(rule.alert
      ? { actions: [{ actionGroupId }], resolveConfiguration: { autoResolved: true, timeToResolve: "PT5M" } }
      : {}),
  }));
}

/** A group's evaluation interval in Azure: the file's, raised to Azure's one-minute minimum. */
function azureRuleInterval(group: PrometheusRuleGroup): string {
  const seconds = group.interval ? durationSeconds(group.interval) : MIN_RULE_INTERVAL_SECONDS;
  return isoDuration(Math.min(15 * 60, Math.max(MIN_RULE_INTERVAL_SECONDS, seconds)));
}

export interface AzurePrometheus {
  workspace: monitor.AzureMonitorWorkspace;
  endpoint: monitor.DataCollectionEndpoint;
  rule: monitor.DataCollectionRule;
  publisher: pulumi.Resource;
  remoteWriteUrl: pulumi.Output<string>;
}

export function createPrometheusWorkspace(
  args: GroupArgs & {
    names: { workspace: string; endpoint: string; rule: string };
    identity: managedidentity.UserAssignedIdentity;
    subscriptionId: pulumi.Input<string>;
  },
  opts: pulumi.ComponentResourceOptions,
): AzurePrometheus {
  const { spec, resourceGroupName, location } = args;
  const workspace = new monitor.AzureMonitorWorkspace(
    "prometheus",
    { resourceGroupName, location, azureMonitorWorkspaceName: args.names.workspace, tags: spec.tags },
    opts,
  );
  const endpoint = new monitor.DataCollectionEndpoint(
    "prometheus-collection-endpoint",
    {
      resourceGroupName,
      location,
      dataCollectionEndpointName: args.names.endpoint,
      kind: DATA_COLLECTION_KIND,
      networkAcls: { publicNetworkAccess: "Enabled" },
      tags: spec.tags,
    },
    opts,
  );
  const rule = new monitor.DataCollectionRule(
    "prometheus-collection-rule",
    {
      resourceGroupName,
      location,
      dataCollectionRuleName: args.names.rule,
      kind: DATA_COLLECTION_KIND,
      description: `Remote writes of ${spec.name}'s collector into its Azure Monitor workspace`,
      dataCollectionEndpointId: endpoint.id,
      // The shape of Azure's own Prometheus rules: the stream enters through a Prometheus forwarder data source.
      dataSources: { prometheusForwarder: [{ name: "collector", streams: [PROMETHEUS_STREAM] }] },
      destinations: { monitoringAccounts: [{ name: "workspace", accountResourceId: workspace.id }] },
      dataFlows: [{ streams: [PROMETHEUS_STREAM], destinations: ["workspace"] }],
      tags: spec.tags,
    },
    opts,
  );
  const publisher = grantRole(
    "api-metrics-publisher",
    {
      identity: args.identity,
      subscriptionId: args.subscriptionId,
      roleId: ROLE_DEFINITION_IDS.monitoringMetricsPublisher,
      scope: rule.id,
      description: `Lets ${spec.name}'s collector remote-write its metrics through this data collection rule.`,
    },
    opts,
  );
  const url = pulumi
    .all([endpoint.metricsIngestion, rule.immutableId])
    .apply(([ingestion, immutableId]) => remoteWriteUrl(ingestion?.endpoint ?? "", immutableId));
  return { workspace, endpoint, rule, publisher, remoteWriteUrl: url };
}

/** The sidecar container of the Container App template. */
export function collectorContainer(args: {
  metricsPort: number;
  remoteWriteUrl: pulumi.Input<string>;
  identity: managedidentity.UserAssignedIdentity;
}) {
  const config = pulumi
    .all([args.remoteWriteUrl, args.identity.clientId])
    .apply(([url, clientId]) =>
      stringify(
        collectorConfig({ metricsPort: args.metricsPort, remoteWriteUrl: url, identityClientId: clientId }),
      ),
    );
  return {
    name: COLLECTOR_CONTAINER,
    image: COLLECTOR_IMAGE,
    args: [`--config=env:${COLLECTOR_CONFIG_VARIABLE}`],
    // Billed on top of the API's size (Container Apps has no replica-level size); the cost policy knows it.
    resources: { cpu: COLLECTOR_SIDECAR.cpu, memory: memoryQuantity(COLLECTOR_SIDECAR.memoryMiB) },
    env: [{ name: COLLECTOR_CONFIG_VARIABLE, value: config }],
  };
}

/** One Azure rule group per group of rules.yml, on the workspace, alerts to the action group. */
export function createPrometheusRuleGroups(
  args: GroupArgs & { workspace: monitor.AzureMonitorWorkspace; actionGroupId: pulumi.Input<string> },
  opts: pulumi.ComponentResourceOptions,
): alertsmanagement.PrometheusRuleGroup[] {
  const { spec, resourceGroupName, location } = args;
  return prometheusRuleGroups().map(
    (group) =>
      new alertsmanagement.PrometheusRuleGroup(
        `prometheus-${group.name}`,
        {
          resourceGroupName,
          location,
          ruleGroupName: `${spec.name}-${group.name}`,
          description: `observability/prometheus/rules.yml group ${group.name}`,
          scopes: [args.workspace.id],
          enabled: true,
          interval: azureRuleInterval(group),
          rules: azureRuleGroupRules(group, args.actionGroupId),
          tags: spec.tags,
        },
        opts,
      ),
  );
}
