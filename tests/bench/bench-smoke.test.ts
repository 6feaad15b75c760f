/**
 * `npm run bench` still works end to end and reports everything issue 2 asks for. A tiny, unmeasured run
 * (1 s per scenario and server, 4 connections): the figures themselves are not asserted, only that every
 * scenario ran against both servers without errors and that the report carries each field.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const REPO = join(import.meta.dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "twincloud-bench-smoke-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Report {
  settings: { environment: Record<string, string>; nodeFlags: string[] };
  results: {
    scenario: string;
    target: string;
    requests: number;
    reqPerSec: number;
    errors: number;
    latencyMs: { p50: number; p95: number; p99: number };
    rssPeakMiB: number;
  }[];
  targets: { name: string; measured: string; target: string; pass: boolean }[];
}

describe("npm run bench", () => {
  it("drives every scenario against the full API and the bare baseline and writes the figures", () => {
    const json = join(work, "bench.json");
    const run = spawnSync(
      process.execPath,
      [
        join(REPO, "node_modules", "tsx", "dist", "cli.mjs"),
        "tests/bench/run.ts",
        "--duration",
        "1",
        "--rounds",
        "1",
        "--warmup",
        "0",
        "--connections",
        "4",
        "--json",
        json,
      ],
      { cwd: REPO, encoding: "utf8", timeout: 240_000 },
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/\| scenario \(server\) \| req\/s \| p50 ms \| p95 ms \| p99 ms \|/);

    const report = JSON.parse(readFileSync(json, "utf8")) as Report;
    const ran = report.results.map((r) => `${r.scenario} ${r.target}`).sort();
    expect(ran).toEqual(
      ["create", "get", "health", "list"].flatMap((s) => [`${s} bare`, `${s} full`]).sort(),
    );
    for (const result of report.results) {
      expect(result.requests, `${result.scenario} ${result.target}`).toBeGreaterThan(0);
      expect(result.errors, `${result.scenario} ${result.target}`).toBe(0);
      expect(result.latencyMs.p99).toBeGreaterThanOrEqual(result.latencyMs.p50);
      expect(result.rssPeakMiB).toBeGreaterThan(0);
    }
    expect(report.targets.map((t) => t.name)).toEqual([
      "health: full/bare req/s",
      "health: full p99",
      "list: full/bare req/s",
      "list: full p99",
      "get: full/bare req/s",
      "get: full p99",
      "create: full p99",
      "errors (all runs)",
      "full: peak RSS",
    ]);
    // Both servers run as the deployed container does: the image's flags and a prod task's heap limit.
    expect(report.settings.nodeFlags).toContain("--max-semi-space-size=8");
    expect(report.settings.environment.NODE_OPTIONS).toBe("--max-old-space-size=1536");
  }, 300_000);
});
