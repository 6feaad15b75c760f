/** The gate: what makes `npm run plan` exit non-zero. */

import type { Plan, PlanCloudName } from "./model.js";
import { CLOUD_LABEL } from "./render.js";

/** Exit codes of `npm run plan`: 3 = rendered, but a policy gate failed (the plan is still printed). */
export const PLAN_EXIT = { ok: 0, error: 1, usage: 2, gate: 3 } as const;

/**
 * Why the plan must not pass, one line per rendering: a mandatory violation (what `pulumi preview` with the
 * pack refuses) or a pack that could not be evaluated (no verdict is not a pass). Every rendering counts,
 * a what-if one (a stack on the cloud it does not ship on) included: the spec claims both clouds, and the
 * what-if already assumes what only the stack file lacks. `ownCloud` labels the what-if renderings.
 */
export function gateFailures(plan: Plan, ownCloud?: PlanCloudName): string[] {
  const failures: string[] = [];
  for (const cloud of plan.clouds) {
    const where = `${plan.stack} on ${CLOUD_LABEL[cloud.cloud]}${ownCloud && cloud.cloud !== ownCloud ? " (what-if)" : ""}`;
    const p = cloud.policy;
    if (!p.evaluated) failures.push(`${where}: policies NOT EVALUATED (${p.error ?? "unknown error"})`);
    else if (p.blocked) {
      const names = [
        ...new Set(p.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policyName)),
      ];
      failures.push(
        `${where}: BLOCKED by ${p.counts.mandatory} mandatory violation(s) (${names.join(", ")})`,
      );
    }
  }
  return failures;
}
