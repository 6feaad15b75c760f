/** Azure resource policies: Container Apps, PostgreSQL Flexible Server, Container Registry, Key Vault. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
  asArray,
  asNumber,
  defineResourcePolicy,
  forEnv,
  type PerEnv,
  secretNameRegex,
} from "../lib/policy.js";
import { DEFAULT_SECRET_NAME_PATTERN } from "./common.js";

export const CONTAINER_APP = "azure-native:app:ContainerApp";
export const MANAGED_ENVIRONMENT = "azure-native:app:ManagedEnvironment";
export const POSTGRES_SERVER = "azure-native:dbforpostgresql:Server";
export const POSTGRES_FIREWALL_RULE = "azure-native:dbforpostgresql:FirewallRule";
export const CONTAINER_REGISTRY = "azure-native:containerregistry:Registry";
export const KEY_VAULT = "azure-native:keyvault:Vault";

// --- Container Apps ----------------------------------------------------------------------------------------

const appNoInsecureIngress = defineResourcePolicy({
  name: "azure-containerapp-no-insecure-ingress",
  description: "Container App ingress never allows plain HTTP.",
  types: [CONTAINER_APP],
  validate: (props, _ctx, report) => {
    if (props.configuration?.ingress?.allowInsecure === true) {
      report(
        "Set `configuration.ingress.allowInsecure: false` (HTTP is redirected to HTTPS by the platform).",
      );
    }
  },
});

const appRegistryIdentity = defineResourcePolicy({
  name: "azure-containerapp-registry-identity",
  description: "Container Apps pull images with a managed identity, never a registry password.",
  types: [CONTAINER_APP],
  validate: (props, _ctx, report) => {
    for (const registry of asArray(props.configuration?.registries)) {
      if (registry?.passwordSecretRef || registry?.username) {
        report(
          `Registry ${registry?.server ?? ""}: remove username/passwordSecretRef and set \`identity\` to a managed identity with AcrPull on the registry.`,
        );
      } else if (!registry?.identity) {
        report(
          `Registry ${registry?.server ?? ""}: set \`identity\` (a user-assigned identity id or "system").`,
        );
      }
    }
  },
});

const appNoPlaintextSecrets = defineResourcePolicy<{ secretNamePattern: string }>({
  name: "azure-containerapp-no-plaintext-secrets",
  description:
    "Container Apps take secret-looking values from Key Vault references, never from plain secret values or env vars.",
  types: [CONTAINER_APP],
  config: {
    schema: {
      secretNamePattern: { type: "string", description: "Case-insensitive regex of secret-looking names." },
    },
    defaults: { secretNamePattern: DEFAULT_SECRET_NAME_PATTERN },
  },
  validate: (props, { config }, report) => {
    const pattern = secretNameRegex(config.secretNamePattern, DEFAULT_SECRET_NAME_PATTERN);
    for (const secret of asArray(props.configuration?.secrets)) {
      if ("value" in (secret ?? {}) && !secret.keyVaultUrl && pattern.test(String(secret.name ?? ""))) {
        report(
          `Secret "${secret.name}" carries its value in the program: store it in Key Vault and reference it with \`{ name, keyVaultUrl, identity }\`.`,
        );
      }
    }
    for (const container of asArray(props.template?.containers)) {
      for (const variable of asArray(container?.env)) {
        if (typeof variable?.name === "string" && pattern.test(variable.name) && !variable.secretRef) {
          report(
            `Container "${container.name}" sets ${variable.name} as a plain value: use \`secretRef\` to a Key Vault-backed secret.`,
          );
        }
      }
    }
  },
});

// --- PostgreSQL Flexible Server ----------------------------------------------------------------------------

const postgresPrivate = defineResourcePolicy({
  name: "azure-postgres-private",
  description: "Flexible Servers have no public network access.",
  types: [POSTGRES_SERVER],
  validate: (props, _ctx, report) => {
    const network = props.network ?? {};
    const access = "publicNetworkAccess" in network ? network.publicNetworkAccess : undefined;
    if (access === "Disabled") return;
    if (access === undefined && "delegatedSubnetResourceId" in network && network.delegatedSubnetResourceId)
      return;
    report(
      'Set `network.publicNetworkAccess: "Disabled"` and integrate the server into the VNet (`network.delegatedSubnetResourceId` + `privateDnsZoneArmResourceId`) or a private endpoint.',
    );
  },
});

function ipToNumber(ip: unknown): number | undefined {
  const parts = String(ip ?? "")
    .split(".")
    .map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

const postgresFirewall = defineResourcePolicy<{ maxAddresses: number }>({
  name: "azure-postgres-no-allow-all-firewall",
  description: "No Flexible Server firewall rule admits the internet or all Azure services.",
  types: [POSTGRES_FIREWALL_RULE],
  config: {
    schema: {
      maxAddresses: { type: "integer", description: "Largest address range one firewall rule may admit." },
    },
    defaults: { maxAddresses: 256 },
  },
  validate: (props, { config }, report) => {
    const start = ipToNumber(props.startIpAddress);
    const end = ipToNumber(props.endIpAddress);
    if (start === 0 && end === 0) {
      report(
        'Delete this 0.0.0.0-0.0.0.0 rule ("allow Azure services" admits every Azure tenant); reach the server through the VNet.',
      );
    } else if (start === undefined || end === undefined) {
      report(
        "Firewall rule addresses are not valid IPv4 addresses: set startIpAddress/endIpAddress to a narrow range.",
      );
    } else if (end - start + 1 > config.maxAddresses) {
      report(
        `Narrow this firewall rule (${props.startIpAddress}-${props.endIpAddress}, ${end - start + 1} addresses > ${config.maxAddresses}); the database is reached through the VNet, not the internet.`,
      );
    }
  },
});

const postgresBackupRetention = defineResourcePolicy<{ minDays: PerEnv<number> }>({
  name: "azure-postgres-backup-retention",
  description: "Flexible Servers keep backups for at least the configured number of days.",
  types: [POSTGRES_SERVER],
  config: {
    schema: {
      minDays: { description: "Minimum backup.backupRetentionDays (number or { dev, staging, prod })." },
    },
    defaults: { minDays: 7 },
  },
  validate: (props, { env, config }, report) => {
    const min = forEnv(config.minDays, env, 7);
    const days = asNumber(props.backup?.backupRetentionDays);
    if (days === undefined)
      report(`Set \`backup.backupRetentionDays\` explicitly to at least ${min} (it is missing).`);
    else if (days < min)
      report(`Raise \`backup.backupRetentionDays\` from ${days} to at least ${min} (${env}).`);
  },
});

const postgresGeoBackup = defineResourcePolicy({
  name: "azure-postgres-geo-redundant-backup",
  description: "Production Flexible Servers keep geo-redundant backups.",
  types: [POSTGRES_SERVER],
  environments: ["prod"],
  validate: (props, _ctx, report) => {
    if (props.backup?.geoRedundantBackup !== "Enabled") {
      report(
        'Set `backup.geoRedundantBackup: "Enabled"` on the production server (it can only be set at creation).',
      );
    }
  },
});

const postgresHighAvailability = defineResourcePolicy<{ allowedModes: string[] }>({
  name: "azure-postgres-high-availability",
  description: "Production Flexible Servers run with high availability.",
  types: [POSTGRES_SERVER],
  environments: ["prod"],
  config: {
    schema: { allowedModes: { type: "array", items: { type: "string" }, description: "Accepted HA modes." } },
    defaults: { allowedModes: ["ZoneRedundant", "SameZone"] },
  },
  validate: (props, { config }, report) => {
    const mode = props.highAvailability?.mode;
    if (!config.allowedModes.includes(String(mode))) {
      report(
        `Set \`highAvailability.mode\` to ${config.allowedModes.join(" or ")} (is ${mode ?? "missing"}); it needs a non-burstable SKU (dbSize large).`,
      );
    }
  },
});

// --- Container Registry ------------------------------------------------------------------------------------

const acrNoAdmin = defineResourcePolicy({
  name: "azure-acr-no-admin-user",
  description: "Container registries have the admin user disabled.",
  types: [CONTAINER_REGISTRY],
  validate: (props, _ctx, report) => {
    if (props.adminUserEnabled === true) {
      report(
        "Set `adminUserEnabled: false`; push with the deployer's identity and pull with a managed identity (AcrPull).",
      );
    }
  },
});

// --- Key Vault ---------------------------------------------------------------------------------------------

const vaultRbac = defineResourcePolicy({
  name: "azure-keyvault-rbac",
  description: "Key Vaults use Azure RBAC, not access policies.",
  types: [KEY_VAULT],
  validate: (props, _ctx, report) => {
    if (props.properties?.enableRbacAuthorization !== true) {
      report(
        "Set `properties.enableRbacAuthorization: true` and grant roles (Key Vault Secrets User) instead of access policies.",
      );
    }
  },
});

const vaultPurgeProtection = defineResourcePolicy({
  name: "azure-keyvault-purge-protection",
  description: "Production Key Vaults have purge protection.",
  types: [KEY_VAULT],
  environments: ["prod"],
  validate: (props, _ctx, report) => {
    if (props.properties?.enablePurgeProtection !== true) {
      report(
        "Set `properties.enablePurgeProtection: true` on the production vault (it cannot be turned off again).",
      );
    }
  },
});

const vaultNetworkDeny = defineResourcePolicy({
  name: "azure-keyvault-network-deny",
  description:
    "Key Vault networks deny by default (advisory: Container Apps on the consumption plan may need Allow).",
  enforcementLevel: "advisory",
  types: [KEY_VAULT],
  validate: (props, _ctx, report) => {
    if (props.properties?.networkAcls?.defaultAction !== "Deny") {
      report(
        'Set `properties.networkAcls: { defaultAction: "Deny", bypass: "AzureServices", virtualNetworkRules: [...] }` or use a private endpoint.',
      );
    }
  },
});

export const azurePolicies: ResourceValidationPolicy[] = [
  appNoInsecureIngress,
  appRegistryIdentity,
  appNoPlaintextSecrets,
  postgresPrivate,
  postgresFirewall,
  postgresBackupRetention,
  postgresGeoBackup,
  postgresHighAvailability,
  acrNoAdmin,
  vaultRbac,
  vaultPurgeProtection,
  vaultNetworkDeny,
];
