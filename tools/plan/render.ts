/** A plan as text (a resource tree per cloud), Markdown (the PR comment) or JSON, with a diff when given. */
import { CONCERNS, type ConcernCell, concernTable, shortType } from "./concerns.js";
import type { DestructiveChange } from "./destructive.js";
import { isEmptyDiff, type PlanDiff, type ResourceRef } from "./diff.js";
import {
  type CloudPlan,
  COMPUTED,
  formatValue,
  type Plan,
  type PlanCloudName,
  type PlanFormat,
  type PlanResource,
  type PolicyVerdict,
  SECRET,
} from "./model.js";

export const CLOUD_LABEL: Record<PlanCloudName, string> = { aws: "AWS", azure: "Azure" };

function destructiveOf(diff: PlanDiff | undefined): (DestructiveChange & { cloud: PlanCloudName })[] {
  return (diff?.clouds ?? []).flatMap((c) => (c.destructive ?? []).map((d) => ({ ...d, cloud: c.cloud })));
}

function destructiveHeadline(count: number): string {
  return `⚠ DESTRUCTIVE: ${count} change(s) delete, replace or unprotect a protected or stateful resource`;
}

function destructiveTextLines(diff: PlanDiff | undefined): string[] {
  const all = destructiveOf(diff);
  if (all.length === 0) return [];
  return [
    destructiveHeadline(all.length),
    ...all.map(
      (d) =>
        `  ${CLOUD_LABEL[d.cloud].padEnd(6)}${d.action.padEnd(10)}${d.kind}: ${d.type} ${d.name}${d.protect ? " [protected]" : ""}: ${d.reason}`,
    ),
    "",
  ];
}

function destructiveMarkdownLines(diff: PlanDiff | undefined): string[] {
  const all = destructiveOf(diff);
  if (all.length === 0) return [];
  return [
    `#### ${destructiveHeadline(all.length)}`,
    "",
    "| Cloud | Action | What | Resource | Why |",
    "| --- | --- | --- | --- | --- |",
    ...all.map(
      (d) =>
        `| ${CLOUD_LABEL[d.cloud]} | **${d.action}** | ${mdEscape(d.kind)} | \`${d.type}\` ${mdEscape(d.name)}${d.protect ? " (protected)" : ""} | ${mdEscape(d.reason)} |`,
    ),
    "",
  ];
}

function childrenIndex(cloud: CloudPlan): { roots: PlanResource[]; children: Map<string, PlanResource[]> } {
  const byUrn = new Set(cloud.resources.map((r) => r.urn));
  const children = new Map<string, PlanResource[]>();
  const roots: PlanResource[] = [];
  for (const r of cloud.resources) {
    if (r.parent && byUrn.has(r.parent)) {
      const list = children.get(r.parent) ?? [];
      list.push(r);
      children.set(r.parent, list);
    } else roots.push(r);
  }
  return { roots, children };
}

function resourceLine(r: PlanResource): string {
  const props = Object.entries(r.key)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  return `${r.type} ${r.name}${r.protect ? " [protected]" : ""}${props ? `  ${props}` : ""}`;
}

/** The resource tree by parent, with box-drawing guides. */
export function renderTree(cloud: CloudPlan): string[] {
  const { roots, children } = childrenIndex(cloud);
  const lines: string[] = [];
  const walk = (r: PlanResource, prefix: string, last: boolean, depth: number) => {
    lines.push(`${prefix}${depth === 0 ? "" : last ? "└─ " : "├─ "}${resourceLine(r)}`);
    const kids = children.get(r.urn) ?? [];
    const next = depth === 0 ? prefix : `${prefix}${last ? "   " : "│  "}`;
    kids.forEach((kid, i) => {
      walk(kid, next, i === kids.length - 1, depth + 1);
    });
  };
  roots.forEach((r, i) => {
    walk(r, "", i === roots.length - 1, 0);
  });
  return lines;
}

export function summaryLine(cloud: CloudPlan): string {
  const custom = cloud.resources.filter((r) => r.custom).length;
  const protectedCount = cloud.resources.filter((r) => r.protect).length;
  return `${cloud.resources.length} resources (${custom} cloud resources, ${cloud.resources.length - custom} components), ${protectedCount} protected`;
}

function policyLines(policy: PolicyVerdict): string[] {
  if (!policy.evaluated) return [`policies: NOT EVALUATED (${policy.error})`];
  const counts = Object.entries(policy.counts)
    .map(([level, n]) => `${n} ${level}`)
    .join(", ");
  const lines = [
    `policies: ${policy.blocked ? "BLOCKED" : "pass"} (${policy.violations.length === 0 ? "no violations" : counts})`,
  ];
  for (const v of policy.violations) {
    lines.push(
      `  [${v.enforcementLevel}] ${v.policyName}: ${v.message}${v.resource ? ` (${v.resource})` : ""}`,
    );
  }
  return lines;
}

function diffLines(diff: PlanDiff): string[] {
  const lines: string[] = [`diff against base plan (stack ${diff.baseStack}):`];
  if (isEmptyDiff(diff)) return [...lines, "  no changes"];
  for (const c of diff.cloudsOnlyInHead) lines.push(`  + cloud ${c} (not in base)`);
  for (const c of diff.cloudsOnlyInBase) lines.push(`  - cloud ${c} (only in base)`);
  for (const c of diff.clouds) {
    const n = c.added.length + c.removed.length + c.changed.length;
    lines.push(
      `  ${CLOUD_LABEL[c.cloud]}: ${n === 0 ? "no resource changes" : `${c.added.length} to add, ${c.changed.length} to change, ${c.removed.length} to remove`}`,
    );
    for (const r of c.added) lines.push(`    + ${r.type} ${r.name}`);
    const flagged = new Set((c.destructive ?? []).map((d) => `${d.type}::${d.name}`));
    const mark = (r: ResourceRef) => (flagged.has(`${r.type}::${r.name}`) ? "  ⚠ DESTRUCTIVE" : "");
    for (const r of c.removed) lines.push(`    - ${r.type} ${r.name}${mark(r)}`);
    for (const r of c.changed) {
      lines.push(`    ~ ${r.type} ${r.name}${mark(r)}`);
      for (const ch of r.changes) {
        lines.push(`        ${ch.path}: ${formatValue(ch.before)} → ${formatValue(ch.after)}`);
      }
    }
    for (const v of c.newViolations)
      lines.push(`    ! new [${v.enforcementLevel}] ${v.policyName}: ${v.message}`);
    for (const v of c.resolvedViolations) lines.push(`    ✓ resolved ${v.policyName}`);
  }
  return lines;
}

function cellText(cell: ConcernCell | undefined): string[] {
  if (!cell || (cell.facts.length === 0 && cell.resources.length === 0)) return ["(none)"];
  const resources = cell.resources.map((r) => `${shortType(r.type)}${r.count > 1 ? ` ×${r.count}` : ""}`);
  return [...cell.facts, ...(resources.length > 0 ? [`resources: ${resources.join(", ")}`] : [])];
}

export function renderText(plan: Plan, diff?: PlanDiff, options: RenderOptions = {}): string {
  const out: string[] = [...destructiveTextLines(diff)];
  for (const cloud of plan.clouds) {
    out.push(
      `== ${plan.project} / ${plan.stack} on ${CLOUD_LABEL[cloud.cloud]} (${cloud.environment}) — ${summaryLine(cloud)}`,
    );
    for (const assumption of cloud.assumptions ?? []) out.push(`assumption: ${assumption}`);
    if (!options.compact) out.push(...renderTree(cloud));
    out.push("");
    out.push(...policyLines(cloud.policy));
    out.push("");
  }
  if (plan.clouds.length > 1) {
    out.push("== The same spec on each cloud, concern by concern");
    const table = concernTable(plan);
    for (const concern of CONCERNS) {
      out.push(`-- ${concern}`);
      for (const cloud of plan.clouds) {
        const lines = cellText(table[concern][cloud.cloud]);
        out.push(`   ${CLOUD_LABEL[cloud.cloud].padEnd(6)}${lines[0]}`);
        for (const line of lines.slice(1)) out.push(`         ${line}`);
      }
    }
    out.push("");
  }
  if (diff) out.push(...diffLines(diff), "");
  out.push(
    `${COMPUTED} = known only after deploy; ${SECRET} = never printed. An offline plan has no real IDs and no drift detection.`,
  );
  return `${out.join("\n")}\n`;
}

const mdEscape = (text: string) => text.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function renderComparisonTable(plan: Plan): string {
  const table = concernTable(plan);
  const clouds = plan.clouds.map((c) => c.cloud);
  const lines = [
    `| Concern | ${clouds.map((c) => CLOUD_LABEL[c]).join(" | ")} |`,
    `| --- | ${clouds.map(() => "---").join(" | ")} |`,
  ];
  for (const concern of CONCERNS) {
    const cells = clouds.map((c) => cellText(table[concern][c]).map(mdEscape).join("<br>"));
    lines.push(`| ${concern} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

export interface RenderOptions {
  /** Leave out the resource trees (for PR comments, which GitHub caps at 65,536 characters). */
  compact?: boolean;
}

export function renderMarkdown(plan: Plan, diff?: PlanDiff, options: RenderOptions = {}): string {
  const out: string[] = [`### Offline plan: \`${plan.stack}\``, "", ...destructiveMarkdownLines(diff)];
  out.push("| Cloud | Resources | Protected | Policies |", "| --- | --- | --- | --- |");
  for (const cloud of plan.clouds) {
    const p = cloud.policy;
    const verdict = !p.evaluated
      ? `not evaluated: ${mdEscape(p.error ?? "")}`
      : p.blocked
        ? `**blocked** (${p.counts.mandatory} mandatory)`
        : `pass (${p.violations.length} advisory)`;
    out.push(
      `| ${CLOUD_LABEL[cloud.cloud]} | ${cloud.resources.length} | ${cloud.resources.filter((r) => r.protect).length} | ${verdict} |`,
    );
  }
  out.push("");
  for (const cloud of plan.clouds) {
    for (const assumption of cloud.assumptions ?? []) {
      out.push(`> **${CLOUD_LABEL[cloud.cloud]}**: ${mdEscape(assumption)}`, "");
    }
  }
  if (diff) {
    out.push("#### Changes against the base branch", "");
    if (isEmptyDiff(diff)) out.push("No changes.", "");
    else {
      out.push(
        "| Cloud | Change | Resource | Property | Before | After |",
        "| --- | --- | --- | --- | --- | --- |",
      );
      for (const c of diff.clouds) {
        const label = CLOUD_LABEL[c.cloud];
        for (const r of c.added) out.push(`| ${label} | add | \`${r.type}\` ${mdEscape(r.name)} | | | |`);
        for (const r of c.removed)
          out.push(`| ${label} | remove | \`${r.type}\` ${mdEscape(r.name)} | | | |`);
        for (const r of c.changed) {
          for (const ch of r.changes) {
            out.push(
              `| ${label} | change | \`${r.type}\` ${mdEscape(r.name)} | \`${ch.path}\` | ${mdEscape(formatValue(ch.before))} | ${mdEscape(formatValue(ch.after))} |`,
            );
          }
        }
        for (const v of c.newViolations) {
          out.push(
            `| ${label} | new violation | ${mdEscape(v.resource ?? "")} | ${v.policyName} | | ${mdEscape(v.message)} |`,
          );
        }
        for (const v of c.resolvedViolations) {
          out.push(
            `| ${label} | resolved violation | ${mdEscape(v.resource ?? "")} | ${v.policyName} | ${mdEscape(v.message)} | |`,
          );
        }
      }
      for (const c of diff.cloudsOnlyInHead) out.push(`| ${CLOUD_LABEL[c]} | cloud added | | | | |`);
      for (const c of diff.cloudsOnlyInBase) out.push(`| ${CLOUD_LABEL[c]} | cloud removed | | | | |`);
      out.push("");
    }
  }
  if (plan.clouds.length > 1) {
    out.push("#### The same spec on each cloud", "", renderComparisonTable(plan), "");
  }
  for (const cloud of plan.clouds) {
    if (cloud.policy.violations.length > 0) {
      out.push(`#### Policy findings on ${CLOUD_LABEL[cloud.cloud]}`, "");
      out.push("| Level | Policy | Resource | Message |", "| --- | --- | --- | --- |");
      for (const v of cloud.policy.violations) {
        out.push(
          `| ${v.enforcementLevel} | ${v.policyName} | ${mdEscape(v.resource ?? "")} | ${mdEscape(v.message)} |`,
        );
      }
      out.push("");
    }
    if (options.compact) continue;
    out.push(
      `<details><summary>Resource tree on ${CLOUD_LABEL[cloud.cloud]} (${summaryLine(cloud)})</summary>`,
      "",
      "```text",
      ...renderTree(cloud),
      "```",
      "",
      "</details>",
      "",
    );
  }
  out.push(
    `\`${COMPUTED}\`: known only after deploy. Offline plans have no real IDs, no drift detection and no provider-side validation.`,
  );
  return `${out.join("\n")}\n`;
}

export function renderJson(plan: Plan, diff?: PlanDiff): string {
  return `${JSON.stringify(diff ? { ...plan, diff } : plan, null, 2)}\n`;
}

export function render(plan: Plan, format: PlanFormat, diff?: PlanDiff, options: RenderOptions = {}): string {
  if (format === "json") return renderJson(plan, diff);
  if (format === "markdown") return renderMarkdown(plan, diff, options);
  return renderText(plan, diff, options);
}
