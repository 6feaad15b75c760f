// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/aws/rds.ts: the instance's own settings and rds.force_ssl through its parameter group. */
import { describe, expect, it } from "vitest";
import { awsStack, byPolicy, find, run } from "../../fixtures.js";
import { blocksEach } from "../mutations.js";

blocksEach("aws/rds", [
  ["RDS unencrypted", "aws", "db", (p) => void (p.storageEncrypted = false), "aws-rds-storage-encrypted"],
  ["RDS encryption missing", "aws", "db", (p) => void delete p.storageEncrypted, "aws-rds-storage-encrypted"],
  ["RDS public", "aws", "db", (p) => void (p.publiclyAccessible = true), "aws-rds-not-public"],
  [
    "RDS backups missing",
    "aws",
    "db",
    (p) => void delete p.backupRetentionPeriod,
    "aws-rds-backup-retention",
  ],
  ["RDS 0-day backups", "aws", "db", (p) => void (p.backupRetentionPeriod = 0), "aws-rds-backup-retention"],
  [
    "RDS 14-day backups in prod (< 30)",
    "aws",
    "db",
    (p) => void (p.backupRetentionPeriod = 14),
    "aws-rds-backup-retention",
  ],
  [
    "RDS no deletion protection",
    "aws",
    "db",
    (p) => void (p.deletionProtection = false),
    "aws-rds-deletion-protection",
  ],
  [
    "RDS skips final snapshot",
    "aws",
    "db",
    (p) => void (p.skipFinalSnapshot = true),
    "aws-rds-deletion-protection",
  ],
  [
    "RDS no final snapshot id",
    "aws",
    "db",
    (p) => void delete p.finalSnapshotIdentifier,
    "aws-rds-deletion-protection",
  ],
  ["RDS single-AZ", "aws", "db", (p) => void (p.multiAz = false), "aws-rds-multi-az"],
  ["RDS no IAM auth", "aws", "db", (p) => void delete p.iamDatabaseAuthenticationEnabled, "aws-rds-iam-auth"],
  [
    "RDS password in program",
    "aws",
    "db",
    (p) => void (p.password = "hunter2"),
    "aws-rds-managed-master-password",
  ],
  [
    "RDS password not managed",
    "aws",
    "db",
    (p) => void (p.manageMasterUserPassword = false),
    "aws-rds-managed-master-password",
  ],
  [
    "RDS force_ssl 0",
    "aws",
    "pg",
    (p) => void (p.parameters = [{ name: "rds.force_ssl", value: "0" }]),
    "aws-rds-force-ssl",
  ],
  ["RDS force_ssl absent", "aws", "pg", (p) => void (p.parameters = []), "aws-rds-force-ssl"],
  [
    "RDS default parameter group",
    "aws",
    "db",
    (p) => void (p.parameterGroupName = "default.postgres17"),
    "aws-rds-force-ssl",
  ],
]);

describe("edge cases", () => {
  it("a value unknown during preview yields an advisory 'can't run' instead of passing or crashing", () => {
    const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const stack = awsStack("prod");
    find(stack, "db").props.publiclyAccessible = UNKNOWN;
    const v = byPolicy(run(stack), "aws-rds-not-public");
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ enforcementLevel: "advisory" });
    expect(v[0]!.message).toMatch(/during preview/);
  });
});
