/**
 * The awsx stub: a component provider whose Construct registers, through the engine's resource monitor,
 * the children the real `awsx:ec2:Vpc` creates (pulumi/pulumi-awsx awsx/ec2/vpc.ts and
 * subnetDistributorNew.ts, read for this): the `aws:ec2/vpc:Vpc` named like the component, an internet
 * gateway under it, per availability zone one subnet per spec (public first) named
 * `<vpc>-<type>-<az#>`, each with a route table, a route table association and a default route (public →
 * internet gateway, private → NAT gateway), and NAT gateways with an EIP each (`<vpc>-<az#>`) per the NAT
 * strategy. Subnet CIDRs follow the component's "Auto" allocation. The outputs are the component's
 * (vpcId, publicSubnetIds, privateSubnetIds, isolatedSubnetIds, subnets, routeTables, ...).
 *
 * It runs on @pulumi/pulumi's own provider server (pulumi.provider.main), which points the Pulumi runtime at
 * the monitor address in the Construct request — as the real awsx provider (a Node.js program) does; the
 * children are @pulumi/aws resources, so the engine sends them to the aws provider (the aws stub here).
 * Inputs are checked against the awsx SDK's declarations (`VpcArgs`) like the other stubs' Check.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { resourceSchema, sdkVersion } from "./sdk-schema.js";
import { planSubnets, type SubnetSpecInput } from "./subnets.js";
import { checkInputs } from "./validate.js";
import type { Props } from "./values.js";

// --- the component

type Args = Record<string, unknown>;

function plain<T>(v: unknown): T | undefined {
  return pulumi.Output.isInstance(v) ? undefined : (v as T | undefined);
}

class Vpc extends pulumi.ComponentResource {
  constructor(name: string, opts: pulumi.ComponentResourceOptions) {
    super("awsx:ec2:Vpc", name, {}, opts);
  }

  complete(outputs: Record<string, unknown>): void {
    this.registerOutputs(outputs);
  }
}

async function constructVpc(
  name: string,
  args: Args,
  opts: pulumi.ComponentResourceOptions,
): Promise<{ urn: pulumi.Output<string>; state: Record<string, unknown> }> {
  const component = new Vpc(name, opts);
  const tags = plain<Record<string, string>>(args.tags) ?? {};
  const sharedTags = { Name: name, ...tags };
  const cidrBlock = plain<string>(args.cidrBlock) ?? "10.0.0.0/16";
  const explicitAzs = plain<string[]>(args.availabilityZoneNames);
  if (explicitAzs && args.numberOfAvailabilityZones !== undefined) {
    throw new Error("Only one of [availabilityZoneNames] and [numberOfAvailabilityZones] can be specified");
  }
  let azNames = explicitAzs;
  if (!azNames) {
    const count = plain<number>(args.numberOfAvailabilityZones) ?? 3;
    const result = await aws.getAvailabilityZones({}, { parent: component });
    if (result.names.length < count) {
      throw new Error(
        `The configured region for this provider does not have at least ${count} Availability Zones.`,
      );
    }
    azNames = result.names.slice(0, count);
  }
  const natStrategy = (plain<{ strategy?: string }>(args.natGateways)?.strategy ?? "OnePerAz").toLowerCase();
  const strategy = plain<string>(args.subnetStrategy) ?? "Legacy";
  if (strategy !== "Auto") {
    pulumi.log.warn(
      `rehearsal stub: awsx:ec2:Vpc subnetStrategy "${strategy}" is laid out like "Auto" here`,
      component,
    );
  }
  const specs = plain<SubnetSpecInput[]>(args.subnetSpecs);
  const layout = planSubnets(name, cidrBlock, azNames, specs, plain<number>(args.availabilityZoneCidrMask));

  const vpc = new aws.ec2.Vpc(
    name,
    {
      cidrBlock,
      enableDnsHostnames: plain<boolean>(args.enableDnsHostnames) ?? true,
      enableDnsSupport: plain<boolean>(args.enableDnsSupport) ?? true,
      ...(args.instanceTenancy !== undefined ? { instanceTenancy: args.instanceTenancy as string } : {}),
      tags: sharedTags,
    },
    { parent: component },
  );
  const igw = new aws.ec2.InternetGateway(
    name,
    { vpcId: vpc.id, tags: sharedTags },
    { parent: vpc, dependsOn: [vpc] },
  );

  const subnets: aws.ec2.Subnet[] = [];
  const routeTables: aws.ec2.RouteTable[] = [];
  const routeTableAssociations: aws.ec2.RouteTableAssociation[] = [];
  const routes: aws.ec2.Route[] = [];
  const natGateways: aws.ec2.NatGateway[] = [];
  const eips: aws.ec2.Eip[] = [];
  const ids: Record<string, pulumi.Output<string>[]> = { public: [], private: [], isolated: [] };

  for (const spec of layout) {
    const type = spec.type.toLowerCase();
    const subnet = new aws.ec2.Subnet(
      spec.resourceName,
      {
        vpcId: vpc.id,
        availabilityZone: spec.azName,
        mapPublicIpOnLaunch: type === "public",
        cidrBlock: spec.cidrBlock,
        assignIpv6AddressOnCreation: false,
        tags: { ...sharedTags, ...spec.tags, Name: spec.resourceName, SubnetType: spec.type },
      },
      { parent: vpc, dependsOn: [vpc] },
    );
    subnets.push(subnet);
    (ids[type] ?? ids.isolated)?.push(subnet.id);
    const routeTable = new aws.ec2.RouteTable(
      spec.resourceName,
      { vpcId: vpc.id, tags: { ...sharedTags, Name: spec.resourceName, SubnetType: spec.type } },
      { parent: subnet, dependsOn: [subnet] },
    );
    routeTables.push(routeTable);
    routeTableAssociations.push(
      new aws.ec2.RouteTableAssociation(
        spec.resourceName,
        { routeTableId: routeTable.id, subnetId: subnet.id },
        { parent: routeTable, dependsOn: [routeTable] },
      ),
    );
    const wantsNat =
      type === "public" &&
      (natStrategy === "single"
        ? natGateways.length < 1
        : natStrategy === "oneperaz" && natGateways.length < spec.azIndex + 1);
    if (wantsNat) {
      const eipName = `${name}-${spec.azIndex + 1}`;
      const eip = new aws.ec2.Eip(
        eipName,
        { tags: { ...tags, Name: eipName } },
        { parent: subnet, dependsOn: [subnet] },
      );
      eips.push(eip);
      natGateways.push(
        new aws.ec2.NatGateway(
          eipName,
          { subnetId: subnet.id, allocationId: eip.allocationId, tags: { ...tags, Name: eipName } },
          { parent: subnet, dependsOn: [subnet] },
        ),
      );
    }
    if (type === "public") {
      routes.push(
        new aws.ec2.Route(
          spec.resourceName,
          { routeTableId: routeTable.id, gatewayId: igw.id, destinationCidrBlock: "0.0.0.0/0" },
          { parent: routeTable, dependsOn: [routeTable] },
        ),
      );
    } else if (type === "private" && natStrategy !== "none") {
      const nat = natStrategy === "single" ? natGateways[0] : natGateways[spec.azIndex];
      if (!nat) throw new Error(`no NAT gateway for ${spec.resourceName}: public subnets must come first`);
      routes.push(
        new aws.ec2.Route(
          spec.resourceName,
          { routeTableId: routeTable.id, natGatewayId: nat.id, destinationCidrBlock: "0.0.0.0/0" },
          { parent: routeTable, dependsOn: [routeTable] },
        ),
      );
    }
  }

  const state = {
    vpc,
    vpcId: vpc.id,
    subnets,
    publicSubnetIds: pulumi.all(ids.public ?? []),
    privateSubnetIds: pulumi.all(ids.private ?? []),
    isolatedSubnetIds: pulumi.all(ids.isolated ?? []),
    routeTables,
    routeTableAssociations,
    routes,
    internetGateway: igw,
    natGateways,
    eips,
    vpcEndpoints: [],
    subnetLayout: (specs ?? []).map((s) => ({
      type: s.type,
      ...(s.cidrMask ? { cidrMask: s.cidrMask } : {}),
      ...(s.name ? { name: s.name } : {}),
    })),
  };
  component.complete(state);
  return { urn: component.urn, state };
}

/** Check a component's inputs like the other stubs' Check; plain values only (outputs are not known yet). */
function validateComponent(type: string, inputs: Args): void {
  const schema = resourceSchema(type);
  if (!schema) throw new Error(`unknown resource type ${type}: @pulumi/awsx does not declare it`);
  const known: Props = {};
  for (const [k, v] of Object.entries(inputs)) if (!pulumi.Output.isInstance(v)) known[k] = v;
  const failures = checkInputs(known, schema).filter((f) => {
    // a required input given as an Output is present, just not known here
    const top = f.property.split(/[.[]/)[0] ?? "";
    return !(f.reason.startsWith("missing required") && top in inputs);
  });
  if (failures.length > 0) {
    throw new pulumi.InputPropertiesError({
      message: `${type}: ${failures.length} invalid input${failures.length > 1 ? "s" : ""}: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`,
      errors: failures.map((f) => ({ propertyPath: f.property, reason: f.reason })),
    });
  }
}

export async function serveAwsx(args: string[]): Promise<void> {
  const provider: pulumi.provider.Provider = {
    version: sdkVersion("awsx"),
    async construct(name, type, inputs, options) {
      validateComponent(type, inputs as Args);
      if (type === "awsx:ec2:Vpc") return constructVpc(name, inputs as Args, options);
      throw new Error(
        `${type}: the rehearsal's awsx stub constructs only awsx:ec2:Vpc (add the component to tools/rehearse/providers/awsx.ts)`,
      );
    },
  };
  await pulumi.provider.main(provider, args);
}
