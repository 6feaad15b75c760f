/**
 * Physical names, address plan and built-in role ids for the Azure rendering. Pure functions: the tests and
 * the docs import them.
 */
import type { ServiceSpec } from "../spec/index.js";

/** Built-in Azure RBAC role definition ids (the same GUID in every tenant). */
export const ROLE_DEFINITION_IDS = {
  /** Pull images from a registry: the app's managed identity. */
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  /** Read secret contents from a vault with RBAC authorization: the app's managed identity. */
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  /** Publish metrics through a data collection rule: the app's collector, on its rule only. */
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
} as const;

export function roleDefinitionId(subscriptionId: string, roleId: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

/** Lowercase letters, digits and single hyphens, no leading/trailing hyphen, at most `max` characters. */
export function hyphenated(value: string, max: number): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .slice(0, max)
    .replace(/^-+|-+$/g, "");
}

/** Lowercase letters and digits only (ACR), at most `max` characters. */
export function alphanumeric(value: string, max: number): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, max);
}

/** Names of the resources that only need to be unique in their resource group. */
export function resourceNames(spec: ServiceSpec) {
  return {
    resourceGroup: `rg-${hyphenated(spec.name, 80)}`,
    /** Container Apps' own infrastructure resource group (load balancer, public IP) for the VNet environment. */
    environmentInfrastructureGroup: `rg-${hyphenated(spec.name, 70)}-cae-infra`,
    logWorkspace: `log-${hyphenated(spec.name, 55)}`,
    vnet: `vnet-${hyphenated(spec.name, 58)}`,
    identity: `id-${hyphenated(spec.name, 60)}-api`,
    /**
     * The migrator's identity, the server's Microsoft Entra administrator: its name is also the PostgreSQL role
     * the migrator logs in as (the administrator's principal name), so it stays a valid role name (≤ 63).
     */
    migratorIdentity: `id-${hyphenated(spec.name, 51)}-migrator`,
    environment: `cae-${hyphenated(spec.name, 55)}`,
    /** Container App: 2–32 characters. */
    app: hyphenated(`${spec.name}-api`, 32),
    /** Container Apps Job running the migrator: 2–32 characters, like an app. */
    migratorJob: hyphenated(`${hyphenated(spec.name, 24)}-migrate`, 32),
    actionGroup: `ag-${hyphenated(spec.name, 60)}`,
    /** Action group short name: at most 12 characters (shown in SMS/email subjects). */
    actionGroupShortName: alphanumeric(spec.name, 12),
    /** Azure Monitor workspace (managed Prometheus): 4–44 characters. */
    prometheusWorkspace: `amw-${hyphenated(spec.name, 40)}`,
    /** Data collection endpoint and rule taking the collector's remote writes: up to 44 / 64 characters. */
    dataCollectionEndpoint: `dce-${hyphenated(spec.name, 40)}`,
    dataCollectionRule: `dcr-${hyphenated(spec.name, 60)}`,
    appInsights: `appi-${hyphenated(spec.name, 60)}`,
    databasePrivateDnsZone: `${hyphenated(spec.name, 60)}.private.postgres.database.azure.com`,
  };
}

/** Length of the random suffix of globally unique names. */
export const UNIQUE_SUFFIX_LENGTH = 6;

/**
 * Globally unique names (registry, vault, database server: they are DNS names) carry `suffix`, a random
 * string kept in the stack state, so a destroyed-and-recreated stack never collides with a soft-deleted vault
 * or a name DNS still holds.
 */
export function uniqueNames(spec: ServiceSpec, suffix: string) {
  return {
    /** ACR: 5–50 letters and digits. */
    registry: alphanumeric(`cr${spec.name}`, 50 - suffix.length) + suffix,
    /** Key Vault: 3–24 characters, starts with a letter, no consecutive hyphens. */
    keyVault: `${hyphenated(`kv-${spec.name}`, 24 - suffix.length - 1)}-${suffix}`,
    /** Flexible Server: 3–63 characters. */
    databaseServer: `${hyphenated(`psql-${spec.name}`, 63 - suffix.length - 1)}-${suffix}`,
  };
}

/** The private DNS zone Azure Private Link uses for Key Vault endpoints (fixed by Azure). */
export const KEY_VAULT_PRIVATE_DNS_ZONE = "privatelink.vaultcore.azure.net";

/** Container Apps workload profile the app runs on (serverless, per-second billing). */
export const WORKLOAD_PROFILE = "Consumption";

function ipToInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/**
 * Address plan carved from the spec's VNet CIDR (at least a /20):
 *  - apps:      first /23, the Container Apps environment's infrastructure subnet (workload profiles need
 *               at least a /27 delegated to Microsoft.App/environments; a /23 leaves room to scale out);
 *  - database:  next /24, delegated to Microsoft.DBforPostgreSQL/flexibleServers (private access only);
 *  - endpoints: next /24, private endpoints (Key Vault).
 */
export function addressPlan(cidr: string) {
  const [base, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  if (!base || !Number.isInteger(bits) || bits > 20 || bits < 8) {
    throw new Error(`VNet CIDR ${cidr}: expected a prefix between /8 and /20`);
  }
  const start = ipToInt(base);
  if (start % 2 ** (32 - bits) !== 0) throw new Error(`VNet CIDR ${cidr}: base is not aligned to /${bits}`);
  return {
    vnet: cidr,
    apps: `${intToIp(start)}/23`,
    database: `${intToIp(start + 2 * 256)}/24`,
    endpoints: `${intToIp(start + 3 * 256)}/24`,
  };
}
