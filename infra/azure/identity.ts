/**
 * The API's user-assigned managed identity: pulls the image (AcrPull on the registry) and reads the database
 * password (Key Vault Secrets User on the vault). User-assigned, not system-assigned, so both grants exist
 * before the Container App's first revision starts.
 */
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as managedidentity from "@pulumi/azure-native/managedidentity/index.js";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../spec.js";
import { roleDefinitionId } from "./naming.js";

export function createAppIdentity(
  args: {
    spec: ServiceSpec;
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    name: string;
  },
  opts: pulumi.ComponentResourceOptions,
): managedidentity.UserAssignedIdentity {
  return new managedidentity.UserAssignedIdentity(
    "api-identity",
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      resourceName: args.name,
      tags: args.spec.tags,
    },
    opts,
  );
}

/** Grant a built-in role to the app identity on one resource (never wider than that resource). */
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
