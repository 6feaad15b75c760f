/**
 * Network: one VNet with three subnets (Container Apps environment, PostgreSQL, private endpoints) and the
 * private DNS zones the database and the vault resolve through. Nothing in it has a public IP of its own: the
 * only public entry point is the Container Apps environment's managed ingress.
 */
import * as network from "@pulumi/azure-native/network/index.js";
import * as privatedns from "@pulumi/azure-native/privatedns/index.js";
import type * as pulumi from "@pulumi/pulumi";
import type { GroupArgs } from "./group.js";
import { addressPlan, KEY_VAULT_PRIVATE_DNS_ZONE, type resourceNames } from "./naming.js";

export interface NetworkArgs extends GroupArgs {
  names: ReturnType<typeof resourceNames>;
}

export interface Network {
  vnet: network.VirtualNetwork;
  appsSubnet: network.Subnet;
  databaseSubnet: network.Subnet;
  endpointsSubnet: network.Subnet;
  databaseDnsZone: privatedns.PrivateZone;
  databaseDnsLink: privatedns.VirtualNetworkLink;
  keyVaultDnsZone: privatedns.PrivateZone;
  keyVaultDnsLink: privatedns.VirtualNetworkLink;
}

export function createNetwork(args: NetworkArgs, opts: pulumi.ComponentResourceOptions): Network {
  const { spec, resourceGroupName, location, names } = args;
  const plan = addressPlan(spec.network.cidr);
  const tags = spec.tags;

  const vnet = new network.VirtualNetwork(
    "vnet",
    {
      resourceGroupName,
      location,
      virtualNetworkName: names.vnet,
      addressSpace: { addressPrefixes: [plan.vnet] },
      tags,
    },
    // Subnets are separate resources; the VNet must not try to own (and delete) them on update.
    { ...opts, ignoreChanges: ["subnets"] },
  );

  // The database subnet accepts PostgreSQL only from the apps subnet (and from itself: HA replication),
  // nothing else from inside or outside the VNet. Azure's platform traffic does not pass through NSGs.
  const databaseNsg = new network.NetworkSecurityGroup(
    "database-nsg",
    {
      resourceGroupName,
      location,
      networkSecurityGroupName: `nsg-${names.vnet}-database`,
      securityRules: [
        {
          name: "allow-postgres-from-apps",
          priority: 100,
          direction: "Inbound",
          access: "Allow",
          protocol: "Tcp",
          sourceAddressPrefix: plan.apps,
          sourcePortRange: "*",
          destinationAddressPrefix: plan.database,
          destinationPortRange: String(spec.database.port),
        },
        {
          name: "allow-within-database-subnet",
          priority: 110,
          direction: "Inbound",
          access: "Allow",
          protocol: "*",
          sourceAddressPrefix: plan.database,
          sourcePortRange: "*",
          destinationAddressPrefix: plan.database,
          destinationPortRange: "*",
        },
        {
          name: "deny-other-vnet-inbound",
          priority: 4000,
          direction: "Inbound",
          access: "Deny",
          protocol: "*",
          sourceAddressPrefix: "VirtualNetwork",
          sourcePortRange: "*",
          destinationAddressPrefix: "*",
          destinationPortRange: "*",
        },
      ],
      tags,
    },
    opts,
  );

  // Azure rejects concurrent subnet operations on one VNet (AnotherOperationInProgress): create them in turn.
  const appsSubnet = new network.Subnet(
    "apps-subnet",
    {
      resourceGroupName,
      virtualNetworkName: vnet.name,
      subnetName: "snet-apps",
      addressPrefix: plan.apps,
      // Workload-profiles environments need the subnet delegated to Microsoft.App/environments.
      delegations: [{ name: "container-apps", serviceName: "Microsoft.App/environments" }],
    },
    opts,
  );
  const databaseSubnet = new network.Subnet(
    "database-subnet",
    {
      resourceGroupName,
      virtualNetworkName: vnet.name,
      subnetName: "snet-database",
      addressPrefix: plan.database,
      delegations: [{ name: "postgres-flexible", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" }],
      networkSecurityGroup: { id: databaseNsg.id },
    },
    { ...opts, dependsOn: [appsSubnet] },
  );
  const endpointsSubnet = new network.Subnet(
    "endpoints-subnet",
    {
      resourceGroupName,
      virtualNetworkName: vnet.name,
      subnetName: "snet-private-endpoints",
      addressPrefix: plan.endpoints,
      privateEndpointNetworkPolicies: "Enabled",
      defaultOutboundAccess: false,
    },
    { ...opts, dependsOn: [databaseSubnet] },
  );

  // A private DNS zone resolved from the VNet (linked, no auto-registration): one for the database, one for
  // the vault's private endpoint.
  const privateZone = (name: string, privateZoneName: string) => {
    const zone = new privatedns.PrivateZone(
      `${name}-dns-zone`,
      { resourceGroupName, location: "global", privateZoneName, tags },
      opts,
    );
    const link = new privatedns.VirtualNetworkLink(
      `${name}-dns-link`,
      {
        resourceGroupName,
        location: "global",
        privateZoneName: zone.name,
        virtualNetworkLinkName: `${names.vnet}-link`,
        virtualNetwork: { id: vnet.id },
        registrationEnabled: false,
        tags,
      },
      opts,
    );
    return { zone, link };
  };
  const { zone: databaseDnsZone, link: databaseDnsLink } = privateZone(
    "database",
    names.databasePrivateDnsZone,
  );
  const { zone: keyVaultDnsZone, link: keyVaultDnsLink } = privateZone(
    "keyvault",
    KEY_VAULT_PRIVATE_DNS_ZONE,
  );

  return {
    vnet,
    appsSubnet,
    databaseSubnet,
    endpointsSubnet,
    databaseDnsZone,
    databaseDnsLink,
    keyVaultDnsZone,
    keyVaultDnsLink,
  };
}
