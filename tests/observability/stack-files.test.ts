/**
 * The Grafana dashboard is importable and covers what the SLA needs, and the local compose stack wires the
 * files that exist (no Docker here: the wiring is checked statically, promtool checks the Prometheus side).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildServiceSpec } from "../../infra/spec/index.js";
import { dashboardExpressions, loadDashboard, loadRules, OBSERVABILITY } from "./observability-files.js";

interface Panel {
  id?: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: { expr?: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

const dashboard = loadDashboard() as {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
};
const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
const panels = allPanels(dashboard.panels).filter((p) => p.type !== "row");
/** Grafana's datasource variable reference (a literal, not a JS template). */
const DATASOURCE_REF = ["$", "{datasource}"].join("");
const exprs = dashboardExpressions(dashboard as Record<string, unknown>).map((e) => e.expr);

describe("Grafana dashboard", () => {
  it("is an importable dashboard with a stable uid", () => {
    expect(dashboard.uid).toBe("twincloud-api");
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = allPanels(dashboard.panels).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of allPanels(dashboard.panels)) expect(panel.gridPos, panel.title).toBeDefined();
  });

  it("takes its data source from a $datasource variable, on every panel and query", () => {
    const variable = dashboard.templating.list.find((v) => v.name === "datasource");
    expect(variable).toMatchObject({ type: "datasource", query: "prometheus" });
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toBe(DATASOURCE_REF);
      for (const target of panel.targets ?? [])
        expect(target.datasource?.uid, panel.title).toBe(DATASOURCE_REF);
    }
  });

  it("shows rate, error ratio, latency quantiles by route, saturation and business counters", () => {
    const has = (pattern: RegExp) => exprs.some((e) => pattern.test(e));
    expect(has(/rate\(http_requests_total/)).toBe(true);
    expect(has(/status=~"5\.\."[\s\S]*\/[\s\S]*http_requests_total/)).toBe(true);
    for (const q of ["0.50", "0.95", "0.99"]) {
      expect(
        has(new RegExp(`histogram_quantile\\(${q.replace(".", "\\.")}, sum by \\(route, le\\)`)),
        `p${q} by route`,
      ).toBe(true);
    }
    for (const metric of [
      "nodejs_eventloop_lag",
      "nodejs_heap_size_used_bytes",
      "db_pool_in_use_connections",
      "db_pool_waiting_queries",
      "tasks_created_total",
      "tasks_completed_total",
      "tasks_deleted_total",
    ]) {
      expect(has(new RegExp(metric)), metric).toBe(true);
    }
  });
});

describe("local observability stack (observability/compose.yaml)", () => {
  const compose = parse(readFileSync(join(OBSERVABILITY, "compose.yaml"), "utf8")) as {
    services: Record<
      string,
      { volumes?: string[]; extra_hosts?: string[]; command?: string[]; ports?: string[] }
    >;
  };
  const prometheusConfig = parse(
    readFileSync(join(OBSERVABILITY, "prometheus", "prometheus.yml"), "utf8"),
  ) as {
    rule_files: string[];
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };

  it("mounts only files that exist in the repository", () => {
    const missing: string[] = [];
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0]!;
        if (source.startsWith(".") && !existsSync(resolve(OBSERVABILITY, source)))
          missing.push(`${name}: ${source}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("publishes every port on the loopback interface only (no auth on Prometheus, admin/admin on Grafana)", () => {
    const published = Object.entries(compose.services).flatMap(([name, service]) =>
      (service.ports ?? []).map((port) => `${name} ${port}`),
    );
    expect(published.length).toBeGreaterThan(0);
    expect(published.filter((entry) => !/ 127\.0\.0\.1:\d+:\d+$/.test(entry))).toEqual([]);
  });

  it("lets Prometheus reach the API's metrics port on the host, with the rules loaded", async () => {
    const { DEFAULT_METRICS_PORT } = await import("../../api/config.js");
    const prometheus = compose.services.prometheus!;
    expect(prometheus.extra_hosts).toContain("host.docker.internal:host-gateway");
    const job = prometheusConfig.scrape_configs.find((j) => j.job_name === "twincloud-api");
    expect(job?.static_configs[0]?.targets).toEqual([`host.docker.internal:${DEFAULT_METRICS_PORT}`]);
    // The rules file is mounted next to the config, where rule_files (relative to the config) finds it.
    for (const file of prometheusConfig.rule_files) {
      expect(prometheus.volumes).toContain(`./prometheus/${file}:/etc/prometheus/${file}:ro`);
    }
  });

  it("provisions Grafana with the dashboard and a Prometheus datasource pointing at the compose service", () => {
    const grafana = compose.services.grafana!;
    const provider = parse(
      readFileSync(join(OBSERVABILITY, "grafana", "provisioning", "dashboards", "twincloud.yml"), "utf8"),
    ) as { providers: { options: { path: string } }[] };
    const dashboardDir = provider.providers[0]!.options.path;
    expect(grafana.volumes).toContain(`./grafana/twincloud-api.json:${dashboardDir}/twincloud-api.json:ro`);
    const datasources = parse(
      readFileSync(join(OBSERVABILITY, "grafana", "provisioning", "datasources", "prometheus.yml"), "utf8"),
    ) as { datasources: { type: string; url: string }[] };
    expect(datasources.datasources[0]).toMatchObject({ type: "prometheus", url: "http://prometheus:9090" });
  });
});

describe("alert thresholds", () => {
  it("use the SLA latency of the service spec (the cloud alarms' latencyP95Ms default)", () => {
    const spec = buildServiceSpec({ cloud: "aws" }, { stack: "staging" });
    const rule = loadRules().find(({ rule }) => rule.alert === "TwincloudApiLatencyP95High")?.rule;
    const threshold = Number(/>\s*([\d.]+)\s*$/.exec(rule?.expr.trim() ?? "")?.[1]);
    expect(threshold).toBe(spec.alerts.latencyP95Ms / 1000);
  });
});
