/** The benchmark's arithmetic (the benchmark itself is `npm run bench`, a report rather than a test). */
import { describe, expect, it } from "vitest";
import { checkTargets, latencySummary, type Measurement, percentile, resultsTable } from "./stats.js";

const measurement = (overrides: Partial<Measurement>): Measurement => ({
  scenario: "get",
  target: "full",
  durationS: 10,
  requests: 10_000,
  reqPerSec: 1_000,
  latencyMs: { p50: 5, p95: 20, p99: 40, max: 60 },
  errors: 0,
  non2xx: 0,
  socketErrors: 0,
  rssPeakMiB: 120,
  cpuMsPerRequest: 0.3,
  ...overrides,
});

describe("benchmark statistics", () => {
  it("takes nearest-rank percentiles", () => {
    const sorted = Array.from({ length: 100 }, (_, index) => index + 1);
    expect([
      percentile(sorted, 50),
      percentile(sorted, 95),
      percentile(sorted, 99),
      percentile(sorted, 100),
    ]).toEqual([50, 95, 99, 100]);
    expect(percentile([], 99)).toBe(0);
    expect(latencySummary([3, 1, 2])).toEqual({ p50: 2, p95: 3, p99: 3, max: 3 });
  });

  it("passes a run that meets every target and names each miss", () => {
    const good = [measurement({}), measurement({ target: "bare", reqPerSec: 1_200 })];
    expect(checkTargets(good).every((check) => check.pass)).toBe(true);

    const bad = [
      measurement({
        reqPerSec: 700,
        latencyMs: { p50: 5, p95: 20, p99: 80, max: 90 },
        rssPeakMiB: 200,
        errors: 3,
      }),
      measurement({ target: "bare", reqPerSec: 1_000 }),
    ];
    const missed = checkTargets(bad)
      .filter((check) => !check.pass)
      .map((check) => check.name);
    expect(missed).toEqual(["get: full/bare req/s", "get: full p99", "errors (all runs)", "full: peak RSS"]);
  });

  it("applies the throughput ratio to read endpoints only", () => {
    const create = [
      measurement({ scenario: "create", reqPerSec: 100 }),
      measurement({ scenario: "create", target: "bare", reqPerSec: 1_000 }),
    ];
    expect(checkTargets(create).map((check) => check.name)).not.toContain("create: full/bare req/s");
  });

  it("prints the ratio on the full row", () => {
    const table = resultsTable([
      measurement({ reqPerSec: 900 }),
      measurement({ target: "bare", reqPerSec: 1_000 }),
    ]);
    expect(table).toMatch(/\| get \(full\)\s+\|\s+900 \|.*\|\s+0\.90 \|/);
  });
});
