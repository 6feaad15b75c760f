/**
 * Resource types whose replacement or deletion loses data or an identity that others depend on (a database, its
 * backups, keys, registries, the log bucket). An upgrade rehearsal fails when the new program would replace or
 * delete one of them, or any resource the old state marks `protect`. Keep in step with the stub providers'
 * replacement table (tools/rehearse/providers/), which decides which property changes force a replacement.
 */
export const STATEFUL_TYPES: readonly string[] = [
  // AWS
  "aws:rds/instance:Instance",
  "aws:rds/cluster:Cluster",
  "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
  "aws:kms/key:Key",
  "aws:ecr/repository:Repository",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:backup/vault:Vault",
  "aws:secretsmanager/secret:Secret",
  "aws:cloudwatch/logGroup:LogGroup",
  // Azure
  "azure-native:dbforpostgresql:Server",
  "azure-native:keyvault:Vault",
  "azure-native:containerregistry:Registry",
  "azure-native:storage:StorageAccount",
  "azure-native:operationalinsights:Workspace",
  "azure-native:dataprotection:BackupVault",
  "azure-native:recoveryservices:Vault",
];

/** Step operations of `pulumi preview --json` that destroy the old resource. */
export const DESTRUCTIVE_OPS: readonly string[] = [
  "delete",
  "replace",
  "create-replacement",
  "delete-replaced",
  "discard",
  "discard-replaced",
  "remove-pending-replace",
];

export interface PreviewStep {
  op: string;
  urn: string;
  oldState?: { type?: string; protect?: boolean } | null;
  newState?: { type?: string; protect?: boolean } | null;
  replaceReasons?: string[];
  diffReasons?: string[];
}

export function stepType(step: PreviewStep): string {
  return step.newState?.type ?? step.oldState?.type ?? step.urn.split("::")[2]?.split("$").pop() ?? "?";
}

/** The steps that would replace or delete a protected or stateful resource. */
export function unsafeSteps(steps: readonly PreviewStep[]): PreviewStep[] {
  return steps.filter(
    (step) =>
      DESTRUCTIVE_OPS.includes(step.op) &&
      (step.oldState?.protect === true || STATEFUL_TYPES.includes(stepType(step))),
  );
}
