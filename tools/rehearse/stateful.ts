/**
 * The upgrade rehearsal's safety net: a step that replaces or deletes a resource whose type holds state, or
 * any resource the old state marks `protect`, fails the rehearsal. The stateful types are the one table,
 * policies/stateful-types.ts: both categories (data: databases, backups, key vaults; continuity: secrets,
 * the password, keys, registries, retained logs, ...), as the offline plan flags them.
 */
import { STATEFUL_TYPES } from "../../policies/stateful-types.js";

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
      (step.oldState?.protect === true || stepType(step) in STATEFUL_TYPES),
  );
}

/** What a destructive step would lose: the table's reason, or `protect`. */
export function whyUnsafe(step: PreviewStep): string {
  const reasons: string[] = [];
  const lost = STATEFUL_TYPES[stepType(step)]?.loses;
  if (lost) reasons.push(`holds ${lost}`);
  if (step.oldState?.protect === true) reasons.push("protected");
  return reasons.join("; ");
}
