/**
 * The Prometheus rules every environment evaluates, from one file: observability/prometheus/rules.yml (the
 * local Prometheus loads it, promtool tests it). The clouds read it when the program runs: Amazon Managed
 * Service for Prometheus takes the file's text unchanged (`prometheusRulesText`), Azure Monitor's Prometheus
 * rule groups take each group as data (`prometheusRuleGroups`). Serves both clouds, like build-context.ts.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { PROJECT_ROOT } from "./build-context.js";

/** Relative to the repository root. */
const PROMETHEUS_RULES_PATH = "observability/prometheus/rules.yml";

export interface PrometheusRule {
  record?: string;
  alert?: string;
  expr: string;
  /** Prometheus duration (`2m`, `1h`). */
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PrometheusRuleGroup {
  name: string;
  /** Prometheus duration; absent: the server's global evaluation interval. */
  interval?: string;
  rules: PrometheusRule[];
}

/** The file's text, as promtool tests it. */
export function prometheusRulesText(): string {
  return readFileSync(`${PROJECT_ROOT}${PROMETHEUS_RULES_PATH}`, "utf8");
}

/** The file's groups, parsed (strings as written: labels and annotations are string-valued in Prometheus). */
export function prometheusRuleGroups(text = prometheusRulesText()): PrometheusRuleGroup[] {
  const doc = parse(text) as { groups?: PrometheusRuleGroup[] };
  if (!doc?.groups?.length) throw new Error(`${PROMETHEUS_RULES_PATH}: no rule groups`);
  return doc.groups;
}

const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 } as const;

/** A Prometheus duration (`30s`, `1h30m`, `2d`) in seconds. */
export function durationSeconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== duration) {
    throw new Error(`not a Prometheus duration: ${duration}`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_SECONDS[p[2] as keyof typeof UNIT_SECONDS], 0);
}

/** Seconds as an ISO 8601 duration (`PT1H30M`, `P1DT2H`), what Azure Monitor's rule APIs take. */
export function isoDuration(totalSeconds: number): string {
  const s = Math.round(totalSeconds);
  const days = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const time = `${h ? `${h}H` : ""}${m ? `${m}M` : ""}${sec ? `${sec}S` : ""}`;
  if (!days && !time) return "PT0S";
  return `P${days ? `${days}D` : ""}${time ? `T${time}` : ""}`;
}
