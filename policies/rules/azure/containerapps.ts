/**
 * Container Apps and Container Apps Jobs: HTTPS-only ingress, registry pulls by managed identity, secrets from Key
 * Vault, verified TLS to the database, an API that connects as its own least-privilege role without a password,
 * and a database password for the migrator job alone.
 */
import type { Policies } from "@pulumi/policy";
import { API_CONTAINER, DATABASE, MIGRATOR_COMMAND } from "../../../infra/spec/constants.js";
import { DATABASE_PASSWORD_VARIABLES, isMigratorCommand, keepsImageEntrypoint } from "../../lib/migrator.js";
import { defineResourcePolicy, listOf, reportIf } from "../../lib/policy.js";
import { secretNameConfig, secretNameRegex } from "../../lib/secrets.js";
import { asArray, type Props } from "../../lib/values.js";
import { azure } from "../../types.js";

const noInsecureIngress = defineResourcePolicy({
  name: "azure-containerapp-no-insecure-ingress",
  description: "Container App ingress never allows plain HTTP.",
  types: [azure.app.ContainerApp],
  validate: reportIf(
    (props) => props.configuration?.ingress?.allowInsecure === true,
    "Set `configuration.ingress.allowInsecure: false` (HTTP is redirected to HTTPS by the platform).",
  ),
});

const registryIdentity = defineResourcePolicy({
  name: "azure-containerapp-registry-identity",
  description: "Container Apps pull images with a managed identity, never a registry password.",
  types: [azure.app.ContainerApp],
  validate: (props, _ctx, report) => {
    for (const registry of asArray(props.configuration?.registries)) {
      if (registry?.passwordSecretRef || registry?.username) {
        report(
          `Registry ${registry?.server ?? ""}: remove username/passwordSecretRef and set \`identity\` to a managed identity with AcrPull on the registry.`,
        );
      } else if (!registry?.identity) {
        report(
          `Registry ${registry?.server ?? ""}: set \`identity\` (a user-assigned identity id or "system").`,
        );
      }
    }
  },
});

/** The containers of a Container App or a Job (the same `template` shape), init containers included. */
function containersOf(props: Props): Props[] {
  return [...asArray(props.template?.containers), ...asArray(props.template?.initContainers)];
}

/**
 * A plaintext-secrets rule for a Container App or a Job (the same `configuration.secrets` and container `env`
 * shape): `secretViolation` judges each secret; a secret-looking `env` name with a plain value is always reported.
 */
function plaintextSecretsRule(spec: {
  name: string;
  description: string;
  type: string;
  secretViolation: (secret: Props, pattern: RegExp) => string | undefined;
}) {
  return defineResourcePolicy<{ secretNamePattern: string }>({
    name: spec.name,
    description: spec.description,
    types: [spec.type],
    config: secretNameConfig("names"),
    validate: (props, { config }, report) => {
      const pattern = secretNameRegex(config.secretNamePattern);
      for (const secret of asArray(props.configuration?.secrets)) {
        const violation = spec.secretViolation(secret ?? {}, pattern);
        if (violation) report(violation);
      }
      for (const container of containersOf(props)) {
        for (const variable of asArray(container?.env)) {
          if (typeof variable?.name === "string" && pattern.test(variable.name) && !variable.secretRef) {
            report(
              `Container "${container.name}" sets ${variable.name} as a plain value: use \`secretRef\` to a Key Vault-backed secret.`,
            );
          }
        }
      }
    },
  });
}

const noPlaintextSecrets = plaintextSecretsRule({
  name: "azure-containerapp-no-plaintext-secrets",
  description:
    "Container Apps take secret-looking values from Key Vault references, never from plain secret values or env vars.",
  type: azure.app.ContainerApp,
  secretViolation: (secret, pattern) =>
    "value" in secret && !secret.keyVaultUrl && pattern.test(String(secret.name ?? ""))
      ? `Secret "${secret.name}" carries its value in the program: store it in Key Vault and reference it with \`{ name, keyVaultUrl, identity }\`.`
      : undefined,
});

// A job's secrets are all Key Vault references, whatever their names: the migrator's one secret is the tables'
// owner's password, and a job has no reason to carry any secret in the program.
const jobNoPlaintextSecrets = plaintextSecretsRule({
  name: "azure-containerapp-job-no-plaintext-secrets",
  description:
    "Container Apps Jobs take every secret from a Key Vault reference read with a managed identity, never a plain value, and no secret-looking env var has a plain value.",
  type: azure.app.Job,
  secretViolation: (secret) =>
    "value" in secret || !secret.keyVaultUrl || !secret.identity
      ? `Job secret "${secret.name}" is not a Key Vault reference: store it in Key Vault and reference it with \`{ name, keyVaultUrl, identity }\` (the job's identity, granted Key Vault Secrets User), with no \`value\`.`
      : undefined,
});

/** Reports each container that connects to PostgreSQL without verifying the server (Container Apps and Jobs). */
function reportDatabaseTls(props: Props, _ctx: unknown, report: (message: string) => void): void {
  for (const container of containersOf(props)) {
    const env = new Map<string, unknown>(
      asArray(container?.env).map((variable) => [String(variable?.name), variable?.value]),
    );
    if (!env.has("DATABASE_HOST") && !env.has("DATABASE_SSL")) continue;
    if (env.get("DATABASE_SSL") !== "verify-full" || !env.get("DATABASE_CA_FILE")) {
      report(
        `Container "${container.name}": set DATABASE_SSL=verify-full and DATABASE_CA_FILE to the image's CA bundle (got DATABASE_SSL=${String(env.get("DATABASE_SSL") ?? "unset")}).`,
      );
    }
  }
}

const databaseTlsVerifyFull = defineResourcePolicy({
  name: "azure-containerapp-database-tls-verify-full",
  description:
    "A container that connects to PostgreSQL verifies the server's certificate and name (DATABASE_SSL=verify-full with a DATABASE_CA_FILE).",
  types: [azure.app.ContainerApp],
  validate: reportDatabaseTls,
});

const jobDatabaseTlsVerifyFull = defineResourcePolicy({
  name: "azure-containerapp-job-database-tls-verify-full",
  description:
    "A Container Apps Job's container that connects to PostgreSQL (the migrator) verifies the server's certificate and name (DATABASE_SSL=verify-full with a DATABASE_CA_FILE).",
  types: [azure.app.Job],
  validate: reportDatabaseTls,
});

/**
 * The migrator (docs/database-identity.md): a container of a Container Apps Job whose `args` are exactly the
 * spec's MIGRATOR_COMMAND with no `command` (Container Apps' `command` replaces the image's ENTRYPOINT, node).
 */
function isMigratorContainer(type: string, container: Props): boolean {
  return (
    type === azure.app.Job && isMigratorCommand(container?.args) && keepsImageEntrypoint(container?.command)
  );
}

const databasePasswordMigratorOnly = defineResourcePolicy({
  name: "azure-containerapp-database-password-migrator-only",
  description:
    "A database password (the administrator's, the tables' owner's, a URL with one) reaches only the migrator job's container, never another job's or a container app's.",
  types: [azure.app.ContainerApp, azure.app.Job],
  validate: (props, { args }, report) => {
    for (const container of containersOf(props)) {
      if (isMigratorContainer(args.type, container)) continue;
      // The API container of an app has its own rule (azure-containerapp-api-database-identity): not reported twice.
      if (args.type === azure.app.ContainerApp && container?.name === API_CONTAINER) continue;
      for (const variable of asArray(container?.env)) {
        const name = String(variable?.name ?? "");
        if (DATABASE_PASSWORD_VARIABLES.includes(name)) {
          report(
            `Container "${container?.name}" receives ${name}${variable?.secretRef ? ` (secretRef ${variable.secretRef})` : ""}: only the migrator job (a Job whose container runs \`args: ${JSON.stringify(MIGRATOR_COMMAND)}\` with the image's entry point) may hold a database password; remove it here.`,
          );
        }
      }
    }
  },
});

const apiDatabaseIdentity = defineResourcePolicy<{
  administratorLogins: string[];
  administratorLoginPattern: string;
}>({
  name: "azure-containerapp-api-database-identity",
  description:
    "The API container connects as its least-privilege role, never as the database administrator, and receives no database password (it logs in with its managed identity's token).",
  types: [azure.app.ContainerApp],
  config: {
    schema: {
      administratorLogins: listOf(
        "string",
        "Database administrator logins the API must not use (the Flexible Server's administratorLogin).",
      ),
      administratorLoginPattern: {
        type: "string",
        description:
          "Regular expression of the Entra administrators' role names (the migrator identity's name, id-<stack>-migrator).",
      },
    },
    defaults: { administratorLogins: [DATABASE.username], administratorLoginPattern: "-migrator$" },
  },
  validate: (props, { config }, report) => {
    const isAdministrator = (user: string) =>
      config.administratorLogins.includes(user) || new RegExp(config.administratorLoginPattern).test(user);
    for (const container of containersOf(props)) {
      if (container?.name !== API_CONTAINER) continue;
      for (const variable of asArray(container?.env)) {
        const name = String(variable?.name ?? "");
        if (name === "DATABASE_USER" && isAdministrator(String(variable?.value ?? ""))) {
          report(
            `Container "${API_CONTAINER}" connects as the administrator ${String(variable?.value)}: set DATABASE_USER to the API's own role (${DATABASE.apiRole}), created and granted by the migrator, with DATABASE_AUTH=azure-entra.`,
          );
        }
        if (DATABASE_PASSWORD_VARIABLES.includes(name)) {
          report(
            `Container "${API_CONTAINER}" receives ${name}${variable?.secretRef ? ` (secretRef ${variable.secretRef})` : ""}: remove it and its Key Vault reference; the API logs in with its identity's Entra ID token (DATABASE_AUTH=azure-entra, AZURE_CLIENT_ID).`,
          );
        }
      }
    }
  },
});

export const policies: Policies = [
  noInsecureIngress,
  registryIdentity,
  noPlaintextSecrets,
  databaseTlsVerifyFull,
  apiDatabaseIdentity,
  jobNoPlaintextSecrets,
  jobDatabaseTlsVerifyFull,
  databasePasswordMigratorOnly,
];
