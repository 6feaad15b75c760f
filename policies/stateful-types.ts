/**
 * The one table of stateful resource types: what losing one (a deletion, or a replacement, which deletes the
 * old resource) costs, in two categories.
 *
 * - `DATA_TYPES`: losing it loses the application's data or its backups (databases and servers, backup vaults
 *   and the DR copies, the key vault holding the secrets). Prod must `protect` every one of these: the pack's
 *   `stateful-resources-protected` (policies/rules/common/stateful.ts) requires it, and the program does.
 * - `CONTINUITY_TYPES`: losing it breaks the running service or its history without losing application data
 *   (secrets and the password, alert topics, the resource group, registries with the rollback images, log
 *   buckets, log groups and workspaces, metrics, encryption keys of alert and metrics paths, delete locks).
 *   The program guards some of them otherwise (a registry or bucket that is not empty is not deleted in prod,
 *   secrets keep a recovery window), not with `protect`.
 *
 * The offline plan's destructive-change check (tools/plan/destructive.ts) and the upgrade rehearsal
 * (tools/rehearse/stateful.ts) flag a deletion or replacement of any type in `STATEFUL_TYPES`, the union.
 *
 * A pure leaf (type tokens only): the pack, the plan and the rehearsal import it; infra/ does not.
 * tests/policies/stateful-types.test.ts checks every token against the installed provider class.
 */
import { aws, azure } from "./types.js";

export interface StatefulType {
  /** What it is, in a few words (the plan's `kind` column: `database`, `registry`). */
  kind: string;
  /** What a deletion or replacement loses (the upgrade rehearsal's `holds ...`). */
  loses: string;
}

export type StatefulCategory = "data" | "continuity";

/** Losing it loses application data or its backups: prod protects these (the policy requires it). */
export const DATA_TYPES: Readonly<Record<string, StatefulType>> = {
  [aws.rds.Instance]: { kind: "database", loses: "the database" },
  [aws.rds.InstanceAutomatedBackupsReplication]: {
    kind: "DR backup replica",
    loses: "the DR region's copies of the automated backups",
  },
  [aws.backup.Vault]: { kind: "backup vault", loses: "backup recovery points" },
  [azure.dbforpostgresql.Server]: { kind: "database", loses: "the database" },
  [azure.dbforpostgresql.Database]: { kind: "database", loses: "the database" },
  [azure.keyvault.Vault]: { kind: "key vault", loses: "the secrets" },
  [azure.dataprotection.BackupVault]: { kind: "backup vault", loses: "backup recovery points" },
};

/** Losing it breaks the running service or its history, without losing application data. */
export const CONTINUITY_TYPES: Readonly<Record<string, StatefulType>> = {
  // Secrets and keys: the service reads them; a new one must reach every reader (and old data its old key).
  "aws:secretsmanager/secret:Secret": {
    kind: "secret",
    loses: "the stored secret (readers need the new one)",
  },
  "azure-native:keyvault:Secret": {
    kind: "secret",
    loses: "the stored secret (the break-glass database password, the bootstrap API key)",
  },
  // The generated password: a replacement is a new value, which the server and its Key Vault secret take in
  // the same update; whoever holds the old one (an operator's break-glass copy) is locked out until they read
  // the new one. No data is lost, so it is continuity, not data.
  "random:index/randomPassword:RandomPassword": {
    kind: "generated password",
    loses: "the Flexible Server administrator's break-glass password (Key Vault)",
  },
  // The keys of the alert topics and the metrics workspace; the DR copies' key is protected with them in prod.
  "aws:kms/key:Key": {
    kind: "encryption key",
    loses: "the key that encrypts stored data (a new key cannot decrypt the old data)",
  },
  // Registries: the images a rollback runs.
  "aws:ecr/repository:Repository": { kind: "registry", loses: "the pushed images (rollback window)" },
  "azure-native:containerregistry:Registry": {
    kind: "registry",
    loses: "the pushed images (rollback window)",
  },
  // History: logs and metrics.
  "aws:s3/bucket:Bucket": { kind: "bucket", loses: "the load balancer's access logs" },
  "aws:s3/bucketV2:BucketV2": { kind: "bucket", loses: "stored objects" },
  "azure-native:storage:StorageAccount": { kind: "storage account", loses: "stored blobs, files and tables" },
  "aws:cloudwatch/logGroup:LogGroup": { kind: "log group", loses: "retained logs" },
  "azure-native:operationalinsights:Workspace": { kind: "log workspace", loses: "retained logs" },
  "aws:amp/workspace:Workspace": {
    kind: "metrics workspace (the SLO history)",
    loses: "the stored metric series (the SLO and error budget history)",
  },
  // Alerting and the structure around the data.
  "aws:sns/topic:Topic": {
    kind: "alert topic (its subscriptions must be confirmed again)",
    loses: "the alert subscriptions (e-mail subscribers must confirm again)",
  },
  "azure-native:resources:ResourceGroup": {
    kind: "resource group (everything in it goes too)",
    loses: "everything in the group",
  },
  "azure-native:authorization:ManagementLockByScope": {
    kind: "delete lock",
    loses: "the delete lock (until it is back, what it guards can be deleted)",
  },
};

/** What the plan and the upgrade rehearsal flag: DATA ∪ CONTINUITY. */
export const STATEFUL_TYPES: Readonly<Record<string, StatefulType>> = { ...DATA_TYPES, ...CONTINUITY_TYPES };

export function statefulCategory(type: string): StatefulCategory | undefined {
  if (type in DATA_TYPES) return "data";
  return type in CONTINUITY_TYPES ? "continuity" : undefined;
}
