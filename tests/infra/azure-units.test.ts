/** Pure helpers of the Azure rendering: names, address plan, sizes and alert thresholds. */

import { describe, expect, it } from "vitest";
import { HEALTH_PATHS } from "../../api/config.js";
import { roleAssignmentGuid } from "../../infra/azure/identity.js";
import {
  azureAlerts,
  errorRateQuery,
  latencyQuery,
  REQUEST_LOG,
  storageAlertPercent,
} from "../../infra/azure/monitoring/alarms.js";
import {
  addressPlan,
  alphanumeric,
  hyphenated,
  resourceNames,
  uniqueNames,
} from "../../infra/azure/naming.js";
import { memoryQuantity } from "../../infra/azure/sizes.js";
import { buildServiceSpec, type Tier } from "../../infra/spec/index.js";
import { ASSUMED_ALERT_EMAIL } from "../../tools/stacks/assumptions.js";

const spec = (stack: Tier, extra: Record<string, string> = {}) =>
  buildServiceSpec({ cloud: "azure", alertEmail: ASSUMED_ALERT_EMAIL, ...extra }, { stack });

describe("Azure names", () => {
  it("fits Azure's length and character rules, even for long stack names", () => {
    const long = buildServiceSpec(
      { cloud: "azure", environment: "dev" },
      { stack: "feature-Very_Long-branch-name-2026-11" },
    );
    for (const s of [spec("dev"), spec("prod"), long]) {
      const u = uniqueNames(s, "a1b2c3");
      expect(u.keyVault).toMatch(/^[a-z](?!.*--)[a-z0-9-]{1,22}[a-z0-9]$/);
      expect(u.registry).toMatch(/^[a-z0-9]{5,50}$/);
      expect(u.databaseServer).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
      const n = resourceNames(s);
      expect(n.app.length).toBeLessThanOrEqual(32);
      expect(n.app).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
      expect(n.actionGroupShortName.length).toBeLessThanOrEqual(12);
    }
    expect(hyphenated("--A__b--", 10)).toBe("a-b");
    expect(alphanumeric("Twin-Cloud_1", 50)).toBe("twincloud1");
  });
});

describe("role assignment names", () => {
  it("are GUIDs derived from scope, principal and role", () => {
    const a = roleAssignmentGuid(
      "/subscriptions/x/rg/vault",
      "principal-1",
      "4633458b-17de-408a-b874-0445c86b69e6",
    );
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(
      roleAssignmentGuid("/subscriptions/x/rg/vault", "principal-1", "4633458b-17de-408a-b874-0445c86b69e6"),
    ).toBe(a);
    expect(
      roleAssignmentGuid(
        "/subscriptions/x/rg/registry",
        "principal-1",
        "4633458b-17de-408a-b874-0445c86b69e6",
      ),
    ).not.toBe(a);
  });
});

describe("address plan", () => {
  it("carves the apps, database and endpoints subnets out of the VNet CIDR", () => {
    expect(addressPlan("10.20.0.0/16")).toEqual({
      vnet: "10.20.0.0/16",
      apps: "10.20.0.0/23",
      database: "10.20.2.0/24",
      endpoints: "10.20.3.0/24",
    });
    expect(() => addressPlan("10.20.0.0/24")).toThrow(/\/20/);
    expect(() => addressPlan("10.20.1.0/16")).toThrow(/aligned/);
  });
});

describe("sizes", () => {
  it("renders memory as Container Apps quantities", () => {
    expect([512, 1024, 2048, 4096].map(memoryQuantity)).toEqual(["0.5Gi", "1Gi", "2Gi", "4Gi"]);
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
