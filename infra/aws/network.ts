/**
 * The network: an awsx VPC (public subnets for the load balancer and NAT, private subnets for the tasks and
 * the database) and the one security-group chain internet → ALB → service → database.
 */
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../spec/index.js";
import { assumeRolePolicy } from "./identity.js";
import { tagsFor } from "./tags.js";

export interface Network {
  vpcId: pulumi.Output<string>;
  publicSubnetIds: pulumi.Output<string[]>;
  privateSubnetIds: pulumi.Output<string[]>;
  albSecurityGroup: aws.ec2.SecurityGroup;
  serviceSecurityGroup: aws.ec2.SecurityGroup;
  databaseSecurityGroup: aws.ec2.SecurityGroup;
}

const ANYWHERE_IPV4 = "0.0.0.0/0";

/** The ports the ALB accepts from the internet: 80 (forward in dev, redirect otherwise) and 443 with TLS. */
function publicListenerPorts(spec: ServiceSpec): number[] {
  return spec.perCloud.aws.certificateArn ? [80, 443] : [80];
}

/** awsx's VPC children that take tags (the component is remote: its children only see transforms). */
const VPC_TAGGABLE_CHILDREN = new Set([
  "aws:ec2/vpc:Vpc",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/natGateway:NatGateway",
  "aws:ec2/eip:Eip",
  "aws:ec2/vpcEndpoint:VpcEndpoint",
]);

/** A transform that puts the spec's tags on every taggable child of the awsx VPC (its own tags win). */
export function vpcChildTags(spec: ServiceSpec): pulumi.ResourceTransform {
  return (args) => {
    if (!VPC_TAGGABLE_CHILDREN.has(args.type)) return undefined;
    const existing = args.props.tags;
    if (
      existing !== undefined &&
      (typeof existing !== "object" || existing === null || pulumi.Output.isInstance(existing))
    ) {
      return undefined;
    }
    return {
      props: { ...args.props, tags: { ...spec.tags, ...(existing as Record<string, string> | undefined) } },
      opts: args.opts,
    };
  };
}

export function createNetwork(spec: ServiceSpec, opts: pulumi.ComponentResourceOptions): Network {
  const vpc = new awsx.ec2.Vpc(
    `${spec.name}-vpc`,
    {
      cidrBlock: spec.network.cidr,
      numberOfAvailabilityZones: spec.network.availabilityZones,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      natGateways: {
        strategy: spec.network.natGatewaysPerAz
          ? awsx.ec2.NatGatewayStrategy.OnePerAz
          : awsx.ec2.NatGatewayStrategy.Single,
      },
      subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
      subnetSpecs: [
        { type: awsx.ec2.SubnetType.Public, cidrMask: 24, tags: tagsFor(spec) },
        { type: awsx.ec2.SubnetType.Private, cidrMask: 20, tags: tagsFor(spec) },
      ],
      tags: tagsFor(spec, `${spec.name}-vpc`),
    },
    { ...opts, transforms: [vpcChildTags(spec)] },
  );

  // Take over the VPC's default security group and leave it without rules (nothing may use it).
  new aws.ec2.DefaultSecurityGroup(
    `${spec.name}-default`,
    {
      vpcId: vpc.vpcId,
      tags: tagsFor(spec, `${spec.name}-default-deny`),
    },
    opts,
  );

  // VPC flow logs (accepted and rejected traffic) to CloudWatch Logs, kept as long as the other logs.
  const flowLogGroup = new aws.cloudwatch.LogGroup(
    `${spec.name}-vpc-flow-logs`,
    {
      name: `/vpc/${spec.name}/flow-logs`,
      retentionInDays: spec.logs.retentionDays,
      tags: tagsFor(spec, `/vpc/${spec.name}/flow-logs`),
    },
    opts,
  );
  const flowLogRole = new aws.iam.Role(
    `${spec.name}-vpc-flow-logs`,
    {
      description: `VPC flow logs delivery for ${spec.name}`,
      assumeRolePolicy: assumeRolePolicy("vpc-flow-logs.amazonaws.com"),
      tags: tagsFor(spec, `${spec.name}-vpc-flow-logs`),
    },
    opts,
  );
  new aws.iam.RolePolicy(
    `${spec.name}-vpc-flow-logs`,
    {
      role: flowLogRole.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: pulumi.interpolate`${flowLogGroup.arn}:*`,
          },
        ],
      }),
    },
    opts,
  );
  new aws.ec2.FlowLog(
    `${spec.name}-vpc`,
    {
      vpcId: vpc.vpcId,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: flowLogGroup.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 60,
      tags: tagsFor(spec, `${spec.name}-vpc`),
    },
    opts,
  );

  const albSecurityGroup = new aws.ec2.SecurityGroup(
    `${spec.name}-alb`,
    {
      description: "Load balancer: HTTP/HTTPS from the internet, forwards to the service only",
      vpcId: vpc.vpcId,
      revokeRulesOnDelete: true,
      tags: tagsFor(spec, `${spec.name}-alb`),
    },
    opts,
  );
  const serviceSecurityGroup = new aws.ec2.SecurityGroup(
    `${spec.name}-service`,
    {
      description: "API tasks: the app port from the load balancer only",
      vpcId: vpc.vpcId,
      revokeRulesOnDelete: true,
      tags: tagsFor(spec, `${spec.name}-service`),
    },
    opts,
  );
  const databaseSecurityGroup = new aws.ec2.SecurityGroup(
    `${spec.name}-database`,
    {
      description: "PostgreSQL: 5432 from the API tasks only",
      vpcId: vpc.vpcId,
      revokeRulesOnDelete: true,
      tags: tagsFor(spec, `${spec.name}-database`),
    },
    opts,
  );

  // internet → ALB
  for (const port of publicListenerPorts(spec)) {
    new aws.vpc.SecurityGroupIngressRule(
      `${spec.name}-alb-in-${port}`,
      {
        securityGroupId: albSecurityGroup.id,
        description: `HTTP${port === 443 ? "S" : ""} from the internet`,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: ANYWHERE_IPV4,
        tags: tagsFor(spec),
      },
      opts,
    );
  }
  // ALB → service (app port only; the metrics port is never reachable from the load balancer)
  new aws.vpc.SecurityGroupEgressRule(
    `${spec.name}-alb-out-service`,
    {
      securityGroupId: albSecurityGroup.id,
      description: "To the API tasks' app port",
      ipProtocol: "tcp",
      fromPort: spec.container.port,
      toPort: spec.container.port,
      referencedSecurityGroupId: serviceSecurityGroup.id,
      tags: tagsFor(spec),
    },
    opts,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${spec.name}-service-in-alb`,
    {
      securityGroupId: serviceSecurityGroup.id,
      description: "App port from the load balancer",
      ipProtocol: "tcp",
      fromPort: spec.container.port,
      toPort: spec.container.port,
      referencedSecurityGroupId: albSecurityGroup.id,
      tags: tagsFor(spec),
    },
    opts,
  );
  // service → database
  new aws.vpc.SecurityGroupEgressRule(
    `${spec.name}-service-out-database`,
    {
      securityGroupId: serviceSecurityGroup.id,
      description: "To PostgreSQL",
      ipProtocol: "tcp",
      fromPort: spec.database.port,
      toPort: spec.database.port,
      referencedSecurityGroupId: databaseSecurityGroup.id,
      tags: tagsFor(spec),
    },
    opts,
  );
  // service → AWS APIs (ECR, Secrets Manager, CloudWatch Logs, X-Ray) through the NAT gateway
  new aws.vpc.SecurityGroupEgressRule(
    `${spec.name}-service-out-https`,
    {
      securityGroupId: serviceSecurityGroup.id,
      description: "HTTPS to AWS APIs (image pull, secrets, logs, traces) via NAT",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: ANYWHERE_IPV4,
      tags: tagsFor(spec),
    },
    opts,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${spec.name}-database-in-service`,
    {
      securityGroupId: databaseSecurityGroup.id,
      description: "PostgreSQL from the API tasks",
      ipProtocol: "tcp",
      fromPort: spec.database.port,
      toPort: spec.database.port,
      referencedSecurityGroupId: serviceSecurityGroup.id,
      tags: tagsFor(spec),
    },
    opts,
  );

  return {
    vpcId: vpc.vpcId,
    publicSubnetIds: vpc.publicSubnetIds,
    privateSubnetIds: vpc.privateSubnetIds,
    albSecurityGroup,
    serviceSecurityGroup,
    databaseSecurityGroup,
  };
}
