/** Both clouds: stateful resources are `protect`ed in production. */
import type { Policies } from "@pulumi/policy";
import { defineResourcePolicy } from "../../lib/policy.js";
import { aws, azure } from "../../types.js";

/** The types prod must protect (the offline plan's STATEFUL_KINDS is a superset: a test keeps it so). */
export const STATEFUL_TYPES = [
  aws.rds.Instance,
  aws.backup.Vault,
  azure.dbforpostgresql.Server,
  azure.keyvault.Vault,
];

/**
 * A resource policy rather than a stack policy on purpose: resource policies see `opts.protect` too (the
 * engine passes resource options to both), and a resource policy blocks before the resource is created or
 * updated, whereas a stack policy only runs after `pulumi up` has applied every change.
 */
const statefulProtected = defineResourcePolicy({
  name: "stateful-resources-protected",
  description: "Stateful resources (databases, key vaults, backup vaults) are `protect`ed in production.",
  types: STATEFUL_TYPES,
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
