/** Destructive changes: what a diff would delete or replace that holds data, or that guards it. */

import { STATEFUL_TYPES } from "../../policies/stateful-types.js";
import type { CloudDiff, PropertyChange } from "./diff.js";
import { type CloudPlan, COMPUTED, formatValue, getPath, type PlanResource } from "./model.js";

/**
 * Inputs a provider cannot change in place (it deletes and re-creates the resource), for the stateful AWS
 * types (the providers' ForceNew / replaceOnChanges). azure-native replaces on its URL parameters: the
 * resource's own `...Name`, `resourceGroupName`, `location`, `scope`.
 *
 * Not the rehearsal stubs' table (tools/rehearse/providers/replacements.ts `REPLACE_ON_CHANGE` and
 * `AZURE_IDENTITY`), on purpose: that one drives a provider's Diff for every type the program creates, with
 * every ForceNew input of the provider, per Azure type its exact identity inputs and create-only properties;
 * this one only judges the stateful types, from the inputs a plan captures, with a name-pattern rule for
 * Azure. Serving both from one table changes what one of them reports: this table lacks inputs the program never sets
 * (`snapshotIdentifier`, `s3Import`, `objectLockEnabled`, `xksKeyId`, ...), and the Azure rules differ (e.g. a
 * Flexible Server's `administratorLogin`). tests/tools/plan/gate.test.ts keeps each AWS list here within the
 * stubs', so a replacement the plan flags is one the rehearsal
 * shows.
 */
export const PLAN_REPLACE_ON_CHANGE: Readonly<Record<string, readonly string[]>> = {
  "aws:rds/instance:Instance": [
    "identifier",
    "identifierPrefix",
    "engine",
    "dbName",
    "username",
    "storageEncrypted",
    "kmsKeyId",
    "availabilityZone",
    "characterSetName",
    "ncharCharacterSetName",
    "timezone",
  ],
  "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": [
    "sourceDbInstanceArn",
    "kmsKeyId",
    "retentionPeriod",
  ],
  "aws:backup/vault:Vault": ["name", "kmsKeyArn"],
  "aws:kms/key:Key": ["customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId"],
  "aws:secretsmanager/secret:Secret": ["name", "namePrefix"],
  "aws:ecr/repository:Repository": ["name", "encryptionConfigurations"],
  "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix"],
  "aws:s3/bucketV2:BucketV2": ["bucket", "bucketPrefix"],
  "aws:cloudwatch/logGroup:LogGroup": ["name", "namePrefix", "logGroupClass"],
  "aws:sns/topic:Topic": ["name", "namePrefix", "fifoTopic"],
};
const AZURE_REPLACE_ON_CHANGE = /^([a-z][A-Za-z]*Name|location|scope)$/;

/** Settings that guard a stateful resource against deletion: turning one off is flagged as well. */
const SAFETY_SETTINGS: readonly { path: string; safe: (value: unknown) => boolean }[] = [
  { path: "deletionProtection", safe: (v) => v === true },
  { path: "skipFinalSnapshot", safe: (v) => v !== true },
  { path: "deleteAutomatedBackups", safe: (v) => v !== true },
  { path: "forceDestroy", safe: (v) => v !== true },
  { path: "forceDelete", safe: (v) => v !== true },
  { path: "properties.enablePurgeProtection", safe: (v) => v === true },
];

export interface DestructiveChange {
  /** delete: no longer declared; replace: deleted and re-created; unprotect: a safeguard turned off. */
  action: "delete" | "replace" | "unprotect";
  type: string;
  name: string;
  /** What it is (`database`, `registry`, ...), or `protected resource` for a protected type not listed. */
  kind: string;
  protect: boolean;
  reason: string;
}

/**
 * Protected, or of a stateful type (policies/stateful-types.ts: data or continuity). Any resource created with
 * `protect: true` counts, whatever its type.
 */
const isStateful = (r: PlanResource) => r.protect || r.type in STATEFUL_TYPES;
const kindOf = (r: PlanResource) => STATEFUL_TYPES[r.type]?.kind ?? "protected resource";
/** `urn:pulumi:<stack>::<project>::<parent types $ type>::<name>` → the qualified type (parents included). */
// The mock monitor puts the stack's type in front of its direct children's (the engine does not): drop it.
const qualifiedType = (urn: string) => urn.split("::")[2]?.replace(/^pulumi:pulumi:Stack\$/, "");
const touches = (change: PropertyChange, path: string) =>
  change.path === path || change.path.startsWith(`${path}.`);

/** Whether one of the resource's aliases names its old place: the engine then keeps the deployed resource. */
function keepsQualifiedType(r: PlanResource, old: string): boolean {
  return (r.aliases ?? []).some((alias) => {
    if ("urn" in alias) return qualifiedType(alias.urn) === old;
    if (alias.name !== undefined && alias.name !== r.name) return false;
    const type = alias.type ?? r.type;
    if (alias.noParent) return old === type;
    return alias.parentUrn !== undefined && old === `${qualifiedType(alias.parentUrn)}$${type}`;
  });
}

function replacementCauses(r: PlanResource, changes: PropertyChange[]): PropertyChange[] {
  if (r.type.startsWith("azure-native:")) {
    return changes.filter((c) => AZURE_REPLACE_ON_CHANGE.test(c.path.split(".")[0] ?? ""));
  }
  const paths = PLAN_REPLACE_ON_CHANGE[r.type] ?? [];
  return changes.filter((c) => paths.some((path) => touches(c, path)));
}

/**
 * The deletions and replacements of protected or stateful resources in one cloud's diff, plus safeguards
 * turned off on them. An offline plan sees inputs only, so a replacement is inferred from inputs the
 * provider cannot update in place and from URN changes (a new parent type without an alias); a value that
 * becomes `<computed>` there may force one too, and says so.
 */
export function destructiveChanges(
  before: CloudPlan,
  after: CloudPlan,
  diff: Pick<CloudDiff, "added" | "removed" | "changed">,
): DestructiveChange[] {
  const id = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
  const beforeById = new Map(before.resources.map((r) => [id(r), r]));
  const afterById = new Map(after.resources.map((r) => [id(r), r]));
  const out: DestructiveChange[] = [];
  const entry = (action: DestructiveChange["action"], r: PlanResource, reason: string) =>
    out.push({ action, type: r.type, name: r.name, kind: kindOf(r), protect: r.protect, reason });

  for (const removed of diff.removed) {
    const r = beforeById.get(id(removed));
    if (!r || !isStateful(r)) continue;
    const renamed = diff.added.filter((a) => a.type === r.type).map((a) => a.name);
    entry(
      "delete",
      r,
      renamed.length > 0
        ? `no longer declared; if it was renamed to ${renamed.join(" or ")}, add \`aliases: [{ name: "${r.name}" }]\` to keep it`
        : r.protect
          ? "no longer declared: `pulumi up` refuses while it is protected, and deletes it once unprotected"
          : "no longer declared: `pulumi up` deletes it",
    );
  }
  for (const changed of diff.changed) {
    const old = beforeById.get(id(changed));
    const now = afterById.get(id(changed));
    if (!old || !now || !(isStateful(old) || isStateful(now))) continue;
    const causes = replacementCauses(now, changed.changes);
    if (causes.length > 0) {
      const unknown = causes.every((c) => c.after === COMPUTED);
      entry(
        "replace",
        now,
        `${causes.map((c) => `${c.path}: ${formatValue(c.before, 40)} → ${formatValue(c.after, 40)}`).join("; ")} ${unknown ? "may force" : "forces"} a replacement (delete, then create)`,
      );
    }
    const unprotected = [
      ...(old.protect && !now.protect ? ["protect: true → false"] : []),
      ...SAFETY_SETTINGS.filter(
        (s) => s.safe(getPath(old.props, s.path)) && !s.safe(getPath(now.props, s.path)),
      ).map(
        (s) =>
          `${s.path}: ${formatValue(getPath(old.props, s.path))} → ${formatValue(getPath(now.props, s.path))}`,
      ),
    ];
    if (unprotected.length > 0) entry("unprotect", now, `safeguard off: ${unprotected.join("; ")}`);
  }
  // Same type and name, different parent type: a new URN, which Pulumi treats as delete + create.
  for (const now of after.resources) {
    const old = beforeById.get(id(now));
    if (!old || !(isStateful(old) || isStateful(now))) continue;
    const [a, b] = [qualifiedType(old.urn), qualifiedType(now.urn)];
    if (a && b && a !== b && !keepsQualifiedType(now, a)) {
      entry(
        "replace",
        now,
        `its URN changes (${a} → ${b}): without \`aliases\` for the old parent Pulumi deletes and re-creates it`,
      );
    }
  }
  return out;
}
