/** Container Apps: HTTPS-only ingress, registry pulls by managed identity, secrets from Key Vault. */
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

export const policies: Policies = [noInsecureIngress, registryIdentity, noPlaintextSecrets];
