/**
 * infra/aws/database.ts: the RDS instance, its backups and cross-region copies, and the RDS CA bundle's
 * regions, per shipped stack under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  assertRdsCaRegion,
  RDS_CA_IDENTIFIER,
  rdsCaRegionProblem,
  rdsCaRegions,
} from "../../../infra/aws/database.js";
import { renderAws } from "../../../infra/aws/index.js";
import { rdsInstanceClass } from "../../../infra/aws/sizes.js";
import { buildServiceSpec } from "../../../infra/spec/index.js";
import { T, useAwsStacks } from "../../support/aws-stack.js";
import { STACKS } from "../../support/rendered.js";

const spec = (stack: string, extra: Record<string, string> = {}) =>
  buildServiceSpec({ cloud: "aws", ...extra }, { stack, awsRegion: "eu-west-1" });

describe("the RDS CA bundle's regions", () => {
  it("covers every region the bundle has a default-CA root for, and refuses others naming aws:region", () => {
    const covered = rdsCaRegions();
    expect(covered).toEqual(expect.arrayContaining(["eu-west-1", "eu-central-1", "us-east-1"]));
    expect(rdsCaRegionProblem("eu-west-1")).toBeUndefined();
    const problem = rdsCaRegionProblem("mx-central-1");
    expect(problem).toMatch(/^aws:region: "mx-central-1" has no Amazon RDS root CA \(rds-ca-rsa2048-g1\)/);
    expect(problem).toContain("dist/certs/aws-rds-ca.pem");
    expect(problem).toContain(`allowed: ${covered.join(", ")}`);
    expect(RDS_CA_IDENTIFIER).toBe("rds-ca-rsa2048-g1");
  });

  it("stops the AWS renderer before it declares anything, with a RunError (no stack trace)", async () => {
    expect(() => assertRdsCaRegion("mx-central-1")).toThrow(pulumi.RunError);
    const saved = process.env.AWS_REGION;
    process.env.AWS_REGION = "mx-central-1"; // no aws:region config outside a Pulumi run: the provider's variable
    try {
      await expect(renderAws(spec("dev"))).rejects.toThrow(
        /aws:region: "mx-central-1" has no Amazon RDS root CA .*allowed: .*eu-west-1/,
      );
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });
});

describe.each(STACKS)("AWS stack %s", (stack) => {
  // Rendered here, after the test above: renderAws outside a Pulumi run must not see a mock run's config.
  const stackRun = useAwsStacks();

  it("runs PostgreSQL 17 privately, encrypted, TLS-only, with the tier's backups and protections", () => {
    const { one, spec } = stackRun(stack);
    const db = one(T.db);
    const prod = stack === "prod";
    expect(db.props).toMatchObject({
      engine: "postgres",
      engineVersion: "17",
      instanceClass: rdsInstanceClass(spec.database.size),
      allocatedStorage: spec.database.storageGiB,
      storageType: "gp3",
      storageEncrypted: true,
      publiclyAccessible: false,
      iamDatabaseAuthenticationEnabled: true,
      performanceInsightsEnabled: true,
      backupRetentionPeriod: spec.database.backupRetentionDays,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      multiAz: prod,
      deletionProtection: prod,
      skipFinalSnapshot: !prod,
      dbName: spec.database.name,
      username: spec.database.username,
    });
    expect((db.props.maxAllocatedStorage as number) > spec.database.storageGiB).toBe(true);
    expect(db.props.backupWindow).toBeTruthy();
    expect(db.props.maintenanceWindow).toBeTruthy();
    expect(db.opts.protect).toBe(prod);
    if (prod) expect(db.props.finalSnapshotIdentifier).toBe(`${spec.name}-db-final`);
    else expect(db.props.finalSnapshotIdentifier).toBeUndefined();
    const parameterGroup = one(T.parameterGroup);
    expect(parameterGroup.props.family).toBe("postgres17");
    expect(parameterGroup.props.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "rds.force_ssl", value: "1" })]),
    );
  });

  it("copies backups to a second region only in prod", () => {
    const { all, one, spec } = stackRun(stack);
    // The uptime check's us-east-1 provider (cloud metrics) is not a DR region.
    const drProviders = all(T.provider).filter((p) => p.name !== `${spec.name}-us-east-1`);
    if (stack !== "prod") {
      for (const type of [T.backupVault, T.backupPlan, T.backupSelection, T.backupReplication])
        expect(all(type)).toHaveLength(0);
      expect(drProviders).toHaveLength(0);
      return;
    }
    expect(drProviders).toHaveLength(1);
    const provider = drProviders[0]!;
    expect(provider.props.region).toBe(spec.perCloud.aws.drRegion);
    expect(provider.props.region).not.toBe("eu-west-1");
    const vaults = all(T.backupVault);
    expect(vaults).toHaveLength(2);
    const drVault = vaults.find((v) => v.opts.provider?.startsWith(provider.urn));
    expect(drVault).toBeDefined();
    for (const vault of vaults) expect(vault.opts.protect).toBe(true);
    const rule = (one(T.backupPlan).props.rules as Record<string, unknown>[])[0];
    expect(rule).toMatchObject({
      lifecycle: { deleteAfter: spec.database.backupRetentionDays },
      copyActions: [{ destinationVaultArn: drVault?.state.arn }],
    });
    expect(one(T.backupSelection).props.resources).toEqual([one(T.db).state.arn]);

    // RDS also replicates the automated backups (snapshots + transaction logs) to the DR region, encrypted
    // with a key of that region: point-in-time restore there, minutes behind the primary.
    const replication = one(T.backupReplication);
    expect(replication.opts.provider?.startsWith(provider.urn)).toBe(true);
    expect(replication.opts.protect).toBe(true);
    const drKey = all(T.kmsKey).find((k) => k.state.arn === replication.props.kmsKeyId);
    expect(drKey?.opts.provider?.startsWith(provider.urn)).toBe(true);
    expect(drKey?.props.enableKeyRotation).toBe(true);
    expect(replication.props).toMatchObject({
      sourceDbInstanceArn: one(T.db).state.arn,
      retentionPeriod: spec.database.backupRetentionDays,
    });
  });

  it("leaves RDS's password rotation alone: nothing redeploys the API (it has no password), the migrator reads it per run", () => {
    const { all, one, spec } = stackRun(stack);
    const secretArn = (one(T.db).state.masterUserSecrets as { secretArn: string }[])[0]!.secretArn;
    expect(all(T.stateMachine)).toEqual([]);
    expect(all(T.eventRule).map((r) => r.props.name)).not.toContain(`${spec.name}-redeploy-on-rotation`);
    for (const rule of all(T.eventRule)) expect(String(rule.props.eventPattern)).not.toContain(secretArn);
    // ECS resolves `<arn>:password::` (AWSCURRENT) when it starts the migrator's task: a rotated password
    // is the one the next run gets.
    expect(stackRun(stack).migratorContainers()[0]!.secrets![0]!.valueFrom).toBe(`${secretArn}:password::`);
  });
});
