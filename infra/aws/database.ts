/**
 * The database: RDS for PostgreSQL 17 in the private subnets, TLS enforced, encrypted, master password
 * managed by RDS in Secrets Manager (never in config or state), and in prod an AWS Backup plan that copies
 * every recovery point to a vault in a second region.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../spec/index.js";
import { assumeRolePolicy } from "./identity.js";
import type { Network } from "./network.js";
import { rdsInstanceClass } from "./sizes.js";
import { tagsFor } from "./tags.js";

export interface Database {
  instance: aws.rds.Instance;
  address: pulumi.Output<string>;
  /** The RDS-managed master secret (JSON with username/password). */
  masterSecretArn: pulumi.Output<string>;
  identifier: string;
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
      iamDatabaseAuthenticationEnabled: true,
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

  return { instance, address: instance.address, masterSecretArn, identifier };
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
  const drRegion = spec.database.crossRegionBackup.awsRegion;
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
