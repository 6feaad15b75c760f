/**
 * PostgreSQL Flexible Server 17, private access only: injected into its delegated subnet, resolved through the
 * private DNS zone, public network access disabled and no firewall rules at all. TLS is enforced server-side.
 *
 * Authentication (docs/database-identity.md): Microsoft Entra ID is on, and the migrator's user-assigned
 * identity is the server's Entra administrator (`AdministratorsMicrosoftEntra`, the ARM
 * `flexibleServers/administrators/{objectId}` resource at the server's own GA API version 2025-08-01; the SDK's
 * older `Administrator` class is the same ARM resource at 2025-01-01-preview). Only an Entra administrator may
 * call `pgaadauth_create_principal_with_oid`, which maps the API's least-privilege role to the API identity's
 * object id. Password authentication stays on for one login only, the administrator `twincloud_app` created
 * with the server, the owner of the application's tables: its generated password lives in Key Vault and reaches
 * the migration job alone (migration.ts), never the app.
 * Turning `activeDirectoryAuth` on is an in-place update of the server (the REST API's `authConfig` is
 * updatable, PATCH included); Azure restarts the server once to load the pgaadauth extension.
 */
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql/index.js";
import type * as managedidentity from "@pulumi/azure-native/managedidentity/index.js";
import type * as pulumi from "@pulumi/pulumi";
import type { GroupArgs } from "./group.js";
import type { Network } from "./network.js";
import { flexibleServerSku } from "./sizes.js";

export interface DatabaseArgs extends GroupArgs {
  serverName: pulumi.Input<string>;
  /** The password administrator's generated password (Key Vault holds the only other copy, for the migrator). */
  password: pulumi.Input<string>;
  network: Network;
  /** The Entra tenant of the identities (the deployer's). */
  tenantId: pulumi.Input<string>;
  /** The migrator's identity, made the server's Microsoft Entra administrator. */
  migrator: managedidentity.UserAssignedIdentity;
}

export interface Database {
  server: dbforpostgresql.Server;
  database: dbforpostgresql.Database;
  /** The migrator's identity as the server's Microsoft Entra administrator. */
  entraAdministrator: dbforpostgresql.AdministratorsMicrosoftEntra;
  /**
   * The PostgreSQL role the migrator's token logs in as: the Entra administrator's principal name (the
   * identity's name), not the password administrator `spec.database.username`.
   */
  migratorRole: pulumi.Output<string>;
  host: pulumi.Output<string>;
}

export function createDatabase(args: DatabaseArgs, opts: pulumi.ComponentResourceOptions): Database {
  const { spec, resourceGroupName, location } = args;
  const db = spec.database;
  const stateful = { ...opts, protect: spec.operations.protectStatefulResources };

  const server = new dbforpostgresql.Server(
    "database",
    {
      resourceGroupName,
      location,
      serverName: args.serverName,
      version: db.engineVersion,
      administratorLogin: db.username,
      administratorLoginPassword: args.password,
      // Entra ID for the migrator and the API (tokens, no password); password only for the administrator
      // twincloud_app, the tables' owner, as which the migration job migrates.
      authConfig: { activeDirectoryAuth: "Enabled", passwordAuth: "Enabled", tenantId: args.tenantId },
      sku: flexibleServerSku(db.size),
      storage: { storageSizeGB: db.storageGiB, autoGrow: "Enabled" },
      backup: {
        backupRetentionDays: db.backupRetentionDays,
        // Geo-redundant backup is the Azure counterpart of the AWS cross-region backup copy.
        geoRedundantBackup: db.crossRegionBackup.enabled ? "Enabled" : "Disabled",
      },
      highAvailability: { mode: db.highAvailability ? "ZoneRedundant" : "Disabled" },
      network: {
        delegatedSubnetResourceId: args.network.databaseSubnet.id,
        privateDnsZoneArmResourceId: args.network.databaseDnsZone.id,
        publicNetworkAccess: "Disabled",
      },
      tags: spec.tags,
    },
    // The zone must be linked to the VNet before the server registers its A record in it.
    // storageSizeGB is the initial size only: with auto-grow Azure enlarges the disk and refuses any later PUT
    // (azure-native sends the whole resource on every update) whose size is below the current one. Raising it
    // on purpose is an operator step (docs/aws-vs-azure-side-by-side.md#database-storage-on-azure).
    { ...stateful, dependsOn: [args.network.databaseDnsLink], ignoreChanges: ["storage.storageSizeGB"] },
  );

  // Flexible Server already defaults to on; set it explicitly so nobody turns it off in the portal unnoticed.
  const requireTls = new dbforpostgresql.Configuration(
    "require-secure-transport",
    {
      resourceGroupName,
      serverName: server.name,
      configurationName: "require_secure_transport",
      value: "on",
      source: "user-override",
    },
    opts,
  );

  // Server operations are serialised by Azure (ServerBusy): create the database after the configuration.
  const database = new dbforpostgresql.Database(
    "app-database",
    {
      resourceGroupName,
      serverName: server.name,
      databaseName: db.name,
      charset: "UTF8",
      collation: "en_US.utf8",
    },
    { ...stateful, dependsOn: [requireTls] },
  );

  // Server operations are serialised (ServerBusy): after the database. principalName is the role Azure creates
  // in PostgreSQL (azure_pg_admin member, CREATEROLE, CREATEDB) and the user name the migrator logs in with;
  // objectId (the ARM name) is what the server matches the token's `oid` against.
  const entraAdministrator = new dbforpostgresql.AdministratorsMicrosoftEntra(
    "database-entra-admin",
    {
      resourceGroupName,
      serverName: server.name,
      objectId: args.migrator.principalId,
      principalName: args.migrator.name,
      principalType: "ServicePrincipal",
      tenantId: args.tenantId,
    },
    { ...opts, dependsOn: [database] },
  );

  if (db.deletionProtection) {
    // Azure has no deletion-protection flag on Flexible Server: a CanNotDelete lock is the equivalent of RDS
    // deletion protection (it also stops `pulumi destroy` until someone removes it on purpose).
    new authorization.ManagementLockByScope(
      "database-delete-lock",
      {
        scope: server.id,
        level: "CanNotDelete",
        lockName: "do-not-delete",
        notes: `${spec.name}: production database. Remove this lock deliberately before deleting the server.`,
      },
      { ...opts, dependsOn: [database] },
    );
  }

  return {
    server,
    database,
    entraAdministrator,
    migratorRole: args.migrator.name,
    host: server.fullyQualifiedDomainName,
  };
}
