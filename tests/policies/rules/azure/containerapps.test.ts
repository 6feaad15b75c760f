// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/azure/containerapps.ts: ingress, registry identity, secrets, database TLS and identity. */
import { describe, expect, it } from "vitest";
import { azureStack, byPolicy, find, type Props, refresh, run } from "../../fixtures.js";
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
    "API connects as the administrator login",
    "azure",
    "api",
    (p) => void (containerEnv(p).find((e) => e.name === "DATABASE_USER")!.value = "twincloud_app"),
    "azure-containerapp-api-database-identity",
  ],
  [
    "API connects as the Entra administrator (the migrator's role)",
    "azure",
    "api",
    (p) =>
      void (containerEnv(p).find((e) => e.name === "DATABASE_USER")!.value = "id-twincloud-prod-migrator"),
    "azure-containerapp-api-database-identity",
  ],
  [
    "API receives the database password from Key Vault",
    "azure",
    "api",
    (p) => {
      ((p.configuration as Props).secrets as Props[]).push({
        name: "database-password",
        keyVaultUrl: "https://kv/secrets/database-password",
        identity: "identity-id",
      });
      containerEnv(p).push({ name: "DATABASE_PASSWORD", secretRef: "database-password" });
    },
    "azure-containerapp-api-database-identity",
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

describe("API database identity: edge cases", () => {
  const apiEnv = (stack: ReturnType<typeof azureStack>) => containerEnv(find(stack, "api").props);

  it("the compliant API (its own role, a token, no password) passes", () => {
    expect(byPolicy(run(azureStack("prod")), "azure-containerapp-api-database-identity")).toEqual([]);
  });

  it("only the API container is judged: a sidecar's variables are not the API's", () => {
    const stack = azureStack("prod");
    const containers = (find(stack, "api").props.template as Props).containers as Props[];
    containers.push({ name: "otel-collector", env: [{ name: "DATABASE_USER", value: "twincloud_app" }] });
    expect(byPolicy(run(refresh(stack)), "azure-containerapp-api-database-identity")).toEqual([]);
  });

  it("a DATABASE_URL carries a password too", () => {
    const stack = azureStack("prod");
    apiEnv(stack).push({ name: "DATABASE_URL", secretRef: "database-url" });
    const v = byPolicy(run(refresh(stack)), "azure-containerapp-api-database-identity");
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toMatch(/DATABASE_URL/);
  });

  it("is advisory in dev and mandatory in staging", () => {
    for (const [env, level] of [
      ["dev", "advisory"],
      ["staging", "mandatory"],
    ] as const) {
      const stack = azureStack(env);
      apiEnv(stack).find((e) => e.name === "DATABASE_USER")!.value = "twincloud_app";
      const v = byPolicy(
        run(refresh(stack), { environment: env }),
        "azure-containerapp-api-database-identity",
      );
      expect(
        v.map((x) => x.enforcementLevel),
        env,
      ).toEqual([level]);
    }
  });
});
