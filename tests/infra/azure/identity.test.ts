// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/** infra/azure/identity.ts: the identities' role assignments, per shipped stack under mocks, and their names. */
import { describe, expect, it } from "vitest";
import { roleAssignmentGuid } from "../../../infra/azure/identity.js";
import { ROLE_DEFINITION_IDS } from "../../../infra/azure/naming.js";
import { fakeId } from "../../../tools/mock/fake-id.js";
import { apiIdentity, migratorIdentity, T, useAzureStacks } from "../../support/azure-stack.js";
import { STACKS } from "../../support/rendered.js";
import { plain } from "../../support/stacks.js";

const run = useAzureStacks();

describe.each(STACKS)("Azure stack %s", (stack) => {
  it("grants the app identity exactly AcrPull on the registry and Secrets User on each secret it references, the migrator AcrPull", () => {
    const r = run(stack);
    const principal = String(apiIdentity(r).state.principalId);
    const migrator = String(migratorIdentity(r).state.principalId);
    const grants = r.all(T.role).map((x) => plain(x.props));
    // With cloudMetrics, also Monitoring Metrics Publisher on the data collection rule (tests/infra/azure/monitoring/prometheus.test.ts).
    expect(grants).toHaveLength(r.spec.cloudMetrics.enabled ? 5 : 4);
    for (const g of grants)
      expect(g.roleAssignmentName).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const roleOf = (id: string) => String(id).split("/").pop();
    expect(
      grants.map((g) => ({ role: roleOf(g.roleDefinitionId), scope: g.scope, principalId: g.principalId })),
    ).toEqual(
      expect.arrayContaining([
        { role: ROLE_DEFINITION_IDS.acrPull, scope: fakeId(r.one(T.registry)), principalId: principal },
        {
          role: ROLE_DEFINITION_IDS.keyVaultSecretsUser,
          scope: fakeId(r.one(T.secret, "bootstrap-api-key-secret")),
          principalId: principal,
        },
        { role: ROLE_DEFINITION_IDS.acrPull, scope: fakeId(r.one(T.registry)), principalId: migrator },
      ]),
    );
    // Nobody may read the vault as a whole; the administrator's password only the migrator, on that secret alone.
    const scopes = grants.map((g) => g.scope);
    expect(scopes).not.toContain(fakeId(r.one(T.vault)));
    const password = fakeId(r.one(T.secret, "database-password-secret"));
    expect(
      grants.filter((g) => g.scope === password).map((g) => [roleOf(g.roleDefinitionId), g.principalId]),
    ).toEqual([[ROLE_DEFINITION_IDS.keyVaultSecretsUser, migrator]]);
    expect(grants.filter((g) => g.principalId === principal).map((g) => g.scope)).not.toContain(password);
    // The migrator: the pull and that one secret; its database rights come from the Entra admin resource.
    expect(grants.filter((g) => g.principalId === migrator)).toHaveLength(2);
    expect(ROLE_DEFINITION_IDS.acrPull).toBe("7f951dda-4ed3-4680-a7ca-43fe172d538d");
    expect(ROLE_DEFINITION_IDS.keyVaultSecretsUser).toBe("4633458b-17de-408a-b874-0445c86b69e6");
    // The first revision starts only after the app's grants exist; the job's first execution after its pull.
    const deps = r.one(T.app).dependencies;
    for (const grant of r.all(T.role).filter((g) => plain(g.props).principalId === principal))
      expect(deps).toContain(grant.urn);
    expect(r.one(T.job).dependencies).toEqual(
      expect.arrayContaining([
        r.one(T.role, "migrator-acr-pull").urn,
        r.one(T.role, "migrator-database-password-reader").urn,
      ]),
    );
  });
});

describe("role assignment names", () => {
  it("are GUIDs derived from scope, principal and role", () => {
    const a = roleAssignmentGuid(
      "/subscriptions/x/rg/vault",
      "principal-1",
      "4633458b-17de-408a-b874-0445c86b69e6",
    );
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(
      roleAssignmentGuid("/subscriptions/x/rg/vault", "principal-1", "4633458b-17de-408a-b874-0445c86b69e6"),
    ).toBe(a);
    expect(
      roleAssignmentGuid(
        "/subscriptions/x/rg/registry",
        "principal-1",
        "4633458b-17de-408a-b874-0445c86b69e6",
      ),
    ).not.toBe(a);
  });
});
