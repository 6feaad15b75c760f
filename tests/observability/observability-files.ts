/**
 * Reads the observability material (Grafana dashboard, Prometheus rules) and pulls out what the tests
 * check: PromQL expressions, the metric names and label names they use, the alerts and their runbook links.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { PrometheusRule, PrometheusRuleGroup } from "../../infra/prometheus-rules.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const OBSERVABILITY = join(ROOT, "observability");
export const RULES_FILE = join(OBSERVABILITY, "prometheus", "rules.yml");
export const RULES_TEST_FILE = join(OBSERVABILITY, "prometheus", "rules.test.yml");
export const PROMETHEUS_CONFIG = join(OBSERVABILITY, "prometheus", "prometheus.yml");
const DASHBOARD_FILE = join(OBSERVABILITY, "grafana", "twincloud-api.json");

/** The rule file's groups, read here rather than through the program's reader, which the tests check. */
export function loadRuleGroups(): PrometheusRuleGroup[] {
  return (parse(readFileSync(RULES_FILE, "utf8")) as { groups: PrometheusRuleGroup[] }).groups;
}

export function loadRules(): { group: string; rule: PrometheusRule }[] {
  return loadRuleGroups().flatMap((group) => group.rules.map((rule) => ({ group: group.name, rule })));
}

export function loadDashboard(): Record<string, unknown> {
  return JSON.parse(readFileSync(DASHBOARD_FILE, "utf8")) as Record<string, unknown>;
}

/** Every PromQL expression of the dashboard: panel targets (nested rows too) and query variables. */
export function dashboardExpressions(dashboard: Record<string, unknown>): { where: string; expr: string }[] {
  const found: { where: string; expr: string }[] = [];
  const visitPanels = (panels: unknown) => {
    for (const panel of (panels as Record<string, unknown>[] | undefined) ?? []) {
      for (const target of (panel.targets as { expr?: string; refId?: string }[] | undefined) ?? []) {
        if (target.expr) found.push({ where: `panel "${panel.title}" ${target.refId}`, expr: target.expr });
      }
      visitPanels(panel.panels);
    }
  };
  visitPanels(dashboard.panels);
  const templating = dashboard.templating as { list: Record<string, unknown>[] } | undefined;
  for (const variable of templating?.list ?? []) {
    if (variable.type !== "query") continue;
    const query = variable.query as string | { query: string };
    const text = typeof query === "string" ? query : query.query;
    // label_values(<selector>, <label>) → the selector is PromQL, the label a label name.
    const labelValues = /^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/s.exec(text.trim());
    if (labelValues) {
      found.push({
        where: `variable $${variable.name}`,
        expr: `group by (${labelValues[2]}) (${labelValues[1]})`,
      });
    } else {
      found.push({ where: `variable $${variable.name}`, expr: text });
    }
  }
  return found;
}

/** Replace Grafana's variables by values that keep the expression valid PromQL. */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "5m")
    .replaceAll("$__interval", "1m")
    .replaceAll("$__range", "1h")
    .replace(/\$\{?[a-zA-Z_][a-zA-Z0-9_]*(:[a-z]+)?\}?/g, ".*");
}

/** PromQL words that look like identifiers but are not metric names. */
const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "offset",
  "bool",
  "inf",
  "nan",
  "atan2",
]);

export interface PromqlNames {
  /** Metric names (series `__name__`s) the expression selects. */
  metrics: Set<string>;
  /** Label names used in matchers and in by/without/on/ignoring/group_* clauses. */
  labels: Set<string>;
}

/**
 * A small PromQL scanner (enough for the expressions in this repo): strips strings, durations and
 * numbers, takes label names from `{...}` matchers and from grouping clauses, drops function and
 * aggregation names (an identifier followed by `(`) and keywords; what remains are metric names.
 */
export function promqlNames(rawExpr: string): PromqlNames {
  const metrics = new Set<string>();
  const labels = new Set<string>();
  let expr = substituteGrafanaVariables(rawExpr);
  // Label matchers: {name="v", other=~"v"} → record names, then remove the whole braces.
  expr = expr.replace(/\{([^}]*)\}/g, (_, inner: string) => {
    const withoutStrings = inner.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, "");
    for (const m of withoutStrings.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) labels.add(m[1]!);
    return " ";
  });
  expr = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ");
  // Grouping / matching clauses: by (a, b), without (a), on (a), ignoring (a), group_left (a).
  expr = expr.replace(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_, _kw: string, inner: string) => {
      for (const name of inner.split(",").map((s) => s.trim())) if (name) labels.add(name);
      return " ";
    },
  );
  // Range / subquery selectors and offsets: [5m], [1h:1m], offset 5m.
  expr = expr.replace(/\[[^\]]*\]/g, " ").replace(/\boffset\s+-?[0-9a-z]+/g, " ");
  // Numbers (1e3, 0.95, 0x1f) before identifiers, so "1e3" does not leave "e3".
  expr = expr.replace(/(?<![a-zA-Z0-9_:])(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+)/g, " ");
  for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (call) continue; // function or aggregation
    if (KEYWORDS.has(name!.toLowerCase())) continue;
    metrics.add(name!);
  }
  return { metrics, labels };
}
