/** Pure helpers for the benchmark: percentiles, targets, the printed table. */

export interface Measurement {
  scenario: string;
  target: "full" | "bare";
  durationS: number;
  requests: number;
  reqPerSec: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** Non-2xx responses plus socket errors and timeouts. */
  errors: number;
  non2xx: number;
  socketErrors: number;
  /** Highest resident set size sampled during the measured run, MiB. */
  rssPeakMiB: number;
  /** Server CPU time (user + system) per request, milliseconds. */
  cpuMsPerRequest: number;
}

export interface TargetCheck {
  name: string;
  measured: string;
  target: string;
  pass: boolean;
}

/** Nearest-rank percentile of an ascending-sorted array (0 for an empty one). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function latencySummary(samples: number[]): Measurement["latencyMs"] {
  const sorted = Float64Array.from(samples).sort();
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : 0,
  };
}

const TARGETS = {
  /** Full stack throughput relative to bare, on read endpoints. */
  minReadRatio: 0.75,
  p99Ms: 50,
  rssMiB: 150,
} as const;

const READ_SCENARIOS = new Set(["health", "list", "get"]);

export function checkTargets(results: Measurement[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const full = results.filter((result) => result.target === "full");
  for (const result of full) {
    const bare = results.find((other) => other.target === "bare" && other.scenario === result.scenario);
    if (bare && READ_SCENARIOS.has(result.scenario)) {
      const ratio = bare.reqPerSec > 0 ? result.reqPerSec / bare.reqPerSec : 0;
      checks.push({
        name: `${result.scenario}: full/bare req/s`,
        measured: ratio.toFixed(3),
        target: `>= ${TARGETS.minReadRatio}`,
        pass: ratio >= TARGETS.minReadRatio,
      });
    }
    checks.push({
      name: `${result.scenario}: full p99`,
      measured: `${result.latencyMs.p99.toFixed(1)} ms`,
      target: `< ${TARGETS.p99Ms} ms`,
      pass: result.latencyMs.p99 < TARGETS.p99Ms,
    });
  }
  const errors = results.reduce((sum, result) => sum + result.errors, 0);
  checks.push({ name: "errors (all runs)", measured: String(errors), target: "0", pass: errors === 0 });
  const rss = Math.max(0, ...full.map((result) => result.rssPeakMiB));
  checks.push({
    name: "full: peak RSS",
    measured: `${rss.toFixed(0)} MiB`,
    target: `< ${TARGETS.rssMiB} MiB`,
    pass: rss < TARGETS.rssMiB,
  });
  return checks;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(" | ")} |`;
  // The delimiter row as Biome formats Markdown tables: "| --- | --: |".
  const rule = `| ${widths.map((width, column) => (column === 0 ? "-".repeat(width) : `${"-".repeat(width - 1)}:`)).join(" | ")} |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** The results as a Markdown table (also readable in a terminal), one row per scenario and server. */
export function resultsTable(results: Measurement[]): string {
  const rows = results.map((result) => {
    const other = results.find((o) => o.scenario === result.scenario && o.target !== result.target);
    const ratio =
      result.target === "full" && other && other.reqPerSec > 0
        ? (result.reqPerSec / other.reqPerSec).toFixed(2)
        : "";
    return [
      `${result.scenario} (${result.target})`,
      result.reqPerSec.toFixed(0),
      result.latencyMs.p50.toFixed(1),
      result.latencyMs.p95.toFixed(1),
      result.latencyMs.p99.toFixed(1),
      String(result.errors),
      result.rssPeakMiB.toFixed(0),
      result.cpuMsPerRequest.toFixed(3),
      ratio,
    ];
  });
  return table(
    [
      "scenario (server)",
      "req/s",
      "p50 ms",
      "p95 ms",
      "p99 ms",
      "errors",
      "peak RSS MiB",
      "CPU ms/req",
      "full/bare",
    ],
    rows,
  );
}

export function targetsTable(checks: TargetCheck[]): string {
  return table(
    ["target", "measured", "goal", "result"],
    checks.map((check) => [check.name, check.measured, check.target, check.pass ? "PASS" : "MISS"]),
  );
}
