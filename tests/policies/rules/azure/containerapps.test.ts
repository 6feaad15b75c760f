// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/**
 * policies/rules/azure/containerapps.ts: ingress, registry identity, secrets, database TLS and identity, of
 * Container Apps and of Container Apps Jobs (the migrator job, `migrator-job` in the fixture).
 */
import { describe, expect, it } from "vitest";
import { azureStack, byPolicy, find, type Props, refresh, run } from "../../fixtures.js";
import { blocksEach } from "../mutations.js";

const containerEnv = (p: Props) =>
  ((((p.template as Props).containers as Props[])[0] as Props).env as Props[]) ?? [];
const firstContainer = (p: Props) => ((p.template as Props).containers as Props[])[0] as Props;
const jobSecrets = (p: Props) => (p.configuration as Props).secrets as Props[];
const OWNER_PASSWORD = { name: "DATABASE_OWNER_PASSWORD", secretRef: "database-owner-password" };

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
  [
    "job secret with a plain value (a name that does not look secret)",
    "azure",
    "migrator-job",
    (p) => void jobSecrets(p).push({ name: "owner", value: "hunter2" }),
    "azure-containerapp-job-no-plaintext-secrets",
  ],
  [
    "job secret that is a Key Vault reference without an identity to read it",
    "azure",
    "migrator-job",
    (p) => void delete jobSecrets(p)[0]!.identity,
    "azure-containerapp-job-no-plaintext-secrets",
  ],
  [
    "job password env var with a plain value",
    "azure",
    "migrator-job",
    (p) => {
      const env = containerEnv(p);
      env.splice(
        env.findIndex((e) => e.name === "DATABASE_OWNER_PASSWORD"),
        1,
        {
          name: "DATABASE_OWNER_PASSWORD",
          value: "hunter2",
        },
      );
    },
    "azure-containerapp-job-no-plaintext-secrets",
  ],
  [
    "job database TLS require (no verification)",
    "azure",
    "migrator-job",
    (p) => void (containerEnv(p).find((e) => e.name === "DATABASE_SSL")!.value = "require"),
    "azure-containerapp-job-database-tls-verify-full",
  ],
  [
    "job database TLS verify-full without a CA file",
    "azure",
    "migrator-job",
    (p) => {
      const env = containerEnv(p);
      env.splice(
        env.findIndex((e) => e.name === "DATABASE_CA_FILE"),
        1,
      );
    },
    "azure-containerapp-job-database-tls-verify-full",
  ],
  [
    "a job that is not the migrator (another command) gets the owner's password",
    "azure",
    "migrator-job",
    (p) => void (firstContainer(p).args = ["dist/api/cli/seed.js"]),
    "azure-containerapp-database-password-migrator-only",
  ],
  [
    "the migrator's args after a replaced entry point (command) get the owner's password",
    "azure",
    "migrator-job",
    (p) => void (firstContainer(p).command = ["sh", "-c"]),
    "azure-containerapp-database-password-migrator-only",
  ],
  [
    "the migrator's command with an extra argument gets the owner's password",
    "azure",
    "migrator-job",
    (p) => void (firstContainer(p).args = ["dist/api/cli/migrate.js", "--then-serve"]),
    "azure-containerapp-database-password-migrator-only",
  ],
  [
    "a second container of the migrator job gets the owner's password",
    "azure",
    "migrator-job",
    (p) =>
      void ((p.template as Props).containers as Props[]).push({ name: "sidecar", env: [OWNER_PASSWORD] }),
    "azure-containerapp-database-password-migrator-only",
  ],
  [
    "an init container of the migrator job gets the owner's password",
    "azure",
    "migrator-job",
    (p) => void ((p.template as Props).initContainers = [{ name: "init", env: [OWNER_PASSWORD] }]),
    "azure-containerapp-database-password-migrator-only",
  ],
  [
    "a container app's sidecar gets the owner's password",
    "azure",
    "api",
    (p) =>
      void ((p.template as Props).containers as Props[]).push({
        name: "otel-collector",
        env: [OWNER_PASSWORD],
      }),
    "azure-containerapp-database-password-migrator-only",
  ],
  [
    "a container app running the migrator's command (not a job) gets the owner's password",
    "azure",
    "api",
    (p) =>
      void ((p.template as Props).containers as Props[]).push({
        name: "migrate",
        args: ["dist/api/cli/migrate.js"],
        env: [OWNER_PASSWORD],
      }),
    "azure-containerapp-database-password-migrator-only",
  ],
]);

describe("the migrator job and the database password", () => {
  const job = (stack: ReturnType<typeof azureStack>) => find(stack, "migrator-job").props;
  const RULES = [
    "azure-containerapp-job-no-plaintext-secrets",
    "azure-containerapp-job-database-tls-verify-full",
    "azure-containerapp-database-password-migrator-only",
  ];

  it("the compliant migrator job (the owner's password by Key Vault reference, verify-full) passes everywhere", () => {
    for (const env of ["dev", "staging", "prod"] as const) {
      const violations = run(azureStack(env), { environment: env }).filter((v) =>
        RULES.includes(v.policyName),
      );
      expect(violations, env).toEqual([]);
    }
  });

  it("the API container's password is its own rule's, not reported twice", () => {
    const stack = azureStack("prod");
    containerEnv(find(stack, "api").props).push({
      name: "DATABASE_PASSWORD",
      secretRef: "database-password",
    });
    const violations = run(refresh(stack));
    expect(byPolicy(violations, "azure-containerapp-api-database-identity")).toHaveLength(1);
    expect(byPolicy(violations, "azure-containerapp-database-password-migrator-only")).toEqual([]);
  });

  it("a job without any password variable is not judged by the password rule, whatever its command", () => {
    const stack = azureStack("prod");
    const props = job(stack);
    firstContainer(props).args = ["dist/api/cli/report.js"];
    firstContainer(props).env = containerEnv(props).filter((e) => e.name !== "DATABASE_OWNER_PASSWORD");
    expect(byPolicy(run(refresh(stack)), "azure-containerapp-database-password-migrator-only")).toEqual([]);
  });

  it("levels: the password rule is advisory in dev and mandatory in staging; secrets and TLS are mandatory everywhere", () => {
    const levels = (env: "dev" | "staging" | "prod") => {
      const stack = azureStack(env);
      const props = job(stack);
      firstContainer(props).args = ["dist/api/cli/seed.js"];
      containerEnv(props).find((e) => e.name === "DATABASE_SSL")!.value = "require";
      jobSecrets(props).push({ name: "owner", value: "hunter2" });
      const violations = run(refresh(stack), { environment: env });
      return RULES.map((rule) => byPolicy(violations, rule).map((v) => v.enforcementLevel));
    };
    expect(levels("dev")).toEqual([["mandatory"], ["mandatory"], ["advisory"]]);
    expect(levels("staging")).toEqual([["mandatory"], ["mandatory"], ["mandatory"]]);
    expect(levels("prod")).toEqual([["mandatory"], ["mandatory"], ["mandatory"]]);
  });
});

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
