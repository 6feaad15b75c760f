// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/**
 * infra/azure/database.ts: the PostgreSQL Flexible Server per tier under mocks (size, backups, HA, protection,
 * TLS, storage auto-grow left alone after creation), its Entra ID authentication and the migrator's identity as
 * its Entra administrator (issue 14).
 */
import { describe, expect, it } from "vitest";
import type { StackOutputs } from "../../../infra/outputs.js";
import { program } from "../../../infra/program.js";
import { MOCK_AZURE } from "../../../tools/mock/azure.js";
import { fakeId } from "../../../tools/mock/fake-id.js";
import { type CapturedResource, runUnderMocks } from "../../../tools/mock/run.js";
import {
  apiIdentity,
  migratorIdentity,
  T,
  TIER_EXPECTATIONS,
  useAzureStacks,
} from "../../support/azure-stack.js";
import { STACKS } from "../../support/rendered.js";
import { isSecret, plain } from "../../support/stacks.js";

const run = useAzureStacks();

describe.each(STACKS)("Azure stack %s", (stack) => {
  const tier = TIER_EXPECTATIONS[stack];

  it("sizes and protects the database per tier", () => {
    const r = run(stack);
    const server = r.props(T.server);
    expect(server.version).toBe("17");
    expect(server.sku).toMatchObject({ name: tier.sku });
    expect(server.storage).toMatchObject({ storageSizeGB: tier.prod ? 128 : 32, autoGrow: "Enabled" });
    expect(server.backup.backupRetentionDays).toBe(tier.backupRetention);
    expect(server.backup.geoRedundantBackup).toBe(tier.prod ? "Enabled" : "Disabled");
    expect(server.highAvailability.mode).toBe(tier.prod ? "ZoneRedundant" : "Disabled");
    expect(r.one(T.server).opts.protect).toBe(tier.prod);
    expect(r.one(T.database).opts.protect).toBe(tier.prod);
    expect(r.all(T.lock)).toHaveLength(tier.prod ? 1 : 0);
    if (tier.prod) {
      expect(r.props(T.lock)).toMatchObject({ level: "CanNotDelete", scope: fakeId(r.one(T.server)) });
    }
    expect(r.props(T.database)).toMatchObject({
      databaseName: r.spec.database.name,
      serverName: server.serverName,
    });
    expect(server.administratorLogin).toBe(r.spec.database.username);
  });

  it("requires TLS on the database", () => {
    expect(run(stack).props(T.configuration)).toMatchObject({
      configurationName: "require_secure_transport",
      value: "on",
    });
  });
});

describe.each(STACKS)("Azure stack %s: database identity (issue 14)", (stack) => {
  it("turns on Entra ID authentication and keeps password authentication for the break-glass administrator", () => {
    const r = run(stack);
    const server = r.props(T.server);
    expect(server.authConfig).toEqual({
      activeDirectoryAuth: "Enabled",
      passwordAuth: "Enabled",
      tenantId: MOCK_AZURE.tenantId,
    });
    // The password administrator stays (its name replaces the server if changed); its password only as a secret.
    expect(server.administratorLogin).toBe("twincloud_app");
    expect(isSecret(r.one(T.server).props.administratorLoginPassword)).toBe(true);
  });

  it("makes the migrator's identity, not the API's, the server's Microsoft Entra administrator", () => {
    const r = run(stack);
    const migrator = migratorIdentity(r);
    expect(r.props(T.entraAdmin)).toEqual({
      resourceGroupName: r.props(T.group).resourceGroupName,
      serverName: r.props(T.server).serverName,
      objectId: migrator.state.principalId,
      principalName: plain(migrator.props).resourceName,
      principalType: "ServicePrincipal",
      tenantId: MOCK_AZURE.tenantId,
    });
    expect(r.props(T.entraAdmin).objectId).not.toBe(apiIdentity(r).state.principalId);
    expect(plain(migrator.props).resourceName).toBe(`id-twincloud-${stack}-migrator`);
    // Azure serialises server operations (ServerBusy): after the database, which waits for the configuration.
    expect(r.one(T.entraAdmin).dependencies).toContain(r.one(T.database).urn);
  });
});

/** The program with `config` of its own (not a shipped stack). */
const runWith = (stack: string, config: Record<string, string>) =>
  runUnderMocks<StackOutputs>(program, { stack, config });
const ofType = (resources: CapturedResource[], type: string) => resources.filter((r) => r.type === type);

describe("Azure database storage", () => {
  it("ignores storageSizeGB after creation, so auto-grow does not make later updates fail", async () => {
    const { resources } = await runWith("staging", {
      "twincloud:cloud": "azure",
      "azure-native:location": "westeurope",
    });
    const server = ofType(resources, "azure-native:dbforpostgresql:Server")[0]!;
    expect(server.props).toMatchObject({ storage: { autoGrow: "Enabled" } });
    expect(server.opts.ignoreChanges).toEqual(["storage.storageSizeGB"]);
  });
});
