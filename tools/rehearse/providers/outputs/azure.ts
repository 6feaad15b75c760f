/**
 * Azure (azure-native) computed outputs, one entry per type token in `AZURE_OUTPUTS`: ARM ids under the
 * rehearsal subscription, `*.azurecr.io`, `*.vault.azure.net`, `*.postgres.database.azure.com`, Container Apps
 * FQDNs (the offline plan's values). A type without an entry gets `{ name, id }` with an ARM id made from its
 * module and type name; every answer gets `azureApiVersion` where the type declares it. No network.
 *
 * To add a type: one entry below, keyed by its token (`azure-native:<module>:<Type>`), and its name input in
 * names.ts `AZURE_NAME_INPUTS`.
 */
import { AZURE, type ProviderContext } from "../cloud.js";
import { AZURE_NAME_INPUTS } from "../names.js";
import { guid, hex, isPlainObject, type Props, reveal, str } from "../values.js";
import { type CreateArgs, type CreatedState, objectInput } from "./common.js";

/** What an entry computes from. */
export interface AzureResource {
  type: string;
  /** The ARM name: the type's name input (names.ts), else the URN name. */
  name: string;
  /** The checked inputs, secrets revealed. */
  inputs: Props;
  /** The checked inputs as sent (secret wrappers kept, for outputs that echo an object input). */
  raw: Props;
  location: string;
  /** An ARM id in the resource's group: `/subscriptions/…/resourceGroups/<group>/providers/<path>`. */
  armId: (path: string) => string;
  /** `{ name, location, ...o }`. */
  withLocation: (o: Props) => Props;
}

export const AZURE_OUTPUTS: Record<string, (r: AzureResource) => Props> = {
  // ---- group, network, private DNS
  "azure-native:resources:ResourceGroup": ({ name, withLocation }) =>
    withLocation({
      id: `/subscriptions/${AZURE.subscriptionId}/resourceGroups/${name}`,
      properties: { provisioningState: "Succeeded" },
    }),
  "azure-native:network:VirtualNetwork": ({ name, armId, withLocation }) =>
    withLocation({ id: armId(`Microsoft.Network/virtualNetworks/${name}`), resourceGuid: guid(name) }),
  "azure-native:network:NetworkSecurityGroup": ({ name, armId, withLocation }) =>
    withLocation({ id: armId(`Microsoft.Network/networkSecurityGroups/${name}`), resourceGuid: guid(name) }),
  "azure-native:network:Subnet": ({ name, inputs, armId }) => ({
    name,
    id: armId(`Microsoft.Network/virtualNetworks/${str(inputs.virtualNetworkName)}/subnets/${name}`),
  }),
  "azure-native:network:PrivateEndpoint": ({ name, armId, withLocation }) =>
    withLocation({ id: armId(`Microsoft.Network/privateEndpoints/${name}`) }),
  "azure-native:network:PrivateDnsZoneGroup": ({ name, inputs, armId }) => ({
    name,
    id: armId(
      `Microsoft.Network/privateEndpoints/${str(inputs.privateEndpointName)}/privateDnsZoneGroups/${name}`,
    ),
  }),
  "azure-native:privatedns:PrivateZone": ({ name, armId }) => ({
    name,
    location: "global",
    id: armId(`Microsoft.Network/privateDnsZones/${name}`),
  }),
  "azure-native:privatedns:VirtualNetworkLink": ({ name, inputs, armId }) => ({
    name,
    location: "global",
    id: armId(`Microsoft.Network/privateDnsZones/${str(inputs.privateZoneName)}/virtualNetworkLinks/${name}`),
  }),
  "azure-native:dns:RecordSet": ({ name, inputs, armId }) => {
    const zone = str(inputs.zoneName);
    const recordType = str(inputs.recordType, "A");
    return {
      name,
      id: armId(`Microsoft.Network/dnszones/${zone}/${recordType}/${name}`),
      fqdn: `${name === "@" ? zone : `${name}.${zone}`}.`,
      etag: guid(`${zone}/${recordType}/${name}`),
      type: `Microsoft.Network/dnszones/${recordType}`,
    };
  },

  // ---- identity and access
  "azure-native:managedidentity:UserAssignedIdentity": ({ name, armId, withLocation }) =>
    withLocation({
      id: armId(`Microsoft.ManagedIdentity/userAssignedIdentities/${name}`),
      principalId: guid(`principal-${name}`),
      clientId: guid(`client-${name}`),
      tenantId: AZURE.tenantId,
    }),
  "azure-native:authorization:RoleAssignment": ({ name, inputs }) => ({
    name,
    id: `${str(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${name}`,
  }),
  "azure-native:authorization:ManagementLockByScope": ({ name, inputs }) => ({
    name,
    id: `${str(inputs.scope)}/providers/Microsoft.Authorization/locks/${name}`,
  }),

  // ---- registry, secrets
  "azure-native:containerregistry:Registry": ({ name, armId, withLocation }) =>
    withLocation({
      id: armId(`Microsoft.ContainerRegistry/registries/${name}`),
      loginServer: `${name.toLowerCase()}.azurecr.io`,
      provisioningState: "Succeeded",
    }),
  "azure-native:keyvault:Vault": ({ name, raw, armId, withLocation }) =>
    withLocation({
      id: armId(`Microsoft.KeyVault/vaults/${name}`),
      properties: { ...objectInput(raw.properties), vaultUri: `https://${name}.vault.azure.net/` },
    }),
  "azure-native:keyvault:Secret": ({ name, inputs, armId }) => {
    const vault = str(inputs.vaultName);
    const uri = `https://${vault}.vault.azure.net/secrets/${name}`;
    const props = isPlainObject(inputs.properties) ? { ...inputs.properties } : {};
    delete props.value; // Azure never returns a secret's value from the management plane.
    return {
      name,
      id: armId(`Microsoft.KeyVault/vaults/${vault}/secrets/${name}`),
      properties: { ...props, secretUri: uri, secretUriWithVersion: `${uri}/${hex(uri, 32)}` },
    };
  },

  // ---- database
  "azure-native:dbforpostgresql:Server": ({ name, armId, withLocation }) =>
    withLocation({
      id: armId(`Microsoft.DBforPostgreSQL/flexibleServers/${name}`),
      fullyQualifiedDomainName: `${name}.postgres.database.azure.com`,
      state: "Ready",
    }),
  "azure-native:dbforpostgresql:Configuration": ({ name, inputs, armId }) => ({
    name,
    id: armId(`Microsoft.DBforPostgreSQL/flexibleServers/${str(inputs.serverName)}/configurations/${name}`),
  }),
  // The server's Microsoft Entra administrator: its ARM name is the principal's object id.
  "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra": ({ name, inputs, armId }) => ({
    name,
    id: armId(`Microsoft.DBforPostgreSQL/flexibleServers/${str(inputs.serverName)}/administrators/${name}`),
    objectId: name,
    type: "Microsoft.DBforPostgreSQL/flexibleServers/administrators",
  }),
  "azure-native:dbforpostgresql:Database": ({ name, inputs, armId }) => ({
    name,
    id: armId(`Microsoft.DBforPostgreSQL/flexibleServers/${str(inputs.serverName)}/databases/${name}`),
  }),

  // ---- compute
  "azure-native:app:ManagedEnvironment": ({ name, armId, withLocation }) =>
    withLocation({
      id: armId(`Microsoft.App/managedEnvironments/${name}`),
      defaultDomain: AZURE.environmentDomain,
      staticIp: "20.61.0.10",
    }),
  "azure-native:app:ContainerApp": ({ name, raw, armId, withLocation }) => {
    const configuration = objectInput(raw.configuration);
    const ingress = isPlainObject(configuration.ingress) ? (configuration.ingress as Props) : undefined;
    const fqdn = `${name}.${AZURE.environmentDomain}`;
    return withLocation({
      id: armId(`Microsoft.App/containerApps/${name}`),
      configuration: { ...configuration, ...(ingress ? { ingress: { ...ingress, fqdn } } : {}) },
      latestRevisionName: `${name}--0000001`,
      latestRevisionFqdn: `${name}--0000001.${AZURE.environmentDomain}`,
      latestReadyRevisionName: `${name}--0000001`,
      outboundIpAddresses: ["20.61.0.20"],
    });
  },
  "azure-native:app:Job": ({ name, location, armId, withLocation }) =>
    withLocation({
      id: armId(`Microsoft.App/jobs/${name}`),
      provisioningState: "Succeeded",
      runningState: "Ready",
      eventStreamEndpoint: `https://${location}.azurecontainerapps.dev/subscriptions/${AZURE.subscriptionId}/jobs/${name}/eventstream`,
      outboundIpAddresses: ["20.61.0.20"],
    }),
  "azure-native:app:ManagedCertificate": ({ name, inputs, armId, withLocation }) => {
    const props = isPlainObject(inputs.properties) ? inputs.properties : {};
    return withLocation({
      id: armId(
        `Microsoft.App/managedEnvironments/${str(inputs.environmentName)}/managedCertificates/${name}`,
      ),
      properties: {
        ...props,
        provisioningState: "Succeeded",
        validationToken: hex(`${name}-validation`, 32),
      },
    });
  },

  // ---- monitoring and alerting
  "azure-native:operationalinsights:Workspace": ({ name, armId, withLocation }) =>
    withLocation({
      id: armId(`Microsoft.OperationalInsights/workspaces/${name}`),
      customerId: guid(`workspace-${name}`),
      provisioningState: "Succeeded",
    }),
  "azure-native:monitor:ActionGroup": ({ name, inputs, armId }) => ({
    name,
    location: str(inputs.location, "global"),
    id: armId(`microsoft.insights/actionGroups/${name}`),
  }),
  "azure-native:monitor:MetricAlert": ({ name, inputs, armId }) => ({
    name,
    location: str(inputs.location, "global"),
    id: armId(`microsoft.insights/metricAlerts/${name}`),
  }),
  "azure-native:monitor:ScheduledQueryRule": ({ name, armId, withLocation }) =>
    withLocation({ id: armId(`microsoft.insights/scheduledQueryRules/${name}`) }),
  "azure-native:monitor:DiagnosticSetting": ({ name, inputs }) => ({
    name,
    id: `${str(inputs.resourceUri)}/providers/microsoft.insights/diagnosticSettings/${name}`,
  }),
};

/** A type without an entry: `{ name, id }`, the id from its module and type name. */
function genericArm({ type, name, armId }: AzureResource): Props {
  const [, mod = "resources", typeName = "Resource"] = type.split(":");
  return {
    name,
    id: armId(`Microsoft.${mod}/${typeName.charAt(0).toLowerCase()}${typeName.slice(1)}s/${name}`),
  };
}

export function azureState(ctx: ProviderContext, a: CreateArgs): CreatedState {
  const inputs = reveal(a.inputs) as Props;
  const key = AZURE_NAME_INPUTS[a.type];
  const name = str(key ? inputs[key] : undefined, a.urnName);
  const location = str(inputs.location, str(ctx.config.location, AZURE.location));
  const group = `/subscriptions/${AZURE.subscriptionId}/resourceGroups/${str(inputs.resourceGroupName, "rg")}`;
  const armId = (path: string) => `${group}/providers/${path}`;
  const withLocation = (o: Props): Props => ({ name, location, ...o });
  const resource: AzureResource = {
    type: a.type,
    name,
    inputs,
    raw: a.inputs,
    location,
    armId,
    withLocation,
  };
  const out = (AZURE_OUTPUTS[a.type] ?? genericArm)(resource);
  if (a.outputNames.includes("azureApiVersion")) out.azureApiVersion = "rehearsal";
  return { id: String(out.id), outputs: out };
}
