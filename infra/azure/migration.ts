/**
 * The migrator (docs/database-identity.md): a Container Apps Job with a manual trigger, in the app's managed
 * environment, running the API's own image with `spec.migration.command` after its node ENTRYPOINT. The
 * deploy pipeline starts one execution (`az containerapp job start -n <job> -g <group>`, the `migration` stack
 * output) between a `pulumi up` targeted at this job and the full `pulumi up`, waits for it, and stops the
 * deploy when it fails, so migrations and the API role's grants are in place before a new API revision starts.
 *
 * The job runs as the migrator's own user-assigned identity: it pulls the image with it (AcrPull on the
 * registry) and logs in to PostgreSQL with its Entra ID token as the server's Microsoft Entra administrator,
 * the only kind of login that may map the API role to the API identity (`pgaadauth_create_principal_with_oid`).
 * Its one secret is the password administrator's password (`twincloud_app`, DATABASE_OWNER_USER/_PASSWORD), a
 * Key Vault reference read with the same identity: `twincloud_app` owns the application's tables (the API
 * created them at start-up before this job existed), so the job migrates and grants as it, keeping one owner
 * on both clouds; PostgreSQL 16+ offers no way to hand its tables to the Entra administrator without a
 * superuser (api/db/migrator.ts).
 */
import * as app from "@pulumi/azure-native/app/index.js";
import type * as managedidentity from "@pulumi/azure-native/managedidentity/index.js";
import type * as pulumi from "@pulumi/pulumi";
import { azureDatabaseEnvironment } from "./compute.js";
import type { GroupArgs } from "./group.js";
import { WORKLOAD_PROFILE } from "./naming.js";
import { memoryQuantity } from "./sizes.js";

/** The job's one container (what the job's log queries filter on). */
export const MIGRATOR_CONTAINER = "migrate";

/** The Container Apps secret holding the tables' owner's password (a Key Vault reference). */
export const OWNER_PASSWORD_SECRET = "database-owner-password";

/**
 * One attempt per execution. Retrying is safe (the migrator is idempotent and serialised by advisory locks), but
 * `replicaTimeout` is per attempt: a retry would run past `spec.migration.timeoutSeconds`, after which the
 * pipeline has stopped waiting and failed the deploy, as the AWS pipeline does for its one-off task (no retry).
 * A failed execution fails the deploy; running the deploy again starts a new one.
 */
export const MIGRATOR_RETRY_LIMIT = 0;

export interface MigrationArgs extends GroupArgs {
  jobName: string;
  environmentId: pulumi.Input<string>;
  registryServer: pulumi.Input<string>;
  imageDigest: pulumi.Input<string>;
  databaseHost: pulumi.Input<string>;
  /** The migrator's identity (the server's Entra administrator). */
  migrator: managedidentity.UserAssignedIdentity;
  /** The PostgreSQL role its token logs in as: the Entra administrator's principal name. */
  migratorRole: pulumi.Input<string>;
  /** The password administrator's password in Key Vault (versioned secret URL), which the migrator may read. */
  ownerPasswordUrl: pulumi.Input<string>;
  /** The API's identity, whose object id the API role is mapped to. */
  api: managedidentity.UserAssignedIdentity;
  /** The migrator's AcrPull and Key Vault grants, the vault's DNS and the Entra administrator: an execution needs all. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

export function createMigrationJob(args: MigrationArgs, opts: pulumi.ComponentResourceOptions): app.Job {
  const { spec, resourceGroupName, location } = args;
  const m = spec.migration;
  // Not spec.migration's DATABASE_USER (the password administrator `twincloud_app`) as the login: the role Azure
  // created for the Entra administrator, named after the migrator identity (below). twincloud_app is the owner.
  const { DATABASE_USER: owner, ...environment } = m.environment;
  const env = [
    ...Object.entries({
      ...environment,
      ...azureDatabaseEnvironment(spec.database.tls),
      // The API role is an Entra principal: created with the API identity's object id, no password.
      DATABASE_API_AUTH: "azure-entra",
      DATABASE_OWNER_USER: owner ?? spec.database.username,
    }).map(([name, value]) => ({ name, value })),
    { name: "DATABASE_OWNER_PASSWORD", secretRef: OWNER_PASSWORD_SECRET },
    { name: "DATABASE_HOST", value: args.databaseHost },
    { name: "DATABASE_USER", value: args.migratorRole },
    { name: "AZURE_CLIENT_ID", value: args.migrator.clientId },
    { name: "DATABASE_API_PRINCIPAL_ID", value: args.api.principalId },
  ];

  return new app.Job(
    "migrator-job",
    {
      resourceGroupName,
      location,
      jobName: args.jobName,
      environmentId: args.environmentId,
      workloadProfileName: WORKLOAD_PROFILE,
      identity: { type: "UserAssigned", userAssignedIdentities: [args.migrator.id] },
      configuration: {
        triggerType: "Manual",
        manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 },
        replicaTimeout: m.timeoutSeconds,
        replicaRetryLimit: MIGRATOR_RETRY_LIMIT,
        // Pull with the migrator's identity: no username, no passwordSecretRef.
        registries: [{ server: args.registryServer, identity: args.migrator.id }],
        // The owner's password by Key Vault reference, read with the migrator's identity: never in the program.
        secrets: [
          { name: OWNER_PASSWORD_SECRET, keyVaultUrl: args.ownerPasswordUrl, identity: args.migrator.id },
        ],
      },
      template: {
        containers: [
          {
            name: MIGRATOR_CONTAINER,
            image: args.imageDigest,
            // `args` replaces the image's CMD and keeps its ENTRYPOINT (node): node dist/api/cli/migrate.js.
            args: [...m.command],
            resources: { cpu: m.cpu / 1024, memory: memoryQuantity(m.memoryMiB) },
            env,
          },
        ],
      },
      tags: spec.tags,
    },
    { ...opts, dependsOn: args.dependsOn },
  );
}
