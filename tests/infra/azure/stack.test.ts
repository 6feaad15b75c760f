// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/**
 * The Azure program as a whole, for each shipped stack (dev, staging, prod) under Pulumi mocks with the real
 * Pulumi.<stack>.yaml values forced onto Azure (infra/azure/index.ts and what it returns). Stack-level, not one
 * module's: one of each building block in one resource group, a census of every resource's tags, the outputs
 * the AWS stack exports too, and names unique across the stacks.
 */
import { describe, expect, it } from "vitest";
import { fakeId } from "../../../tools/mock/fake-id.js";
import { T, useAzureStacks } from "../../support/azure-stack.js";
import { STACKS } from "../../support/rendered.js";
import { plain } from "../../support/stacks.js";

const run = useAzureStacks();

/** azure-native types whose API has no `tags` (every other azure-native resource must carry spec.tags). */
const UNTAGGABLE = new Set<string>([
  T.subnet,
  T.role,
  T.lock,
  T.configuration,
  T.database,
  T.entraAdmin,
  "azure-native:network:PrivateDnsZoneGroup",
  "azure-native:monitor:DiagnosticSetting",
]);

describe.each(STACKS)("Azure stack %s", (stack) => {
  it("creates one of each building block, in one resource group", () => {
    const r = run(stack);
    for (const type of [
      T.group,
      T.workspace,
      T.vnet,
      T.nsg,
      T.endpoint,
      T.registry,
      T.image,
      T.vault,
      T.password,
      T.server,
      T.configuration,
      T.database,
      T.entraAdmin,
      T.environment,
      T.app,
      T.job,
      T.actionGroup,
    ]) {
      expect(r.all(type), type).toHaveLength(1);
    }
    // The API's identity and the migrator's (docs/database-identity.md).
    expect(
      r
        .all(T.identity)
        .map((x) => x.name)
        .sort(),
    ).toEqual(["api-identity", "migrator-identity"]);
    expect(r.all(T.queryRule)).toHaveLength(2);
    // The database administrator's password (break-glass) and the bootstrap API key.
    expect(
      r
        .all(T.secret)
        .map((x) => x.name)
        .sort(),
    ).toEqual(["bootstrap-api-key-secret", "database-password-secret"]);
    expect(r.all(T.subnet)).toHaveLength(3);
    expect(r.all(T.zone).map((z) => plain(z.props).privateZoneName)).toEqual(
      expect.arrayContaining([
        "privatelink.vaultcore.azure.net",
        expect.stringMatching(/\.private\.postgres\.database\.azure\.com$/),
      ]),
    );
    const groupName = r.props(T.group).resourceGroupName;
    for (const res of r.result.resources.filter(
      (x) => x.type.startsWith("azure-native:") && x.type !== T.group,
    )) {
      const props = plain(res.props);
      if ("resourceGroupName" in props) expect(props.resourceGroupName, res.name).toBe(groupName);
    }
  });

  it("tags every taggable resource with the spec's tags", () => {
    const r = run(stack);
    const expected = { project: "twincloud", environment: stack, stack, "managed-by": "pulumi" };
    const tagged = r.result.resources.filter(
      (x) => x.type.startsWith("azure-native:") && !UNTAGGABLE.has(x.type),
    );
    expect(tagged.length).toBeGreaterThan(15);
    for (const res of tagged) {
      // Availability tests also carry the tag that links them to their Application Insights resource.
      const tags = Object.fromEntries(
        Object.entries(plain(res.props).tags ?? {}).filter(([key]) => !key.startsWith("hidden-link:")),
      );
      expect(tags, `${res.type} ${res.name}`).toEqual(expected);
    }
  });

  it("exports the same outputs as the AWS stack", () => {
    const r = run(stack);
    const out = r.result.outputs;
    expect(out.cloud).toBe("azure");
    expect(out.environment).toBe(stack);
    expect(out.url).toBe(
      `https://${r.props(T.app).containerAppName}.${String(r.one(T.environment).state.defaultDomain)}`,
    );
    expect(out.databaseHost).toBe(`${r.props(T.server).serverName}.postgres.database.azure.com`);
    expect(out.alertTarget).toBe(fakeId(r.one(T.actionGroup)));
    expect(out.dashboardUrl).toMatch(/^https:\/\/portal\.azure\.com\/#@[0-9a-f-]+\/resource.+\/logs$/);
  });
});

describe("Azure stacks across tiers", () => {
  it("give every stack its own globally unique names", () => {
    const names = STACKS.map((s) => run(s).props(T.vault).vaultName);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9-]{1,22}[a-z0-9]$/);
    expect(new Set(names).size).toBe(STACKS.length);
    for (const s of STACKS) {
      expect(run(s).props(T.registry).registryName).toMatch(/^[a-z0-9]{5,50}$/);
      expect(run(s).props(T.app).containerAppName.length).toBeLessThanOrEqual(32);
    }
  });
});
