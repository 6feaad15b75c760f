/** Names: the providers' autonaming, done in Check (and the Azure name inputs the offline mocks share). */
import { guid, hex, type Props } from "./values.js";

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
  "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra": "objectId",
  "azure-native:app:ManagedEnvironment": "environmentName",
  "azure-native:app:ContainerApp": "containerAppName",
  "azure-native:app:Job": "jobName",
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
