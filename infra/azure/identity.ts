/**
 * The two user-assigned managed identities (docs/database-identity.md):
 * - the API's: pulls the image (AcrPull on the registry), reads its secrets by Key Vault reference (Key Vault
 *   Secrets User on the vault) and logs in to PostgreSQL with an Entra ID token as the least-privilege API role
 *   the migrator mapped to its object id;
 * - the migrator's: pulls the same image and is the Flexible Server's Microsoft Entra administrator, the only
 *   identity that may create Entra-mapped roles. In the vault it reads exactly one secret, the password
 *   administrator's password (the migration job migrates as the tables' owner, migration.ts).
 * User-assigned, not system-assigned, so every grant exists before the first revision or execution starts.
 */
import { createHash } from "node:crypto";
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as managedidentity from "@pulumi/azure-native/managedidentity/index.js";
import * as pulumi from "@pulumi/pulumi";
import type { GroupArgs } from "./group.js";
import { roleDefinitionId } from "./naming.js";

export function createAppIdentity(
  args: GroupArgs & { name: string },
  opts: pulumi.ComponentResourceOptions,
): managedidentity.UserAssignedIdentity {
  return createIdentity("api-identity", args, opts);
}

/** The migrator's identity: the Flexible Server's Microsoft Entra administrator (database.ts). */
export function createMigratorIdentity(
  args: GroupArgs & { name: string },
  opts: pulumi.ComponentResourceOptions,
): managedidentity.UserAssignedIdentity {
  return createIdentity("migrator-identity", args, opts);
}

function createIdentity(
  logicalName: string,
  args: GroupArgs & { name: string },
  opts: pulumi.ComponentResourceOptions,
): managedidentity.UserAssignedIdentity {
  return new managedidentity.UserAssignedIdentity(
    logicalName,
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      resourceName: args.name,
      tags: args.spec.tags,
    },
    opts,
  );
}

/**
 * A role assignment's name must be a GUID; derive it from (scope, principal, role) like Bicep's `guid()`, so
 * it is stable across runs and changes exactly when the grant does.
 */
export function roleAssignmentGuid(scope: string, principalId: string, roleId: string): string {
  const h = createHash("sha256").update(`${scope}|${principalId}|${roleId}`).digest("hex");
  const variant = ((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Grant a built-in role to one identity on one resource (never wider than that resource). */
export function grantRole(
  name: string,
  args: {
    identity: managedidentity.UserAssignedIdentity;
    subscriptionId: pulumi.Input<string>;
    roleId: string;
    scope: pulumi.Input<string>;
    description: string;
  },
  opts: pulumi.ComponentResourceOptions,
): authorization.RoleAssignment {
  return new authorization.RoleAssignment(
    name,
    {
      roleAssignmentName: pulumi
        .all([args.scope, args.identity.principalId])
        .apply(([scope, principal]) => roleAssignmentGuid(scope, principal, args.roleId)),
      principalId: args.identity.principalId,
      // Set explicitly: the identity is brand new and Entra ID replication may not have caught up yet.
      principalType: "ServicePrincipal",
      roleDefinitionId: pulumi.output(args.subscriptionId).apply((sub) => roleDefinitionId(sub, args.roleId)),
      scope: args.scope,
      description: args.description,
    },
    opts,
  );
}
