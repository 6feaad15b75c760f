/** PostgreSQL Flexible Server: private network, no wide firewall rules, backups, prod HA, Entra ID logins. */
import type { Policies } from "@pulumi/policy";
import { forEnv, type PerEnv } from "../../lib/environment.js";
import { defineResourcePolicy, listOf, reportIf } from "../../lib/policy.js";
import { asNumber } from "../../lib/values.js";
import { azure } from "../../types.js";

const isPrivate = defineResourcePolicy({
  name: "azure-postgres-private",
  description: "Flexible Servers have no public network access.",
  types: [azure.dbforpostgresql.Server],
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

const noAllowAllFirewall = defineResourcePolicy<{ maxAddresses: number }>({
  name: "azure-postgres-no-allow-all-firewall",
  description: "No Flexible Server firewall rule admits the internet or all Azure services.",
  types: [azure.dbforpostgresql.FirewallRule],
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

const backupRetention = defineResourcePolicy<{ minDays: PerEnv<number> }>({
  name: "azure-postgres-backup-retention",
  description: "Flexible Servers keep backups for at least the configured number of days.",
  types: [azure.dbforpostgresql.Server],
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

const geoBackup = defineResourcePolicy({
  name: "azure-postgres-geo-redundant-backup",
  description: "Production Flexible Servers keep geo-redundant backups.",
  types: [azure.dbforpostgresql.Server],
  environments: ["prod"],
  validate: reportIf(
    (props) => props.backup?.geoRedundantBackup !== "Enabled",
    'Set `backup.geoRedundantBackup: "Enabled"` on the production server (it can only be set at creation).',
  ),
});

const highAvailability = defineResourcePolicy<{ allowedModes: string[] }>({
  name: "azure-postgres-high-availability",
  description: "Production Flexible Servers run with high availability.",
  types: [azure.dbforpostgresql.Server],
  environments: ["prod"],
  config: {
    schema: { allowedModes: listOf("string", "Accepted HA modes.") },
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

const entraAuthentication = defineResourcePolicy({
  name: "azure-postgres-entra-auth",
  description:
    "Flexible Servers accept Microsoft Entra ID logins, so the API and the migrator authenticate with their managed identities' tokens instead of a password.",
  types: [azure.dbforpostgresql.Server],
  validate: reportIf(
    (props) => String(props.authConfig?.activeDirectoryAuth ?? "").toLowerCase() !== "enabled",
    'Set `authConfig.activeDirectoryAuth: "Enabled"` (with `tenantId`), make the migrator identity the server\'s Entra administrator (`dbforpostgresql.AdministratorsMicrosoftEntra`) and let the API log in as its own role with a token (docs/database-identity.md).',
  ),
});

export const policies: Policies = [
  isPrivate,
  noAllowAllFirewall,
  backupRetention,
  geoBackup,
  highAvailability,
  entraAuthentication,
];
