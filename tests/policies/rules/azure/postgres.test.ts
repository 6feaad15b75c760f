// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/azure/postgres.ts: private network, firewall rules, backups, HA, Entra ID logins. */
import { describe, expect, it } from "vitest";
import { azureStack, byPolicy, find, firewall, refresh, run, summary } from "../../fixtures.js";
import { blocksEach } from "../mutations.js";

blocksEach("azure/postgres", [
  [
    "public database",
    "azure",
    "db",
    (p) => void (p.network = { publicNetworkAccess: "Enabled" }),
    "azure-postgres-private",
  ],
  [
    "0-day backups",
    "azure",
    "db",
    (p) => void (p.backup = { backupRetentionDays: 0, geoRedundantBackup: "Enabled" }),
    "azure-postgres-backup-retention",
  ],
  [
    "backups missing",
    "azure",
    "db",
    (p) => void (p.backup = { geoRedundantBackup: "Enabled" }),
    "azure-postgres-backup-retention",
  ],
  [
    "no geo backup",
    "azure",
    "db",
    (p) => void (p.backup = { backupRetentionDays: 35 }),
    "azure-postgres-geo-redundant-backup",
  ],
  [
    "HA disabled",
    "azure",
    "db",
    (p) => void (p.highAvailability = { mode: "Disabled" }),
    "azure-postgres-high-availability",
  ],
  [
    "Entra ID authentication disabled",
    "azure",
    "db",
    (p) => void (p.authConfig = { activeDirectoryAuth: "Disabled", passwordAuth: "Enabled" }),
    "azure-postgres-entra-auth",
  ],
  [
    "no authConfig at all (password only)",
    "azure",
    "db",
    (p) => void delete p.authConfig,
    "azure-postgres-entra-auth",
  ],
  [
    "allow-all firewall rule",
    "azure",
    "db",
    (_p, all) => void all.push(firewall("0.0.0.0", "255.255.255.255")),
    "azure-postgres-no-allow-all-firewall",
  ],
  [
    "allow Azure services firewall rule",
    "azure",
    "db",
    (_p, all) => void all.push(firewall("0.0.0.0", "0.0.0.0")),
    "azure-postgres-no-allow-all-firewall",
  ],
]);

describe("edge cases", () => {
  it("Entra ID authentication: ARM compares enums case-insensitively, password auth beside it is allowed", () => {
    const stack = azureStack("prod");
    find(stack, "db").props.authConfig = { activeDirectoryAuth: "enabled", passwordAuth: "Enabled" };
    expect(byPolicy(run(refresh(stack)), "azure-postgres-entra-auth")).toEqual([]);
  });

  it("a server without Entra ID authentication is advisory in dev, mandatory in staging", () => {
    for (const [env, level] of [
      ["dev", "advisory"],
      ["staging", "mandatory"],
    ] as const) {
      const stack = azureStack(env);
      delete find(stack, "db").props.authConfig;
      // The environment's own policies/config/<env>.json.
      const violations = byPolicy(run(refresh(stack), { environment: env }), "azure-postgres-entra-auth");
      expect(
        violations.map((v) => v.enforcementLevel),
        env,
      ).toEqual([level]);
    }
  });

  it("Flexible Server VNet-integrated without an explicit publicNetworkAccess is private", () => {
    const stack = azureStack("prod");
    find(stack, "db").props.network = { delegatedSubnetResourceId: "/subnets/db" };
    expect(summary(run(refresh(stack)))).toEqual([]);
  });

  it("a Flexible Server with no network block at all is public", () => {
    const stack = azureStack("prod");
    delete find(stack, "db").props.network;
    expect(byPolicy(run(refresh(stack)), "azure-postgres-private")).toHaveLength(1);
  });

  it("a narrow firewall rule passes the resource rule but not the reachability rule", () => {
    const stack = [...azureStack("prod"), firewall("203.0.113.5", "203.0.113.5")];
    const v = run(stack);
    expect(byPolicy(v, "azure-postgres-no-allow-all-firewall")).toEqual([]);
    expect(byPolicy(v, "network-reachability")).toHaveLength(1);
  });
});
