/** RDS: the instance's own settings, and (stack) TLS forced through its parameter group. */
import type { Policies } from "@pulumi/policy";
import { forEnv, type PerEnv } from "../../lib/environment.js";
import { defineResourcePolicy, defineStackPolicy, reportIf } from "../../lib/policy.js";
import { resolve } from "../../lib/references.js";
import { asArray, asNumber, eachKnown, isTrue, tryRead } from "../../lib/values.js";
import { aws } from "../../types.js";

const storageEncrypted = defineResourcePolicy({
  name: "aws-rds-storage-encrypted",
  description: "RDS instances encrypt their storage.",
  types: [aws.rds.Instance],
  validate: reportIf(
    (props) => !isTrue(props.storageEncrypted),
    "Set `storageEncrypted: true` on the RDS instance (optionally with a customer-managed `kmsKeyId`).",
  ),
});

const notPublic = defineResourcePolicy({
  name: "aws-rds-not-public",
  description: "RDS instances are never publicly accessible.",
  types: [aws.rds.Instance],
  validate: reportIf(
    (props) => isTrue(props.publiclyAccessible),
    "Set `publiclyAccessible: false` and place the instance in private subnets; the API reaches it inside the VPC.",
  ),
});

const backupRetention = defineResourcePolicy<{ minDays: PerEnv<number> }>({
  name: "aws-rds-backup-retention",
  description: "RDS instances keep automated backups for at least the configured number of days.",
  types: [aws.rds.Instance],
  config: {
    schema: {
      minDays: {
        description:
          "Minimum backupRetentionPeriod in days (a number, or per environment { dev, staging, prod }).",
      },
    },
    defaults: { minDays: 7 },
  },
  validate: (props, { env, config }, report) => {
    const min = forEnv(config.minDays, env, 7);
    const days = asNumber(props.backupRetentionPeriod);
    if (days === undefined) {
      report(`Set \`backupRetentionPeriod\` explicitly to at least ${min} days (it is missing).`);
    } else if (days < min) {
      report(`Raise \`backupRetentionPeriod\` from ${days} to at least ${min} days (${env}).`);
    }
  },
});

const deletionProtection = defineResourcePolicy({
  name: "aws-rds-deletion-protection",
  description: "Production RDS instances have deletion protection and take a final snapshot.",
  types: [aws.rds.Instance],
  environments: ["prod"],
  validate: (props, _ctx, report) => {
    if (!isTrue(props.deletionProtection))
      report("Set `deletionProtection: true` on the production database.");
    if (props.skipFinalSnapshot !== false) {
      report("Set `skipFinalSnapshot: false` so deleting the production database keeps a final snapshot.");
    }
    if (!props.finalSnapshotIdentifier) {
      report("Set `finalSnapshotIdentifier` (e.g. `<name>-final`) so the final snapshot can be taken.");
    }
  },
});

const multiAz = defineResourcePolicy({
  name: "aws-rds-multi-az",
  description: "Production RDS instances run Multi-AZ.",
  types: [aws.rds.Instance],
  environments: ["prod"],
  validate: reportIf(
    (props) => !isTrue(props.multiAz),
    "Set `multiAz: true` on the production database (standby in a second zone).",
  ),
});

const iamAuth = defineResourcePolicy({
  name: "aws-rds-iam-auth",
  description: "RDS instances enable IAM database authentication.",
  types: [aws.rds.Instance],
  validate: reportIf(
    (props) => !isTrue(props.iamDatabaseAuthenticationEnabled),
    "Set `iamDatabaseAuthenticationEnabled: true` on the RDS instance.",
  ),
});

const managedPassword = defineResourcePolicy({
  name: "aws-rds-managed-master-password",
  description: "The RDS master password is managed by RDS in Secrets Manager, never set by the program.",
  types: [aws.rds.Instance],
  validate: (props, _ctx, report) => {
    // A password set from another resource's output is unknown during preview: it is still set.
    const password = "password" in props ? (tryRead(() => props.password) ?? "<unknown>") : undefined;
    if (password !== undefined && password !== null && password !== "") {
      report(
        "Remove `password` from the RDS instance and set `manageMasterUserPassword: true`; read the secret from `masterUserSecrets`.",
      );
    } else if (!isTrue(props.manageMasterUserPassword)) {
      report(
        "Set `manageMasterUserPassword: true` so RDS generates and rotates the master password in Secrets Manager.",
      );
    }
  },
});

/** A stack policy: which parameter group an instance uses is only known across the two resources. */
const forceSsl = defineStackPolicy({
  name: "aws-rds-force-ssl",
  description: "RDS PostgreSQL instances force TLS through their parameter group (rds.force_ssl = 1).",
  validate: (resources, { args }, report) => {
    const instances = resources.filter((r) => r.type === aws.rds.Instance);
    if (instances.length === 0) args.notApplicable("no RDS instances");
    const groups = resources.filter((r) => r.type === aws.rds.ParameterGroup);
    eachKnown(instances, (db) => {
      const engine = String(tryRead(() => db.props.engine) ?? "postgres");
      if (!engine.includes("postgres")) return;
      const name = db.props.parameterGroupName;
      let group = resolve(resources, aws.rds.ParameterGroup, name, db, "parameterGroupName");
      if (!group && groups.length === 1 && name && !String(name).startsWith("default.")) group = groups[0];
      if (!group) {
        report(
          `Database ${db.name} uses ${name ? `parameter group "${name}", not defined in this stack` : "the default parameter group"}: create an aws.rds.ParameterGroup with \`{ name: "rds.force_ssl", value: "1" }\` and set \`parameterGroupName\`.`,
          db.urn,
        );
        return;
      }
      const param = asArray(group.props.parameters).find((p) => p?.name === "rds.force_ssl");
      if (!param || String(param.value) !== "1") {
        report(
          `Parameter group ${group.name} (used by ${db.name}) must set \`{ name: "rds.force_ssl", value: "1" }\`${param ? ` (is "${param.value}")` : ""}.`,
          group.urn,
        );
      }
    });
  },
});

export const policies: Policies = [
  storageEncrypted,
  notPublic,
  backupRetention,
  deletionProtection,
  multiAz,
  iamAuth,
  managedPassword,
  forceSsl,
];
