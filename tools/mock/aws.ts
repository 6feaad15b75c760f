/** Mock answers for the AWS program: invokes it calls and the computed outputs of the resources it creates. */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { InvokeHandler } from "./run.js";

export const MOCK_ACCOUNT_ID = "123456789012";
/** The regional ELB log-delivery account for eu-west-1 (AWS-published). */
const ELB_ACCOUNTS: Record<string, string> = { "eu-west-1": "156460612806", "eu-central-1": "054676820928" };

function configuredRegion(inputs?: Record<string, unknown>): string {
  const explicit = inputs?.region;
  if (typeof explicit === "string" && explicit) return explicit;
  return new pulumi.Config("aws").get("region") ?? "eu-west-1";
}

function hex(seed: string, length = 64): string {
  let out = "";
  for (let i = 0; out.length < length; i++) out += createHash("sha256").update(`${seed}:${i}`).digest("hex");
  return out.slice(0, length);
}

export const mockInvokes: Record<string, InvokeHandler> = {
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: MOCK_ACCOUNT_ID,
    arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/pulumi`,
    userId: "AIDAMOCKUSER",
    id: MOCK_ACCOUNT_ID,
  }),
  "aws:index/getRegion:getRegion": (inputs) => {
    const region = configuredRegion(inputs);
    return { id: region, region, name: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
  },
  "aws:index/getAvailabilityZones:getAvailabilityZones": (inputs) => {
    const region = configuredRegion(inputs);
    const names = ["a", "b", "c"].map((s) => `${region}${s}`);
    return { id: region, names, zoneIds: names.map((_, i) => `euw1-az${i + 1}`), state: "available" };
  },
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": (inputs) => {
    const registry = (inputs.registryId as string | undefined) ?? MOCK_ACCOUNT_ID;
    const region = configuredRegion();
    return {
      id: registry,
      authorizationToken: Buffer.from("AWS:mock-ecr-password").toString("base64"),
      userName: "AWS",
      password: "mock-ecr-password",
      proxyEndpoint: `https://${registry}.dkr.ecr.${region}.amazonaws.com`,
      expiresAt: "2099-01-01T00:00:00Z",
    };
  },
  // infra/aws/registry.ts asks whether the image's tag was pushed already. The mocks' repository is always
  // empty (a first deploy): no digest, so the program builds and pushes. Tests pass their own handler for
  // "already pushed".
  "aws:ecr/getImage:getImage": (inputs) => ({
    id: String(inputs.repositoryName),
    repositoryName: inputs.repositoryName,
    registryId: MOCK_ACCOUNT_ID,
    imageTags: [],
  }),
  "aws:elb/getServiceAccount:getServiceAccount": (inputs) => {
    const region = configuredRegion(inputs);
    const account = ELB_ACCOUNTS[region] ?? "156460612806";
    return { id: account, arn: `arn:aws:iam::${account}:root`, region };
  },
};

/** Realistic computed outputs (ARNs, DNS names, endpoints, digests) for the AWS types the program uses. */
export function mockResourceState(
  args: pulumi.runtime.MockResourceArgs,
): Record<string, unknown> | undefined {
  const inputs = args.inputs as Record<string, unknown>;
  const region = configuredRegion(inputs);
  const acct = MOCK_ACCOUNT_ID;
  const physical = (inputs.name as string | undefined) ?? `${args.name}-${hex(args.name, 7)}`;
  const arn = (service: string, resource: string, inRegion = true) =>
    `arn:aws:${service}:${inRegion ? region : ""}:${acct}:${resource}`;

  switch (args.type) {
    case "awsx:ec2:Vpc": {
      const azs = Number(inputs.numberOfAvailabilityZones ?? 3);
      const subnets = (kind: string) =>
        Array.from({ length: azs }, (_, i) => `subnet-${kind}${i}${hex(args.name, 8)}`);
      return {
        vpcId: `vpc-${hex(args.name, 17)}`,
        publicSubnetIds: subnets("pub"),
        privateSubnetIds: subnets("prv"),
        isolatedSubnetIds: [],
      };
    }
    case "aws:ecr/repository:Repository":
      return {
        arn: arn("ecr", `repository/${physical}`),
        name: physical,
        registryId: acct,
        repositoryUrl: `${acct}.dkr.ecr.${region}.amazonaws.com/${physical}`,
      };
    case "docker:index/image:Image": {
      const imageName = String(inputs.imageName ?? args.name);
      const repository = imageName.replace(/:[^:/]+$/, "");
      return {
        imageName,
        baseImageName: imageName,
        registryServer: repository.split("/")[0],
        repoDigest: `${repository}@sha256:${hex(imageName)}`,
      };
    }
    case "aws:ec2/securityGroup:SecurityGroup": {
      const groupId = `sg-${hex(args.name, 17)}`;
      return { arn: arn("ec2", `security-group/${groupId}`), ownerId: acct };
    }
    case "aws:lb/loadBalancer:LoadBalancer": {
      const name = physical.slice(0, 32);
      const suffix = `app/${name}/${hex(args.name, 16)}`;
      return {
        name,
        arn: arn("elasticloadbalancing", `loadbalancer/${suffix}`),
        arnSuffix: suffix,
        dnsName: `${name}-${hex(args.name, 9).replace(/[a-f]/g, "1")}.${region}.elb.amazonaws.com`,
        zoneId: "Z32O12XQLNTSW2",
      };
    }
    case "aws:lb/targetGroup:TargetGroup": {
      const name = physical.slice(0, 32);
      const suffix = `targetgroup/${name}/${hex(args.name, 16)}`;
      return { name, arn: arn("elasticloadbalancing", suffix), arnSuffix: suffix };
    }
    case "aws:lb/listener:Listener":
      return { arn: arn("elasticloadbalancing", `listener/app/${args.name}/${hex(args.name, 16)}`) };
    case "aws:s3/bucket:Bucket": {
      const bucket = (inputs.bucket as string | undefined) ?? physical;
      return {
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        bucketDomainName: `${bucket}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
        region,
      };
    }
    case "aws:rds/instance:Instance": {
      const identifier = (inputs.identifier as string | undefined) ?? physical;
      const address = `${identifier}.${hex(args.name, 12)}.${region}.rds.amazonaws.com`;
      return {
        identifier,
        address,
        endpoint: `${address}:${inputs.port ?? 5432}`,
        arn: arn("rds", `db:${identifier}`),
        resourceId: `db-${hex(args.name, 26).toUpperCase()}`,
        masterUserSecrets: [
          {
            secretArn: arn(
              "secretsmanager",
              `secret:rds!db-${hex(args.name, 8)}-${hex(`${args.name}s`, 4)}-AbCdEf`,
            ),
            kmsKeyId: arn("kms", "key/aws-secretsmanager"),
            secretStatus: "active",
          },
        ],
      };
    }
    case "aws:rds/subnetGroup:SubnetGroup":
    case "aws:rds/parameterGroup:ParameterGroup":
      return {
        name: physical,
        arn: arn("rds", `${args.type.includes("subnet") ? "subgrp" : "pg"}:${physical}`),
      };
    case "aws:secretsmanager/secret:Secret": {
      // Secrets Manager appends six random characters to the name in the ARN.
      const arnValue = arn("secretsmanager", `secret:${physical}-${hex(args.name, 6)}`);
      return { name: physical, arn: arnValue, kmsKeyId: inputs.kmsKeyId ?? "" };
    }
    case "aws:secretsmanager/secretVersion:SecretVersion": {
      const h = hex(args.name, 32);
      const versionId = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
      const secretArn = String(inputs.secretId ?? "");
      return { versionId, arn: secretArn, secretArn, versionStages: ["AWSCURRENT"] };
    }
    case "aws:ecs/cluster:Cluster":
      return { name: physical, arn: arn("ecs", `cluster/${physical}`) };
    case "aws:ecs/service:Service":
      return { name: physical, arn: arn("ecs", `service/${physical}`) };
    case "aws:ecs/taskDefinition:TaskDefinition":
      return { arn: arn("ecs", `task-definition/${inputs.family ?? physical}:1`), revision: 1 };
    case "aws:iam/role:Role":
      return {
        name: physical,
        arn: arn("iam", `role/${physical}`, false),
        uniqueId: `AROA${hex(args.name, 16).toUpperCase()}`,
      };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { name: physical, arn: arn("logs", `log-group:${physical}`) };
    case "aws:sns/topic:Topic":
      return { name: physical, arn: arn("sns", physical) };
    case "aws:kms/key:Key": {
      const keyId = `${hex(args.name, 8)}-${hex(args.name, 4)}-4${hex(args.name, 3)}-8${hex(args.name, 3)}-${hex(args.name, 12)}`;
      return { keyId, arn: arn("kms", `key/${keyId}`) };
    }
    case "aws:wafv2/webAcl:WebAcl":
      return { arn: arn("wafv2", `regional/webacl/${physical}/${hex(args.name, 8)}`), capacity: 800 };
    case "aws:backup/vault:Vault":
      return { name: physical, arn: arn("backup", `backup-vault:${physical}`) };
    case "aws:backup/plan:Plan":
      return { arn: arn("backup", `backup-plan:${hex(args.name, 8)}`), version: "1" };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { arn: arn("cloudwatch", `alarm:${physical}`) };
    case "aws:sfn/stateMachine:StateMachine":
      return { name: physical, arn: arn("states", `stateMachine:${physical}`) };
    case "aws:cloudwatch/eventRule:EventRule":
      return { name: physical, arn: arn("events", `rule/${physical}`) };
    case "aws:amp/workspace:Workspace": {
      const h = hex(args.name, 32);
      const workspaceId = `ws-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      return {
        arn: arn("aps", `workspace/${workspaceId}`),
        prometheusEndpoint: `https://aps-workspaces.${region}.amazonaws.com/workspaces/${workspaceId}/`,
      };
    }
    case "aws:amp/ruleGroupNamespace:RuleGroupNamespace":
      return { arn: arn("aps", `rulegroupsnamespace/${args.name}/${physical}`) };
    case "aws:cloudwatch/dashboard:Dashboard":
      return { dashboardArn: `arn:aws:cloudwatch::${acct}:dashboard/${inputs.dashboardName}` };
    default:
      return undefined;
  }
}
