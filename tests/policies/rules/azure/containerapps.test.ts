// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/azure/containerapps.ts: ingress, registry identity, secrets, database TLS. */
import type { Props } from "../../fixtures.js";
import { blocksEach } from "../mutations.js";

const containerEnv = (p: Props) =>
  ((((p.template as Props).containers as Props[])[0] as Props).env as Props[]) ?? [];

blocksEach("azure/containerapps", [
  [
    "database TLS require (no verification)",
    "azure",
    "api",
    (p) => void (containerEnv(p).find((e) => e.name === "DATABASE_SSL")!.value = "require"),
    "azure-containerapp-database-tls-verify-full",
  ],
  [
    "database TLS verify-full without a CA file",
    "azure",
    "api",
    (p) => {
      const env = containerEnv(p);
      env.splice(
        env.findIndex((e) => e.name === "DATABASE_CA_FILE"),
        1,
      );
    },
    "azure-containerapp-database-tls-verify-full",
  ],
  [
    "insecure ingress",
    "azure",
    "api",
    (p) => void (((p.configuration as Props).ingress as Props).allowInsecure = true),
    "azure-containerapp-no-insecure-ingress",
  ],
  [
    "registry with password",
    "azure",
    "api",
    (p) =>
      void ((p.configuration as Props).registries = [
        { server: "acr.azurecr.io", username: "admin", passwordSecretRef: "acr-password" },
      ]),
    "azure-containerapp-registry-identity",
  ],
  [
    "plain secret value",
    "azure",
    "api",
    (p) => void ((p.configuration as Props).secrets = [{ name: "database-password", value: "hunter2" }]),
    "azure-containerapp-no-plaintext-secrets",
  ],
  [
    "plaintext password env var",
    "azure",
    "api",
    (p) =>
      void (((p.template as Props).containers as Props[])[0]!.env = [
        { name: "DATABASE_PASSWORD", value: "hunter2" },
      ]),
    "azure-containerapp-no-plaintext-secrets",
  ],
]);
