/** Key Vault: RBAC instead of access policies, purge protection in prod, networks that deny by default. */
import type { Policies } from "@pulumi/policy";
import { defineResourcePolicy, reportIf } from "../../lib/policy.js";
import { azure } from "../../types.js";

const rbac = defineResourcePolicy({
  name: "azure-keyvault-rbac",
  description: "Key Vaults use Azure RBAC, not access policies.",
  types: [azure.keyvault.Vault],
  validate: reportIf(
    (props) => props.properties?.enableRbacAuthorization !== true,
    "Set `properties.enableRbacAuthorization: true` and grant roles (Key Vault Secrets User) instead of access policies.",
  ),
});

const purgeProtection = defineResourcePolicy({
  name: "azure-keyvault-purge-protection",
  description: "Production Key Vaults have purge protection.",
  types: [azure.keyvault.Vault],
  environments: ["prod"],
  validate: reportIf(
    (props) => props.properties?.enablePurgeProtection !== true,
    "Set `properties.enablePurgeProtection: true` on the production vault (it cannot be turned off again).",
  ),
});

const networkDeny = defineResourcePolicy({
  name: "azure-keyvault-network-deny",
  description:
    "Key Vault networks deny by default (advisory: Container Apps on the consumption plan may need Allow).",
  enforcementLevel: "advisory",
  types: [azure.keyvault.Vault],
  validate: reportIf(
    (props) => props.properties?.networkAcls?.defaultAction !== "Deny",
    'Set `properties.networkAcls: { defaultAction: "Deny", bypass: "AzureServices", virtualNetworkRules: [...] }` or use a private endpoint.',
  ),
});

export const policies: Policies = [rbac, purgeProtection, networkDeny];
