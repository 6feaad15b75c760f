/**
 * Validates the Prometheus material with the real promtool: the rules (syntax and lint), their unit tests
 * (rules.test.yml), the local Prometheus config, and every PromQL expression of the Grafana dashboard.
 * promtool comes from the Debian `prometheus` package, which `.ci/run` installs; without it these tests
 * fail (they never skip).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  dashboardExpressions,
  loadDashboard,
  PROMETHEUS_CONFIG,
  RULES_FILE,
  RULES_TEST_FILE,
  substituteGrafanaVariables,
} from "./observability-files.js";

function promtool(args: string[], cwd?: string) {
  const result = spawnSync("promtool", args, { cwd, encoding: "utf8", timeout: 120_000 });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new Error(
      missing
        ? "promtool not found on PATH: install the Debian package `prometheus` (.ci/run does) — these tests do not skip"
        : `promtool ${args.join(" ")} failed to run: ${result.error.message}`,
    );
  }
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "twincloud-promtool-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("promtool", () => {
  it("is installed", () => {
    const { status, output } = promtool(["--version"]);
    expect(status, output).toBe(0);
  });

  it("accepts the rules (check rules, with lint)", () => {
    const { status, output } = promtool(["check", "rules", "--lint=all", "--lint-fatal", RULES_FILE]);
    expect(status, output).toBe(0);
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("passes the rule unit tests (test rules)", () => {
    const { status, output } = promtool(["test", "rules", RULES_TEST_FILE], dirname(RULES_TEST_FILE));
    expect(status, output).toBe(0);
    expect(output).toContain("SUCCESS");
  });

  it("accepts the local Prometheus config and the rule files it loads (check config)", () => {
    const { status, output } = promtool(["check", "config", PROMETHEUS_CONFIG]);
    expect(status, output).toBe(0);
    expect(output).toMatch(/SUCCESS: 1 rule files found/);
  });

  it("parses every PromQL expression of the Grafana dashboard", () => {
    const expressions = dashboardExpressions(loadDashboard());
    expect(expressions.length).toBeGreaterThan(20);
    // Each expression becomes a recording rule, so promtool's parser reports the panel it came from.
    const rules = expressions.map(({ expr }, i) => ({
      record: `dashboard_expr_${i}`,
      expr: substituteGrafanaVariables(expr),
    }));
    const file = join(scratch, "dashboard-exprs.yml");
    writeFileSync(file, stringify({ groups: [{ name: "dashboard", rules }] }));
    const { status, output } = promtool(["check", "rules", file]);
    const located = output.replace(
      /dashboard_expr_(\d+)/g,
      (m, i: string) => `${m} (${expressions[+i]!.where})`,
    );
    expect(status, located).toBe(0);
  });

  it("catches a broken expression (the dashboard check is not vacuous)", () => {
    const file = join(scratch, "broken.yml");
    writeFileSync(
      file,
      stringify({ groups: [{ name: "x", rules: [{ record: "x:y", expr: "sum(rate(a[5m])" }] }] }),
    );
    expect(promtool(["check", "rules", file]).status).not.toBe(0);
  });
});
