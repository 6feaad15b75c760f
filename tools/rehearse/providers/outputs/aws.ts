/**
 * AWS computed outputs, one entry per type token in `AWS_OUTPUTS`: the id and the outputs the real provider
 * would return after Create (ARNs in the provider's region, `vpc-`/`subnet-`/`sg-` ids, RDS endpoints, ALB DNS
 * names, ...). A type without an entry gets its physical name as id; after the entry, `awsState`
 * (aws-state.ts) adds what every type shares (`name`, a generic `arn`, `tagsAll`, `region`) where the type
 * declares it and the entry did not compute it. Everything derives from the type, the URN name and the inputs:
 * no network.
 *
 * To add a type: one entry below, keyed by its token (`aws:<module>/<file>:<Type>`).
 */
import { azShort } from "../cloud.js";
import { guid, hex, type Props, str } from "../values.js";

/** What an entry computes from. */
export interface AwsResource {
  type: string;
  /** The resource's name in its URN. */
  name: string;
  /** The checked inputs, secrets revealed. */
  inputs: Props;
  region: string;
  account: string;
  /** The physical name: the `name` input, else `<URN name>-<7 hex>`. */
  physical: string;
  /** Deterministic hex for this resource (`salt` gives another value). */
  h: (len: number, salt?: string) => string;
  /** An ARN of this account (in the resource's region unless `inRegion` is false). */
  arn: (service: string, resource: string, inRegion?: boolean) => string;
}

/** An entry's answer: the id (default: the physical name) and computed outputs. */
export interface AwsAnswer {
  id?: string;
  out?: Props;
}

const securityGroup = (r: AwsResource): AwsAnswer => {
  const id = `sg-${r.h(17)}`;
  return {
    id,
    out: {
      arn: r.arn("ec2", `security-group/${id}`),
      ownerId: r.account,
      name: str(r.inputs.name, r.type.includes("default") ? "default" : r.physical),
    },
  };
};

const securityGroupRule = (r: AwsResource): AwsAnswer => {
  const id = `sgr-${r.h(17)}`;
  return { id, out: { arn: r.arn("ec2", `security-group-rule/${id}`), securityGroupRuleId: id } };
};

const bucket = (r: AwsResource): AwsAnswer => {
  const name = str(r.inputs.bucket, r.physical);
  return {
    id: name,
    out: {
      bucket: name,
      arn: `arn:aws:s3:::${name}`,
      bucketDomainName: `${name}.s3.amazonaws.com`,
      bucketRegionalDomainName: `${name}.s3.${r.region}.amazonaws.com`,
      hostedZoneId: "Z1BKCTXD74EZPE",
      region: r.region,
    },
  };
};

export const AWS_OUTPUTS: Record<string, (r: AwsResource) => AwsAnswer> = {
  // ---- network
  "aws:ec2/vpc:Vpc": ({ h, arn, account, inputs }) => {
    const id = `vpc-${h(17)}`;
    return {
      id,
      out: {
        arn: arn("ec2", `vpc/${id}`),
        defaultSecurityGroupId: `sg-${h(17, "default-sg")}`,
        defaultRouteTableId: `rtb-${h(17, "main-rtb")}`,
        mainRouteTableId: `rtb-${h(17, "main-rtb")}`,
        defaultNetworkAclId: `acl-${h(17)}`,
        dhcpOptionsId: `dopt-${h(17)}`,
        ownerId: account,
        instanceTenancy: str(inputs.instanceTenancy, "default"),
      },
    };
  },
  "aws:ec2/subnet:Subnet": ({ h, arn, account, region }) => {
    const id = `subnet-${h(17)}`;
    return {
      id,
      out: {
        arn: arn("ec2", `subnet/${id}`),
        ownerId: account,
        availabilityZoneId: `${azShort(region)}-az1`,
      },
    };
  },
  "aws:ec2/routeTable:RouteTable": ({ h, arn, account }) => {
    const id = `rtb-${h(17)}`;
    return { id, out: { arn: arn("ec2", `route-table/${id}`), ownerId: account } };
  },
  "aws:ec2/route:Route": ({ inputs }) => ({
    id: `r-${str(inputs.routeTableId)}1080289494`,
    out: { state: "active", origin: "CreateRoute" },
  }),
  "aws:ec2/routeTableAssociation:RouteTableAssociation": ({ h }) => ({ id: `rtbassoc-${h(17)}` }),
  "aws:ec2/internetGateway:InternetGateway": ({ h, arn, account }) => {
    const id = `igw-${h(17)}`;
    return { id, out: { arn: arn("ec2", `internet-gateway/${id}`), ownerId: account } };
  },
  "aws:ec2/eip:Eip": ({ h, arn, inputs }) => {
    const id = `eipalloc-${h(17)}`;
    const ip = Number.parseInt(h(4), 16);
    return {
      id,
      out: {
        allocationId: id,
        publicIp: `52.${(ip >> 8) % 256}.${ip % 256}.${(ip % 200) + 10}`,
        domain: str(inputs.domain, "vpc"),
        arn: arn("ec2", `elastic-ip/${id}`),
      },
    };
  },
  "aws:ec2/natGateway:NatGateway": ({ h, inputs }) => {
    const ip = Number.parseInt(h(4), 16);
    return {
      id: `nat-${h(17)}`,
      out: {
        networkInterfaceId: `eni-${h(17)}`,
        privateIp: `10.0.${ip % 64}.${(ip % 200) + 10}`,
        connectivityType: str(inputs.connectivityType, "public"),
      },
    };
  },
  "aws:ec2/securityGroup:SecurityGroup": securityGroup,
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": securityGroup,
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": securityGroupRule,
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": securityGroupRule,
  "aws:ec2/flowLog:FlowLog": ({ h, arn }) => {
    const id = `fl-${h(17)}`;
    return { id, out: { arn: arn("ec2", `vpc-flow-log/${id}`) } };
  },

  // ---- image registry
  "aws:ecr/repository:Repository": ({ arn, physical, account, region }) => ({
    out: {
      arn: arn("ecr", `repository/${physical}`),
      name: physical,
      registryId: account,
      repositoryUrl: `${account}.dkr.ecr.${region}.amazonaws.com/${physical}`,
    },
  }),

  // ---- ingress
  "aws:lb/loadBalancer:LoadBalancer": ({ h, arn, physical, region }) => {
    const name = physical.slice(0, 32);
    const suffix = `app/${name}/${h(16)}`;
    const id = arn("elasticloadbalancing", `loadbalancer/${suffix}`);
    return {
      id,
      out: {
        name,
        arn: id,
        arnSuffix: suffix,
        dnsName: `${name}-${h(9).replace(/[a-f]/g, "1")}.${region}.elb.amazonaws.com`,
        zoneId: "Z32O12XQLNTSW2",
        vpcId: `vpc-${hex("vpc", 17)}`,
      },
    };
  },
  "aws:lb/targetGroup:TargetGroup": ({ h, arn, physical }) => {
    const name = physical.slice(0, 32);
    const suffix = `targetgroup/${name}/${h(16)}`;
    const id = arn("elasticloadbalancing", suffix);
    return { id, out: { name, arn: id, arnSuffix: suffix } };
  },
  "aws:lb/listener:Listener": ({ h, arn, name }) => {
    const id = arn("elasticloadbalancing", `listener/app/${name}/${h(16)}/${h(16, "l")}`);
    return { id, out: { arn: id } };
  },
  "aws:wafv2/webAcl:WebAcl": ({ arn, physical, name }) => {
    const id = guid(`waf-${name}`);
    return {
      id,
      out: {
        arn: arn("wafv2", `regional/webacl/${physical}/${id}`),
        capacity: 800,
        lockToken: guid(`lock-${name}`),
      },
    };
  },
  "aws:wafv2/webAclAssociation:WebAclAssociation": ({ inputs }) => ({
    id: `${str(inputs.webAclArn)},${str(inputs.resourceArn)}`,
  }),
  "aws:route53/record:Record": ({ inputs, name }) => {
    const recordName = str(inputs.name, name).replace(/\.$/, "");
    return { id: `${str(inputs.zoneId)}_${recordName}_${str(inputs.type)}`, out: { fqdn: recordName } };
  },

  // ---- storage
  "aws:s3/bucket:Bucket": bucket,
  "aws:s3/bucketV2:BucketV2": bucket,

  // ---- database
  "aws:rds/instance:Instance": ({ inputs, physical, region, h, arn, name }) => {
    const identifier = str(inputs.identifier, physical);
    const address = `${identifier}.${h(12)}.${region}.rds.amazonaws.com`;
    const id = `db-${h(26).toUpperCase()}`;
    return {
      id,
      out: {
        identifier,
        address,
        endpoint: `${address}:${inputs.port ?? 5432}`,
        hostedZoneId: "Z29XKXDKYMONMX",
        arn: arn("rds", `db:${identifier}`),
        resourceId: id,
        status: "available",
        masterUserSecrets: inputs.manageMasterUserPassword
          ? [
              {
                secretArn: arn("secretsmanager", `secret:rds!db-${guid(name)}-${h(6, "s")}`),
                kmsKeyId: str(inputs.masterUserSecretKmsKeyId, arn("kms", "alias/aws/secretsmanager")),
                secretStatus: "active",
              },
            ]
          : [],
      },
    };
  },
  "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": ({ h, arn }) => ({
    id: arn("rds", `auto-backup:ab-${h(26)}`),
  }),
  "aws:rds/subnetGroup:SubnetGroup": ({ physical, arn }) => ({
    out: { name: physical, arn: arn("rds", `subgrp:${physical}`) },
  }),
  "aws:rds/parameterGroup:ParameterGroup": ({ physical, arn }) => ({
    out: { name: physical, arn: arn("rds", `pg:${physical}`) },
  }),

  // ---- compute
  "aws:ecs/cluster:Cluster": ({ physical, arn }) => {
    const id = arn("ecs", `cluster/${physical}`);
    return { id, out: { name: physical, arn: id } };
  },
  "aws:ecs/service:Service": ({ inputs, physical, arn }) => {
    const id = arn("ecs", `service/${str(inputs.cluster).split("/").pop() ?? "cluster"}/${physical}`);
    return { id, out: { name: physical, arn: id } };
  },
  "aws:ecs/taskDefinition:TaskDefinition": ({ inputs, physical, arn }) => {
    const id = str(inputs.family, physical);
    return {
      id,
      out: {
        arn: arn("ecs", `task-definition/${id}:1`),
        arnWithoutRevision: arn("ecs", `task-definition/${id}`),
        revision: 1,
      },
    };
  },
  "aws:appautoscaling/target:Target": ({ inputs, physical, arn, h }) => ({
    id: str(inputs.resourceId, physical),
    out: { arn: arn("application-autoscaling", `scalable-target/${h(32)}`) },
  }),
  "aws:appautoscaling/policy:Policy": ({ inputs, physical, arn, name }) => ({
    out: {
      arn: arn(
        "autoscaling",
        `scalingPolicy:${guid(name)}:resource/${str(inputs.resourceId)}:policyName/${physical}`,
      ),
    },
  }),

  // ---- identity
  "aws:iam/role:Role": ({ inputs, physical, arn, h }) => ({
    out: {
      name: physical,
      arn: arn(
        "iam",
        `role/${str(inputs.path, "/").replace(/^\/|\/$/g, "")}${str(inputs.path, "/") === "/" ? "" : "/"}${physical}`,
        false,
      ),
      uniqueId: `AROA${h(17).toUpperCase()}`,
      createDate: "2026-01-01T00:00:00Z",
    },
  }),
  "aws:iam/rolePolicy:RolePolicy": ({ inputs, physical }) => ({
    id: `${str(inputs.role)}:${physical}`,
    out: { name: physical },
  }),
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ({ inputs, h }) => ({
    id: `${str(inputs.role)}-${h(20)}`,
  }),

  // ---- secrets and keys
  "aws:kms/key:Key": ({ name, arn }) => {
    const id = guid(`kms-${name}`);
    return { id, out: { keyId: id, arn: arn("kms", `key/${id}`) } };
  },
  "aws:secretsmanager/secret:Secret": ({ physical, arn, h }) => {
    const id = arn(
      "secretsmanager",
      `secret:${physical}-${h(6).replace(/[0-9]/g, (d) => "ABCDEFGHIJ"[Number(d)] ?? d)}`,
    );
    return { id, out: { name: physical, arn: id } };
  },
  "aws:secretsmanager/secretVersion:SecretVersion": ({ inputs, name }) => {
    // A new version id whenever the value changes (the value itself is never echoed here).
    const versionId = guid(`${name}\0${JSON.stringify(inputs.secretString ?? inputs.secretBinary ?? "")}`);
    return {
      id: `${str(inputs.secretId)}|${versionId}`,
      out: { arn: str(inputs.secretId), versionId, versionStages: inputs.versionStages ?? ["AWSCURRENT"] },
    };
  },

  // ---- backup
  "aws:backup/vault:Vault": ({ physical, arn }) => ({
    out: { name: physical, arn: arn("backup", `backup-vault:${physical}`), recoveryPoints: 0 },
  }),
  "aws:backup/plan:Plan": ({ name, arn }) => {
    const id = guid(`plan-${name}`);
    return { id, out: { arn: arn("backup", `backup-plan:${id}`), version: hex(`${name}v`, 32) } };
  },
  "aws:backup/selection:Selection": ({ name }) => ({ id: guid(`selection-${name}`) }),

  // ---- monitoring and alerting
  "aws:cloudwatch/logGroup:LogGroup": ({ physical, arn }) => ({
    out: { name: physical, arn: arn("logs", `log-group:${physical}`) },
  }),
  "aws:cloudwatch/metricAlarm:MetricAlarm": ({ physical, arn }) => ({
    out: { arn: arn("cloudwatch", `alarm:${physical}`) },
  }),
  "aws:cloudwatch/dashboard:Dashboard": ({ inputs, physical, account }) => {
    const id = str(inputs.dashboardName, physical);
    return { id, out: { dashboardArn: `arn:aws:cloudwatch::${account}:dashboard/${id}` } };
  },
  "aws:cloudwatch/eventRule:EventRule": ({ physical, arn }) => ({
    out: { name: physical, arn: arn("events", `rule/${physical}`) },
  }),
  "aws:cloudwatch/eventTarget:EventTarget": ({ inputs, h }) => ({
    id: `${str(inputs.rule)}-${str(inputs.targetId, h(8))}`,
    out: { targetId: str(inputs.targetId, `terraform-${h(26)}`) },
  }),
  "aws:sns/topic:Topic": ({ physical, arn, account }) => {
    const id = arn("sns", physical);
    return { id, out: { name: physical, arn: id, owner: account } };
  },
  "aws:sns/topicSubscription:TopicSubscription": ({ inputs, name, account }) => {
    const id = `${str(inputs.topic)}:${guid(name)}`;
    return { id, out: { arn: id, ownerId: account, pendingConfirmation: inputs.protocol === "email" } };
  },
  "aws:sns/topicPolicy:TopicPolicy": ({ inputs, physical, account }) => ({
    id: str(inputs.arn, physical),
    out: { owner: account },
  }),
  "aws:sfn/stateMachine:StateMachine": ({ physical, arn, name }) => {
    const id = arn("states", `stateMachine:${physical}`);
    return { id, out: { name: physical, arn: id, status: "ACTIVE", revisionId: guid(`rev-${name}`) } };
  },
  "aws:amp/workspace:Workspace": ({ name, arn, region }) => {
    const id = `ws-${guid(name)}`;
    return {
      id,
      out: {
        arn: arn("aps", `workspace/${id}`),
        prometheusEndpoint: `https://aps-workspaces.${region}.amazonaws.com/workspaces/${id}/`,
      },
    };
  },
  "aws:amp/ruleGroupNamespace:RuleGroupNamespace": ({ inputs, physical, arn }) => {
    const id = arn("aps", `rulegroupsnamespace/${str(inputs.workspaceId)}/${str(inputs.name, physical)}`);
    return { id, out: { arn: id } };
  },
  "aws:amp/alertManagerDefinition:AlertManagerDefinition": ({ inputs }) => ({ id: str(inputs.workspaceId) }),
  "aws:route53/healthCheck:HealthCheck": ({ name }) => {
    const id = guid(name);
    return { id, out: { arn: `arn:aws:route53:::healthcheck/${id}` } };
  },
};
