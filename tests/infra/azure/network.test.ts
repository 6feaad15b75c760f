// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/** infra/azure/network.ts: the database has no public network path, per shipped stack under mocks. */
import { describe, expect, it } from "vitest";
import { fakeId } from "../../../tools/mock/fake-id.js";
import { T, useAzureStacks } from "../../support/azure-stack.js";
import { STACKS } from "../../support/rendered.js";
import { plain } from "../../support/stacks.js";

const run = useAzureStacks();

describe.each(STACKS)("Azure stack %s", (stack) => {
  it("gives the database no public network path", () => {
    const r = run(stack);
    const server = r.props(T.server);
    const dbSubnet = r
      .all(T.subnet)
      .find((s) =>
        plain(s.props).delegations?.some(
          (d: any) => d.serviceName === "Microsoft.DBforPostgreSQL/flexibleServers",
        ),
      );
    if (!dbSubnet) throw new Error("no subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers");
    const zone = r
      .all(T.zone)
      .find((z) => /\.private\.postgres\.database\.azure\.com$/.test(plain(z.props).privateZoneName));
    if (!zone) throw new Error("no PostgreSQL private DNS zone");
    expect(server.network).toEqual({
      publicNetworkAccess: "Disabled",
      delegatedSubnetResourceId: fakeId(dbSubnet),
      privateDnsZoneArmResourceId: fakeId(zone),
    });
    // The zone is linked to the VNet before the server is created.
    const link = r
      .all(T.link)
      .find((l) => plain(l.props).privateZoneName === plain(zone.props).privateZoneName);
    expect(plain(link?.props).virtualNetwork).toEqual({ id: fakeId(r.one(T.vnet)) });
    expect(r.one(T.server).dependencies).toContain(link?.urn);
    // No firewall rule of any kind, no private endpoint or public IP for the server.
    expect(r.result.resources.filter((x) => /FirewallRule|PublicIPAddress/i.test(x.type))).toEqual([]);
    // Inside the VNet, only the apps subnet reaches PostgreSQL.
    const apps = plain(
      r
        .all(T.subnet)
        .find((s) =>
          plain(s.props).delegations?.some((d: any) => d.serviceName === "Microsoft.App/environments"),
        )?.props,
    );
    const rules = r.props(T.nsg).securityRules as any[];
    const allowPostgres = rules.filter((x) => x.access === "Allow" && x.destinationPortRange === "5432");
    expect(allowPostgres.map((x) => x.sourceAddressPrefix)).toEqual([apps.addressPrefix]);
    expect(plain(dbSubnet.props).networkSecurityGroup).toEqual({ id: fakeId(r.one(T.nsg)) });
  });
});
