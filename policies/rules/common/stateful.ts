/** Both clouds: stateful resources are `protect`ed in production. */
import type { Policies } from "@pulumi/policy";
import { defineResourcePolicy } from "../../lib/policy.js";
import { DATA_TYPES } from "../../stateful-types.js";

/**
 * The types prod must protect: the data category of the one stateful table (policies/stateful-types.ts); the
 * plan and the upgrade rehearsal flag that and the continuity category.
 */
export const PROTECTED_TYPES: readonly string[] = Object.keys(DATA_TYPES);

/**
 * A resource policy rather than a stack policy on purpose: resource policies see `opts.protect` too (the
 * engine passes resource options to both), and a resource policy blocks before the resource is created or
 * updated, whereas a stack policy only runs after `pulumi up` has applied every change.
 */
const statefulProtected = defineResourcePolicy({
  name: "stateful-resources-protected",
  description:
    "Stateful resources that hold data (databases, their backups and DR copies, key vaults) are `protect`ed in production.",
  types: PROTECTED_TYPES,
  environments: ["prod"],
  validate: (_props, { args }, report) => {
    if (!args.opts?.protect) {
      report(
        "Create this resource with `{ protect: true }` (spec.operations.protectStatefulResources) so `pulumi destroy` / a replace cannot delete it.",
      );
    }
  },
});

export const policies: Policies = [statefulProtected];
