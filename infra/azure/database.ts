/**
 * PostgreSQL Flexible Server 17, private access only: injected into its delegated subnet, resolved through the
 * private DNS zone, public network access disabled and no firewall rules at all. TLS is enforced server-side.
 */
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql/index.js";
import type * as pulumi from "@pulumi/pulumi";
import type { GroupArgs } from "./group.js";
import type { Network } from "./network.js";
import { flexibleServerSku } from "./sizes.js";

export interface DatabaseArgs extends GroupArgs {
  serverName: pulumi.Input<string>;
  password: pulumi.Input<string>;
  network: Network;
}

export interface Database {
  server: dbforpostgresql.Server;
  database: dbforpostgresql.Database;
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
      authConfig: { passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" },
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

  return { server, database, host: server.fullyQualifiedDomainName };
}
