/**
 * Which input changes force a replacement, per resource type, for the stub providers' Diff. (Which types hold
 * state, which the upgrade rehearsal refuses to replace or delete, is policies/stateful-types.ts.)
 *
 * The providers' schemas mark these (`willReplaceOnChanges`, the bridged Terraform schemas' `ForceNew`,
 * azure-native's `forceNew` metadata), but those schemas cannot be obtained on this machine (see
 * sdk-schema.ts) and the SDK declarations do not carry the flag. So this table is written by hand from the
 * providers' documentation (Terraform AWS provider: "Changing this forces a new resource"; Azure Resource
 * Manager: a resource's name, group, parent and location are part of its identity; pulumi-random: every
 * input of RandomPassword/RandomString replaces). It covers every type the program creates; a type missing
 * here gets the generic rule only: `region` (AWS v7 per-resource region) or the Azure identity inputs.
 * Paths are top-level input names or dotted paths into nested inputs (`network.delegatedSubnetResourceId`).
 *
 * Keep it honest: an entry is a property the real provider replaces on; when unsure, leave it out (an
 * update shown where the cloud replaces is a gap this rehearsal cannot close, see README).
 *
 * The offline plan keeps its own, smaller table (tools/plan/destructive.ts `PLAN_REPLACE_ON_CHANGE`, the
 * stateful types only, a name-pattern rule for Azure): one table for both would change what one of them
 * reports (that file says where they differ); a test keeps the plan's AWS lists within these.
 */

/** Inputs whose change replaces the resource, by type token (beyond the generic rules below). */
/** RandomPassword and RandomString take the same inputs; a change to any of them makes a new value. */
const RANDOM_STRING_INPUTS = [
  "length",
  "lower",
  "minLower",
  "minNumeric",
  "minSpecial",
  "minUpper",
  "number",
  "numeric",
  "overrideSpecial",
  "special",
  "upper",
  "keepers",
];

export const REPLACE_ON_CHANGE: Readonly<Record<string, readonly string[]>> = {
  // --- AWS, stateful
  "aws:rds/instance:Instance": [
    "identifier",
    "identifierPrefix",
    "engine",
    "availabilityZone",
    "characterSetName",
    "ncharCharacterSetName",
    "dbName",
    "kmsKeyId",
    "storageEncrypted",
    "username",
    "snapshotIdentifier",
    "restoreToPointInTime",
    "s3Import",
    "timezone",
    "customIamInstanceProfile",
  ],
  "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": [
    "sourceDbInstanceArn",
    "kmsKeyId",
    "retentionPeriod",
    "preSignedUrl",
  ],
  // encryption_configuration is ForceNew in the provider (a repository cannot change its encryption).
  "aws:ecr/repository:Repository": ["name", "encryptionConfigurations"],
  "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix", "objectLockEnabled"],
  "aws:s3/bucketV2:BucketV2": ["bucket", "bucketPrefix", "objectLockEnabled"],
  "aws:backup/vault:Vault": ["name", "kmsKeyArn"],
  "aws:kms/key:Key": ["customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"],
  "aws:cloudwatch/logGroup:LogGroup": ["name", "namePrefix", "logGroupClass"],
  // --- AWS, the rest of what the program creates
  "aws:rds/subnetGroup:SubnetGroup": ["name", "namePrefix"],
  "aws:rds/parameterGroup:ParameterGroup": ["name", "namePrefix", "family", "description"],
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": ["repository"],
  "aws:ecs/cluster:Cluster": ["name"],
  "aws:ecs/service:Service": ["name", "cluster", "iamRole"],
  "aws:ecs/taskDefinition:TaskDefinition": [
    "family",
    "containerDefinitions",
    "cpu",
    "memory",
    "executionRoleArn",
    "taskRoleArn",
    "networkMode",
    "requiresCompatibilities",
    "volumes",
    "runtimePlatform",
    "ephemeralStorage",
    "proxyConfiguration",
    "placementConstraints",
    "ipcMode",
    "pidMode",
  ],
  "aws:lb/loadBalancer:LoadBalancer": ["name", "namePrefix", "internal", "loadBalancerType"],
  "aws:lb/targetGroup:TargetGroup": [
    "name",
    "namePrefix",
    "port",
    "protocol",
    "protocolVersion",
    "vpcId",
    "targetType",
  ],
  "aws:lb/listener:Listener": ["loadBalancerArn"],
  "aws:iam/role:Role": ["name", "namePrefix", "path"],
  "aws:iam/rolePolicy:RolePolicy": ["name", "namePrefix", "role"],
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["role", "policyArn"],
  "aws:ec2/securityGroup:SecurityGroup": ["name", "namePrefix", "description", "vpcId"],
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ["vpcId"],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["securityGroupId"],
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ["securityGroupId"],
  "aws:ec2/flowLog:FlowLog": [
    "vpcId",
    "subnetId",
    "eniId",
    "trafficType",
    "logDestination",
    "logDestinationType",
    "iamRoleArn",
    "maxAggregationInterval",
    "logFormat",
    "destinationOptions",
  ],
  "aws:ec2/vpc:Vpc": ["cidrBlock", "instanceTenancy", "ipv4IpamPoolId", "ipv4NetmaskLength"],
  "aws:ec2/subnet:Subnet": ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId", "outpostArn"],
  "aws:ec2/routeTable:RouteTable": ["vpcId"],
  "aws:ec2/route:Route": ["routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock"],
  "aws:ec2/routeTableAssociation:RouteTableAssociation": ["subnetId", "gatewayId"],
  "aws:ec2/natGateway:NatGateway": ["allocationId", "subnetId", "connectivityType", "privateIp"],
  "aws:ec2/eip:Eip": ["address", "customerOwnedIpv4Pool", "networkBorderGroup", "publicIpv4Pool", "domain"],
  "aws:s3/bucketPolicy:BucketPolicy": ["bucket"],
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["bucket"],
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ["bucket"],
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": [
    "bucket",
    "expectedBucketOwner",
  ],
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ["bucket", "expectedBucketOwner"],
  "aws:backup/plan:Plan": [],
  "aws:backup/selection:Selection": [
    "name",
    "planId",
    "iamRoleArn",
    "resources",
    "notResources",
    "selectionTags",
    "conditions",
  ],
  "aws:sfn/stateMachine:StateMachine": ["name", "namePrefix", "type"],
  "aws:cloudwatch/eventRule:EventRule": ["name", "namePrefix", "eventBusName"],
  "aws:cloudwatch/eventTarget:EventTarget": ["rule", "targetId", "eventBusName"],
  "aws:cloudwatch/metricAlarm:MetricAlarm": ["name"],
  "aws:amp/workspace:Workspace": ["kmsKeyArn"],
  "aws:amp/ruleGroupNamespace:RuleGroupNamespace": ["name", "workspaceId"],
  "aws:amp/alertManagerDefinition:AlertManagerDefinition": ["workspaceId"],
  "aws:route53/healthCheck:HealthCheck": [
    "type",
    "referenceName",
    "measureLatency",
    "requestInterval",
    "regions",
  ],
  "aws:cloudwatch/dashboard:Dashboard": ["dashboardName"],
  "aws:secretsmanager/secret:Secret": ["name", "namePrefix"],
  "aws:secretsmanager/secretVersion:SecretVersion": ["secretId", "secretString", "secretBinary"],
  "aws:route53/record:Record": ["zoneId", "name", "setIdentifier"],
  "aws:sns/topic:Topic": ["name", "namePrefix", "fifoTopic"],
  "aws:sns/topicPolicy:TopicPolicy": ["arn"],
  "aws:sns/topicSubscription:TopicSubscription": ["topic", "protocol", "endpoint"],
  "aws:appautoscaling/target:Target": ["resourceId", "scalableDimension", "serviceNamespace"],
  "aws:appautoscaling/policy:Policy": ["name", "resourceId", "scalableDimension", "serviceNamespace"],
  "aws:wafv2/webAcl:WebAcl": ["name", "namePrefix", "scope"],
  "aws:wafv2/webAclAssociation:WebAclAssociation": ["resourceArn", "webAclArn"],
  // --- Azure (beyond the identity inputs every ARM resource replaces on: see AZURE_IDENTITY)
  // administratorLogin is create-only in the REST API (2025-08-01 ServerProperties: Read, Create); authConfig
  // (Entra ID / password authentication) is updatable, PATCH included: an update (the server restarts once).
  "azure-native:dbforpostgresql:Server": [
    "administratorLogin",
    "createMode",
    "network.delegatedSubnetResourceId",
    "network.privateDnsZoneArmResourceId",
  ],
  "azure-native:app:ManagedEnvironment": [
    "vnetConfiguration.infrastructureSubnetId",
    "vnetConfiguration.internal",
  ],
  "azure-native:app:ManagedCertificate": ["properties.subjectName", "properties.domainControlValidation"],
  "azure-native:authorization:RoleAssignment": ["principalId", "roleDefinitionId", "principalType"],
  "azure-native:network:PrivateEndpoint": ["subnet.id"],
  // --- random (docker.Image is left out: a new name or build is an update that pushes, not a replacement)
  "random:index/randomBytes:RandomBytes": ["length", "keepers"],
  "random:index/randomId:RandomId": ["byteLength", "prefix", "keepers"],
  "random:index/randomUuid:RandomUuid": ["keepers"],
  "random:index/randomInteger:RandomInteger": ["min", "max", "seed", "keepers"],
  "random:index/randomPet:RandomPet": ["length", "prefix", "separator", "keepers"],
  "random:index/randomPassword:RandomPassword": RANDOM_STRING_INPUTS,
  "random:index/randomString:RandomString": RANDOM_STRING_INPUTS,
};

/**
 * Azure Resource Manager identity: a resource's URL is built from its group, its parents' names and its own
 * name, and its location is fixed at creation. azure-native replaces on any of these.
 */
export const AZURE_IDENTITY: Readonly<Record<string, readonly string[]>> = {
  "azure-native:resources:ResourceGroup": ["resourceGroupName", "location"],
  "azure-native:operationalinsights:Workspace": ["resourceGroupName", "workspaceName", "location"],
  "azure-native:network:VirtualNetwork": ["resourceGroupName", "virtualNetworkName", "location"],
  "azure-native:network:NetworkSecurityGroup": ["resourceGroupName", "networkSecurityGroupName", "location"],
  "azure-native:network:Subnet": ["resourceGroupName", "virtualNetworkName", "subnetName"],
  "azure-native:network:PrivateEndpoint": ["resourceGroupName", "privateEndpointName", "location"],
  "azure-native:network:PrivateDnsZoneGroup": [
    "resourceGroupName",
    "privateEndpointName",
    "privateDnsZoneGroupName",
  ],
  "azure-native:privatedns:PrivateZone": ["resourceGroupName", "privateZoneName", "location"],
  "azure-native:privatedns:VirtualNetworkLink": [
    "resourceGroupName",
    "privateZoneName",
    "virtualNetworkLinkName",
    "location",
  ],
  "azure-native:managedidentity:UserAssignedIdentity": ["resourceGroupName", "resourceName", "location"],
  "azure-native:containerregistry:Registry": ["resourceGroupName", "registryName", "location"],
  "azure-native:keyvault:Vault": ["resourceGroupName", "vaultName", "location"],
  "azure-native:keyvault:Secret": ["resourceGroupName", "vaultName", "secretName"],
  "azure-native:dbforpostgresql:Server": ["resourceGroupName", "serverName", "location"],
  "azure-native:dbforpostgresql:Configuration": ["resourceGroupName", "serverName", "configurationName"],
  "azure-native:dbforpostgresql:Database": [
    "resourceGroupName",
    "serverName",
    "databaseName",
    "charset",
    "collation",
  ],
  "azure-native:app:ManagedEnvironment": ["resourceGroupName", "environmentName", "location"],
  "azure-native:app:ContainerApp": ["resourceGroupName", "containerAppName", "location"],
  "azure-native:app:Job": ["resourceGroupName", "jobName", "location"],
  "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra": [
    "resourceGroupName",
    "serverName",
    "objectId",
  ],
  "azure-native:monitor:ActionGroup": ["resourceGroupName", "actionGroupName", "location"],
  "azure-native:monitor:MetricAlert": ["resourceGroupName", "ruleName", "location"],
  "azure-native:monitor:ScheduledQueryRule": ["resourceGroupName", "ruleName", "location"],
  "azure-native:monitor:DiagnosticSetting": ["resourceUri", "name"],
  "azure-native:authorization:RoleAssignment": ["scope", "roleAssignmentName"],
  "azure-native:authorization:ManagementLockByScope": ["scope", "lockName"],
  "azure-native:app:ManagedCertificate": [
    "resourceGroupName",
    "environmentName",
    "managedCertificateName",
    "location",
  ],
  "azure-native:dns:RecordSet": ["resourceGroupName", "zoneName", "relativeRecordSetName", "recordType"],
};

/** The input paths whose change replaces a resource of this type (the table plus the generic rules). */
export function replaceOnChanges(type: string): string[] {
  const out = new Set<string>(REPLACE_ON_CHANGE[type] ?? []);
  for (const p of AZURE_IDENTITY[type] ?? []) out.add(p);
  if (type.startsWith("aws:")) out.add("region");
  return [...out];
}
