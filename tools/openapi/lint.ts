/**
 * `npm run lint:openapi`: the OpenAPI document the API serves, linted by Redocly CLI (`recommended`,
 * redocly.yaml) and Spectral (`spectral:oas`, .spectral.yaml). Fails on any error or warning: a warning is
 * either fixed in the document or turned off, with its reason, in the linter's config file.
 *
 *   npm run lint:openapi                 lint, print every finding, exit 1 on any
 *   npm run lint:openapi -- --out FILE   also keep the document in FILE
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openApiDocument } from "./document.js";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");

export interface LintFinding {
  tool: "redocly" | "spectral";
  severity: "error" | "warning" | "info" | "hint";
  rule: string;
  message: string;
  where: string;
}

function run(bin: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(join(ROOT, "node_modules/.bin", bin), args, {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function redocly(file: string): LintFinding[] {
  const out = run("redocly", ["lint", file, "--config", "redocly.yaml", "--format", "json"]);
  const report = JSON.parse(out.stdout) as {
    problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
  };
  return report.problems.map((p) => ({
    tool: "redocly",
    severity: p.severity === "error" ? "error" : "warning",
    rule: p.ruleId,
    message: p.message,
    where: p.location[0]?.pointer ?? "",
  }));
}

const SPECTRAL_SEVERITY = ["error", "warning", "info", "hint"] as const;

function spectral(file: string): LintFinding[] {
  const out = run("spectral", ["lint", file, "--ruleset", ".spectral.yaml", "--format", "json", "--quiet"]);
  const text = out.stdout.trim();
  if (out.status !== 0 && !text.startsWith("[")) throw new Error(`spectral failed: ${out.stderr}${text}`);
  const results = JSON.parse(text || "[]") as {
    code: string;
    severity: number;
    message: string;
    path: (string | number)[];
  }[];
  return results.map((r) => ({
    tool: "spectral",
    severity: SPECTRAL_SEVERITY[r.severity] ?? "error",
    rule: r.code,
    message: r.message,
    where: `#/${r.path.join("/")}`,
  }));
}

/** Every finding of both linters on the served document. */
export async function lintOpenApi(options: { out?: string } = {}): Promise<LintFinding[]> {
  const dir = mkdtempSync(join(tmpdir(), "twincloud-openapi-"));
  try {
    const file = options.out ? resolve(options.out) : join(dir, "openapi.json");
    writeFileSync(file, `${JSON.stringify(await openApiDocument(), null, 2)}\n`);
    return [...redocly(file), ...spectral(file)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outIndex = process.argv.indexOf("--out");
  const findings = await lintOpenApi(outIndex > 0 ? { out: process.argv[outIndex + 1]! } : {});
  for (const f of findings) console.log(`${f.tool} ${f.severity} ${f.rule} ${f.where}: ${f.message}`);
  console.log(
    findings.length === 0 ? "openapi: no errors, no warnings" : `openapi: ${findings.length} findings`,
  );
  process.exitCode = findings.length === 0 ? 0 : 1;
}
