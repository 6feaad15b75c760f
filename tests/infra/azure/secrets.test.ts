// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/** infra/azure/secrets.ts: the Key Vault and the administrator's password in it, per shipped stack under mocks. */
import { describe, expect, it } from "vitest";
import { fakeId } from "../../../tools/mock/fake-id.js";
import { apiIdentity, T, TIER_EXPECTATIONS, useAzureStacks } from "../../support/azure-stack.js";
import { STACKS } from "../../support/rendered.js";
import { isSecret, plain, withoutSecrets } from "../../support/stacks.js";

const run = useAzureStacks();

describe.each(STACKS)("Azure stack %s", (stack) => {
  const tier = TIER_EXPECTATIONS[stack];

  it("keeps the database administrator's password out of every plain value, the app and the job", () => {
    const r = run(stack);
    const password = String(r.one(T.password).state.result);
    expect(password.length).toBeGreaterThanOrEqual(32);
    // The password appears only inside Pulumi secrets (Key Vault secret, server admin password).
    for (const res of r.result.resources.filter((x) => x.type !== T.password)) {
      expect(JSON.stringify(withoutSecrets(res.props)), `${res.type} ${res.name}`).not.toContain(password);
    }
    expect(isSecret(r.one(T.server).props.administratorLoginPassword)).toBe(true);
    const passwordSecret = r.one(T.secret, "database-password-secret");
    expect(plain(passwordSecret.props).properties.value).toBe(password);
    expect(isSecret(passwordSecret.props.properties)).toBe(true);
    // The Container App has no secret with a value: Key Vault references only, read with the app identity,
    // each pinned to the version Pulumi wrote. None is the administrator's password (the API logs in with a
    // token); the migration job's one secret is that password (its own test, "database identity").
    const secrets = r.props(T.app).configuration.secrets as any[];
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(secret).not.toHaveProperty("value");
      expect(secret.keyVaultUrl).toMatch(
        /^https:\/\/[a-z0-9-]+\.vault\.azure\.net\/secrets\/[a-z0-9-]+\/[0-9a-f]{32}$/,
      );
      expect(secret.keyVaultUrl).not.toContain("/secrets/database-password");
      expect(secret.identity).toBe(fakeId(apiIdentity(r)));
    }
    expect((r.props(T.job).configuration.secrets as any[]).map((x) => x.keyVaultUrl)).toEqual([
      expect.stringMatching(
        /^https:\/\/[a-z0-9-]+\.vault\.azure\.net\/secrets\/database-password\/[0-9a-f]{32}$/,
      ),
    ]);
    // The workspace shared key reaches the environment as a secret.
    expect(isSecret(r.one(T.environment).props.appLogsConfiguration)).toBe(true);
  });

  it("locks down the vault: RBAC, soft delete, network deny, purge protection in prod", () => {
    const r = run(stack);
    const vault = r.props(T.vault).properties;
    expect(vault.enableRbacAuthorization).toBe(true);
    expect(vault.enableSoftDelete).toBe(true);
    expect(vault.enablePurgeProtection).toBe(tier.prod ? true : undefined);
    expect(vault.networkAcls).toMatchObject({ defaultAction: "Deny", bypass: "AzureServices", ipRules: [] });
    expect(vault.accessPolicies).toBeUndefined();
    expect(r.one(T.vault).opts.protect).toBe(tier.prod);
    // Reached from the VNet through a private endpoint on the endpoints subnet.
    const endpoint = r.props(T.endpoint);
    expect(endpoint.privateLinkServiceConnections).toEqual([
      { name: "vault", privateLinkServiceId: fakeId(r.one(T.vault)), groupIds: ["vault"] },
    ]);
  });
});
