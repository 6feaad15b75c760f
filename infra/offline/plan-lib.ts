/**
 * The offline plan: what the Pulumi program would declare for a stack, on one or both clouds, computed from
 * a mock run (`runUnderMocks`) without credentials, CLI or network. Pure functions only: turn captured
 * resources into a plan, render it (text tree, markdown, JSON), compare two plans, and lay the two clouds
 * side by side concern by concern. Running the program and the policies is `plan.ts`'s job.
 *
 * What a plan cannot know is written down in docs/delivery.md: no real IDs, no drift, no provider-side
 * validation, no diff against real state; values the cloud computes show as `<computed>`.
 */

export const PLAN_VERSION = 1;
export const COMPUTED = "<computed>";
export const SECRET = "<secret>";

/** Pulumi's wire signature for secrets (`@pulumi/pulumi/runtime/rpc`): kept by the mock monitor. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** Property names whose values are never printed, secret-wrapped or not. */
const SECRET_NAME = /(password|secret|token|privatekey|connectionstring|apikey)$/i;

export type PlanCloudName = "aws" | "azure";
export const PLAN_CLOUDS: readonly PlanCloudName[] = ["aws", "azure"];
export const PLAN_FORMATS = ["text", "markdown", "json"] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** The slice of a captured resource (infra/offline/mock-run.ts `CapturedResource`) a plan needs. */
export interface CapturedLike {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  state: Record<string, unknown>;
  custom?: boolean;
  parent?: string;
  opts?: { protect?: boolean };
}

export interface PolicyViolationLike {
  policyName: string;
  enforcementLevel: string;
  resource?: unknown;
  message: string;
}

export interface PlanViolation {
  policyName: string;
  enforcementLevel: string;
  /** URN (or type::name) of the resource, when the violation names one. */
  resource?: string;
  message: string;
}

export interface PolicyVerdict {
  /** False when the policy pack could not be evaluated (then `error` says why). */
  evaluated: boolean;
  error?: string;
  violations: PlanViolation[];
  counts: Record<string, number>;
  /** Mandatory violations block `pulumi up`. */
  blocked: boolean;
}

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  custom: boolean;
  protect: boolean;
  /** Inputs as the program set them; secrets as `<secret>`, values known only after deploy as `<computed>`. */
  props: Record<string, unknown>;
  /** The curated properties shown in the tree, rendered as short strings. */
  key: Record<string, string>;
  /** Attributes the cloud assigns (present in the mocked state only). */
  computed: string[];
}

export interface CloudPlan {
  cloud: PlanCloudName;
  environment: string;
  /** What the plan had to assume to render this cloud (e.g. a what-if stack's placeholder certificate). */
  assumptions?: string[];
  resources: PlanResource[];
  outputs: Record<string, unknown>;
  policy: PolicyVerdict;
}

export interface Plan {
  version: typeof PLAN_VERSION;
  project: string;
  stack: string;
  clouds: CloudPlan[];
}

// ---------------------------------------------------------------------------------------------------------
// Building

export interface BuildCloudPlanInput {
  cloud: PlanCloudName;
  environment: string;
  resources: CapturedLike[];
  outputs?: Record<string, unknown>;
  /** Undefined when the policies could not be evaluated; pass `policyError` then. */
  violations?: PolicyViolationLike[];
  policyError?: string;
  assumptions?: string[];
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isSecret = (value: unknown): boolean => isPlainObject(value) && value[SIG_KEY] === SECRET_SIG;

/**
 * Strings that only the (mocked) cloud knows: fake IDs and every output that is not an input of the same
 * resource, minus any string the program itself wrote somewhere (those are known before deploy).
 */
function collectComputedValues(resources: CapturedLike[]): Set<string> {
  const collect = (value: unknown, into: Set<string>) => {
    if (typeof value === "string") {
      if (value.length >= 4) into.add(value);
    } else if (Array.isArray(value)) {
      for (const item of value) collect(item, into);
    } else if (isPlainObject(value) && !isSecret(value)) {
      for (const item of Object.values(value)) collect(item, into);
    }
  };
  const known = new Set<string>();
  for (const resource of resources) collect(resource.props, known);
  const values = new Set<string>();
  for (const resource of resources) {
    values.add(`${resource.name}-id`); // mock-run's fakeId
    for (const [key, value] of Object.entries(resource.state)) {
      if (!(key in resource.props)) collect(value, values);
    }
  }
  // A plain word both written by the program and echoed by a mock (a location, a project name) is known
  // before deploy; an ID-like value (ARN, resource ID, URL, host name, fake id) flowed from an output.
  for (const value of known) {
    if (!ID_LIKE.test(value)) values.delete(value);
  }
  return values;
}

const ID_LIKE = /[:/]|-id$|^[\w-]+(\.[\w-]+){2,}$/;

/** Computed values that may appear inside a longer string (an ARN in a policy document, an ID in a URL). */
const EMBEDDABLE = /^(arn:|https?:\/\/|\/subscriptions\/)|-id$/;

function makeSanitizer(computedValues: Set<string>) {
  // Long computed values may be embedded (an ARN inside a policy document, an ID inside a URL).
  const embeddable = [...computedValues].filter((v) => v.length >= 8 && EMBEDDABLE.test(v));
  const sanitize = (value: unknown, key = ""): unknown => {
    if (isSecret(value)) return SECRET;
    if (value === undefined || value === null) return value;
    if (typeof value === "string") {
      if (SECRET_NAME.test(key) && value.length > 0) return SECRET;
      if (computedValues.has(value)) return COMPUTED;
      if (embeddable.some((v) => value.includes(v))) return COMPUTED;
      return value;
    }
    if (typeof value === "number" || typeof value === "boolean") return value;
    if (Array.isArray(value)) return value.map((item) => sanitize(item, key));
    if (isPlainObject(value)) {
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) {
        // Assets, archives, resource references: show what they are, not their internals.
        const urn = (value as { urn?: unknown }).urn;
        return typeof urn === "string" ? urn : `<${prototype?.constructor?.name ?? "object"}>`;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v !== undefined) out[k] = sanitize(v, k);
      }
      return out;
    }
    return String(value);
  };
  return sanitize;
}

/** Read a dotted path (`a.b.0.c`); arrays accept numeric segments. */
export function getPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const segment of path.split(".")) {
    if (current === undefined || current === null) return undefined;
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isPlainObject(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

/** Curated key properties per resource type, so the tree stays readable. Unlisted types fall back to scalars. */
export const KEY_PROPERTIES: Record<string, readonly string[]> = {
  // AWS: network
  "aws:ec2/vpc:Vpc": ["cidrBlock", "enableDnsHostnames", "enableDnsSupport"],
  "aws:ec2/subnet:Subnet": ["cidrBlock", "availabilityZone", "mapPublicIpOnLaunch"],
  "aws:ec2/natGateway:NatGateway": ["connectivityType", "subnetId"],
  "aws:ec2/eip:Eip": ["domain"],
  "aws:ec2/routeTable:RouteTable": ["vpcId"],
  "aws:ec2/route:Route": ["destinationCidrBlock", "natGatewayId", "gatewayId"],
  "aws:ec2/securityGroup:SecurityGroup": ["description", "ingress", "egress"],
  "aws:ec2/securityGroupRule:SecurityGroupRule": ["type", "protocol", "fromPort", "toPort", "cidrBlocks"],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [
    "ipProtocol",
    "fromPort",
    "toPort",
    "cidrIpv4",
    "referencedSecurityGroupId",
  ],
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": [
    "ipProtocol",
    "fromPort",
    "toPort",
    "cidrIpv4",
    "referencedSecurityGroupId",
  ],
  "aws:ec2/vpcEndpoint:VpcEndpoint": ["serviceName", "vpcEndpointType", "privateDnsEnabled"],
  "aws:ec2/flowLog:FlowLog": ["trafficType", "logDestinationType"],
  // AWS: ingress
  "aws:lb/loadBalancer:LoadBalancer": [
    "loadBalancerType",
    "internal",
    "idleTimeout",
    "enableDeletionProtection",
    "dropInvalidHeaderFields",
    "accessLogs.enabled",
    "dnsName",
  ],
  "aws:lb/targetGroup:TargetGroup": [
    "port",
    "protocol",
    "targetType",
    "deregistrationDelay",
    "healthCheck.path",
    "healthCheck.matcher",
  ],
  "aws:lb/listener:Listener": ["port", "protocol", "sslPolicy", "certificateArn", "defaultActions.0.type"],
  "aws:lb/listenerRule:ListenerRule": ["priority", "actions.0.type"],
  "aws:wafv2/webAcl:WebAcl": ["scope", "defaultAction", "rules"],
  "aws:wafv2/webAclAssociation:WebAclAssociation": ["resourceArn"],
  "aws:acm/certificate:Certificate": ["domainName", "validationMethod"],
  // AWS: compute and scaling
  "aws:ecs/cluster:Cluster": ["settings"],
  "aws:ecs/taskDefinition:TaskDefinition": [
    "cpu",
    "memory",
    "networkMode",
    "requiresCompatibilities",
    "runtimePlatform.cpuArchitecture",
  ],
  "aws:ecs/service:Service": [
    "desiredCount",
    "launchType",
    "deploymentCircuitBreaker.enable",
    "deploymentCircuitBreaker.rollback",
    "enableExecuteCommand",
    "networkConfiguration.assignPublicIp",
    "healthCheckGracePeriodSeconds",
  ],
  "aws:appautoscaling/target:Target": ["minCapacity", "maxCapacity", "scalableDimension"],
  "aws:appautoscaling/policy:Policy": [
    "policyType",
    "targetTrackingScalingPolicyConfiguration.targetValue",
    "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType",
  ],
  // AWS: database and backups
  "aws:rds/instance:Instance": [
    "engine",
    "engineVersion",
    "instanceClass",
    "allocatedStorage",
    "storageType",
    "multiAz",
    "backupRetentionPeriod",
    "deletionProtection",
    "storageEncrypted",
    "publiclyAccessible",
    "address",
  ],
  "aws:rds/subnetGroup:SubnetGroup": ["subnetIds"],
  "aws:rds/parameterGroup:ParameterGroup": ["family", "parameters"],
  "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": [
    "retentionPeriod",
    "sourceDbInstanceArn",
  ],
  "aws:backup/vault:Vault": ["kmsKeyArn"],
  "aws:backup/plan:Plan": ["rules"],
  "aws:backup/selection:Selection": ["resources"],
  // AWS: secrets and identity
  "aws:secretsmanager/secret:Secret": ["recoveryWindowInDays", "kmsKeyId"],
  "aws:secretsmanager/secretVersion:SecretVersion": ["secretString"],
  "aws:ssm/parameter:Parameter": ["type", "value"],
  "aws:kms/key:Key": ["enableKeyRotation", "deletionWindowInDays", "description"],
  "aws:iam/role:Role": ["description", "maxSessionDuration"],
  "aws:iam/rolePolicy:RolePolicy": ["role"],
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["policyArn"],
  "aws:iam/policy:Policy": ["description"],
  // AWS: logs, metrics, alerts, registry
  "aws:cloudwatch/logGroup:LogGroup": ["retentionInDays", "kmsKeyId"],
  "aws:cloudwatch/eventRule:EventRule": ["name"],
  "aws:cloudwatch/metricAlarm:MetricAlarm": [
    "namespace",
    "metricName",
    "statistic",
    "extendedStatistic",
    "comparisonOperator",
    "threshold",
    "evaluationPeriods",
  ],
  "aws:cloudwatch/dashboard:Dashboard": ["dashboardName"],
  "aws:sns/topic:Topic": ["kmsMasterKeyId"],
  "aws:sns/topicSubscription:TopicSubscription": ["protocol", "endpoint"],
  "aws:s3/bucket:Bucket": ["forceDestroy"],
  "aws:s3/bucketV2:BucketV2": ["forceDestroy"],
  "aws:ecr/repository:Repository": [
    "imageTagMutability",
    "imageScanningConfiguration.scanOnPush",
    "encryptionConfigurations.0.encryptionType",
    "forceDelete",
  ],
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": ["repository"],
  "docker:index/image:Image": ["imageName", "build.platform", "skipPush", "repoDigest"],
  "docker-build:index:Image": ["platforms", "push", "tags", "digest"],
  "random:index/randomPassword:RandomPassword": ["length", "special"],
  // Azure
  "azure-native:resources:ResourceGroup": ["location"],
  "azure-native:network:VirtualNetwork": ["addressSpace.addressPrefixes"],
  "azure-native:network:Subnet": [
    "addressPrefix",
    "delegations.0.serviceName",
    "privateEndpointNetworkPolicies",
  ],
  "azure-native:network:NetworkSecurityGroup": ["securityRules"],
  "azure-native:network:NatGateway": ["sku.name", "zones"],
  "azure-native:network:PublicIPAddress": ["sku.name", "publicIPAllocationMethod", "zones"],
  "azure-native:network:PrivateZone": ["privateZoneName", "location"],
  "azure-native:network:VirtualNetworkLink": ["registrationEnabled"],
  "azure-native:network:PrivateEndpoint": ["privateLinkServiceConnections.0.groupIds"],
  "azure-native:privatedns:PrivateZone": ["privateZoneName"],
  "azure-native:privatedns:VirtualNetworkLink": ["registrationEnabled"],
  "azure-native:app:ManagedEnvironment": [
    "zoneRedundant",
    "vnetConfiguration.internal",
    "appLogsConfiguration.destination",
    "workloadProfiles.0.workloadProfileType",
  ],
  "azure-native:app:ContainerApp": [
    "configuration.ingress.external",
    "configuration.ingress.targetPort",
    "configuration.ingress.allowInsecure",
    "configuration.ingress.transport",
    "configuration.activeRevisionsMode",
    "template.scale.minReplicas",
    "template.scale.maxReplicas",
    "template.containers.0.resources.cpu",
    "template.containers.0.resources.memory",
    "identity.type",
    "latestRevisionFqdn",
  ],
  "azure-native:dbforpostgresql:Server": [
    "version",
    "sku.name",
    "sku.tier",
    "storage.storageSizeGB",
    "highAvailability.mode",
    "backup.backupRetentionDays",
    "backup.geoRedundantBackup",
    "network.publicNetworkAccess",
    "fullyQualifiedDomainName",
  ],
  "azure-native:dbforpostgresql:Database": ["charset", "collation"],
  "azure-native:dbforpostgresql:Configuration": ["configurationName", "value", "source"],
  "azure-native:dbforpostgresql:FirewallRule": ["startIpAddress", "endIpAddress"],
  "azure-native:keyvault:Vault": [
    "properties.sku.name",
    "properties.enableRbacAuthorization",
    "properties.enablePurgeProtection",
    "properties.softDeleteRetentionInDays",
    "properties.publicNetworkAccess",
  ],
  "azure-native:keyvault:Secret": ["secretName", "properties.value"],
  "azure-native:managedidentity:UserAssignedIdentity": ["location"],
  "azure-native:authorization:RoleAssignment": ["principalType", "roleDefinitionId"],
  "azure-native:operationalinsights:Workspace": ["retentionInDays", "sku.name"],
  "azure-native:insights:Component": ["applicationType", "kind", "ingestionMode"],
  "azure-native:insights:ActionGroup": ["groupShortName", "enabled", "emailReceivers"],
  "azure-native:insights:MetricAlert": ["severity", "evaluationFrequency", "windowSize", "criteria"],
  "azure-native:insights:ScheduledQueryRule": ["severity", "evaluationFrequency", "windowSize"],
  "azure-native:monitor:ActionGroup": ["groupShortName", "enabled", "emailReceivers"],
  "azure-native:monitor:MetricAlert": [
    "severity",
    "criteria.allOf.0.metricName",
    "criteria.allOf.0.operator",
    "criteria.allOf.0.threshold",
    "windowSize",
  ],
  "azure-native:monitor:ScheduledQueryRule": [
    "severity",
    "criteria.allOf.0.metricMeasureColumn",
    "criteria.allOf.0.operator",
    "criteria.allOf.0.threshold",
    "windowSize",
  ],
  "azure-native:authorization:ManagementLockByScope": ["level"],
  "awsx:ec2:Vpc": ["cidrBlock", "numberOfAvailabilityZones", "natGateways.strategy", "subnetStrategy"],
  "azure-native:insights:DiagnosticSetting": ["workspaceId", "logs"],
  "azure-native:monitor:DiagnosticSetting": ["workspaceId", "logs"],
  "azure-native:portal:Dashboard": ["location"],
  "azure-native:dashboard:Grafana": ["sku.name"],
  "azure-native:containerregistry:Registry": [
    "sku.name",
    "adminUserEnabled",
    "publicNetworkAccess",
    "zoneRedundancy",
  ],
  "azure-native:dataprotection:BackupVault": ["properties.storageSettings"],
  "azure-native:cdn:Profile": ["sku.name"],
  "azure-native:network:FrontDoorWebApplicationFirewallPolicy": ["policySettings.mode", "sku.name"],
};

const FALLBACK_SKIP = new Set(["tags", "tagsAll", "name", "location", "resourceGroupName"]);

/** Render a value for one line of the tree: short, stable, no JSON noise for scalars. */
export function formatValue(value: unknown, max = 60): string {
  let text: string;
  if (value === undefined) text = "-";
  else if (typeof value === "string") text = value;
  else if (Array.isArray(value)) {
    text =
      value.every((v) => typeof v !== "object" || v === null) && value.length <= 4
        ? `[${value.map((v) => formatValue(v, 30)).join(", ")}]`
        : `[${value.length} item${value.length === 1 ? "" : "s"}]`;
  } else if (isPlainObject(value)) {
    text = `{${Object.keys(value).length} keys}`;
  } else text = String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function keyProperties(
  type: string,
  props: Record<string, unknown>,
  state: Record<string, unknown>,
): Record<string, string> {
  const curated = KEY_PROPERTIES[type];
  const key: Record<string, string> = {};
  if (curated) {
    for (const path of curated) {
      const value = getPath(props, path);
      if (value !== undefined) key[path] = formatValue(value);
      else if (getPath(state, path) !== undefined) key[path] = COMPUTED; // an output only the cloud knows
    }
    return key;
  }
  for (const [name, value] of Object.entries(props)) {
    if (FALLBACK_SKIP.has(name) || value === undefined || value === null) continue;
    if (typeof value === "object" && !Array.isArray(value)) continue;
    key[name] = formatValue(value);
    if (Object.keys(key).length >= 5) break;
  }
  return key;
}

function describeResource(resource: unknown): string | undefined {
  if (resource === undefined || resource === null) return undefined;
  if (typeof resource === "string") return resource;
  if (isPlainObject(resource)) {
    if (typeof resource.urn === "string") return resource.urn;
    if (typeof resource.type === "string" && typeof resource.name === "string") {
      return `${resource.type}::${resource.name}`;
    }
  }
  return undefined;
}

export function buildPolicyVerdict(
  violations: PolicyViolationLike[] | undefined,
  error?: string,
): PolicyVerdict {
  if (!violations) {
    return { evaluated: false, error: error ?? "not evaluated", violations: [], counts: {}, blocked: false };
  }
  const list: PlanViolation[] = violations.map((v) => {
    const resource = describeResource(v.resource);
    return {
      policyName: v.policyName,
      enforcementLevel: v.enforcementLevel,
      ...(resource ? { resource } : {}),
      message: v.message,
    };
  });
  const counts: Record<string, number> = {};
  for (const v of list) counts[v.enforcementLevel] = (counts[v.enforcementLevel] ?? 0) + 1;
  return { evaluated: true, violations: list, counts, blocked: (counts.mandatory ?? 0) > 0 };
}

export function buildCloudPlan(input: BuildCloudPlanInput): CloudPlan {
  const computedValues = collectComputedValues(input.resources);
  const sanitize = makeSanitizer(computedValues);
  const resources: PlanResource[] = input.resources.map((r) => {
    const props = sanitize(r.props) as Record<string, unknown>;
    const computed = Object.keys(r.state)
      .filter((k) => !(k in r.props))
      .sort();
    return {
      urn: r.urn,
      type: r.type,
      name: r.name,
      ...(r.parent ? { parent: r.parent } : {}),
      custom: r.custom ?? true,
      protect: r.opts?.protect ?? false,
      props,
      key: keyProperties(r.type, props, r.state),
      computed,
    };
  });
  return {
    cloud: input.cloud,
    environment: input.environment,
    ...(input.assumptions && input.assumptions.length > 0 ? { assumptions: input.assumptions } : {}),
    resources,
    outputs: sanitize(input.outputs ?? {}) as Record<string, unknown>,
    policy: buildPolicyVerdict(input.violations, input.policyError),
  };
}

export function buildPlan(input: { project?: string; stack: string; clouds: CloudPlan[] }): Plan {
  return {
    version: PLAN_VERSION,
    project: input.project ?? "twincloud",
    stack: input.stack,
    clouds: input.clouds,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Concerns: the same spec on each cloud, derived from the captured resources

export const CONCERNS = [
  "network",
  "ingress/TLS",
  "compute",
  "scaling",
  "database",
  "backups/DR",
  "secrets",
  "identity",
  "logs",
  "metrics/alerts",
  "registry",
] as const;
export type Concern = (typeof CONCERNS)[number];

/** Which concern a resource type belongs to (first match wins). */
const CONCERN_OF_TYPE: [RegExp, Concern][] = [
  [
    /^aws:(ec2\/(vpc|subnet|natGateway|internetGateway|eip|routeTable|routeTableAssociation|route|vpcEndpoint|securityGroup|securityGroupRule|flowLog|defaultSecurityGroup|networkAcl)|vpc\/)|^awsx:ec2/,
    "network",
  ],
  [
    /^azure-native:(network:(VirtualNetwork|Subnet|NetworkSecurityGroup|NatGateway|PublicIPAddress|PrivateZone|VirtualNetworkLink|PrivateEndpoint|RouteTable)|privatedns:)/,
    "network",
  ],
  [/^aws:(lb\/|alb\/|wafv2\/|acm\/|cloudfront\/)|^awsx:lb/, "ingress/TLS"],
  [
    /^azure-native:(cdn:|network:(ApplicationGateway|FrontDoor)|app:(ManagedCertificate|Certificate))/,
    "ingress/TLS",
  ],
  [/^aws:appautoscaling\//, "scaling"],
  [/^aws:ecs\/|^awsx:ecs/, "compute"],
  [/^azure-native:app:(ContainerApp|ManagedEnvironment|Job)/, "compute"],
  [/^aws:backup\/|^aws:rds\/instanceAutomatedBackupsReplication|^azure-native:dataprotection:/, "backups/DR"],
  [/^aws:rds\/|^azure-native:dbforpostgresql:/, "database"],
  [/^aws:(secretsmanager|ssm|kms)\/|^azure-native:keyvault:|^random:/, "secrets"],
  [/^azure-native:authorization:ManagementLock/, "backups/DR"],
  [/^aws:iam\/|^azure-native:(managedidentity|authorization):/, "identity"],
  [
    /^aws:cloudwatch\/(logGroup|logStream|logSubscription|queryDefinition)|^aws:s3\/|^azure-native:operationalinsights:|^azure-native:(insights|monitor):DiagnosticSetting/,
    "logs",
  ],
  [
    /^aws:(cloudwatch|sns)\/|^azure-native:(insights|portal|dashboard|monitor|alertsmanagement):/,
    "metrics/alerts",
  ],
  [/^aws:ecr\/|^docker(-build)?:|^azure-native:containerregistry:/, "registry"],
];

export function concernOf(type: string): Concern | undefined {
  return CONCERN_OF_TYPE.find(([pattern]) => pattern.test(type))?.[1];
}

type Fact = { concern: Concern; text: string };
const has = (v: unknown) => v !== undefined && v !== null && v !== "";
const fmt = (v: unknown) => formatValue(v, 60);

/** Facts worth comparing across clouds, read from one resource's (sanitized) inputs. */
function factsOf(resource: PlanResource): Fact[] {
  const p = resource.props;
  const g = (path: string) => getPath(p, path);
  const facts: Fact[] = [];
  const add = (concern: Concern, text: string | undefined) => {
    if (text) facts.push({ concern, text });
  };
  switch (resource.type) {
    case "aws:ec2/vpc:Vpc":
      add("network", `VPC ${fmt(g("cidrBlock"))}`);
      break;
    case "awsx:ec2:Vpc":
      add(
        "network",
        `VPC ${fmt(g("cidrBlock"))}, ${fmt(g("numberOfAvailabilityZones"))} AZs, NAT gateways ${fmt(g("natGateways.strategy") ?? "default")}`,
      );
      break;
    case "aws:ec2/flowLog:FlowLog":
      add("network", `VPC flow logs (${fmt(g("trafficType"))})`);
      break;
    case "azure-native:network:Subnet":
      add(
        "network",
        `subnet ${fmt(g("addressPrefix"))}${has(g("delegations.0.serviceName")) ? ` → ${fmt(g("delegations.0.serviceName"))}` : ""}`,
      );
      break;
    case "azure-native:network:PrivateEndpoint":
      add("network", "private endpoint");
      break;
    case "azure-native:network:VirtualNetwork":
      add("network", `VNet ${fmt(g("addressSpace.addressPrefixes"))}`);
      break;
    case "aws:lb/loadBalancer:LoadBalancer":
      add(
        "ingress/TLS",
        `${g("internal") ? "internal" : "internet-facing"} ${fmt(g("loadBalancerType") ?? "application")} LB, idle ${fmt(g("idleTimeout") ?? 60)} s${g("enableDeletionProtection") ? ", deletion-protected" : ""}`,
      );
      break;
    case "aws:lb/listener:Listener":
      add(
        "ingress/TLS",
        `listener ${fmt(g("protocol"))}:${fmt(g("port"))}${has(g("sslPolicy")) ? ` (${fmt(g("sslPolicy"))})` : ""}${g("defaultActions.0.type") === "redirect" ? " → redirect" : ""}`,
      );
      break;
    case "aws:wafv2/webAcl:WebAcl":
      add(
        "ingress/TLS",
        `WAF web ACL, ${Array.isArray(g("rules")) ? (g("rules") as unknown[]).length : 0} rule(s)`,
      );
      break;
    case "aws:ecs/taskDefinition:TaskDefinition":
      add(
        "compute",
        `Fargate task ${fmt(g("cpu"))} CPU units / ${fmt(g("memory"))} MiB, ${fmt(g("runtimePlatform.cpuArchitecture") ?? "X86_64")}`,
      );
      break;
    case "aws:ecs/service:Service":
      add(
        "compute",
        `ECS service, desired ${fmt(g("desiredCount"))}${g("deploymentCircuitBreaker.rollback") ? ", circuit-breaker rollback" : ""}${g("enableExecuteCommand") ? ", exec enabled" : ""}`,
      );
      break;
    case "aws:appautoscaling/target:Target":
      add("scaling", `replicas ${fmt(g("minCapacity"))}–${fmt(g("maxCapacity"))}`);
      break;
    case "aws:appautoscaling/policy:Policy":
      add(
        "scaling",
        `target tracking ${fmt(g("targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType"))} = ${fmt(g("targetTrackingScalingPolicyConfiguration.targetValue"))}`,
      );
      break;
    case "azure-native:app:ContainerApp": {
      add(
        "ingress/TLS",
        `Container Apps ingress ${g("configuration.ingress.external") ? "external" : "internal"}, port ${fmt(g("configuration.ingress.targetPort"))}, ${g("configuration.ingress.allowInsecure") ? "HTTP allowed" : "HTTPS only"}`,
      );
      add(
        "compute",
        `container app ${fmt(g("template.containers.0.resources.cpu"))} vCPU / ${fmt(g("template.containers.0.resources.memory"))}, revisions ${fmt(g("configuration.activeRevisionsMode") ?? "Single")}`,
      );
      add(
        "scaling",
        `replicas ${fmt(g("template.scale.minReplicas"))}–${fmt(g("template.scale.maxReplicas"))}`,
      );
      const rules = g("template.scale.rules");
      if (Array.isArray(rules)) {
        const kinds = rules.map((r) =>
          isPlainObject(r)
            ? Object.keys(r)
                .filter((k) => k !== "name")
                .join("/") || "rule"
            : "rule",
        );
        add("scaling", `scale rules: ${kinds.join(", ")}`);
      }
      if (has(g("identity.type"))) add("identity", `app identity ${fmt(g("identity.type"))}`);
      const secrets = g("configuration.secrets");
      if (Array.isArray(secrets)) {
        const fromVault = secrets.filter((s) => isPlainObject(s) && has(s.keyVaultUrl)).length;
        add("secrets", `${secrets.length} app secret(s), ${fromVault} from Key Vault`);
      }
      break;
    }
    case "azure-native:authorization:RoleAssignment":
      add("identity", `role assignment (${fmt(g("principalType"))})`);
      break;
    case "azure-native:authorization:ManagementLockByScope":
      add("backups/DR", `management lock ${fmt(g("level"))}`);
      break;
    case "azure-native:app:ManagedEnvironment":
      add(
        "compute",
        `Container Apps environment${g("zoneRedundant") ? ", zone-redundant" : ""}${g("vnetConfiguration.internal") ? ", internal" : ""}`,
      );
      break;
    case "aws:rds/instance:Instance":
      add(
        "database",
        `RDS ${fmt(g("engine"))} ${fmt(g("engineVersion"))}, ${fmt(g("instanceClass"))}, ${fmt(g("allocatedStorage"))} GiB${g("multiAz") ? ", Multi-AZ" : ", single-AZ"}${g("storageEncrypted") ? ", encrypted" : ""}${g("publiclyAccessible") ? ", PUBLIC" : ", private"}`,
      );
      add(
        "backups/DR",
        `automated backups ${fmt(g("backupRetentionPeriod"))} days${g("deletionProtection") ? ", deletion protection" : ""}`,
      );
      if (Array.isArray(g("enabledCloudwatchLogsExports"))) {
        add("logs", `database logs exported: ${(g("enabledCloudwatchLogsExports") as unknown[]).join(", ")}`);
      }
      if (g("manageMasterUserPassword") === true)
        add("secrets", "database password managed by RDS in Secrets Manager");
      if (g("iamDatabaseAuthenticationEnabled") === true) add("identity", "IAM database authentication");
      break;
    case "aws:backup/plan:Plan": {
      const rules = g("rules");
      const copies = Array.isArray(rules)
        ? rules.filter((r) => isPlainObject(r) && Array.isArray(r.copyActions) && r.copyActions.length > 0)
            .length
        : 0;
      add("backups/DR", `AWS Backup plan${copies > 0 ? ", copies to a second region's vault" : ""}`);
      break;
    }
    case "aws:iam/role:Role":
      add("identity", `IAM role: ${fmt(g("description") ?? resource.name)}`);
      break;
    case "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication":
      add("backups/DR", `cross-region backup replication, ${fmt(g("retentionPeriod"))} days`);
      break;
    case "azure-native:dbforpostgresql:Server":
      add(
        "database",
        `Flexible Server PostgreSQL ${fmt(g("version"))}, ${fmt(g("sku.name"))} (${fmt(g("sku.tier"))}), ${fmt(g("storage.storageSizeGB"))} GiB, HA ${fmt(g("highAvailability.mode") ?? "Disabled")}, public access ${fmt(g("network.publicNetworkAccess") ?? "-")}`,
      );
      add(
        "backups/DR",
        `PITR backups ${fmt(g("backup.backupRetentionDays"))} days, geo-redundant ${fmt(g("backup.geoRedundantBackup") ?? "Disabled")}`,
      );
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      add("logs", `CloudWatch log group, ${fmt(g("retentionInDays") ?? "never expire")} days`);
      break;
    case "azure-native:insights:DiagnosticSetting":
    case "azure-native:monitor:DiagnosticSetting": {
      const logs = g("logs");
      const categories = Array.isArray(logs)
        ? logs.map((l) => (isPlainObject(l) ? (l.category ?? l.categoryGroup) : undefined)).filter(has)
        : [];
      add(
        "logs",
        `diagnostic setting → Log Analytics: ${categories.length > 0 ? categories.join(", ") : "metrics"}`,
      );
      break;
    }
    case "azure-native:operationalinsights:Workspace":
      add("logs", `Log Analytics workspace, ${fmt(g("retentionInDays"))} days`);
      break;
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      add(
        "metrics/alerts",
        `alarm ${fmt(g("metricName") ?? "(metric math)")} ${fmt(g("comparisonOperator"))} ${fmt(g("threshold"))}`,
      );
      break;
    case "azure-native:insights:MetricAlert":
    case "azure-native:monitor:MetricAlert":
      add(
        "metrics/alerts",
        `alert ${fmt(g("criteria.allOf.0.metricName"))} ${fmt(g("criteria.allOf.0.operator"))} ${fmt(g("criteria.allOf.0.threshold"))}`,
      );
      break;
    case "azure-native:insights:ScheduledQueryRule":
    case "azure-native:monitor:ScheduledQueryRule":
      add(
        "metrics/alerts",
        `log alert ${fmt(g("criteria.allOf.0.metricMeasureColumn") ?? "query")} ${fmt(g("criteria.allOf.0.operator"))} ${fmt(g("criteria.allOf.0.threshold"))}`,
      );
      break;
    case "aws:sns/topicSubscription:TopicSubscription":
      add("metrics/alerts", `notify via ${fmt(g("protocol"))}`);
      break;
    case "aws:cloudwatch/eventRule:EventRule":
      // The pattern names the database's ARN, unknown before deploy: the description says what it watches.
      if (/AWS Backup/.test(String(g("description") ?? "")))
        add("backups/DR", "failed backup/copy jobs → alert topic (EventBridge rule)");
      if (/password .*rotated/.test(String(g("description") ?? "")))
        add("secrets", "password rotation → new deployment (EventBridge → Step Functions)");
      break;
    case "azure-native:insights:ActionGroup":
    case "azure-native:monitor:ActionGroup": {
      const receivers = g("emailReceivers");
      add(
        "metrics/alerts",
        `action group, ${Array.isArray(receivers) ? receivers.length : 0} email receiver(s)`,
      );
      break;
    }
    case "aws:ecr/repository:Repository":
      add(
        "registry",
        `ECR, tags ${fmt(g("imageTagMutability") ?? "MUTABLE")}, scan on push ${fmt(g("imageScanningConfiguration.scanOnPush") ?? false)}`,
      );
      break;
    case "azure-native:containerregistry:Registry":
      add("registry", `ACR ${fmt(g("sku.name"))}, admin user ${fmt(g("adminUserEnabled") ?? false)}`);
      break;
    case "azure-native:keyvault:Vault":
      add(
        "secrets",
        `Key Vault${g("properties.enableRbacAuthorization") ? ", RBAC" : ""}${g("properties.enablePurgeProtection") ? ", purge protection" : ""}`,
      );
      break;
    case "aws:kms/key:Key":
      add("secrets", `KMS key${g("enableKeyRotation") ? ", rotation on" : ""}`);
      break;
    default:
      break;
  }
  return facts;
}

/** Human names for the type tokens, e.g. `aws:ecs/service:Service` → `ecs Service`. */
export function shortType(type: string): string {
  const [provider = "", module = "", kind = ""] = type.split(":");
  const mod = module.split("/")[0] ?? "";
  return provider === "azure-native" ? `${mod} ${kind}` : `${mod === "index" ? provider : mod} ${kind}`;
}

export interface ConcernCell {
  resources: { type: string; count: number }[];
  facts: string[];
}

export type ConcernTable = Record<Concern, Partial<Record<PlanCloudName, ConcernCell>>>;

export function concernTable(plan: Plan): ConcernTable {
  const table = Object.fromEntries(CONCERNS.map((c) => [c, {}])) as ConcernTable;
  for (const cloud of plan.clouds) {
    for (const concern of CONCERNS) table[concern][cloud.cloud] = { resources: [], facts: [] };
    for (const resource of cloud.resources) {
      const concern = concernOf(resource.type);
      if (concern) {
        const cell = table[concern][cloud.cloud]!;
        const entry = cell.resources.find((r) => r.type === resource.type);
        if (entry) entry.count++;
        else cell.resources.push({ type: resource.type, count: 1 });
      }
      for (const fact of factsOf(resource)) {
        const cell = table[fact.concern][cloud.cloud]!;
        if (!cell.facts.includes(fact.text)) cell.facts.push(fact.text);
      }
    }
  }
  return table;
}

// ---------------------------------------------------------------------------------------------------------
// Diff

export interface PropertyChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface ResourceRef {
  urn: string;
  type: string;
  name: string;
}

export interface CloudDiff {
  cloud: PlanCloudName;
  added: ResourceRef[];
  removed: ResourceRef[];
  changed: (ResourceRef & { changes: PropertyChange[] })[];
  /** Policy verdict changes: violations that appear / disappear. */
  newViolations: PlanViolation[];
  resolvedViolations: PlanViolation[];
  /** Deletions, replacements and unprotections of protected or stateful resources (see `destructiveChanges`). */
  destructive: DestructiveChange[];
}

export interface PlanDiff {
  stack: string;
  baseStack: string;
  clouds: CloudDiff[];
  /** Clouds planned on one side only. */
  cloudsOnlyInBase: PlanCloudName[];
  cloudsOnlyInHead: PlanCloudName[];
}

/** Flatten to `path → JSON-encoded leaf`, arrays by index. Empty objects/arrays are leaves. */
export function flatten(
  value: unknown,
  prefix = "",
  out: Record<string, string> = {},
): Record<string, string> {
  if (Array.isArray(value) && value.length > 0) {
    value.forEach((item, i) => {
      flatten(item, prefix ? `${prefix}.${i}` : String(i), out);
    });
  } else if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) {
    out[prefix] = JSON.stringify(value);
  }
  return out;
}

const ref = (r: PlanResource): ResourceRef => ({ urn: r.urn, type: r.type, name: r.name });
const violationKey = (v: PlanViolation) => `${v.policyName}|${v.resource ?? ""}|${v.message}`;

export function diffPlans(base: Plan, head: Plan): PlanDiff {
  const clouds: CloudDiff[] = [];
  for (const after of head.clouds) {
    const before = base.clouds.find((c) => c.cloud === after.cloud);
    if (!before) continue;
    // URNs embed the stack name: compare by type + name chain so a prod plan can be diffed against prod.
    const id = (r: PlanResource) => `${r.type}::${r.name}`;
    const beforeById = new Map(before.resources.map((r) => [id(r), r]));
    const afterById = new Map(after.resources.map((r) => [id(r), r]));
    const diff: CloudDiff = {
      cloud: after.cloud,
      added: [],
      removed: [],
      changed: [],
      newViolations: [],
      resolvedViolations: [],
      destructive: [],
    };
    for (const r of after.resources) if (!beforeById.has(id(r))) diff.added.push(ref(r));
    for (const r of before.resources) if (!afterById.has(id(r))) diff.removed.push(ref(r));
    for (const r of after.resources) {
      const old = beforeById.get(id(r));
      if (!old) continue;
      const a = flatten(old.props);
      const b = flatten(r.props);
      const changes: PropertyChange[] = [];
      for (const path of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        if (a[path] !== b[path]) {
          changes.push({
            path,
            before: a[path] === undefined ? undefined : JSON.parse(a[path]),
            after: b[path] === undefined ? undefined : JSON.parse(b[path]),
          });
        }
      }
      if (old.protect !== r.protect)
        changes.push({ path: "(protect)", before: old.protect, after: r.protect });
      if (changes.length > 0) diff.changed.push({ ...ref(r), changes });
    }
    const oldViolations = new Set(before.policy.violations.map(violationKey));
    const newViolations = new Set(after.policy.violations.map(violationKey));
    diff.newViolations = after.policy.violations.filter((v) => !oldViolations.has(violationKey(v)));
    diff.resolvedViolations = before.policy.violations.filter((v) => !newViolations.has(violationKey(v)));
    diff.destructive = destructiveChanges(before, after, diff);
    clouds.push(diff);
  }
  return {
    stack: head.stack,
    baseStack: base.stack,
    clouds,
    cloudsOnlyInBase: base.clouds
      .filter((c) => !head.clouds.some((h) => h.cloud === c.cloud))
      .map((c) => c.cloud),
    cloudsOnlyInHead: head.clouds
      .filter((c) => !base.clouds.some((b) => b.cloud === c.cloud))
      .map((c) => c.cloud),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Destructive changes: what a diff would delete or replace that holds data, or that guards it

/**
 * Resource types whose deletion loses data or something a recovery depends on, by what they are. Any
 * resource created with `protect: true` counts too, whatever its type. (policies/rules/common.ts
 * STATEFUL_TYPES, the types prod must protect, is a subset: a test keeps it so.)
 */
export const STATEFUL_KINDS: Readonly<Record<string, string>> = {
  "aws:rds/instance:Instance": "database",
  "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": "DR backup replica",
  "aws:backup/vault:Vault": "backup vault",
  "aws:kms/key:Key": "encryption key",
  "aws:secretsmanager/secret:Secret": "secret",
  "aws:ecr/repository:Repository": "registry",
  "aws:s3/bucket:Bucket": "bucket",
  "aws:s3/bucketV2:BucketV2": "bucket",
  "aws:cloudwatch/logGroup:LogGroup": "log group",
  "aws:sns/topic:Topic": "alert topic (its subscriptions must be confirmed again)",
  "azure-native:resources:ResourceGroup": "resource group (everything in it goes too)",
  "azure-native:dbforpostgresql:Server": "database",
  "azure-native:dbforpostgresql:Database": "database",
  "azure-native:keyvault:Vault": "key vault",
  "azure-native:keyvault:Secret": "secret",
  "azure-native:containerregistry:Registry": "registry",
  "azure-native:operationalinsights:Workspace": "log workspace",
  "azure-native:dataprotection:BackupVault": "backup vault",
  "azure-native:storage:StorageAccount": "storage account",
  "azure-native:authorization:ManagementLockByScope": "delete lock",
};

/**
 * Inputs a provider cannot change in place (it deletes and re-creates the resource), for the stateful AWS
 * types (the providers' ForceNew / replaceOnChanges). azure-native replaces on its URL parameters: the
 * resource's own `...Name`, `resourceGroupName`, `location`, `scope`.
 */
const REPLACE_ON_CHANGE: Readonly<Record<string, readonly string[]>> = {
  "aws:rds/instance:Instance": [
    "identifier",
    "identifierPrefix",
    "engine",
    "dbName",
    "username",
    "storageEncrypted",
    "kmsKeyId",
    "availabilityZone",
    "characterSetName",
    "ncharCharacterSetName",
    "timezone",
  ],
  "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": [
    "sourceDbInstanceArn",
    "kmsKeyId",
    "retentionPeriod",
  ],
  "aws:backup/vault:Vault": ["name", "kmsKeyArn"],
  "aws:kms/key:Key": ["customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId"],
  "aws:secretsmanager/secret:Secret": ["name", "namePrefix"],
  "aws:ecr/repository:Repository": ["name", "encryptionConfigurations"],
  "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix"],
  "aws:s3/bucketV2:BucketV2": ["bucket", "bucketPrefix"],
  "aws:cloudwatch/logGroup:LogGroup": ["name", "namePrefix", "logGroupClass"],
  "aws:sns/topic:Topic": ["name", "namePrefix", "fifoTopic"],
};
const AZURE_REPLACE_ON_CHANGE = /^([a-z][A-Za-z]*Name|location|scope)$/;

/** Settings that guard a stateful resource against deletion: turning one off is flagged as well. */
const SAFETY_SETTINGS: readonly { path: string; safe: (value: unknown) => boolean }[] = [
  { path: "deletionProtection", safe: (v) => v === true },
  { path: "skipFinalSnapshot", safe: (v) => v !== true },
  { path: "deleteAutomatedBackups", safe: (v) => v !== true },
  { path: "forceDestroy", safe: (v) => v !== true },
  { path: "forceDelete", safe: (v) => v !== true },
  { path: "properties.enablePurgeProtection", safe: (v) => v === true },
];

export interface DestructiveChange {
  /** delete: no longer declared; replace: deleted and re-created; unprotect: a safeguard turned off. */
  action: "delete" | "replace" | "unprotect";
  type: string;
  name: string;
  /** What it is (`database`, `registry`, ...), or `protected resource` for a protected type not listed. */
  kind: string;
  protect: boolean;
  reason: string;
}

const isStateful = (r: PlanResource) => r.protect || r.type in STATEFUL_KINDS;
const kindOf = (r: PlanResource) => STATEFUL_KINDS[r.type] ?? "protected resource";
/** `urn:pulumi:<stack>::<project>::<parent types $ type>::<name>` → the qualified type (parents included). */
const qualifiedType = (urn: string) => urn.split("::")[2];
const touches = (change: PropertyChange, path: string) =>
  change.path === path || change.path.startsWith(`${path}.`);

function replacementCauses(r: PlanResource, changes: PropertyChange[]): PropertyChange[] {
  if (r.type.startsWith("azure-native:")) {
    return changes.filter((c) => AZURE_REPLACE_ON_CHANGE.test(c.path.split(".")[0] ?? ""));
  }
  const paths = REPLACE_ON_CHANGE[r.type] ?? [];
  return changes.filter((c) => paths.some((path) => touches(c, path)));
}

/**
 * The deletions and replacements of protected or stateful resources in one cloud's diff, plus safeguards
 * turned off on them. An offline plan sees inputs only, so a replacement is inferred from inputs the
 * provider cannot update in place and from URN changes (a new parent type without an alias); a value that
 * becomes `<computed>` there may force one too, and says so.
 */
export function destructiveChanges(
  before: CloudPlan,
  after: CloudPlan,
  diff: Pick<CloudDiff, "added" | "removed" | "changed">,
): DestructiveChange[] {
  const id = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
  const beforeById = new Map(before.resources.map((r) => [id(r), r]));
  const afterById = new Map(after.resources.map((r) => [id(r), r]));
  const out: DestructiveChange[] = [];
  const entry = (action: DestructiveChange["action"], r: PlanResource, reason: string) =>
    out.push({ action, type: r.type, name: r.name, kind: kindOf(r), protect: r.protect, reason });

  for (const removed of diff.removed) {
    const r = beforeById.get(id(removed));
    if (!r || !isStateful(r)) continue;
    const renamed = diff.added.filter((a) => a.type === r.type).map((a) => a.name);
    entry(
      "delete",
      r,
      renamed.length > 0
        ? `no longer declared; if it was renamed to ${renamed.join(" or ")}, add \`aliases: [{ name: "${r.name}" }]\` to keep it`
        : r.protect
          ? "no longer declared: `pulumi up` refuses while it is protected, and deletes it once unprotected"
          : "no longer declared: `pulumi up` deletes it",
    );
  }
  for (const changed of diff.changed) {
    const old = beforeById.get(id(changed));
    const now = afterById.get(id(changed));
    if (!old || !now || !(isStateful(old) || isStateful(now))) continue;
    const causes = replacementCauses(now, changed.changes);
    if (causes.length > 0) {
      const unknown = causes.every((c) => c.after === COMPUTED);
      entry(
        "replace",
        now,
        `${causes.map((c) => `${c.path}: ${formatValue(c.before, 40)} → ${formatValue(c.after, 40)}`).join("; ")} ${unknown ? "may force" : "forces"} a replacement (delete, then create)`,
      );
    }
    const unprotected = [
      ...(old.protect && !now.protect ? ["protect: true → false"] : []),
      ...SAFETY_SETTINGS.filter(
        (s) => s.safe(getPath(old.props, s.path)) && !s.safe(getPath(now.props, s.path)),
      ).map(
        (s) =>
          `${s.path}: ${formatValue(getPath(old.props, s.path))} → ${formatValue(getPath(now.props, s.path))}`,
      ),
    ];
    if (unprotected.length > 0) entry("unprotect", now, `safeguard off: ${unprotected.join("; ")}`);
  }
  // Same type and name, different parent type: a new URN, which Pulumi treats as delete + create.
  for (const now of after.resources) {
    const old = beforeById.get(id(now));
    if (!old || !(isStateful(old) || isStateful(now))) continue;
    const [a, b] = [qualifiedType(old.urn), qualifiedType(now.urn)];
    if (a && b && a !== b) {
      entry(
        "replace",
        now,
        `its URN changes (${a} → ${b}): without \`aliases\` for the old parent Pulumi deletes and re-creates it`,
      );
    }
  }
  return out;
}

export function isEmptyDiff(diff: PlanDiff): boolean {
  return (
    diff.cloudsOnlyInBase.length === 0 &&
    diff.cloudsOnlyInHead.length === 0 &&
    diff.clouds.every(
      (c) =>
        c.added.length +
          c.removed.length +
          c.changed.length +
          c.newViolations.length +
          c.resolvedViolations.length ===
        0,
    )
  );
}

/** Validate a parsed `--format json` document before diffing against it. Throws naming what is wrong. */
export function parsePlanJson(text: string, source: string): Plan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${source}: not JSON (${(error as Error).message}); expected the output of --format json`,
    );
  }
  if (!isPlainObject(data) || data.version !== PLAN_VERSION || !Array.isArray(data.clouds)) {
    throw new Error(
      `${source}: not an offline plan (expected {"version": ${PLAN_VERSION}, "clouds": [...]}, the output of --format json)`,
    );
  }
  for (const cloud of data.clouds) {
    if (
      !isPlainObject(cloud) ||
      !PLAN_CLOUDS.includes(cloud.cloud as PlanCloudName) ||
      !Array.isArray(cloud.resources)
    ) {
      throw new Error(`${source}: every entry of "clouds" needs "cloud" (aws or azure) and "resources"`);
    }
  }
  return data as unknown as Plan;
}

// ---------------------------------------------------------------------------------------------------------
// The gate: what makes `npm run plan` exit non-zero

/** Exit codes of `npm run plan`: 3 = rendered, but a policy gate failed (the plan is still printed). */
export const PLAN_EXIT = { ok: 0, error: 1, usage: 2, gate: 3 } as const;

/**
 * Why the plan must not pass, one line per rendering: a mandatory violation (what `pulumi preview` with the
 * pack refuses) or a pack that could not be evaluated (no verdict is not a pass). Every rendering counts,
 * a what-if one (a stack on the cloud it does not ship on) included: the spec claims both clouds, and the
 * what-if already assumes what only the stack file lacks. `ownCloud` labels the what-if renderings.
 */
export function gateFailures(plan: Plan, ownCloud?: PlanCloudName): string[] {
  const failures: string[] = [];
  for (const cloud of plan.clouds) {
    const where = `${plan.stack} on ${CLOUD_LABEL[cloud.cloud]}${ownCloud && cloud.cloud !== ownCloud ? " (what-if)" : ""}`;
    const p = cloud.policy;
    if (!p.evaluated) failures.push(`${where}: policies NOT EVALUATED (${p.error ?? "unknown error"})`);
    else if (p.blocked) {
      const names = [
        ...new Set(p.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policyName)),
      ];
      failures.push(
        `${where}: BLOCKED by ${p.counts.mandatory} mandatory violation(s) (${names.join(", ")})`,
      );
    }
  }
  return failures;
}

function destructiveOf(diff: PlanDiff | undefined): (DestructiveChange & { cloud: PlanCloudName })[] {
  return (diff?.clouds ?? []).flatMap((c) => (c.destructive ?? []).map((d) => ({ ...d, cloud: c.cloud })));
}

function destructiveHeadline(count: number): string {
  return `⚠ DESTRUCTIVE: ${count} change(s) delete, replace or unprotect a protected or stateful resource`;
}

function destructiveTextLines(diff: PlanDiff | undefined): string[] {
  const all = destructiveOf(diff);
  if (all.length === 0) return [];
  return [
    destructiveHeadline(all.length),
    ...all.map(
      (d) =>
        `  ${CLOUD_LABEL[d.cloud].padEnd(6)}${d.action.padEnd(10)}${d.kind}: ${d.type} ${d.name}${d.protect ? " [protected]" : ""}: ${d.reason}`,
    ),
    "",
  ];
}

function destructiveMarkdownLines(diff: PlanDiff | undefined): string[] {
  const all = destructiveOf(diff);
  if (all.length === 0) return [];
  return [
    `#### ${destructiveHeadline(all.length)}`,
    "",
    "| Cloud | Action | What | Resource | Why |",
    "| --- | --- | --- | --- | --- |",
    ...all.map(
      (d) =>
        `| ${CLOUD_LABEL[d.cloud]} | **${d.action}** | ${mdEscape(d.kind)} | \`${d.type}\` ${mdEscape(d.name)}${d.protect ? " (protected)" : ""} | ${mdEscape(d.reason)} |`,
    ),
    "",
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Rendering

const CLOUD_LABEL: Record<PlanCloudName, string> = { aws: "AWS", azure: "Azure" };

function childrenIndex(cloud: CloudPlan): { roots: PlanResource[]; children: Map<string, PlanResource[]> } {
  const byUrn = new Set(cloud.resources.map((r) => r.urn));
  const children = new Map<string, PlanResource[]>();
  const roots: PlanResource[] = [];
  for (const r of cloud.resources) {
    if (r.parent && byUrn.has(r.parent)) {
      const list = children.get(r.parent) ?? [];
      list.push(r);
      children.set(r.parent, list);
    } else roots.push(r);
  }
  return { roots, children };
}

function resourceLine(r: PlanResource): string {
  const props = Object.entries(r.key)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  return `${r.type} ${r.name}${r.protect ? " [protected]" : ""}${props ? `  ${props}` : ""}`;
}

/** The resource tree by parent, with box-drawing guides. */
export function renderTree(cloud: CloudPlan): string[] {
  const { roots, children } = childrenIndex(cloud);
  const lines: string[] = [];
  const walk = (r: PlanResource, prefix: string, last: boolean, depth: number) => {
    lines.push(`${prefix}${depth === 0 ? "" : last ? "└─ " : "├─ "}${resourceLine(r)}`);
    const kids = children.get(r.urn) ?? [];
    const next = depth === 0 ? prefix : `${prefix}${last ? "   " : "│  "}`;
    kids.forEach((kid, i) => {
      walk(kid, next, i === kids.length - 1, depth + 1);
    });
  };
  roots.forEach((r, i) => {
    walk(r, "", i === roots.length - 1, 0);
  });
  return lines;
}

function summaryLine(cloud: CloudPlan): string {
  const custom = cloud.resources.filter((r) => r.custom).length;
  const protectedCount = cloud.resources.filter((r) => r.protect).length;
  return `${cloud.resources.length} resources (${custom} cloud resources, ${cloud.resources.length - custom} components), ${protectedCount} protected`;
}

function policyLines(policy: PolicyVerdict): string[] {
  if (!policy.evaluated) return [`policies: NOT EVALUATED (${policy.error})`];
  const counts = Object.entries(policy.counts)
    .map(([level, n]) => `${n} ${level}`)
    .join(", ");
  const lines = [
    `policies: ${policy.blocked ? "BLOCKED" : "pass"} (${policy.violations.length === 0 ? "no violations" : counts})`,
  ];
  for (const v of policy.violations) {
    lines.push(
      `  [${v.enforcementLevel}] ${v.policyName}: ${v.message}${v.resource ? ` (${v.resource})` : ""}`,
    );
  }
  return lines;
}

function diffLines(diff: PlanDiff): string[] {
  const lines: string[] = [`diff against base plan (stack ${diff.baseStack}):`];
  if (isEmptyDiff(diff)) return [...lines, "  no changes"];
  for (const c of diff.cloudsOnlyInHead) lines.push(`  + cloud ${c} (not in base)`);
  for (const c of diff.cloudsOnlyInBase) lines.push(`  - cloud ${c} (only in base)`);
  for (const c of diff.clouds) {
    const n = c.added.length + c.removed.length + c.changed.length;
    lines.push(
      `  ${CLOUD_LABEL[c.cloud]}: ${n === 0 ? "no resource changes" : `${c.added.length} to add, ${c.changed.length} to change, ${c.removed.length} to remove`}`,
    );
    for (const r of c.added) lines.push(`    + ${r.type} ${r.name}`);
    const flagged = new Set((c.destructive ?? []).map((d) => `${d.type}::${d.name}`));
    const mark = (r: ResourceRef) => (flagged.has(`${r.type}::${r.name}`) ? "  ⚠ DESTRUCTIVE" : "");
    for (const r of c.removed) lines.push(`    - ${r.type} ${r.name}${mark(r)}`);
    for (const r of c.changed) {
      lines.push(`    ~ ${r.type} ${r.name}${mark(r)}`);
      for (const ch of r.changes) {
        lines.push(`        ${ch.path}: ${formatValue(ch.before)} → ${formatValue(ch.after)}`);
      }
    }
    for (const v of c.newViolations)
      lines.push(`    ! new [${v.enforcementLevel}] ${v.policyName}: ${v.message}`);
    for (const v of c.resolvedViolations) lines.push(`    ✓ resolved ${v.policyName}`);
  }
  return lines;
}

function cellText(cell: ConcernCell | undefined): string[] {
  if (!cell || (cell.facts.length === 0 && cell.resources.length === 0)) return ["(none)"];
  const resources = cell.resources.map((r) => `${shortType(r.type)}${r.count > 1 ? ` ×${r.count}` : ""}`);
  return [...cell.facts, ...(resources.length > 0 ? [`resources: ${resources.join(", ")}`] : [])];
}

export function renderText(plan: Plan, diff?: PlanDiff, options: RenderOptions = {}): string {
  const out: string[] = [...destructiveTextLines(diff)];
  for (const cloud of plan.clouds) {
    out.push(
      `== ${plan.project} / ${plan.stack} on ${CLOUD_LABEL[cloud.cloud]} (${cloud.environment}) — ${summaryLine(cloud)}`,
    );
    for (const assumption of cloud.assumptions ?? []) out.push(`assumption: ${assumption}`);
    if (!options.compact) out.push(...renderTree(cloud));
    out.push("");
    out.push(...policyLines(cloud.policy));
    out.push("");
  }
  if (plan.clouds.length > 1) {
    out.push("== The same spec on each cloud, concern by concern");
    const table = concernTable(plan);
    for (const concern of CONCERNS) {
      out.push(`-- ${concern}`);
      for (const cloud of plan.clouds) {
        const lines = cellText(table[concern][cloud.cloud]);
        out.push(`   ${CLOUD_LABEL[cloud.cloud].padEnd(6)}${lines[0]}`);
        for (const line of lines.slice(1)) out.push(`         ${line}`);
      }
    }
    out.push("");
  }
  if (diff) out.push(...diffLines(diff), "");
  out.push(
    `${COMPUTED} = known only after deploy; ${SECRET} = never printed. An offline plan has no real IDs and no drift detection.`,
  );
  return `${out.join("\n")}\n`;
}

const mdEscape = (text: string) => text.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function renderComparisonTable(plan: Plan): string {
  const table = concernTable(plan);
  const clouds = plan.clouds.map((c) => c.cloud);
  const lines = [
    `| Concern | ${clouds.map((c) => CLOUD_LABEL[c]).join(" | ")} |`,
    `| --- | ${clouds.map(() => "---").join(" | ")} |`,
  ];
  for (const concern of CONCERNS) {
    const cells = clouds.map((c) => cellText(table[concern][c]).map(mdEscape).join("<br>"));
    lines.push(`| ${concern} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

export interface RenderOptions {
  /** Leave out the resource trees (for PR comments, which GitHub caps at 65,536 characters). */
  compact?: boolean;
}

export function renderMarkdown(plan: Plan, diff?: PlanDiff, options: RenderOptions = {}): string {
  const out: string[] = [`### Offline plan: \`${plan.stack}\``, "", ...destructiveMarkdownLines(diff)];
  out.push("| Cloud | Resources | Protected | Policies |", "| --- | --- | --- | --- |");
  for (const cloud of plan.clouds) {
    const p = cloud.policy;
    const verdict = !p.evaluated
      ? `not evaluated: ${mdEscape(p.error ?? "")}`
      : p.blocked
        ? `**blocked** (${p.counts.mandatory} mandatory)`
        : `pass (${p.violations.length} advisory)`;
    out.push(
      `| ${CLOUD_LABEL[cloud.cloud]} | ${cloud.resources.length} | ${cloud.resources.filter((r) => r.protect).length} | ${verdict} |`,
    );
  }
  out.push("");
  for (const cloud of plan.clouds) {
    for (const assumption of cloud.assumptions ?? []) {
      out.push(`> **${CLOUD_LABEL[cloud.cloud]}**: ${mdEscape(assumption)}`, "");
    }
  }
  if (diff) {
    out.push("#### Changes against the base branch", "");
    if (isEmptyDiff(diff)) out.push("No changes.", "");
    else {
      out.push(
        "| Cloud | Change | Resource | Property | Before | After |",
        "| --- | --- | --- | --- | --- | --- |",
      );
      for (const c of diff.clouds) {
        const label = CLOUD_LABEL[c.cloud];
        for (const r of c.added) out.push(`| ${label} | add | \`${r.type}\` ${mdEscape(r.name)} | | | |`);
        for (const r of c.removed)
          out.push(`| ${label} | remove | \`${r.type}\` ${mdEscape(r.name)} | | | |`);
        for (const r of c.changed) {
          for (const ch of r.changes) {
            out.push(
              `| ${label} | change | \`${r.type}\` ${mdEscape(r.name)} | \`${ch.path}\` | ${mdEscape(formatValue(ch.before))} | ${mdEscape(formatValue(ch.after))} |`,
            );
          }
        }
        for (const v of c.newViolations) {
          out.push(
            `| ${label} | new violation | ${mdEscape(v.resource ?? "")} | ${v.policyName} | | ${mdEscape(v.message)} |`,
          );
        }
        for (const v of c.resolvedViolations) {
          out.push(
            `| ${label} | resolved violation | ${mdEscape(v.resource ?? "")} | ${v.policyName} | ${mdEscape(v.message)} | |`,
          );
        }
      }
      for (const c of diff.cloudsOnlyInHead) out.push(`| ${CLOUD_LABEL[c]} | cloud added | | | | |`);
      for (const c of diff.cloudsOnlyInBase) out.push(`| ${CLOUD_LABEL[c]} | cloud removed | | | | |`);
      out.push("");
    }
  }
  if (plan.clouds.length > 1) {
    out.push("#### The same spec on each cloud", "", renderComparisonTable(plan), "");
  }
  for (const cloud of plan.clouds) {
    if (cloud.policy.violations.length > 0) {
      out.push(`#### Policy findings on ${CLOUD_LABEL[cloud.cloud]}`, "");
      out.push("| Level | Policy | Resource | Message |", "| --- | --- | --- | --- |");
      for (const v of cloud.policy.violations) {
        out.push(
          `| ${v.enforcementLevel} | ${v.policyName} | ${mdEscape(v.resource ?? "")} | ${mdEscape(v.message)} |`,
        );
      }
      out.push("");
    }
    if (options.compact) continue;
    out.push(
      `<details><summary>Resource tree on ${CLOUD_LABEL[cloud.cloud]} (${summaryLine(cloud)})</summary>`,
      "",
      "```text",
      ...renderTree(cloud),
      "```",
      "",
      "</details>",
      "",
    );
  }
  out.push(
    `\`${COMPUTED}\`: known only after deploy. Offline plans have no real IDs, no drift detection and no provider-side validation.`,
  );
  return `${out.join("\n")}\n`;
}

export function renderJson(plan: Plan, diff?: PlanDiff): string {
  return `${JSON.stringify(diff ? { ...plan, diff } : plan, null, 2)}\n`;
}

export function render(plan: Plan, format: PlanFormat, diff?: PlanDiff, options: RenderOptions = {}): string {
  if (format === "json") return renderJson(plan, diff);
  if (format === "markdown") return renderMarkdown(plan, diff, options);
  return renderText(plan, diff, options);
}

/** docs/aws-vs-azure.md: generated from the prod plan on both clouds. */
export function renderComparisonDoc(plan: Plan, command: string): string {
  const out = [
    "# AWS vs Azure: the same service spec on each cloud",
    "",
    `<!-- Generated by \`${command}\`; do not edit by hand. A test fails when it is out of date. -->`,
    "",
    `Stack \`${plan.stack}\` planned offline (Pulumi mocks) on ${plan.clouds.map((c) => CLOUD_LABEL[c.cloud]).join(" and ")}. Every cell is read from the resources the program declares on that cloud, not written by hand.`,
    "",
    renderComparisonTable(plan),
    "",
    "## Resources per cloud",
    "",
  ];
  for (const cloud of plan.clouds) {
    const counts = new Map<string, number>();
    for (const r of cloud.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    out.push(
      `### ${CLOUD_LABEL[cloud.cloud]} (${summaryLine(cloud)})`,
      "",
      "| Type | Count |",
      "| --- | --- |",
    );
    for (const [type, count] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
      out.push(`| \`${type}\` | ${count} |`);
    }
    out.push("");
    const p = cloud.policy;
    out.push(
      `Policy verdict (${cloud.environment} config): ${!p.evaluated ? `not evaluated (${p.error})` : p.blocked ? `blocked, ${p.counts.mandatory} mandatory violation(s)` : `pass, ${p.violations.length} advisory finding(s)`}.`,
      "",
    );
  }
  return `${out.join("\n").trimEnd()}\n`;
}

/**
 * Markdown with table cells trimmed and separator rows reduced to `---`, so a document compares equal
 * before and after a formatter aligns its tables.
 */
export function normalizeMarkdown(text: string): string {
  return text
    .split("\n")
    .map((line) => {
      if (!line.trimStart().startsWith("|")) return line.trimEnd();
      const cells = line
        .trim()
        .replace(/^\||\|$/g, "")
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim())
        .map((cell) => (/^:?-+:?$/.test(cell) ? "---" : cell));
      return `| ${cells.join(" | ")} |`;
    })
    .join("\n")
    .trim();
}
