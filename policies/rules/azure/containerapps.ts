/**
 * Container Apps: HTTPS-only ingress, registry pulls by managed identity, secrets from Key Vault, and verified TLS
 * to the database.
 */
import type { Policies } from "@pulumi/policy";
import { defineResourcePolicy, reportIf } from "../../lib/policy.js";
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

export const policies: Policies = [
  noInsecureIngress,
  registryIdentity,
  noPlaintextSecrets,
  databaseTlsVerifyFull,
];
