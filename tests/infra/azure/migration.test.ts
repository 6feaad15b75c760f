// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/**
 * infra/azure/migration.ts: the migrator's Container Apps Job and the `migration` output the deploy pipeline
 * starts it with, per shipped stack under mocks (issue 14).
 */
import { describe, expect, it } from "vitest";
import { apiEnvironmentSchema } from "../../../api/config.js";
import { apiRoleEnvironmentSchema } from "../../../api/db/roles.js";
import { fakeId } from "../../../tools/mock/fake-id.js";
import { apiContainer, apiIdentity, migratorIdentity, T, useAzureStacks } from "../../support/azure-stack.js";
import { STACKS } from "../../support/rendered.js";
import { plain } from "../../support/stacks.js";

const run = useAzureStacks();

describe.each(STACKS)("Azure stack %s: database identity (issue 14)", (stack) => {
  it("runs the migrator as a manual Container Apps Job of the app's image, in the app's environment", () => {
    const r = run(stack);
    const job = r.props(T.job);
    expect(r.one(T.job).name).toMatch(/migrat/);
    expect(job.jobName).toBe(`twincloud-${stack}-migrate`);
    expect(job.environmentId).toBe(fakeId(r.one(T.environment)));
    expect(job.workloadProfileName).toBe(r.props(T.app).workloadProfileName);
    expect(job.identity).toEqual({
      type: "UserAssigned",
      userAssignedIdentities: [fakeId(migratorIdentity(r))],
    });
    expect(job.configuration).toMatchObject({
      triggerType: "Manual",
      manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 },
      replicaTimeout: 600,
      replicaRetryLimit: 0,
    });
    expect(job.configuration).not.toHaveProperty("scheduleTriggerConfig");
    expect(job.configuration).not.toHaveProperty("eventTriggerConfig");
    const containers = job.template.containers as any[];
    expect(containers).toHaveLength(1);
    const [migrate] = containers;
    expect(migrate.name).toBe("migrate");
    // The very image the app runs, by digest; node (the ENTRYPOINT) runs the migrator instead of the server.
    expect(migrate.image).toBe(apiContainer(r).image);
    expect(migrate.image).toBe(r.result.outputs.imageDigest);
    expect(migrate.args).toEqual(["dist/api/cli/migrate.js"]);
    expect(migrate).not.toHaveProperty("command");
    expect(migrate.resources).toEqual({ cpu: 0.25, memory: "0.5Gi" });
    expect(migrate).not.toHaveProperty("probes");
    // An execution needs the Entra administrator and the pull grant.
    expect(r.one(T.job).dependencies).toEqual(
      expect.arrayContaining([r.one(T.entraAdmin).urn, r.one(T.role, "migrator-acr-pull").urn]),
    );
  });

  it("gives the migrator an environment the migrate CLI accepts: its own token, the API role's object id, the owner's password from Key Vault", () => {
    const r = run(stack);
    const job = r.props(T.job);
    const env = job.template.containers[0].env as {
      name: string;
      value?: string;
      secretRef?: string;
    }[];
    const names = env.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    // One secret: the owner's password, a Key Vault reference (pinned version) read with the migrator identity.
    expect(env.filter((e) => "secretRef" in e)).toEqual([
      { name: "DATABASE_OWNER_PASSWORD", secretRef: "database-owner-password" },
    ]);
    expect(job.configuration.secrets).toEqual([
      {
        name: "database-owner-password",
        keyVaultUrl: expect.stringMatching(
          /^https:\/\/[a-z0-9-]+\.vault\.azure\.net\/secrets\/database-password\/[0-9a-f]{32}$/,
        ),
        identity: fakeId(migratorIdentity(r)),
      },
    ]);
    expect(job.configuration.secrets[0]).not.toHaveProperty("value");
    expect(plain(r.props(T.secret, "database-password-secret")).secretName).toBe("database-password");
    for (const e of env.filter((x) => !("secretRef" in x))) expect(typeof e.value, e.name).toBe("string");
    const values = Object.fromEntries(env.map((e) => [e.name, e.value ?? `secretRef:${e.secretRef}`]));
    expect(values).toMatchObject({
      NODE_ENV: "production",
      DATABASE_NAME: "twincloud",
      DATABASE_PORT: "5432",
      DATABASE_HOST: r.result.outputs.databaseHost,
      DATABASE_AUTH: "azure-entra",
      // The Entra administrator's role (named after the migrator identity), not the password administrator.
      DATABASE_USER: r.props(T.entraAdmin).principalName,
      AZURE_CLIENT_ID: migratorIdentity(r).state.clientId,
      DATABASE_SSL: "verify-full",
      DATABASE_CA_FILE: "/etc/ssl/certs/ca-certificates.crt",
      DATABASE_API_ROLE: "twincloud_api",
      DATABASE_API_AUTH: "azure-entra",
      DATABASE_API_PRINCIPAL_ID: apiIdentity(r).state.principalId,
      // The owner of the tables (the password administrator), as which it migrates and grants.
      DATABASE_OWNER_USER: r.spec.database.username,
    });
    expect(values.DATABASE_USER).not.toBe(r.spec.database.username);
    for (const name of ["DATABASE_PASSWORD", "DATABASE_URL", "DATABASE_API_PASSWORD"])
      expect(names).not.toContain(name);
    // Every other variable of spec.migration as the spec has it.
    const { DATABASE_USER: _admin, ...fromSpec } = r.spec.migration.environment;
    expect(values).toMatchObject(fromSpec);
    // What api/cli/migrate.ts parses: the API's config schema and the migrator's role schema.
    const config = apiEnvironmentSchema.safeParse(values);
    expect(config.success, JSON.stringify(config.error?.issues)).toBe(true);
    const role = apiRoleEnvironmentSchema.safeParse({ ...values, DATABASE_OWNER_PASSWORD: "from-key-vault" });
    expect(role.success, JSON.stringify(role.error?.issues)).toBe(true);
    expect(role.data).toMatchObject({
      DATABASE_API_ROLE: r.spec.database.apiRole,
      DATABASE_API_AUTH: "azure-entra",
      DATABASE_API_PRINCIPAL_ID: apiIdentity(r).state.principalId,
    });
  });

  it("exports the job the deploy pipeline starts (az containerapp job start -n <jobName> -g <resourceGroup>)", () => {
    const r = run(stack);
    expect(r.result.outputs.migration).toEqual({
      cloud: "azure",
      resourceGroup: r.props(T.group).resourceGroupName,
      jobName: r.props(T.job).jobName,
    });
  });
});
