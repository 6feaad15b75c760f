/**
 * What the stub providers answer instead of a cloud: deterministic ids and computed outputs (ARNs, ARM ids,
 * endpoints, FQDNs, image digests, random results) and the invokes the program makes. The values follow the
 * offline plan's mocks (infra/offline/mock-state-*.ts: same subscription, tenant and domains; the AWS account is
 * 111111111111 because the program refuses AWS's documentation accounts, the mocks' 123456789012, in operator
 * values such as the certificate ARN). Everything derives from the type, the resource's name
 * and its inputs: two runs of the same program give the same outputs, and nothing here uses the network.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { guid, hex, isPlainObject, type Props, reveal, SECRET_SIG, signature, type Value } from "./values.js";

/** The rehearsal account: not one of AWS's documentation accounts (the program refuses those in operator values). */
export const AWS_ACCOUNT_ID = "111111111111";
export const AZURE = {
  subscriptionId: "00000000-1111-2222-3333-444444444444",
  tenantId: "99999999-8888-7777-6666-555555555555",
  deployerObjectId: "abababab-cdcd-efef-0101-232323232323",
  deployerClientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
  location: "westeurope",
  environmentDomain: "kindocean-1a2b3c4d.westeurope.azurecontainerapps.io",
} as const;

/** AWS-published regional ELB log-delivery accounts. */
const ELB_ACCOUNTS: Record<string, string> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-2": "797873946194",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-central-1": "054676820928",
  "eu-north-1": "897822967062",
};

/** The provider instance's configuration (Configure's variables and args, keys without the package prefix). */
export interface ProviderContext {
  pkg: string;
  config: Record<string, Value>;
}

/** A function this stub does not answer (a gap in the stub, not an answer of the cloud). */
export class InvokeError extends Error {}
/** An error the real cloud API would answer with (not found, refused). */
export class CloudError extends Error {}

const str = (v: Value, fallback = ""): string => {
  const r = reveal(v);
  return typeof r === "string" && r.length > 0 ? r : fallback;
};

export function awsRegion(ctx: ProviderContext, inputs?: Props): string {
  return str(
    inputs?.region,
    str(ctx.config.region, process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? ""),
  );
}

function azShort(region: string): string {
  const [geo = "xx", dir = "", num = "1"] = region.split("-");
  return `${geo}${dir.replace(/^(north|south)?(east|west|central)?.*$/, (_m, ns?: string, ew?: string) => `${ns?.[0] ?? ""}${ew?.[0] ?? ""}`)}${num}`;
}

// -------------------------------------------------------------------------------------------------------
// The rehearsal's "cloud": what outlives one provider process. Only the image registry is remembered (pushes
// by docker.Image, looked up by ecr.getImage), and only when the runner gives a directory for it in
// TWINCLOUD_REHEARSAL_CLOUD_DIR (one per rehearsal); without it every registry is empty.

interface PushedImage {
  host: string;
  repository: string;
  tag: string;
  digest: string;
}

function registryDir(): string | undefined {
  const dir = process.env.TWINCLOUD_REHEARSAL_CLOUD_DIR;
  return dir ? join(dir, "registry") : undefined;
}

/** `host/repo/path:tag` → parts (no tag: undefined). */
export function parseImageName(imageName: string): { host: string; repository: string; tag?: string } {
  const slash = imageName.indexOf("/");
  const host = slash > 0 ? imageName.slice(0, slash) : "docker.io";
  const rest = slash > 0 ? imageName.slice(slash + 1) : imageName;
  const at = rest.indexOf("@");
  const withoutDigest = at >= 0 ? rest.slice(0, at) : rest;
  const colon = withoutDigest.lastIndexOf(":");
  return colon > 0
    ? { host, repository: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) }
    : { host, repository: withoutDigest };
}

export function recordPush(imageName: string, digest: string): void {
  const dir = registryDir();
  if (!dir) return;
  const { host, repository, tag } = parseImageName(imageName);
  if (!tag) return;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${hex(`${host}/${repository}:${tag}`, 24)}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ host, repository, tag, digest } satisfies PushedImage));
  renameSync(tmp, file);
}

export function findPushed(host: string, repository: string, tag: string): PushedImage | undefined {
  const dir = registryDir();
  if (!dir || !existsSync(dir)) return undefined;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".json")) continue;
    try {
      const img = JSON.parse(readFileSync(join(dir, f), "utf8")) as PushedImage;
      if (img.host === host && img.repository === repository && img.tag === tag) return img;
    } catch {
      // a file being written: not there yet
    }
  }
  return undefined;
}

// -------------------------------------------------------------------------------------------------------
// Invokes

export function invoke(ctx: ProviderContext, token: string, args: Props): Props {
  const a = reveal(args) as Props;
  if (ctx.pkg === "aws") {
    const region = awsRegion(ctx, a);
    switch (token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          id: AWS_ACCOUNT_ID,
          accountId: AWS_ACCOUNT_ID,
          arn: `arn:aws:iam::${AWS_ACCOUNT_ID}:user/rehearsal`,
          userId: "AIDAREHEARSALUSER0001",
        };
      case "aws:index/getRegion:getRegion":
        return {
          id: region,
          region,
          name: region,
          endpoint: `ec2.${region}.amazonaws.com`,
          description: region,
        };
      case "aws:index/getPartition:getPartition":
        return {
          id: "aws",
          partition: "aws",
          dnsSuffix: "amazonaws.com",
          reverseDnsPrefix: "com.amazonaws",
        };
      case "aws:index/getAvailabilityZones:getAvailabilityZones": {
        const names = ["a", "b", "c"].map((s) => `${region}${s}`);
        return {
          id: region,
          names,
          zoneIds: names.map((_, i) => `${azShort(region)}-az${i + 1}`),
          groupNames: [region],
          state: str(a.state, "available"),
        };
      }
      case "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
        const registry = str(a.registryId, AWS_ACCOUNT_ID);
        const password = `rehearsal-ecr-token-${hex(`${registry}${region}`, 16)}`;
        return {
          id: registry,
          registryId: registry,
          authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"),
          userName: "AWS",
          password,
          proxyEndpoint: `https://${registry}.dkr.ecr.${region}.amazonaws.com`,
          expiresAt: "2099-01-01T00:00:00Z",
        };
      }
      case "aws:ecr/getImage:getImage": {
        const registryId = str(a.registryId, AWS_ACCOUNT_ID);
        const repositoryName = str(a.repositoryName);
        const tag = str(a.imageTag, a.mostRecent === true ? "latest" : "");
        const host = `${registryId}.dkr.ecr.${region}.amazonaws.com`;
        const found = tag ? findPushed(host, repositoryName, tag) : undefined;
        if (!found) {
          throw new CloudError(
            `reading ECR Image: ImageNotFoundException: The image with imageId {imageDigest:'${str(a.imageDigest, "null")}', imageTag:'${tag || "null"}'} does not exist within the repository with name '${repositoryName}' in the registry with id '${registryId}'`,
          );
        }
        return {
          id: found.digest,
          imageDigest: found.digest,
          imageTags: [found.tag],
          imagePushedAt: 1767225600,
          imageSizeInBytes: Number.parseInt(hex(found.digest, 6), 16),
          imageUri: `${host}/${repositoryName}@${found.digest}`,
          registryId,
          repositoryName,
        };
      }
      case "aws:elb/getServiceAccount:getServiceAccount": {
        const account = ELB_ACCOUNTS[region] ?? "156460612806";
        return { id: account, arn: `arn:aws:iam::${account}:root`, region };
      }
    }
  }
  if (ctx.pkg === "azure-native") {
    switch (token) {
      case "azure-native:authorization:getClientConfig":
        return {
          clientId: AZURE.deployerClientId,
          objectId: AZURE.deployerObjectId,
          subscriptionId: AZURE.subscriptionId,
          tenantId: AZURE.tenantId,
        };
      case "azure-native:authorization:getClientToken":
        return { token: `rehearsal-arm-token.${hex("arm-token", 48)}` };
      case "azure-native:operationalinsights:getSharedKeys":
        return {
          primarySharedKey: Buffer.from(`primary-${str(a.workspaceName)}`).toString("base64"),
          secondarySharedKey: Buffer.from(`secondary-${str(a.workspaceName)}`).toString("base64"),
        };
    }
  }
  throw new InvokeError(
    `${token}: this rehearsal stub provider does not answer this function (add it to tools/rehearse/providers/clouds.ts)`,
  );
}

// -------------------------------------------------------------------------------------------------------
// Names (the providers' autonaming, done in Check)

/** Azure: the input that holds a resource's ARM name. */
export const AZURE_NAME_INPUTS: Record<string, string> = {
  "azure-native:resources:ResourceGroup": "resourceGroupName",
  "azure-native:operationalinsights:Workspace": "workspaceName",
  "azure-native:network:VirtualNetwork": "virtualNetworkName",
  "azure-native:network:NetworkSecurityGroup": "networkSecurityGroupName",
  "azure-native:network:Subnet": "subnetName",
  "azure-native:network:PrivateEndpoint": "privateEndpointName",
  "azure-native:network:PrivateDnsZoneGroup": "privateDnsZoneGroupName",
  "azure-native:privatedns:PrivateZone": "privateZoneName",
  "azure-native:privatedns:VirtualNetworkLink": "virtualNetworkLinkName",
  "azure-native:managedidentity:UserAssignedIdentity": "resourceName",
  "azure-native:containerregistry:Registry": "registryName",
  "azure-native:keyvault:Vault": "vaultName",
  "azure-native:keyvault:Secret": "secretName",
  "azure-native:dbforpostgresql:Server": "serverName",
  "azure-native:dbforpostgresql:Configuration": "configurationName",
  "azure-native:dbforpostgresql:Database": "databaseName",
  "azure-native:app:ManagedEnvironment": "environmentName",
  "azure-native:app:ContainerApp": "containerAppName",
  "azure-native:monitor:ActionGroup": "actionGroupName",
  "azure-native:monitor:MetricAlert": "ruleName",
  "azure-native:monitor:ScheduledQueryRule": "ruleName",
  "azure-native:monitor:DiagnosticSetting": "name",
  "azure-native:authorization:RoleAssignment": "roleAssignmentName",
  "azure-native:authorization:ManagementLockByScope": "lockName",
  "azure-native:app:ManagedCertificate": "managedCertificateName",
  "azure-native:dns:RecordSet": "relativeRecordSetName",
  "azure-native:monitor:AzureMonitorWorkspace": "azureMonitorWorkspaceName",
  "azure-native:monitor:DataCollectionEndpoint": "dataCollectionEndpointName",
  "azure-native:monitor:DataCollectionRule": "dataCollectionRuleName",
  "azure-native:alertsmanagement:PrometheusRuleGroup": "ruleGroupName",
  "azure-native:applicationinsights:Component": "resourceName",
  "azure-native:applicationinsights:WebTest": "webTestName",
};

/** AWS: the input that is the resource's physical name, where it is not `name`, and its shape. */
const AWS_NAME_INPUTS: Record<string, { key: string; lower?: boolean; max?: number }> = {
  "aws:rds/instance:Instance": { key: "identifier", lower: true, max: 63 },
  "aws:rds/subnetGroup:SubnetGroup": { key: "name", lower: true },
  "aws:rds/parameterGroup:ParameterGroup": { key: "name", lower: true },
  "aws:s3/bucket:Bucket": { key: "bucket", lower: true, max: 63 },
  "aws:s3/bucketV2:BucketV2": { key: "bucket", lower: true, max: 63 },
  "aws:lb/loadBalancer:LoadBalancer": { key: "name", max: 32 },
  "aws:lb/targetGroup:TargetGroup": { key: "name", max: 32 },
};

/**
 * The autoname the real provider would put into the checked inputs when the program sets none: `<name>-<7
 * hex>` for AWS (lower-cased/truncated where the service demands), `<name><8 hex>` for Azure (role
 * assignments get a GUID). `seed` makes it stable for one resource; a name already in the old inputs is kept.
 */
export function autoname(
  pkg: string,
  type: string,
  urnName: string,
  seed: string,
  inputNames: Set<string>,
  outputNames: Set<string>,
): { key: string; value: string } | undefined {
  if (pkg === "aws") {
    const special = AWS_NAME_INPUTS[type];
    const key = special?.key ?? "name";
    if (!inputNames.has(key) || !outputNames.has(key)) return undefined;
    let base = special?.lower ? urnName.toLowerCase().replace(/[^a-z0-9-]/g, "-") : urnName;
    const suffix = `-${hex(seed, 7)}`;
    const max = special?.max ?? 255;
    if (base.length + suffix.length > max) base = base.slice(0, max - suffix.length);
    return { key, value: `${base}${suffix}` };
  }
  if (pkg === "azure-native") {
    const key = AZURE_NAME_INPUTS[type];
    if (!key || !inputNames.has(key)) return undefined;
    if (type === "azure-native:authorization:RoleAssignment") return { key, value: guid(seed) };
    return { key, value: `${urnName}${hex(seed, 8)}` };
  }
  return undefined;
}

export function hasPrefixInput(inputs: Props, key: string): boolean {
  return inputs[`${key}Prefix`] !== undefined && inputs[`${key}Prefix`] !== null;
}

// -------------------------------------------------------------------------------------------------------
// Resource state

export interface CreateArgs {
  type: string;
  urnName: string;
  inputs: Props;
  outputNames: string[];
  /** True for a real Create/Update (not a preview): side effects like a registry push happen. */
  push?: boolean;
}

export interface CreatedState {
  id: string;
  /** Computed outputs, merged over the inputs. */
  outputs: Props;
}

function awsState(ctx: ProviderContext, a: CreateArgs): CreatedState {
  const inputs = reveal(a.inputs) as Props;
  const region = awsRegion(ctx, inputs);
  const acct = AWS_ACCOUNT_ID;
  const n = a.urnName;
  const h = (len: number, salt = "") => hex(`${a.type}::${n}${salt}`, len);
  const physical = str(inputs.name, `${n}-${h(7)}`);
  const arn = (service: string, resource: string, inRegion = true) =>
    `arn:aws:${service}:${inRegion ? region : ""}:${acct}:${resource}`;
  const [, modFile = "", typeName = ""] = a.type.split(":");
  const [service = "aws"] = modFile.split("/");
  let id = physical;
  let out: Props = {};
  switch (a.type) {
    case "aws:ec2/vpc:Vpc":
      id = `vpc-${h(17)}`;
      out = {
        arn: arn("ec2", `vpc/${id}`),
        defaultSecurityGroupId: `sg-${h(17, "default-sg")}`,
        defaultRouteTableId: `rtb-${h(17, "main-rtb")}`,
        mainRouteTableId: `rtb-${h(17, "main-rtb")}`,
        defaultNetworkAclId: `acl-${h(17)}`,
        dhcpOptionsId: `dopt-${h(17)}`,
        ownerId: acct,
        instanceTenancy: str(inputs.instanceTenancy, "default"),
      };
      break;
    case "aws:ec2/subnet:Subnet":
      id = `subnet-${h(17)}`;
      out = { arn: arn("ec2", `subnet/${id}`), ownerId: acct, availabilityZoneId: `${azShort(region)}-az1` };
      break;
    case "aws:ec2/routeTable:RouteTable":
      id = `rtb-${h(17)}`;
      out = { arn: arn("ec2", `route-table/${id}`), ownerId: acct };
      break;
    case "aws:ec2/route:Route":
      id = `r-${str(inputs.routeTableId)}1080289494`;
      out = { state: "active", origin: "CreateRoute" };
      break;
    case "aws:ec2/routeTableAssociation:RouteTableAssociation":
      id = `rtbassoc-${h(17)}`;
      break;
    case "aws:ec2/internetGateway:InternetGateway":
      id = `igw-${h(17)}`;
      out = { arn: arn("ec2", `internet-gateway/${id}`), ownerId: acct };
      break;
    case "aws:ec2/eip:Eip": {
      id = `eipalloc-${h(17)}`;
      const ip = Number.parseInt(h(4), 16);
      out = {
        allocationId: id,
        publicIp: `52.${(ip >> 8) % 256}.${ip % 256}.${(ip % 200) + 10}`,
        domain: str(inputs.domain, "vpc"),
        arn: arn("ec2", `elastic-ip/${id}`),
      };
      break;
    }
    case "aws:ec2/natGateway:NatGateway": {
      id = `nat-${h(17)}`;
      const ip = Number.parseInt(h(4), 16);
      out = {
        networkInterfaceId: `eni-${h(17)}`,
        privateIp: `10.0.${ip % 64}.${(ip % 200) + 10}`,
        connectivityType: str(inputs.connectivityType, "public"),
      };
      break;
    }
    case "aws:ec2/securityGroup:SecurityGroup":
    case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
      id = `sg-${h(17)}`;
      out = {
        arn: arn("ec2", `security-group/${id}`),
        ownerId: acct,
        name: str(inputs.name, a.type.includes("default") ? "default" : physical),
      };
      break;
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
    case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
      id = `sgr-${h(17)}`;
      out = { arn: arn("ec2", `security-group-rule/${id}`), securityGroupRuleId: id };
      break;
    case "aws:ec2/flowLog:FlowLog":
      id = `fl-${h(17)}`;
      out = { arn: arn("ec2", `vpc-flow-log/${id}`) };
      break;
    case "aws:ecr/repository:Repository":
      out = {
        arn: arn("ecr", `repository/${physical}`),
        name: physical,
        registryId: acct,
        repositoryUrl: `${acct}.dkr.ecr.${region}.amazonaws.com/${physical}`,
      };
      break;
    case "aws:lb/loadBalancer:LoadBalancer": {
      const name = physical.slice(0, 32);
      const suffix = `app/${name}/${h(16)}`;
      id = arn("elasticloadbalancing", `loadbalancer/${suffix}`);
      out = {
        name,
        arn: id,
        arnSuffix: suffix,
        dnsName: `${name}-${h(9).replace(/[a-f]/g, "1")}.${region}.elb.amazonaws.com`,
        zoneId: "Z32O12XQLNTSW2",
        vpcId: `vpc-${hex("vpc", 17)}`,
      };
      break;
    }
    case "aws:lb/targetGroup:TargetGroup": {
      const name = physical.slice(0, 32);
      const suffix = `targetgroup/${name}/${h(16)}`;
      id = arn("elasticloadbalancing", suffix);
      out = { name, arn: id, arnSuffix: suffix };
      break;
    }
    case "aws:lb/listener:Listener":
      id = arn("elasticloadbalancing", `listener/app/${n}/${h(16)}/${h(16, "l")}`);
      out = { arn: id };
      break;
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2": {
      const bucket = str(inputs.bucket, physical);
      id = bucket;
      out = {
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        bucketDomainName: `${bucket}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
        hostedZoneId: "Z1BKCTXD74EZPE",
        region,
      };
      break;
    }
    case "aws:rds/instance:Instance": {
      const identifier = str(inputs.identifier, physical);
      const address = `${identifier}.${h(12)}.${region}.rds.amazonaws.com`;
      id = `db-${h(26).toUpperCase()}`;
      out = {
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
                secretArn: arn("secretsmanager", `secret:rds!db-${guid(n)}-${h(6, "s")}`),
                kmsKeyId: str(inputs.masterUserSecretKmsKeyId, arn("kms", "alias/aws/secretsmanager")),
                secretStatus: "active",
              },
            ]
          : [],
      };
      break;
    }
    case "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication":
      id = arn("rds", `auto-backup:ab-${h(26)}`);
      break;
    case "aws:rds/subnetGroup:SubnetGroup":
      out = { name: physical, arn: arn("rds", `subgrp:${physical}`) };
      break;
    case "aws:rds/parameterGroup:ParameterGroup":
      out = { name: physical, arn: arn("rds", `pg:${physical}`) };
      break;
    case "aws:ecs/cluster:Cluster":
      id = arn("ecs", `cluster/${physical}`);
      out = { name: physical, arn: id };
      break;
    case "aws:ecs/service:Service":
      id = arn("ecs", `service/${str(inputs.cluster).split("/").pop() ?? "cluster"}/${physical}`);
      out = { name: physical, arn: id };
      break;
    case "aws:ecs/taskDefinition:TaskDefinition":
      id = str(inputs.family, physical);
      out = {
        arn: arn("ecs", `task-definition/${id}:1`),
        arnWithoutRevision: arn("ecs", `task-definition/${id}`),
        revision: 1,
      };
      break;
    case "aws:iam/role:Role":
      out = {
        name: physical,
        arn: arn(
          "iam",
          `role/${str(inputs.path, "/").replace(/^\/|\/$/g, "")}${str(inputs.path, "/") === "/" ? "" : "/"}${physical}`,
          false,
        ),
        uniqueId: `AROA${h(17).toUpperCase()}`,
        createDate: "2026-01-01T00:00:00Z",
      };
      break;
    case "aws:iam/rolePolicy:RolePolicy":
      id = `${str(inputs.role)}:${physical}`;
      out = { name: physical };
      break;
    case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
      id = `${str(inputs.role)}-${h(20)}`;
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      out = { name: physical, arn: arn("logs", `log-group:${physical}`) };
      break;
    case "aws:sns/topic:Topic":
      id = arn("sns", physical);
      out = { name: physical, arn: id, owner: acct };
      break;
    case "aws:sns/topicSubscription:TopicSubscription":
      id = `${str(inputs.topic)}:${guid(n)}`;
      out = { arn: id, ownerId: acct, pendingConfirmation: inputs.protocol === "email" };
      break;
    case "aws:sns/topicPolicy:TopicPolicy":
      id = str(inputs.arn, physical);
      out = { owner: acct };
      break;
    case "aws:kms/key:Key": {
      id = guid(`kms-${n}`);
      out = { keyId: id, arn: arn("kms", `key/${id}`) };
      break;
    }
    case "aws:wafv2/webAcl:WebAcl":
      id = guid(`waf-${n}`);
      out = {
        arn: arn("wafv2", `regional/webacl/${physical}/${id}`),
        capacity: 800,
        lockToken: guid(`lock-${n}`),
      };
      break;
    case "aws:wafv2/webAclAssociation:WebAclAssociation":
      id = `${str(inputs.webAclArn)},${str(inputs.resourceArn)}`;
      break;
    case "aws:backup/vault:Vault":
      out = { name: physical, arn: arn("backup", `backup-vault:${physical}`), recoveryPoints: 0 };
      break;
    case "aws:backup/plan:Plan":
      id = guid(`plan-${n}`);
      out = { arn: arn("backup", `backup-plan:${id}`), version: hex(`${n}v`, 32) };
      break;
    case "aws:backup/selection:Selection":
      id = guid(`selection-${n}`);
      break;
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      out = { arn: arn("cloudwatch", `alarm:${physical}`) };
      break;
    case "aws:secretsmanager/secret:Secret":
      id = arn(
        "secretsmanager",
        `secret:${physical}-${h(6).replace(/[0-9]/g, (d) => "ABCDEFGHIJ"[Number(d)] ?? d)}`,
      );
      out = { name: physical, arn: id };
      break;
    case "aws:secretsmanager/secretVersion:SecretVersion": {
      // A new version id whenever the value changes (the value itself is never echoed here).
      const versionId = guid(`${n}\0${JSON.stringify(inputs.secretString ?? inputs.secretBinary ?? "")}`);
      id = `${str(inputs.secretId)}|${versionId}`;
      out = { arn: str(inputs.secretId), versionId, versionStages: inputs.versionStages ?? ["AWSCURRENT"] };
      break;
    }
    case "aws:route53/record:Record": {
      const recordName = str(inputs.name, n).replace(/\.$/, "");
      id = `${str(inputs.zoneId)}_${recordName}_${str(inputs.type)}`;
      out = { fqdn: recordName };
      break;
    }
    case "aws:sfn/stateMachine:StateMachine":
      id = arn("states", `stateMachine:${physical}`);
      out = { name: physical, arn: id, status: "ACTIVE", revisionId: guid(`rev-${n}`) };
      break;
    case "aws:cloudwatch/eventRule:EventRule":
      out = { name: physical, arn: arn("events", `rule/${physical}`) };
      break;
    case "aws:amp/workspace:Workspace":
      id = `ws-${guid(n)}`;
      out = {
        arn: arn("aps", `workspace/${id}`),
        prometheusEndpoint: `https://aps-workspaces.${region}.amazonaws.com/workspaces/${id}/`,
      };
      break;
    case "aws:amp/ruleGroupNamespace:RuleGroupNamespace":
      id = arn("aps", `rulegroupsnamespace/${str(inputs.workspaceId)}/${str(inputs.name, physical)}`);
      out = { arn: id };
      break;
    case "aws:amp/alertManagerDefinition:AlertManagerDefinition":
      id = str(inputs.workspaceId);
      break;
    case "aws:route53/healthCheck:HealthCheck":
      id = guid(n);
      out = { arn: `arn:aws:route53:::healthcheck/${id}` };
      break;
    case "aws:cloudwatch/eventTarget:EventTarget":
      id = `${str(inputs.rule)}-${str(inputs.targetId, h(8))}`;
      out = { targetId: str(inputs.targetId, `terraform-${h(26)}`) };
      break;
    case "aws:cloudwatch/dashboard:Dashboard":
      id = str(inputs.dashboardName, physical);
      out = { dashboardArn: `arn:aws:cloudwatch::${acct}:dashboard/${id}` };
      break;
    case "aws:appautoscaling/target:Target":
      id = str(inputs.resourceId, physical);
      out = { arn: arn("application-autoscaling", `scalable-target/${h(32)}`) };
      break;
    case "aws:appautoscaling/policy:Policy":
      out = {
        arn: arn(
          "autoscaling",
          `scalingPolicy:${guid(n)}:resource/${str(inputs.resourceId)}:policyName/${physical}`,
        ),
      };
      break;
    default:
      break;
  }
  if (
    a.outputNames.includes("name") &&
    inputs.name === undefined &&
    out.name === undefined &&
    !a.type.startsWith("aws:ec2/")
  ) {
    out.name = physical;
  }
  // Generic: where the type declares an ARN and none was computed above, one of its service.
  if (a.outputNames.includes("arn") && out.arn === undefined) {
    out.arn = arn(service, `${typeName.charAt(0).toLowerCase()}${typeName.slice(1)}/${id}`);
  }
  if (a.outputNames.includes("tagsAll")) {
    out.tagsAll = { ...defaultTags(ctx), ...(isPlainObject(inputs.tags) ? (inputs.tags as Props) : {}) };
  }
  if (a.outputNames.includes("region") && inputs.region === undefined) out.region = region;
  return { id, outputs: out };
}

function defaultTags(ctx: ProviderContext): Props {
  let v = reveal(ctx.config.defaultTags);
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      return {};
    }
  }
  const tags = isPlainObject(v) ? v.tags : undefined;
  return isPlainObject(tags) ? tags : {};
}

/**
 * An object input with a whole-value secret wrapper removed (nested secrets kept): the engine marks the
 * output secret again because the input was.
 */
function objectInput(v: Value): Props {
  const inner = signature(v) === SECRET_SIG ? (v as Props).value : v;
  return isPlainObject(inner) && signature(inner) === undefined ? inner : {};
}

function azureState(ctx: ProviderContext, a: CreateArgs): CreatedState {
  const inputs = reveal(a.inputs) as Props;
  const key = AZURE_NAME_INPUTS[a.type];
  const name = str(key ? inputs[key] : undefined, a.urnName);
  const location = str(inputs.location, str(ctx.config.location, AZURE.location));
  const group = `/subscriptions/${AZURE.subscriptionId}/resourceGroups/${str(inputs.resourceGroupName, "rg")}`;
  const armId = (path: string) => `${group}/providers/${path}`;
  const withLocation = (o: Props): Props => ({ name, location, ...o });
  let out: Props;
  switch (a.type) {
    case "azure-native:resources:ResourceGroup":
      out = withLocation({
        id: `/subscriptions/${AZURE.subscriptionId}/resourceGroups/${name}`,
        properties: { provisioningState: "Succeeded" },
      });
      break;
    case "azure-native:operationalinsights:Workspace":
      out = withLocation({
        id: armId(`Microsoft.OperationalInsights/workspaces/${name}`),
        customerId: guid(`workspace-${name}`),
        provisioningState: "Succeeded",
      });
      break;
    case "azure-native:network:VirtualNetwork":
      out = withLocation({
        id: armId(`Microsoft.Network/virtualNetworks/${name}`),
        resourceGuid: guid(name),
      });
      break;
    case "azure-native:network:NetworkSecurityGroup":
      out = withLocation({
        id: armId(`Microsoft.Network/networkSecurityGroups/${name}`),
        resourceGuid: guid(name),
      });
      break;
    case "azure-native:network:Subnet":
      out = {
        name,
        id: armId(`Microsoft.Network/virtualNetworks/${str(inputs.virtualNetworkName)}/subnets/${name}`),
      };
      break;
    case "azure-native:network:PrivateEndpoint":
      out = withLocation({ id: armId(`Microsoft.Network/privateEndpoints/${name}`) });
      break;
    case "azure-native:network:PrivateDnsZoneGroup":
      out = {
        name,
        id: armId(
          `Microsoft.Network/privateEndpoints/${str(inputs.privateEndpointName)}/privateDnsZoneGroups/${name}`,
        ),
      };
      break;
    case "azure-native:privatedns:PrivateZone":
      out = { name, location: "global", id: armId(`Microsoft.Network/privateDnsZones/${name}`) };
      break;
    case "azure-native:privatedns:VirtualNetworkLink":
      out = {
        name,
        location: "global",
        id: armId(
          `Microsoft.Network/privateDnsZones/${str(inputs.privateZoneName)}/virtualNetworkLinks/${name}`,
        ),
      };
      break;
    case "azure-native:managedidentity:UserAssignedIdentity":
      out = withLocation({
        id: armId(`Microsoft.ManagedIdentity/userAssignedIdentities/${name}`),
        principalId: guid(`principal-${name}`),
        clientId: guid(`client-${name}`),
        tenantId: AZURE.tenantId,
      });
      break;
    case "azure-native:containerregistry:Registry":
      out = withLocation({
        id: armId(`Microsoft.ContainerRegistry/registries/${name}`),
        loginServer: `${name.toLowerCase()}.azurecr.io`,
        provisioningState: "Succeeded",
      });
      break;
    case "azure-native:keyvault:Vault":
      out = withLocation({
        id: armId(`Microsoft.KeyVault/vaults/${name}`),
        properties: {
          ...objectInput(a.inputs.properties),
          vaultUri: `https://${name}.vault.azure.net/`,
        },
      });
      break;
    case "azure-native:keyvault:Secret": {
      const vault = str(inputs.vaultName);
      const uri = `https://${vault}.vault.azure.net/secrets/${name}`;
      const props = isPlainObject(inputs.properties) ? { ...inputs.properties } : {};
      delete props.value; // Azure never returns a secret's value from the management plane.
      out = {
        name,
        id: armId(`Microsoft.KeyVault/vaults/${vault}/secrets/${name}`),
        properties: { ...props, secretUri: uri, secretUriWithVersion: `${uri}/${hex(uri, 32)}` },
      };
      break;
    }
    case "azure-native:dbforpostgresql:Server":
      out = withLocation({
        id: armId(`Microsoft.DBforPostgreSQL/flexibleServers/${name}`),
        fullyQualifiedDomainName: `${name}.postgres.database.azure.com`,
        state: "Ready",
      });
      break;
    case "azure-native:dbforpostgresql:Configuration":
      out = {
        name,
        id: armId(
          `Microsoft.DBforPostgreSQL/flexibleServers/${str(inputs.serverName)}/configurations/${name}`,
        ),
      };
      break;
    case "azure-native:dbforpostgresql:Database":
      out = {
        name,
        id: armId(`Microsoft.DBforPostgreSQL/flexibleServers/${str(inputs.serverName)}/databases/${name}`),
      };
      break;
    case "azure-native:app:ManagedEnvironment":
      out = withLocation({
        id: armId(`Microsoft.App/managedEnvironments/${name}`),
        defaultDomain: AZURE.environmentDomain,
        staticIp: "20.61.0.10",
      });
      break;
    case "azure-native:app:ContainerApp": {
      const configuration = objectInput(a.inputs.configuration);
      const ingress = isPlainObject(configuration.ingress) ? (configuration.ingress as Props) : undefined;
      const fqdn = `${name}.${AZURE.environmentDomain}`;
      out = withLocation({
        id: armId(`Microsoft.App/containerApps/${name}`),
        configuration: { ...configuration, ...(ingress ? { ingress: { ...ingress, fqdn } } : {}) },
        latestRevisionName: `${name}--0000001`,
        latestRevisionFqdn: `${name}--0000001.${AZURE.environmentDomain}`,
        latestReadyRevisionName: `${name}--0000001`,
        outboundIpAddresses: ["20.61.0.20"],
      });
      break;
    }
    case "azure-native:app:ManagedCertificate": {
      const props = isPlainObject(inputs.properties) ? inputs.properties : {};
      out = withLocation({
        id: armId(
          `Microsoft.App/managedEnvironments/${str(inputs.environmentName)}/managedCertificates/${name}`,
        ),
        properties: {
          ...props,
          provisioningState: "Succeeded",
          validationToken: hex(`${name}-validation`, 32),
        },
      });
      break;
    }
    case "azure-native:dns:RecordSet": {
      const zone = str(inputs.zoneName);
      const recordType = str(inputs.recordType, "A");
      out = {
        name,
        id: armId(`Microsoft.Network/dnszones/${zone}/${recordType}/${name}`),
        fqdn: `${name === "@" ? zone : `${name}.${zone}`}.`,
        etag: guid(`${zone}/${recordType}/${name}`),
        type: `Microsoft.Network/dnszones/${recordType}`,
      };
      break;
    }
    case "azure-native:monitor:ActionGroup":
      out = {
        name,
        location: str(inputs.location, "global"),
        id: armId(`microsoft.insights/actionGroups/${name}`),
      };
      break;
    case "azure-native:monitor:MetricAlert":
      out = {
        name,
        location: str(inputs.location, "global"),
        id: armId(`microsoft.insights/metricAlerts/${name}`),
      };
      break;
    case "azure-native:monitor:ScheduledQueryRule":
      out = withLocation({ id: armId(`microsoft.insights/scheduledQueryRules/${name}`) });
      break;
    case "azure-native:monitor:DiagnosticSetting":
      out = {
        name,
        id: `${str(inputs.resourceUri)}/providers/microsoft.insights/diagnosticSettings/${name}`,
      };
      break;
    case "azure-native:authorization:RoleAssignment":
      out = { name, id: `${str(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${name}` };
      break;
    case "azure-native:authorization:ManagementLockByScope":
      out = { name, id: `${str(inputs.scope)}/providers/Microsoft.Authorization/locks/${name}` };
      break;
    default: {
      const [, mod = "resources", typeName = "Resource"] = a.type.split(":");
      out = {
        name,
        id: armId(`Microsoft.${mod}/${typeName.charAt(0).toLowerCase()}${typeName.slice(1)}s/${name}`),
      };
    }
  }
  if (a.outputNames.includes("azureApiVersion")) out.azureApiVersion = "rehearsal";
  return { id: String(out.id), outputs: out };
}

function dockerState(a: CreateArgs): CreatedState {
  const inputs = reveal(a.inputs) as Props;
  if (a.type === "docker:index/image:Image") {
    const imageName = str(inputs.imageName, a.urnName);
    const repository = imageName.replace(/:[^:/]+$/, "");
    // The digest stands for the pushed content: the image name carries the build context's hash (infra/aws/image.ts).
    const build = isPlainObject(inputs.build) ? inputs.build : {};
    const digest = `sha256:${hex(`${imageName}\0${JSON.stringify({ ...build, context: undefined })}`)}`;
    if (a.push && inputs.skipPush !== true) recordPush(imageName, digest);
    return {
      id: `${repository}@${digest}`,
      outputs: {
        imageName,
        baseImageName: imageName,
        registryServer: repository.split("/")[0],
        repoDigest: `${repository}@${digest}`,
        dockerfile: str(build.dockerfile, "Dockerfile"),
        context: str(build.context, "."),
        platform: str(build.platform, ""),
      },
    };
  }
  return { id: `${a.urnName}-${hex(a.urnName, 8)}`, outputs: {} };
}

function randomState(a: CreateArgs): CreatedState {
  const inputs = reveal(a.inputs) as Props;
  const seed = `${a.type}::${a.urnName}::${JSON.stringify(inputs)}`;
  switch (a.type) {
    case "random:index/randomBytes:RandomBytes": {
      const bytes = Buffer.from(hex(seed, 2 * Number(inputs.length ?? 32)), "hex");
      return { id: "none", outputs: { base64: bytes.toString("base64"), hex: bytes.toString("hex") } };
    }
    case "random:index/randomId:RandomId": {
      const bytes = Buffer.from(hex(seed, 2 * Number(inputs.byteLength ?? 8)), "hex");
      const b64Url = bytes.toString("base64url");
      return {
        id: b64Url,
        outputs: {
          b64Url,
          b64Std: bytes.toString("base64"),
          hex: bytes.toString("hex"),
          dec: BigInt(`0x${bytes.toString("hex")}`).toString(),
        },
      };
    }
    case "random:index/randomUuid:RandomUuid": {
      const result = guid(seed);
      return { id: result, outputs: { result } };
    }
    case "random:index/randomInteger:RandomInteger": {
      const min = Number(inputs.min ?? 0);
      const max = Number(inputs.max ?? min);
      const result = min + (Number.parseInt(hex(seed, 8), 16) % (max - min + 1));
      return { id: String(result), outputs: { result } };
    }
    case "random:index/randomPet:RandomPet": {
      const words = ["calm", "brave", "eager", "gentle", "lucky", "proud", "quiet", "swift"];
      const pets = ["otter", "heron", "lynx", "marten", "ibis", "gecko", "koala", "puffin"];
      const i = Number.parseInt(hex(seed, 4), 16);
      const id = [inputs.prefix, words[i % 8], pets[(i >> 3) % 8]]
        .filter(Boolean)
        .join(str(inputs.separator, "-"));
      return { id, outputs: {} };
    }
  }
  const length = typeof inputs.length === "number" ? inputs.length : 16;
  const allow = {
    upper: inputs.upper !== false,
    lower: inputs.lower !== false,
    numeric: inputs.numeric !== false && inputs.number !== false,
    special: inputs.special !== false,
  };
  const specials =
    typeof inputs.overrideSpecial === "string" ? inputs.overrideSpecial : "!@#$%&*()-_=+[]{}<>:?";
  const classes = [
    allow.upper ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ" : "",
    allow.lower ? "abcdefghijklmnopqrstuvwxyz" : "",
    allow.numeric ? "0123456789" : "",
    allow.special ? specials : "",
  ].filter((c) => c.length > 0);
  const alphabet = classes.join("") || "abcdefghijklmnopqrstuvwxyz";
  const bytes = Buffer.from(hex(`${a.type}::${a.urnName}::${JSON.stringify(inputs)}`, length * 4), "hex");
  // One character of each allowed class first (the providers' min* defaults are 0; this keeps results realistic).
  let result = classes.map((c, i) => c[(bytes[i] ?? 0) % c.length]).join("");
  for (let i = result.length; result.length < length; i++)
    result += alphabet[(bytes[i] ?? 0) % alphabet.length];
  result = result.slice(0, length);
  if (a.type === "random:index/randomPassword:RandomPassword") {
    return {
      id: "none",
      outputs: { result, bcryptHash: `$2a$10$${hex(result, 53)}` },
    };
  }
  return { id: result, outputs: { result } };
}

export function resourceState(ctx: ProviderContext, a: CreateArgs): CreatedState {
  switch (ctx.pkg) {
    case "aws":
      return awsState(ctx, a);
    case "azure-native":
      return azureState(ctx, a);
    case "docker":
    case "docker-build":
      return dockerState(a);
    case "random":
      return randomState(a);
    default:
      return { id: `${a.urnName}-${hex(`${a.type}::${a.urnName}`, 8)}`, outputs: {} };
  }
}
