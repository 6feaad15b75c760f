// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/**
 * infra/azure/monitoring/alarms.ts: the action group and the alert rules of every shipped stack under mocks
 * (5xx, latency, restarts, database CPU and storage, each with a runbook anchor) and the alert table's
 * thresholds, ids and queries.
 */
import { describe, expect, it } from "vitest";
import { HEALTH_PATHS } from "../../../../api/config.js";
import {
  azureAlerts,
  errorRateQuery,
  latencyQuery,
  REQUEST_LOG,
  storageAlertPercent,
} from "../../../../infra/azure/monitoring/alarms.js";
import { UPTIME_CHECK_FAILED_ID } from "../../../../infra/azure/monitoring/uptime.js";
import { buildServiceSpec, type Tier } from "../../../../infra/spec/index.js";
import { fakeId } from "../../../../tools/mock/fake-id.js";
import { ASSUMED_ALERT_EMAIL } from "../../../../tools/stacks/assumptions.js";
import { T, useAzureStacks } from "../../../support/azure-stack.js";
import { STACKS } from "../../../support/rendered.js";
import { plain } from "../../../support/stacks.js";

const run = useAzureStacks();
const spec = (stack: Tier, extra: Record<string, string> = {}) =>
  buildServiceSpec({ cloud: "azure", alertEmail: ASSUMED_ALERT_EMAIL, ...extra }, { stack });

describe.each(STACKS)("Azure stack %s", (stack) => {
  it("alerts on 5xx, latency, restarts and database CPU/storage, each with a runbook anchor", () => {
    const r = run(stack);
    const group = r.props(T.actionGroup);
    // An email receiver exactly when the stack has an alert address (prod must; dev and staging ship without).
    const email = r.config["twincloud:alertEmail"];
    expect(group.emailReceivers ?? []).toEqual(
      email ? [expect.objectContaining({ emailAddress: email })] : [],
    );
    if (r.spec.environment === "prod") expect(email).toBeTruthy();
    expect(group.groupShortName.length).toBeLessThanOrEqual(12);
    // The availability test's alert (cloudMetrics) is checked in tests/infra/azure/monitoring/uptime.test.ts.
    const uptimeName = `${r.spec.name}-${UPTIME_CHECK_FAILED_ID}`;
    const allMetric = r.all(T.metricAlert).map((x) => plain(x.props));
    const metric = allMetric.filter((a) => a.ruleName !== uptimeName);
    expect(allMetric.length - metric.length).toBe(r.spec.cloudMetrics.enabled ? 1 : 0);
    const log = r.all(T.queryRule).map((x) => plain(x.props));
    const expected = azureAlerts(r.spec);
    expect([...metric, ...log].map((a) => a.ruleName).sort()).toEqual(expected.map((a) => a.name).sort());
    for (const id of [
      "api-5xx-rate",
      "api-latency-p95",
      "api-replica-restarts",
      "db-cpu-high",
      "db-free-storage-low",
    ]) {
      expect(expected.map((a) => a.id)).toContain(id);
    }
    const groupId = fakeId(r.one(T.actionGroup));
    // Azure Monitor accepts only these metric-alert windows and frequencies.
    const windows = ["PT1M", "PT5M", "PT15M", "PT30M", "PT1H", "PT6H", "PT12H", "PT24H"];
    for (const a of metric) {
      expect(windows, a.ruleName).toContain(a.windowSize);
      expect(["PT1M", "PT5M", "PT15M", "PT30M", "PT1H"], a.ruleName).toContain(a.evaluationFrequency);
    }
    for (const a of metric) {
      expect(a.description).toMatch(/Runbook: docs\/runbook\.md#[a-z0-9-]+$/);
      expect(a.actions).toEqual([{ actionGroupId: groupId }]);
      expect(a.enabled).toBe(true);
    }
    const byMetric = Object.fromEntries(metric.map((a) => [a.criteria.allOf[0].metricName, a]));
    expect(byMetric.Requests.criteria.allOf[0].dimensions).toEqual([
      { name: "statusCodeCategory", operator: "Include", values: ["5xx"] },
    ]);
    expect(byMetric.Requests.scopes).toEqual([fakeId(r.one(T.app))]);
    expect(byMetric.RestartCount.scopes).toEqual([fakeId(r.one(T.app))]);
    expect(byMetric.cpu_percent.scopes).toEqual([fakeId(r.one(T.server))]);
    expect(byMetric.cpu_percent.criteria.allOf[0].threshold).toBe(r.spec.alerts.databaseCpuPercent);
    expect(byMetric.storage_percent.scopes).toEqual([fakeId(r.one(T.server))]);
    const appName = r.props(T.app).containerAppName;
    const rule = (id: string) => {
      const found = log.find((a) => a.ruleName === `${r.spec.name}-${id}`);
      if (!found) throw new Error(`no log alert ${id}`);
      return found;
    };
    const latency = rule("api-latency-p95");
    expect(latency.description).toMatch(/Runbook: docs\/runbook\.md#api-latency-p95$/);
    expect(latency.criteria.allOf[0]).toMatchObject({
      threshold: r.spec.alerts.latencyP95Ms,
      metricMeasureColumn: "p95",
      operator: "GreaterThan",
    });
    const errors = rule("api-5xx-rate");
    expect(errors.description).toMatch(/Runbook: docs\/runbook\.md#api-5xx-rate$/);
    expect(errors.criteria.allOf[0]).toMatchObject({
      threshold: r.spec.alerts.http5xxRatePercent,
      metricMeasureColumn: "errorPercent",
      operator: "GreaterThan",
    });
    for (const a of [latency, errors]) {
      expect(a.scopes).toEqual([fakeId(r.one(T.workspace))]);
      expect(a.criteria.allOf[0].query).toContain(`ContainerAppName_s == "${appName}"`);
      expect(a.actions).toEqual({ actionGroups: [groupId] });
      expect(a.enabled).toBe(true);
    }
  });
});

describe("Azure alert thresholds", () => {
  it("puts the storage alert between auto-grow (80 %) and read-only (95 % or < 5 GiB free)", () => {
    expect(storageAlertPercent(32, 5)).toBe(81.3);
    expect(storageAlertPercent(128, 5)).toBe(90);
    for (const size of [32, 64, 128, 256, 512, 1024]) {
      const percent = storageAlertPercent(size, 5);
      expect(percent).toBeGreaterThan(80);
      expect(percent).toBeLessThan(95);
      expect((size * (100 - percent)) / 100).toBeGreaterThan(5);
    }
  });

  it("keeps database connections under 80 % of the SKU's max_connections", () => {
    const threshold = (tier: Tier) =>
      azureAlerts(spec(tier)).find((a) => a.id === "db-connections-high")?.threshold;
    expect([threshold("dev"), threshold("staging"), threshold("prod")]).toEqual([40, 80, 200]);
  });

  it("has stable ids and names with runbook anchors", () => {
    const alerts = azureAlerts(spec("staging"));
    expect(alerts.map((a) => a.id)).toEqual([
      "api-5xx-rate",
      "api-latency-p95",
      "api-ingress-5xx",
      "api-replica-restarts",
      "api-cpu-high",
      "api-memory-high",
      "db-cpu-high",
      "db-free-storage-low",
      "db-connections-high",
    ]);
    for (const a of alerts) {
      expect(a.name).toBe(`twincloud-staging-${a.id}`);
      expect(a.runbook).toBe(`docs/runbook.md#${a.id}`);
    }
    expect(alerts.find((a) => a.id === "api-latency-p95")?.threshold).toBe(200);
    const custom = azureAlerts(spec("staging", { latencyP95Ms: "350" }));
    expect(custom.find((a) => a.id === "api-latency-p95")?.threshold).toBe(350);
    expect(alerts.find((a) => a.id === "api-5xx-rate")).toMatchObject({ kind: "log", threshold: 1 });
    expect(alerts.find((a) => a.id === "api-ingress-5xx")).toMatchObject({
      kind: "metric",
      metric: "Requests",
    });
  });

  it("reads the API's request log lines (api/middleware/request-context.ts), health checks excluded", () => {
    for (const query of [latencyQuery("twincloud-dev-api"), errorRateQuery("twincloud-dev-api")]) {
      expect(query).toContain('ContainerAppName_s == "twincloud-dev-api" and ContainerName_s == "api"');
      expect(query).toContain('tostring(entry.msg) == "request"');
      expect(query).toContain(
        `!in ("${HEALTH_PATHS.live}", "${HEALTH_PATHS.ready}", "${HEALTH_PATHS.summary}")`,
      );
      expect(query).toContain("| where requests >= 20");
    }
    expect(latencyQuery("a")).toContain(`percentile(todouble(entry.${REQUEST_LOG.duration}), 95)`);
    expect(errorRateQuery("a")).toContain(`countif(toint(entry.${REQUEST_LOG.status}) >= 500)`);
    expect(REQUEST_LOG).toEqual({
      message: "request",
      route: "route",
      status: "status",
      duration: "durationMs",
    });
  });
});
