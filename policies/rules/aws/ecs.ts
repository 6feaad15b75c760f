/**
 * ECS: task definitions' containers (no privilege, read-only roots, secrets only through `secrets`, verified TLS
 * to the database, an API that connects as its own least-privilege role without a password, a database password
 * for the migrator alone), services' network placement, clusters' Container Insights.
 */
import type { Policies } from "@pulumi/policy";
import { API_CONTAINER, DATABASE, MIGRATOR_COMMAND } from "../../../infra/spec/constants.js";
import { DATABASE_PASSWORD_VARIABLES, isMigratorCommand, keepsImageEntrypoint } from "../../lib/migrator.js";
import { defineResourcePolicy, listOf, reportIf } from "../../lib/policy.js";
import { secretNameConfig, secretNameRegex } from "../../lib/secrets.js";
import { asArray, isTrue, type Props, parseJson } from "../../lib/values.js";
import { aws } from "../../types.js";

/** `containerDefinitions` is a JSON string on the resource: its parsed containers, or none. */
function containersOf(props: Props): Props[] {
  const parsed = parseJson(props.containerDefinitions);
  return Array.isArray(parsed) ? parsed : [];
}

const noPrivileged = defineResourcePolicy({
  name: "aws-ecs-no-privileged-containers",
  description: "ECS containers never run privileged.",
  types: [aws.ecs.TaskDefinition],
  validate: (props, _ctx, report) => {
    for (const c of containersOf(props)) {
      if (c.privileged === true) report(`Remove \`privileged: true\` from container "${c.name}".`);
    }
  },
});

const readonlyRoot = defineResourcePolicy({
  name: "aws-ecs-readonly-root-filesystem",
  description: "ECS containers run with a read-only root filesystem.",
  types: [aws.ecs.TaskDefinition],
  validate: (props, _ctx, report) => {
    const containers = containersOf(props);
    if (containers.length === 0) {
      report("`containerDefinitions` is not a JSON array of containers: set it with JSON.stringify([...]).");
    }
    for (const c of containers) {
      if (c.readonlyRootFilesystem !== true) {
        report(
          `Set \`readonlyRootFilesystem: true\` on container "${c.name}" (mount a volume for any writable path such as /tmp).`,
        );
      }
    }
  },
});

const noPlaintextSecrets = defineResourcePolicy<{ secretNamePattern: string }>({
  name: "aws-ecs-no-plaintext-secrets",
  description: "Secret-looking variables reach ECS containers through `secrets`, never plain `environment`.",
  types: [aws.ecs.TaskDefinition],
  config: secretNameConfig("variable names"),
  validate: (props, { config }, report) => {
    const pattern = secretNameRegex(config.secretNamePattern);
    for (const c of containersOf(props)) {
      for (const variable of asArray(c.environment)) {
        if (typeof variable?.name === "string" && pattern.test(variable.name)) {
          report(
            `Container "${c.name}" sets ${variable.name} as a plain environment variable: move it to \`secrets: [{ name: "${variable.name}", valueFrom: <Secrets Manager / SSM ARN> }]\`.`,
          );
        }
      }
    }
  },
});

/** A container's plain environment as a map (values as written; unknown ones stay whatever the engine gives). */
function environmentOf(container: Props): Map<string, unknown> {
  return new Map(asArray(container.environment).map((v: Props) => [String(v?.name), v?.value]));
}

const databaseTlsVerifyFull = defineResourcePolicy({
  name: "aws-ecs-database-tls-verify-full",
  description:
    "An ECS container that connects to PostgreSQL verifies the server's certificate and name (DATABASE_SSL=verify-full with a DATABASE_CA_FILE).",
  types: [aws.ecs.TaskDefinition],
  validate: (props, _ctx, report) => {
    for (const c of containersOf(props)) {
      const env = environmentOf(c);
      if (!env.has("DATABASE_HOST") && !env.has("DATABASE_SSL")) continue;
      if (env.get("DATABASE_SSL") !== "verify-full" || !env.get("DATABASE_CA_FILE")) {
        report(
          `Container "${c.name}": set DATABASE_SSL=verify-full and DATABASE_CA_FILE to the image's Amazon RDS CA bundle (/app/dist/certs/aws-rds-ca.pem) (got DATABASE_SSL=${String(env.get("DATABASE_SSL") ?? "unset")}${env.get("DATABASE_CA_FILE") ? "" : ", no DATABASE_CA_FILE"}).`,
        );
      }
    }
  },
});

/** RDS names the master secrets it manages `rds!db-<uuid>` (`rds!cluster-...` for clusters). */
const RDS_MANAGED_SECRET = /:secret:rds!/;

const apiDatabaseIdentity = defineResourcePolicy<{ administratorUsers: string[] }>({
  name: "aws-ecs-api-database-identity",
  description:
    "The API container connects as its least-privilege role, never as the database administrator, and receives no database password nor the RDS master secret (it logs in with IAM tokens).",
  types: [aws.ecs.TaskDefinition],
  config: {
    schema: {
      administratorUsers: listOf(
        "string",
        "Database administrator users the API must not use (the RDS instance's master username).",
      ),
    },
    defaults: { administratorUsers: [DATABASE.username] },
  },
  validate: (props, { config }, report) => {
    for (const c of containersOf(props)) {
      if (c.name !== API_CONTAINER) continue;
      const user = environmentOf(c).get("DATABASE_USER");
      if (typeof user === "string" && config.administratorUsers.includes(user)) {
        report(
          `Container "${API_CONTAINER}" connects as the administrator ${user}: set DATABASE_USER to the API's own role (${DATABASE.apiRole}), created and granted by the migrator, with DATABASE_AUTH=aws-iam and rds-db:connect for the task role.`,
        );
      }
      for (const variable of [...asArray(c.environment), ...asArray(c.secrets)]) {
        const name = String(variable?.name ?? "");
        const source = typeof variable?.valueFrom === "string" ? variable.valueFrom : "";
        if (DATABASE_PASSWORD_VARIABLES.includes(name)) {
          report(
            `Container "${API_CONTAINER}" receives ${name}${source ? ` (from ${source})` : ""}: remove it; the API logs in with an RDS IAM token per connection (DATABASE_AUTH=aws-iam), and only the migrator reads the master secret.`,
          );
        } else if (RDS_MANAGED_SECRET.test(source)) {
          report(
            `Container "${API_CONTAINER}" reads the RDS-managed master secret as ${name} (${source}): remove it; only the migrator's task may use the administrator's password.`,
          );
        }
      }
    }
  },
});

/**
 * The migrator (docs/database-identity.md): a container whose `command` is exactly the spec's MIGRATOR_COMMAND
 * with the image's own entry point (node); ECS's `entryPoint` would replace it.
 */
function isMigratorContainer(container: Props): boolean {
  return isMigratorCommand(container.command) && keepsImageEntrypoint(container.entryPoint);
}

const databasePasswordMigratorOnly = defineResourcePolicy({
  name: "aws-ecs-database-password-migrator-only",
  description:
    "A database password (a password variable, a URL with one, or anything from the RDS-managed master secret) reaches only the migrator's container, never another container of any task definition.",
  types: [aws.ecs.TaskDefinition],
  validate: (props, _ctx, report) => {
    for (const c of containersOf(props)) {
      if (isMigratorContainer(c)) continue;
      // The API container has its own rule (aws-ecs-api-database-identity): not reported twice.
      if (c.name === API_CONTAINER) continue;
      for (const variable of [...asArray(c.environment), ...asArray(c.secrets)]) {
        const name = String(variable?.name ?? "");
        const source = typeof variable?.valueFrom === "string" ? variable.valueFrom : "";
        if (DATABASE_PASSWORD_VARIABLES.includes(name) || RDS_MANAGED_SECRET.test(source)) {
          report(
            `Container "${c.name}" receives ${name}${source ? ` (from ${source})` : ""}: only the migrator (a container whose \`command\` is ${JSON.stringify(MIGRATOR_COMMAND)}, with the image's entry point) may hold a database password or read the RDS-managed master secret; remove it here.`,
          );
        }
      }
    }
  },
});

const serviceNoPublicIp = defineResourcePolicy({
  name: "aws-ecs-service-no-public-ip",
  description: "ECS services run in private subnets without public IPs.",
  types: [aws.ecs.Service],
  validate: reportIf(
    (props) => isTrue(props.networkConfiguration?.assignPublicIp),
    "Set `networkConfiguration.assignPublicIp: false` and use private subnets (egress through NAT / VPC endpoints).",
  ),
});

const containerInsights = defineResourcePolicy({
  name: "aws-ecs-container-insights",
  description: "ECS clusters enable Container Insights.",
  types: [aws.ecs.Cluster],
  validate: reportIf((props) => {
    const setting = asArray(props.settings).find((s) => s?.name === "containerInsights");
    return !setting || !["enabled", "enhanced"].includes(String(setting.value));
  }, 'Add `settings: [{ name: "containerInsights", value: "enabled" }]` to the cluster.'),
});

export const policies: Policies = [
  noPrivileged,
  readonlyRoot,
  noPlaintextSecrets,
  databaseTlsVerifyFull,
  apiDatabaseIdentity,
  databasePasswordMigratorOnly,
  serviceNoPublicIp,
  containerInsights,
];
