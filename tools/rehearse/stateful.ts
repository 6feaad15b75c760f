/**
 * The upgrade rehearsal's safety net: a step that replaces or deletes a resource whose type holds state (a
 * database, its backups, keys, registries, retained logs, the database password), or any resource the old state
 * marks `protect`, fails the rehearsal. The list of stateful types is the stub providers' table
 * (tools/rehearse/providers/replacements.ts, which also says which input changes force a replacement), so the
 * two cannot drift apart.
 */
import { STATEFUL_TYPES as STATEFUL } from "./providers/replacements.js";

export const STATEFUL_TYPES: readonly string[] = Object.keys(STATEFUL);

/** Step operations of `pulumi preview --json` that destroy the old resource. */
export const DESTRUCTIVE_OPS: readonly string[] = [
  "delete",
  "replace",
  "create-replacement",
  "delete-replaced",
  "discard",
  "discard-replaced",
  "remove-pending-replace",
];

export interface PreviewStep {
  op: string;
  urn: string;
  oldState?: { type?: string; protect?: boolean } | null;
  newState?: { type?: string; protect?: boolean } | null;
  replaceReasons?: string[];
  diffReasons?: string[];
}

export function stepType(step: PreviewStep): string {
  return step.newState?.type ?? step.oldState?.type ?? step.urn.split("::")[2]?.split("$").pop() ?? "?";
}

/** The steps that would replace or delete a protected or stateful resource. */
export function unsafeSteps(steps: readonly PreviewStep[]): PreviewStep[] {
  return steps.filter(
    (step) =>
      DESTRUCTIVE_OPS.includes(step.op) &&
      (step.oldState?.protect === true || STATEFUL_TYPES.includes(stepType(step))),
  );
}

/** What a destructive step would lose: the table's reason, or `protect`. */
export function whyUnsafe(step: PreviewStep): string {
  const reasons: string[] = [];
  const lost = STATEFUL[stepType(step)];
  if (lost) reasons.push(`holds ${lost}`);
  if (step.oldState?.protect === true) reasons.push("protected");
  return reasons.join("; ");
}
