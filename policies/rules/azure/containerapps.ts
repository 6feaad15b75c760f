/**
 * Container Apps: HTTPS-only ingress, registry pulls by managed identity, secrets from Key Vault, verified TLS
 * to the database, and an API that connects as its own least-privilege role without a password.
 */
import type { Policies } from "@pulumi/policy";
import { API_CONTAINER, DATABASE } from "../../../infra/spec/constants.js";
import { defineResourcePolicy, listOf, reportIf } from "../../lib/policy.js";
import { secretNameConfig, secretNameRegex } from "../../lib/secrets.js";
import { asArray } from "../../lib/values.js";
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

const noPlaintextSecrets = defineResourcePolicy<{ secretNamePattern: string }>({
  name: "azure-containerapp-no-plaintext-secrets",
  description:
    "Container Apps take secret-looking values from Key Vault references, never from plain secret values or env vars.",
  types: [azure.app.ContainerApp],
  config: secretNameConfig("names"),
  validate: (props, { config }, report) => {
    const pattern = secretNameRegex(config.secretNamePattern);
    for (const secret of asArray(props.configuration?.secrets)) {
      if ("value" in (secret ?? {}) && !secret.keyVaultUrl && pattern.test(String(secret.name ?? ""))) {
        report(
          `Secret "${secret.name}" carries its value in the program: store it in Key Vault and reference it with \`{ name, keyVaultUrl, identity }\`.`,
        );
      }
    }
    for (const container of asArray(props.template?.containers)) {
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

const databaseTlsVerifyFull = defineResourcePolicy({
  name: "azure-containerapp-database-tls-verify-full",
  description:
    "A container that connects to PostgreSQL verifies the server's certificate and name (DATABASE_SSL=verify-full with a DATABASE_CA_FILE).",
  types: [azure.app.ContainerApp],
  validate: (props, _ctx, report) => {
    for (const container of asArray(props.template?.containers)) {
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
  },
});

/** Variables that carry the database password, in any form (a value or a secretRef). */
const PASSWORD_VARIABLES = ["DATABASE_PASSWORD", "DATABASE_URL"];

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
    for (const container of asArray(props.template?.containers)) {
      if (container?.name !== API_CONTAINER) continue;
      for (const variable of asArray(container?.env)) {
        const name = String(variable?.name ?? "");
        if (name === "DATABASE_USER" && isAdministrator(String(variable?.value ?? ""))) {
          report(
            `Container "${API_CONTAINER}" connects as the administrator ${String(variable?.value)}: set DATABASE_USER to the API's own role (${DATABASE.apiRole}), created and granted by the migrator, with DATABASE_AUTH=azure-entra.`,
          );
        }
        if (PASSWORD_VARIABLES.includes(name)) {
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
];
