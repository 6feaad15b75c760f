/**
 * Key Vault (RBAC authorization, soft delete, purge protection in prod) holding the generated database
 * administrator's password (the owner of the application's tables: the migration job alone reads it, through the
 * migrator identity, docs/database-identity.md), the generated
 * bootstrap API key (infra/bootstrap-key.ts) and, with error tracking, the Sentry DSN. The vault's data plane is
 * closed to the internet: network ACL default Deny, reachable from the VNet through a private endpoint. The API
 * identity may read exactly the secrets the app references (Key Vault Secrets User on each secret, not on the
 * vault), so it cannot read the administrator's password either.
 *
 * Why a private endpoint and not just `bypass: AzureServices`: Container Apps is not on Key Vault's
 * trusted-services list, so the bypass does not let its Key Vault references through a firewalled vault, and
 * service endpoints on the environment subnet are not honoured either (microsoft/azure-container-apps#1287).
 * A VNet-integrated environment resolves `<vault>.vault.azure.net` through the linked
 * privatelink.vaultcore.azure.net zone to the endpoint's private IP. The bypass stays on for platform services
 * that are trusted (backup, Defender). The secret itself is written through Azure Resource Manager
 * (Microsoft.KeyVault/vaults/secrets), which the vault firewall does not block, so `pulumi up` works from a
 * laptop or a CI runner without opening the vault or granting the deployer a data-plane role.
 */
import * as keyvault from "@pulumi/azure-native/keyvault/index.js";
import type * as managedidentity from "@pulumi/azure-native/managedidentity/index.js";
import * as network from "@pulumi/azure-native/network/index.js";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BOOTSTRAP_KEY_VERSION_VARIABLE, createBootstrapKey } from "../bootstrap-key.js";
import { sentryDsn } from "../error-tracking.js";
import type { GroupArgs } from "./group.js";
import { grantRole } from "./identity.js";
import { ROLE_DEFINITION_IDS } from "./naming.js";
import type { Network } from "./network.js";

/**
 * Where each secret environment variable of the spec comes from: the Key Vault secret name and the Container
 * Apps secret name (lowercase letters, digits and hyphens). DATABASE_PASSWORD is not one: the API logs in with
 * an Entra ID token (DATABASE_AUTH=azure-entra).
 */
export const SECRET_SOURCES: Record<string, { vaultSecret: string; appSecret: string }> = {
  BOOTSTRAP_API_KEY: { vaultSecret: "bootstrap-api-key", appSecret: "bootstrap-api-key" },
  SENTRY_DSN: { vaultSecret: "sentry-dsn", appSecret: "sentry-dsn" },
};

/**
 * Revision-scoped, plain: the Sentry DSN's Key Vault version (a new DSN starts a new revision). Not named
 * SENTRY_DSN_*: the policy pack takes any variable whose name contains SENTRY_DSN for the secret itself.
 */
export const SENTRY_DSN_VERSION_VARIABLE = "SENTRY_CONFIG_VERSION";

/** The Key Vault secret holding the database administrator's generated password (read by the migrator only). */
export const DATABASE_PASSWORD_VAULT_SECRET = "database-password";

export interface SecretsArgs extends GroupArgs {
  vaultName: pulumi.Input<string>;
  tenantId: pulumi.Input<string>;
  subscriptionId: pulumi.Input<string>;
  identity: managedidentity.UserAssignedIdentity;
  /** The migrator's identity: reads the administrator's password (the tables' owner), nothing else. */
  migrator: managedidentity.UserAssignedIdentity;
  network: Network;
}

export interface Secrets {
  vault: keyvault.Vault;
  /** The administrator's password, for the server only (a Pulumi secret; Key Vault holds it for people). */
  databasePassword: pulumi.Output<string>;
  /** The generated bootstrap API key (a Pulumi secret); rotate by replacing `bootstrapKeyBytes`. */
  bootstrapApiKey: pulumi.Output<string>;
  bootstrapKeyBytes: pulumi.Resource;
  /** Key Vault secret URL per secret environment variable, pinned to the version Pulumi wrote. */
  secretUrls: Record<string, pulumi.Output<string>>;
  /**
   * Plain variables whose change must start a new revision: the bootstrap key's version. Container Apps
   * secrets are app-scoped (changing one starts no revision); this variable is revision-scoped, so a rotated
   * key starts a new revision whose replicas read that exact version and ensure the new key.
   */
  revisionEnvironment: Record<string, pulumi.Output<string>>;
  /** What the app must wait for: the role grants and the private endpoint's DNS record. */
  readiness: pulumi.Resource[];
  /** The administrator's password for the migration job: the versioned secret URL, its read grant, the DNS. */
  owner: { passwordUrl: pulumi.Output<string>; readiness: pulumi.Resource[] };
}

export function createSecrets(args: SecretsArgs, opts: pulumi.ComponentResourceOptions): Secrets {
  const { spec, resourceGroupName, location } = args;
  const prod = spec.environment === "prod";
  for (const variable of spec.container.secretEnvironment) {
    if (!SECRET_SOURCES[variable]) {
      throw new Error(`infra/azure/secrets.ts: no Key Vault secret is defined for ${variable}`);
    }
  }

  const vault = new keyvault.Vault(
    "vault",
    {
      resourceGroupName,
      location,
      vaultName: args.vaultName,
      properties: {
        tenantId: args.tenantId,
        sku: { family: "A", name: "standard" },
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        softDeleteRetentionInDays: prod ? 90 : 7,
        // Purge protection cannot be switched off again once on: prod only. Azure rejects `false`, so leave
        // the property out elsewhere.
        ...(prod ? { enablePurgeProtection: true } : {}),
        enabledForDeployment: false,
        enabledForDiskEncryption: false,
        enabledForTemplateDeployment: false,
        publicNetworkAccess: "Enabled",
        networkAcls: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] },
      },
      tags: spec.tags,
    },
    { ...opts, protect: spec.operations.protectStatefulResources },
  );

  const endpoint = new network.PrivateEndpoint(
    "vault-endpoint",
    {
      resourceGroupName,
      location,
      privateEndpointName: pulumi.interpolate`pe-${vault.name}`,
      subnet: { id: args.network.endpointsSubnet.id },
      privateLinkServiceConnections: [{ name: "vault", privateLinkServiceId: vault.id, groupIds: ["vault"] }],
      tags: spec.tags,
    },
    opts,
  );
  const endpointDns = new network.PrivateDnsZoneGroup(
    "vault-endpoint-dns",
    {
      resourceGroupName,
      privateEndpointName: endpoint.name,
      privateDnsZoneGroupName: "vault",
      privateDnsZoneConfigs: [{ name: "vault", privateDnsZoneId: args.network.keyVaultDnsZone.id }],
    },
    { ...opts, dependsOn: [args.network.keyVaultDnsLink] },
  );

  const password = new random.RandomPassword(
    "database-password",
    // PostgreSQL accepts any printable character, but URLs and shells do not: keep specials to a safe set.
    { length: 32, special: true, overrideSpecial: "-_.~", minLower: 2, minUpper: 2, minNumeric: 2 },
    opts,
  );
  const databasePassword = pulumi.secret(password.result);

  // The server's password administrator, owner of the application's tables: the migration job reads it (below).
  const passwordSecret = new keyvault.Secret(
    "database-password-secret",
    {
      resourceGroupName,
      vaultName: vault.name,
      secretName: DATABASE_PASSWORD_VAULT_SECRET,
      properties: { value: databasePassword, contentType: "text/plain" },
      tags: spec.tags,
    },
    opts,
  );

  const bootstrap = createBootstrapKey("bootstrap-api-key", opts);
  const bootstrapSecret = new keyvault.Secret(
    "bootstrap-api-key-secret",
    {
      resourceGroupName,
      vaultName: vault.name,
      secretName: (SECRET_SOURCES.BOOTSTRAP_API_KEY as { vaultSecret: string }).vaultSecret,
      properties: { value: bootstrap.key, contentType: "text/plain" },
      tags: spec.tags,
    },
    opts,
  );
  const bootstrapUrl = bootstrapSecret.properties.apply((p) => {
    if (!p.secretUriWithVersion) throw new Error("Key Vault did not report the bootstrap key's version");
    return p.secretUriWithVersion;
  });

  // With error tracking on: the Sentry DSN (twincloud:sentryDsn, a Pulumi secret), pinned like the bootstrap key.
  const sentrySecret = spec.errorTracking.enabled
    ? new keyvault.Secret(
        "sentry-dsn-secret",
        {
          resourceGroupName,
          vaultName: vault.name,
          secretName: (SECRET_SOURCES.SENTRY_DSN as { vaultSecret: string }).vaultSecret,
          properties: { value: sentryDsn(), contentType: "text/plain" },
          tags: spec.tags,
        },
        opts,
      )
    : undefined;
  const sentryUrl = sentrySecret?.properties.apply((p) => {
    if (!p.secretUriWithVersion) throw new Error("Key Vault did not report the Sentry DSN's version");
    return p.secretUriWithVersion;
  });

  // Secrets User on each secret the app references (Key Vault RBAC accepts a single secret as scope), never on
  // the vault: the API identity cannot read the administrator's password.
  const reader = (name: string, secret: keyvault.Secret, what: string) =>
    grantRole(
      name,
      {
        identity: args.identity,
        subscriptionId: args.subscriptionId,
        roleId: ROLE_DEFINITION_IDS.keyVaultSecretsUser,
        scope: secret.id,
        description: `Lets ${spec.name}'s API identity read ${what} (a Key Vault reference).`,
      },
      opts,
    );
  // The migration job migrates and grants as the tables' owner (api/db/migrator.ts): its identity, and no other,
  // may read exactly this secret. The API identity has no grant on it.
  const ownerReader = grantRole(
    "migrator-database-password-reader",
    {
      identity: args.migrator,
      subscriptionId: args.subscriptionId,
      roleId: ROLE_DEFINITION_IDS.keyVaultSecretsUser,
      scope: passwordSecret.id,
      description: `Lets ${spec.name}'s migrator identity read the database administrator's password (the migration job).`,
    },
    opts,
  );
  const passwordUrl = passwordSecret.properties.apply((p) => {
    if (!p.secretUriWithVersion) throw new Error("Key Vault did not report the database password's version");
    return p.secretUriWithVersion;
  });

  const readers = [
    reader("api-bootstrap-key-reader", bootstrapSecret, "the bootstrap API key"),
    ...(sentrySecret ? [reader("api-sentry-dsn-reader", sentrySecret, "the Sentry DSN")] : []),
  ];

  return {
    vault,
    databasePassword,
    bootstrapApiKey: bootstrap.key,
    bootstrapKeyBytes: bootstrap.bytes,
    secretUrls: {
      BOOTSTRAP_API_KEY: bootstrapUrl,
      ...(sentryUrl ? { SENTRY_DSN: sentryUrl } : {}),
    },
    revisionEnvironment: {
      [BOOTSTRAP_KEY_VERSION_VARIABLE]: bootstrapUrl.apply((url) => url.split("/").pop() ?? ""),
      ...(sentryUrl
        ? { [SENTRY_DSN_VERSION_VARIABLE]: sentryUrl.apply((url) => url.split("/").pop() ?? "") }
        : {}),
    },
    readiness: [...readers, endpointDns],
    owner: { passwordUrl, readiness: [ownerReader, endpointDns] },
  };
}
