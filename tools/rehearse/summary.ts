/** What a rehearsal reports: the CLI output read (policy verdicts, Resources: block), the summary and its text. */
import type { PulumiCli } from "./cli.js";

/** `[mandatory]  rule  (type: name)` lines of the CLI's Policies section, by enforcement level. */
export function policyVerdicts(output: string): { level: string; rule: string }[] {
  const verdicts: { level: string; rule: string }[] = [];
  for (const match of output.matchAll(/^\s*- \[(mandatory|advisory|remediate)\]\s+(\S+)/gm)) {
    verdicts.push({ level: match[1]!, rule: match[2]! });
  }
  return verdicts;
}

/** The CLI's "Resources:" summary block, one line per operation. */
export function resourceSummary(output: string): string[] {
  const lines = output.split("\n");
  const start = lines.findIndex((line) => line.trim() === "Resources:");
  if (start < 0) return [];
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.trim()) break;
    block.push(line.trim());
  }
  return block;
}

/** N of the "+ N <what>" line of a Resources: block (0 when absent). */
export function countOf(summary: readonly string[], what: string): number {
  const line = summary.find((entry) => entry.endsWith(` ${what}`));
  return line ? Number(line.match(/(\d+)/)?.[1] ?? 0) : 0;
}

export interface Deployment {
  resources?: { type: string; protect?: boolean }[];
}

export function countByPackage(deployment: Deployment): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of deployment.resources ?? []) {
    const pkg = resource.type.startsWith("pulumi:providers:") ? "(providers)" : resource.type.split(":")[0]!;
    counts[pkg] = (counts[pkg] ?? 0) + 1;
  }
  return counts;
}

/** One line on how the program and the policy pack run with this CLI. */
export function programMode(cli: PulumiCli): string {
  return cli.languageHost
    ? `under the Node.js language host next to the CLI (${cli.languageHost}), as \`pulumi up\` runs it`
    : "served in-process by the Node.js SDK's language runtime (--client; no pulumi-language-nodejs next to the CLI); " +
        "policy pack through tools/rehearse/bin/pulumi-language-nodejs (RunPlugin only)";
}

export interface Summary {
  stack: string;
  cloud: string;
  environment: string;
  cli: string;
  /** How the program ran: under the language host next to the CLI, or served in-process (--client). */
  program: string;
  assumptions: string[];
  steps: { name: string; seconds: number; code: number | null }[];
  previewResources: string[];
  resources: Record<string, number>;
  verdicts: { level: string; rule: string }[];
  upgrade?: { from: string; steps: { op: string; type: string; urn: string }[] };
  /** prod: what `pulumi destroy` did before `protect` stopped it. */
  destroy?: { protectedTypes: string[]; before: number; remaining: number };
  seconds: number;
}

export function renderSummary(summary: Summary): string {
  const lines = [`rehearsal of ${summary.stack} (${summary.cloud}, tier ${summary.environment}): OK`];
  lines.push(`  pulumi ${summary.cli}`);
  lines.push(`  program: ${summary.program}`);
  for (const assumption of summary.assumptions) lines.push(`  assumption: ${assumption}`);
  lines.push("  steps:");
  for (const step of summary.steps) {
    lines.push(`    ${step.name.padEnd(18)} ${step.seconds.toFixed(1).padStart(6)} s  exit ${step.code}`);
  }
  lines.push(`  preview: ${summary.previewResources.join("; ") || "(no Resources: block)"}`);
  const counts = Object.entries(summary.resources)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([pkg, count]) => `${pkg} ${count}`);
  const total = Object.values(summary.resources).reduce((a, b) => a + b, 0);
  lines.push(`  resources in state (${summary.cloud}): ${total} = ${counts.join(", ")}`);
  const byLevel: Record<string, Set<string>> = {};
  for (const verdict of summary.verdicts) {
    byLevel[verdict.level] = (byLevel[verdict.level] ?? new Set()).add(verdict.rule);
  }
  const verdicts = Object.entries(byLevel).map(
    ([level, rules]) => `${level}: ${[...rules].sort().join(", ")}`,
  );
  lines.push(`  policy verdicts: ${verdicts.length ? verdicts.join("; ") : "no violations"}`);
  if (summary.upgrade) {
    lines.push(
      `  upgrade from ${summary.upgrade.from}: ${summary.upgrade.steps.length} change(s), none unsafe`,
    );
    for (const step of summary.upgrade.steps) lines.push(`    ${step.op.padEnd(18)} ${step.urn}`);
  }
  if (summary.destroy) {
    const { protectedTypes, before, remaining } = summary.destroy;
    lines.push(
      `  destroy: refused by protect (${protectedTypes.join(", ")}), but it first deleted ${before - remaining} of ${before} resources; ${remaining} remain`,
    );
  }
  lines.push(`  total ${summary.seconds.toFixed(1)} s`);
  return lines.join("\n");
}
