/**
 * infra/azure/monitoring/prometheus.ts (issue 15): the SLO rules evaluated in the cloud. Under mocks, per tier:
 * the Azure Monitor workspace, the data collection endpoint + rule the collector writes through, the identity's
 * one grant on that rule, the collector sidecar (scrapes localhost:<metrics port>, writes to that rule) and the
 * Prometheus rule groups (equal to the promtool-tested file, alerts to the action group), each only where
 * `twincloud:cloudMetrics` is on (tier default: off in dev, on in staging and prod); the collector's keys
 * against the pinned contrib release.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  COLLECTOR_CONFIG_VARIABLE,
  COLLECTOR_CONTAINER,
  PROMETHEUS_STREAM,
} from "../../../../infra/azure/monitoring/prometheus.js";
import { ROLE_DEFINITION_IDS } from "../../../../infra/azure/naming.js";
import { SCRAPE_JOB } from "../../../../infra/metrics-scrape.js";
import { durationSeconds, isoDuration } from "../../../../infra/prometheus-rules.js";
import { METRICS_PORT } from "../../../../infra/spec/index.js";
import { fakeId } from "../../../../tools/mock/fake-id.js";
import type { CapturedResource } from "../../../../tools/mock/run.js";
import { loadRuleGroups } from "../../../observability/observability-files.js";
import { type AzureRun, captureAzure, M } from "../../../support/azure-stack.js";
import { byType, one } from "../../../support/rendered.js";

type Doc = Record<string, unknown>;

/** The API's identity (the migrator has its own, issue 14: tests/infra/azure/migration.test.ts). */
const apiIdentity = (resources: CapturedResource[]): CapturedResource => {
  const found = resources.filter(
    (r) => r.type === "azure-native:managedidentity:UserAssignedIdentity" && r.name === "api-identity",
  );
  if (found.length !== 1) throw new Error(`expected one API identity, found ${found.length}`);
  return found[0]!;
};

describe("dev: twincloud:cloudMetrics off by default", () => {
  it("creates no workspace, collector, rule group or availability test", async () => {
    const { resources } = await captureAzure("dev");
    for (const type of Object.values(M)) expect(byType(resources, type), type).toHaveLength(0);
    const app = one(resources, "azure-native:app:ContainerApp");
    const containers = (app.props.template as Doc).containers as Doc[];
    expect(containers.map((c) => c.name)).not.toContain(COLLECTOR_CONTAINER);
  });

  it("creates them when the stack turns it on", async () => {
    const { resources } = await captureAzure("dev", { "twincloud:cloudMetrics": "true" });
    for (const type of [M.workspace, M.endpoint, M.rule, M.component, M.webTest]) one(resources, type);
  });
});

describe.each(["staging", "prod"] as const)("%s", (tier) => {
  let run: AzureRun;
  beforeAll(async () => {
    run = await captureAzure(tier);
  }, 120_000);

  it("routes the data collection rule's Prometheus stream to the workspace", () => {
    const workspace = one(run.resources, M.workspace);
    const endpoint = one(run.resources, M.endpoint);
    const rule = one(run.resources, M.rule);
    expect(rule.props.dataCollectionEndpointId).toBe(fakeId(endpoint));
    const destinations = rule.props.destinations as { monitoringAccounts: Doc[] };
    expect(destinations.monitoringAccounts).toEqual([
      { name: "workspace", accountResourceId: fakeId(workspace) },
    ]);
    expect(rule.props.dataFlows).toEqual([{ streams: [PROMETHEUS_STREAM], destinations: ["workspace"] }]);
  });

  it("gives the endpoint and rule the shape of Azure's own Prometheus rules (kind Linux, a Prometheus forwarder)", () => {
    const endpoint = one(run.resources, M.endpoint);
    const rule = one(run.resources, M.rule);
    expect(endpoint.props.kind).toBe("Linux");
    expect(rule.props.kind).toBe("Linux");
    const sources = rule.props.dataSources as { prometheusForwarder: { name: string; streams: string[] }[] };
    expect(sources.prometheusForwarder).toEqual([{ name: "collector", streams: [PROMETHEUS_STREAM] }]);
    // The forwarder feeds the one data flow into the workspace.
    const flows = rule.props.dataFlows as { streams: string[] }[];
    expect(flows.flatMap((f) => f.streams)).toEqual(sources.prometheusForwarder[0]!.streams);
  });

  it("grants the app identity exactly Monitoring Metrics Publisher, on the data collection rule only", () => {
    const rule = one(run.resources, M.rule);
    const identity = apiIdentity(run.resources);
    const grants = byType(run.resources, "azure-native:authorization:RoleAssignment").filter((r) =>
      String(r.props.roleDefinitionId).endsWith(ROLE_DEFINITION_IDS.monitoringMetricsPublisher),
    );
    expect(grants).toHaveLength(1);
    expect(grants[0]!.props.scope).toBe(fakeId(rule));
    expect(grants[0]!.props.principalId).toBe(identity.state.principalId);
    // No other grant touches the monitoring resources.
    const monitoringIds = [M.workspace, M.endpoint, M.rule].map((t) => fakeId(one(run.resources, t)));
    const others = byType(run.resources, "azure-native:authorization:RoleAssignment").filter(
      (r) => r !== grants[0] && monitoringIds.includes(String(r.props.scope)),
    );
    expect(others).toEqual([]);
  });

  it("runs a collector sidecar that scrapes localhost's metrics port and writes to that rule with the identity", () => {
    const app = one(run.resources, "azure-native:app:ContainerApp");
    const containers = (app.props.template as Doc).containers as Doc[];
    const collector = containers.find((c) => c.name === COLLECTOR_CONTAINER);
    expect(collector, "collector container").toBeDefined();
    expect(collector!.args).toEqual([`--config=env:${COLLECTOR_CONFIG_VARIABLE}`]);
    const env = collector!.env as { name: string; value: string }[];
    const config = parse(env.find((e) => e.name === COLLECTOR_CONFIG_VARIABLE)!.value) as Doc;

    const scrape = (((config.receivers as Doc).prometheus as Doc).config as Doc).scrape_configs as Doc[];
    expect(scrape).toHaveLength(1);
    expect(scrape[0]!.job_name).toBe(SCRAPE_JOB);
    expect(scrape[0]!.metrics_path).toBe("/metrics");
    expect(scrape[0]!.static_configs).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the collector's own expansion
      { targets: [`localhost:${METRICS_PORT}`], labels: { instance: "${env:HOSTNAME}" } },
    ]);

    const endpoint = one(run.resources, M.endpoint);
    const rule = one(run.resources, M.rule);
    const ingest = (endpoint.state.metricsIngestion as { endpoint: string }).endpoint;
    const exporter = (config.exporters as Doc).prometheusremotewrite as Doc;
    expect(exporter.endpoint).toBe(
      `${ingest}/dataCollectionRules/${rule.state.immutableId}/streams/${PROMETHEUS_STREAM}/api/v1/write?api-version=2023-04-24`,
    );
    expect(exporter.auth).toEqual({ authenticator: "azure_auth" });
    const identity = apiIdentity(run.resources);
    expect((config.extensions as Doc).azure_auth).toEqual({
      managed_identity: { client_id: identity.state.clientId },
      // Azure Monitor's audience: without it the extension asks for a token scoped to the ingestion host.
      scopes: ["https://monitor.azure.com/.default"],
    });
    expect((config.service as Doc).extensions).toEqual(["azure_auth"]);
    expect((((config.service as Doc).pipelines as Doc).metrics as Doc).exporters).toEqual([
      "prometheusremotewrite",
    ]);
    // The API's own container is unchanged: still first, still the only one with ingress probes.
    expect(containers[0]!.name).not.toBe(COLLECTOR_CONTAINER);
  });

  it("holds the same recording and alert rules as observability/prometheus/rules.yml, alerts to the action group", () => {
    const workspace = one(run.resources, M.workspace);
    const actionGroup = one(run.resources, "azure-native:monitor:ActionGroup");
    const local = loadRuleGroups();
    const groups = byType(run.resources, M.ruleGroup).sort(
      (a, b) =>
        local.findIndex((g) => a.name.endsWith(g.name)) - local.findIndex((g) => b.name.endsWith(g.name)),
    );
    expect(groups.map((g) => g.props.ruleGroupName)).toEqual(local.map((g) => `twincloud-${tier}-${g.name}`));
    for (const [i, group] of groups.entries()) {
      const expected = local[i]!;
      expect(group.props.scopes).toEqual([fakeId(workspace)]);
      const rules = group.props.rules as Doc[];
      expect(rules).toHaveLength(expected.rules.length);
      for (const [j, rule] of rules.entries()) {
        const want = expected.rules[j]!;
        expect({
          record: rule.record,
          alert: rule.alert,
          expr: rule.expression,
          for: rule.for,
          labels: rule.labels,
          annotations: rule.annotations,
        }).toEqual({
          record: want.record,
          alert: want.alert,
          expr: want.expr,
          for: want.for === undefined ? undefined : isoDuration(durationSeconds(want.for)),
          labels: want.labels,
          annotations: want.annotations,
        });
        if (want.alert) expect(rule.actions).toEqual([{ actionGroupId: fakeId(actionGroup) }]);
        else expect(rule.actions).toBeUndefined();
      }
      // Azure evaluates every 1–15 minutes: the file's 30 s becomes one minute.
      expect(group.props.interval).toBe("PT1M");
    }
  });
});

describe("the collector configuration against the pinned OpenTelemetry Collector contrib release", () => {
  const KNOWN = {
    // extension/azureauthextension: `scopes` exists from the release after 0.130.0 (PR #41084).
    azure_auth: [
      "managed_identity",
      "workload_identity",
      "service_principal",
      "use_default",
      "scopes",
      "server",
    ],
    managed_identity: ["client_id"],
    // exporter/prometheusremotewriteexporter (plus confighttp's client settings, of which only these are used).
    prometheusremotewrite: ["endpoint", "auth", "resource_to_telemetry_conversion"],
    // processor/memorylimiterprocessor, processor/batchprocessor.
    memory_limiter: [
      "check_interval",
      "limit_percentage",
      "limit_mib",
      "spike_limit_mib",
      "spike_limit_percentage",
    ],
    // receiver/prometheusreceiver: `config` holds Prometheus' own scrape configuration.
    prometheus: ["config"],
    scrape_config: ["job_name", "metrics_path", "scrape_interval", "scrape_timeout", "static_configs"],
  } as const;
  /** The sidecar as the program renders it (staging: cloud metrics on by default). */
  let image: string;
  let config: Record<string, Doc>;
  beforeAll(async () => {
    const app = one((await captureAzure("staging")).resources, "azure-native:app:ContainerApp");
    const collector = ((app.props.template as Doc).containers as Doc[]).find(
      (c) => c.name === COLLECTOR_CONTAINER,
    )!;
    image = String(collector.image);
    const env = collector.env as { name: string; value: string }[];
    config = parse(env.find((e) => e.name === COLLECTOR_CONFIG_VARIABLE)!.value) as Record<string, Doc>;
  }, 120_000);
  const keysOf = (value: unknown) => Object.keys(value as Doc);

  it("pins a release whose Azure authenticator has `scopes` (0.151.0 or later) and uses its documented name", () => {
    const version = /^otel\/opentelemetry-collector-contrib:(\d+)\.(\d+)\.(\d+)$/.exec(image);
    expect(version, image).not.toBeNull();
    expect(Number(version![1])).toBe(0);
    expect(Number(version![2])).toBeGreaterThanOrEqual(151);
    expect(keysOf(config.extensions)).toEqual(["azure_auth"]);
    expect((config.extensions!.azure_auth as Doc).scopes).toEqual(["https://monitor.azure.com/.default"]);
    expect(JSON.stringify(config)).not.toContain('"azureauth"');
  });

  it("uses only keys the pinned components define", () => {
    const auth = config.extensions!.azure_auth;
    for (const key of keysOf(auth)) expect(KNOWN.azure_auth, `azure_auth.${key}`).toContain(key);
    for (const key of keysOf((auth as Doc).managed_identity)) expect(KNOWN.managed_identity).toContain(key);
    for (const key of keysOf(config.exporters!.prometheusremotewrite))
      expect(KNOWN.prometheusremotewrite, `prometheusremotewrite.${key}`).toContain(key);
    for (const key of keysOf(config.processors!.memory_limiter))
      expect(KNOWN.memory_limiter, `memory_limiter.${key}`).toContain(key);
    expect(keysOf(config.processors!.batch)).toEqual([]);
    expect(keysOf(config.receivers!.prometheus)).toEqual([...KNOWN.prometheus]);
    const scrape = ((config.receivers!.prometheus as Doc).config as Doc).scrape_configs as Doc[];
    for (const key of scrape.flatMap(keysOf))
      expect(KNOWN.scrape_config, `scrape_configs.${key}`).toContain(key);
    // Every component the pipeline names is configured, and every configured one is in the pipeline.
    const service = config.service as {
      extensions: string[];
      pipelines: { metrics: Record<string, string[]> };
    };
    expect(service.extensions).toEqual(keysOf(config.extensions));
    expect(service.pipelines.metrics.receivers).toEqual(keysOf(config.receivers));
    expect(service.pipelines.metrics.processors).toEqual(keysOf(config.processors));
    expect(service.pipelines.metrics.exporters).toEqual(keysOf(config.exporters));
  });
});
