/**
 * Every metric the Grafana dashboard and the Prometheus rules query must be one the API really exports:
 * the API is started in-process against an embedded PostgreSQL, exercised so labelled series exist, and
 * its metrics port scraped. Names come from that scrape, never from a copied list.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiHarness, startApi } from "./api-harness.js";
import { dashboardExpressions, loadDashboard, loadRules, promqlNames } from "./observability-files.js";
import { alarmName, alarmsOf, captureStack } from "./stack-captures.js";

/** Series Prometheus itself attaches to every scrape: not the API's to export. */
const SCRAPE_SERIES = new Set([
  "up",
  "scrape_duration_seconds",
  "scrape_samples_scraped",
  "scrape_samples_post_metric_relabeling",
  "scrape_series_added",
]);
/** Labels Prometheus adds to every scraped series (target labels). */
const TARGET_LABELS = new Set(["job", "instance"]);

interface Exposition {
  /** Family name → type, from `# TYPE` lines. */
  families: Map<string, string>;
  /** Sample name → label names seen on it. */
  samples: Map<string, Set<string>>;
  /** Sample name → distinct `le` values (histogram buckets). */
  buckets: Map<string, Set<string>>;
}

function parseExposition(text: string): Exposition {
  const families = new Map<string, string>();
  const samples = new Map<string, Set<string>>();
  const buckets = new Map<string, Set<string>>();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      families.set(type[1]!, type[2]!);
      continue;
    }
    if (!line.trim() || line.startsWith("#")) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(line);
    if (!sample) throw new Error(`unparsable exposition line: ${line}`);
    const [, name, labelText = ""] = sample;
    const labels = samples.get(name!) ?? new Set<string>();
    for (const m of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels.add(m[1]!);
      if (m[1] === "le") buckets.set(name!, (buckets.get(name!) ?? new Set()).add(m[2]!));
    }
    samples.set(name!, labels);
  }
  return { families, samples, buckets };
}

/**
 * The series names a family really produces: a histogram is only queryable as _bucket/_sum/_count, a
 * summary as the bare name (quantiles) plus _sum/_count; counters and gauges under their own name.
 */
function queryableNames(families: Map<string, string>): Map<string, string> {
  const names = new Map<string, string>();
  for (const [family, type] of families) {
    if (type === "histogram") {
      for (const suffix of ["_bucket", "_sum", "_count"]) names.set(`${family}${suffix}`, family);
    } else if (type === "summary") {
      for (const suffix of ["", "_sum", "_count"]) names.set(`${family}${suffix}`, family);
    } else {
      names.set(family, family);
    }
  }
  return names;
}

let api: ApiHarness;
let exposition: Exposition;

async function exercise({ api }: ApiHarness): Promise<void> {
  const call = async (path: string, init: Parameters<typeof api.fetch>[1] = {}) => {
    const response = await api.fetch(path, init);
    await response.arrayBuffer();
    return response;
  };
  await call("/health/live");
  await call("/health/ready");
  await call("/health");
  await call("/v1/tasks", { key: null }); // 401: no key
  await call("/no-such-route"); // unmatched
  const created = await api.fetch("/v1/tasks", { method: "POST", json: { title: "observability check" } });
  expect(created.status).toBe(201);
  const task = (await created.json()) as { id: string };
  await call(`/v1/tasks/${task.id}`);
  await call("/v1/tasks");
  await call(`/v1/tasks/${task.id}`, {
    method: "PATCH",
    headers: { "if-match": "*" },
    json: { status: "done" },
  });
  await call(`/v1/tasks/${task.id}`, { method: "DELETE", headers: { "if-match": "*" } });
  // Unauthenticated requests spend the client IP's budget: keep going until the limiter answers 429.
  let limited = false;
  for (let i = 0; i < 100 && !limited; i++) limited = (await call("/v1/tasks", { key: null })).status === 429;
  expect(limited).toBe(true);
}

/** Allocate enough short-lived garbage for a few scavenges, so the GC histogram has samples. */
async function churnGarbage(): Promise<void> {
  let keep = 0;
  for (let i = 0; i < 300; i++) keep += new Array(50_000).fill(i).length;
  expect(keep).toBeGreaterThan(0);
  await new Promise((resolve) => setTimeout(resolve, 200)); // GC entries reach the observer asynchronously
}

beforeAll(async () => {
  // Low enough that a few dozen requests reach the rate limiter (429s).
  api = await startApi({ RATE_LIMIT_PER_MINUTE: "30" });
  await exercise(api);
  await churnGarbage();
  const response = await fetch(api.api.server.metricsUrl);
  expect(response.status).toBe(200);
  exposition = parseExposition(await response.text());
});

afterAll(async () => {
  await api?.stop();
});

const rules = loadRules();
const recorded = new Set(rules.flatMap(({ rule }) => (rule.record ? [rule.record] : [])));
const expressions = [
  ...rules.map(({ rule }) => ({ where: `rules.yml ${rule.record ?? rule.alert}`, expr: rule.expr })),
  ...dashboardExpressions(loadDashboard()).map(({ where, expr }) => ({ where: `dashboard ${where}`, expr })),
];

describe("the PromQL scanner", () => {
  it("separates metric names from functions, keywords, label names, numbers and durations", () => {
    const { metrics, labels } = promqlNames(
      'histogram_quantile(0.95, sum by (le, route) (rate(foo_seconds_bucket{job=~"$job", a!="x{y}"}[$__rate_interval]))) > 1e3 and on (job) bar:ratio_rate5m offset 5m or vector(0) unless count without (instance) (baz_total)',
    );
    expect([...metrics].sort()).toEqual(["bar:ratio_rate5m", "baz_total", "foo_seconds_bucket"]);
    expect([...labels].sort()).toEqual(["a", "instance", "job", "le", "route"]);
  });
});

describe("metric names used by the dashboard and the rules", () => {
  it("finds expressions to check", () => {
    expect(expressions.length).toBeGreaterThan(30);
  });

  it("scrapes the API's own metrics and labelled series (not just the defaults)", () => {
    expect(exposition.families.size).toBeGreaterThan(10);
    const labelled = [...exposition.samples.values()].filter((labels) => labels.has("route"));
    expect(labelled.length).toBeGreaterThan(0);
  });

  it("only uses metrics the API exports, under the names its type allows (histogram _bucket/_sum/_count)", () => {
    const exported = queryableNames(exposition.families);
    const problems: string[] = [];
    for (const { where, expr } of expressions) {
      for (const name of promqlNames(expr).metrics) {
        if (recorded.has(name) || SCRAPE_SERIES.has(name)) continue;
        if (!exported.has(name)) {
          problems.push(`${where}: ${name} is not exported by the API`);
        } else if (!exposition.samples.has(name)) {
          problems.push(`${where}: ${name} is declared but has no sample after exercising the API`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("only uses label names the selected series carry (or Prometheus target labels)", () => {
    const problems: string[] = [];
    for (const { where, expr } of expressions) {
      const { metrics, labels } = promqlNames(expr);
      const available = new Set<string>(TARGET_LABELS);
      for (const name of metrics) {
        for (const label of exposition.samples.get(name) ?? []) available.add(label);
      }
      // Recording rules keep the labels they aggregate by (here: job, route).
      for (const name of metrics) {
        if (recorded.has(name)) {
          const rule = rules.find(({ rule }) => rule.record === name)!.rule;
          for (const label of promqlNames(rule.expr).labels) available.add(label);
        }
      }
      for (const label of labels) {
        if (!available.has(label)) problems.push(`${where}: label "${label}" is on none of ${[...metrics]}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("uses only histogram bucket boundaries the API has (le matchers, e.g. the 0.2 s SLA bucket)", () => {
    const problems: string[] = [];
    for (const { where, expr } of expressions) {
      for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{[^}]*\ble="([^"]+)"/g)) {
        const boundaries = exposition.buckets.get(m[1]!) ?? new Set();
        if (!boundaries.has(m[2]!)) problems.push(`${where}: ${m[1]} has no bucket le="${m[2]}"`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("only references recording rules that rules.yml defines", () => {
    const undefinedRecords = expressions.flatMap(({ where, expr }) =>
      [...promqlNames(expr).metrics]
        .filter((name) => name.includes(":") && !recorded.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(undefinedRecords).toEqual([]);
  });
});

describe("the Azure latency alert reads the API's request log line", () => {
  // Container Apps has no latency metric, so the p95 alert is a KQL query over the API's JSON log lines:
  // every `entry.<field>` it reads must be a field of the line the API really writes per request.
  it("queries only fields the API logs for each request", async () => {
    const capture = await captureStack("staging", "azure");
    expect(capture.error, capture.error?.message).toBeUndefined();
    const logAlerts = alarmsOf(capture).filter((a) => a.type.endsWith(":ScheduledQueryRule"));
    expect(logAlerts.length).toBeGreaterThan(0);
    const requestLines = api.logLines.filter((line) => line.msg === "request");
    expect(requestLines.length).toBeGreaterThan(0);
    const logged = new Set(requestLines.flatMap((line) => Object.keys(line)));
    const problems: string[] = [];
    for (const alert of logAlerts) {
      const criteria = (alert.props as { criteria?: { allOf?: { query?: string }[] } }).criteria;
      for (const { query = "" } of criteria?.allOf ?? []) {
        for (const m of query.matchAll(/\bentry\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
          if (!logged.has(m[1]!)) {
            problems.push(
              `${alarmName(alert)} reads entry.${m[1]}, but the API's request line has ${[...logged].sort().join(", ")}`,
            );
          }
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});
