/**
 * Mock answers for the Azure program: invokes it calls and the computed outputs of the resources it creates,
 * shaped like Azure's (full ARM resource ids, *.azurecr.io login servers, *.vault.azure.net URIs, Flexible
 * Server FQDNs, Container Apps ingress FQDNs, managed identity GUIDs, image digests).
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { type AcrTokenExchange, setAcrTokenExchange } from "../../infra/azure/acr-token.js";
// The engine rehearsal's stub providers answer for the same subscription and name Azure resources from the
// same inputs: one table for both.
import { AZURE } from "../rehearse/providers/cloud.js";
import { AZURE_NAME_INPUTS } from "../rehearse/providers/names.js";
import type { InvokeHandler } from "./run.js";

/** The rehearsal stubs' subscription, tenant, deployer and domains (one set for the mocks and the stubs). */
export const MOCK_AZURE = { ...AZURE, armAccessToken: "mock-arm-access-token" } as const;

/** What the registry's `/oauth2/exchange` would answer for `loginServer` (no network in mock runs). */
export function mockAcrRefreshToken(loginServer: string): string {
  return `mock-acr-refresh-token-for-${loginServer}`;
}

/** The ACR token exchange of mock runs: no registry call, a recognisable token per login server. */
export const mockAcrTokenExchange: AcrTokenExchange = async ({ loginServer, accessToken }) => {
  if (accessToken !== MOCK_AZURE.armAccessToken)
    throw new Error("ACR exchange called without the mocked Entra token");
  return mockAcrRefreshToken(loginServer);
};

// Mock runs never call a registry. Only mock runs import this module.
setAcrTokenExchange(mockAcrTokenExchange);

/**
 * A stable GUID derived from a string, so runs are reproducible. Shaped like Entra ID's object and client ids
 * (RFC 9562 version 4, variant 10xx), so schemas that check UUIDs (DATABASE_API_PRINCIPAL_ID) accept it.
 */
function mockGuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  const variant = ((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function mockDigest(seed: string): string {
  return `sha256:${createHash("sha256").update(seed).digest("hex")}`;
}

export const mockInvokes: Record<string, InvokeHandler> = {
  "azure-native:authorization:getClientConfig": () => ({
    clientId: MOCK_AZURE.deployerClientId,
    objectId: MOCK_AZURE.deployerObjectId,
    subscriptionId: MOCK_AZURE.subscriptionId,
    tenantId: MOCK_AZURE.tenantId,
  }),
  // The deployer's Entra ID access token (infra/azure/acr-token.ts exchanges it for an ACR refresh token).
  "azure-native:authorization:getClientToken": () => ({ token: MOCK_AZURE.armAccessToken }),
  "azure-native:operationalinsights:getSharedKeys": (inputs) => ({
    primarySharedKey: Buffer.from(`primary-${String(inputs.workspaceName)}`).toString("base64"),
    secondarySharedKey: Buffer.from(`secondary-${String(inputs.workspaceName)}`).toString("base64"),
  }),
};

type Inputs = Record<string, unknown>;
/** Mock inputs carry secrets as `{<sig>: <secret sig>, value}`; the state must keep that shape or drop it whole. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
function unwrapSecret(value: unknown): Inputs {
  const v = (value as Inputs | undefined) ?? {};
  return (SECRET_SIG_KEY in v ? (v.value as Inputs | undefined) : v) ?? {};
}

const str = (v: unknown, fallback = ""): string => (typeof v === "string" && v.length > 0 ? v : fallback);

function location(inputs: Inputs): string {
  return str(inputs.location, pulumi.runtime.getConfig("azure-native:location") ?? MOCK_AZURE.location);
}

function groupId(inputs: Inputs): string {
  return `/subscriptions/${MOCK_AZURE.subscriptionId}/resourceGroups/${str(inputs.resourceGroupName, "rg")}`;
}

function armId(inputs: Inputs, providerPath: string): string {
  return `${groupId(inputs)}/providers/${providerPath}`;
}

/** Per type: the name input that holds the Azure name, and how to build the rest of the state. */
const azureTypes: Record<string, (name: string, inputs: Inputs) => Inputs> = {
  "azure-native:resources:ResourceGroup": (name, inputs) => ({
    name,
    location: location(inputs),
    id: `/subscriptions/${MOCK_AZURE.subscriptionId}/resourceGroups/${name}`,
    properties: { provisioningState: "Succeeded" },
  }),
  "azure-native:operationalinsights:Workspace": (name, inputs) => ({
    name,
    location: location(inputs),
    id: armId(inputs, `Microsoft.OperationalInsights/workspaces/${name}`),
    customerId: mockGuid(`workspace-${name}`),
  }),
  "azure-native:network:VirtualNetwork": (name, inputs) => ({
    name,
    location: location(inputs),
    id: armId(inputs, `Microsoft.Network/virtualNetworks/${name}`),
  }),
  "azure-native:network:NetworkSecurityGroup": (name, inputs) => ({
    name,
    location: location(inputs),
    id: armId(inputs, `Microsoft.Network/networkSecurityGroups/${name}`),
  }),
  "azure-native:network:Subnet": (name, inputs) => ({
    name,
    id: armId(inputs, `Microsoft.Network/virtualNetworks/${str(inputs.virtualNetworkName)}/subnets/${name}`),
  }),
  "azure-native:network:PrivateEndpoint": (name, inputs) => ({
    name,
    location: location(inputs),
    id: armId(inputs, `Microsoft.Network/privateEndpoints/${name}`),
  }),
  "azure-native:network:PrivateDnsZoneGroup": (name, inputs) => ({
    name,
    id: armId(
      inputs,
      `Microsoft.Network/privateEndpoints/${str(inputs.privateEndpointName)}/privateDnsZoneGroups/${name}`,
    ),
  }),
  "azure-native:privatedns:PrivateZone": (name, inputs) => ({
    name,
    id: armId(inputs, `Microsoft.Network/privateDnsZones/${name}`),
  }),
  "azure-native:privatedns:VirtualNetworkLink": (name, inputs) => ({
    name,
    id: armId(
      inputs,
      `Microsoft.Network/privateDnsZones/${str(inputs.privateZoneName)}/virtualNetworkLinks/${name}`,
    ),
  }),
  "azure-native:managedidentity:UserAssignedIdentity": (name, inputs) => ({
    name,
    location: location(inputs),
    id: armId(inputs, `Microsoft.ManagedIdentity/userAssignedIdentities/${name}`),
    principalId: mockGuid(`principal-${name}`),
    clientId: mockGuid(`client-${name}`),
    tenantId: MOCK_AZURE.tenantId,
  }),
  "azure-native:containerregistry:Registry": (name, inputs) => ({
    name,
    location: location(inputs),
    id: armId(inputs, `Microsoft.ContainerRegistry/registries/${name}`),
    loginServer: `${name}.azurecr.io`,
  }),
  "azure-native:keyvault:Vault": (name, inputs) => ({
    name,
    location: location(inputs),
    id: armId(inputs, `Microsoft.KeyVault/vaults/${name}`),
    properties: { ...unwrapSecret(inputs.properties), vaultUri: `https://${name}.vault.azure.net/` },
  }),
  "azure-native:keyvault:Secret": (name, inputs) => {
    const vault = str(inputs.vaultName);
    const { value: _value, ...rest } = unwrapSecret(inputs.properties);
    const uri = `https://${vault}.vault.azure.net/secrets/${name}`;
    return {
      name,
      id: armId(inputs, `Microsoft.KeyVault/vaults/${vault}/secrets/${name}`),
      // Azure never returns a secret's value from the management plane.
      properties: {
        ...rest,
        secretUri: uri,
        secretUriWithVersion: `${uri}/${mockGuid(uri).replace(/-/g, "")}`,
      },
    };
  },
  "azure-native:dbforpostgresql:Server": (name, inputs) => ({
    name,
    location: location(inputs),
    id: armId(inputs, `Microsoft.DBforPostgreSQL/flexibleServers/${name}`),
    fullyQualifiedDomainName: `${name}.postgres.database.azure.com`,
    state: "Ready",
  }),
  "azure-native:dbforpostgresql:Configuration": (name, inputs) => ({
    name,
    id: armId(
      inputs,
      `Microsoft.DBforPostgreSQL/flexibleServers/${str(inputs.serverName)}/configurations/${name}`,
    ),
  }),
  "azure-native:dbforpostgresql:Database": (name, inputs) => ({
    name,
    id: armId(
      inputs,
      `Microsoft.DBforPostgreSQL/flexibleServers/${str(inputs.serverName)}/databases/${name}`,
    ),
  }),
  "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra": (name, inputs) => ({
    name,
    id: armId(
      inputs,
      `Microsoft.DBforPostgreSQL/flexibleServers/${str(inputs.serverName)}/administrators/${name}`,
    ),
    objectId: name,
  }),
  "azure-native:app:Job": (name, inputs) => ({
    name,
    location: location(inputs),
    id: armId(inputs, `Microsoft.App/jobs/${name}`),
    provisioningState: "Succeeded",
    runningState: "Ready",
  }),
  "azure-native:app:ManagedEnvironment": (name, inputs) => ({
    name,
    location: location(inputs),
    id: armId(inputs, `Microsoft.App/managedEnvironments/${name}`),
    defaultDomain: MOCK_AZURE.environmentDomain,
    staticIp: "20.61.0.10",
    customDomainConfiguration: {
      customDomainVerificationId: "0f3c2b1a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b",
    },
  }),
  "azure-native:app:ContainerApp": (name, inputs) => {
    const configuration = unwrapSecret(inputs.configuration);
    const ingress = configuration.ingress as Inputs | undefined;
    const fqdn = `${name}.${MOCK_AZURE.environmentDomain}`;
    return {
      name,
      location: location(inputs),
      id: armId(inputs, `Microsoft.App/containerApps/${name}`),
      configuration: { ...configuration, ...(ingress ? { ingress: { ...ingress, fqdn } } : {}) },
      latestRevisionName: `${name}--0000001`,
      latestRevisionFqdn: `${name}--0000001.${MOCK_AZURE.environmentDomain}`,
      latestReadyRevisionName: `${name}--0000001`,
      outboundIpAddresses: ["20.61.0.20"],
    };
  },
  "azure-native:monitor:ActionGroup": (name, inputs) => ({
    name,
    id: armId(inputs, `microsoft.insights/actionGroups/${name}`),
  }),
  "azure-native:monitor:MetricAlert": (name, inputs) => ({
    name,
    id: armId(inputs, `microsoft.insights/metricAlerts/${name}`),
  }),
  "azure-native:monitor:ScheduledQueryRule": (name, inputs) => ({
    name,
    id: armId(inputs, `microsoft.insights/scheduledQueryRules/${name}`),
  }),
  "azure-native:monitor:AzureMonitorWorkspace": (name, inputs) => ({
    name,
    location: location(inputs),
    id: armId(inputs, `Microsoft.Monitor/accounts/${name}`),
    metrics: {
      internalId: `mac_${mockGuid(`amw-${name}`)}`,
      prometheusQueryEndpoint: `https://${name}.${location(inputs)}.prometheus.monitor.azure.com`,
    },
  }),
  "azure-native:monitor:DataCollectionEndpoint": (name, inputs) => ({
    name,
    location: location(inputs),
    id: armId(inputs, `Microsoft.Insights/dataCollectionEndpoints/${name}`),
    immutableId: `dce-${mockGuid(`dce-${name}`).replaceAll("-", "")}`,
    metricsIngestion: { endpoint: `https://${name}.${location(inputs)}-1.metrics.ingest.monitor.azure.com` },
  }),
  "azure-native:monitor:DataCollectionRule": (name, inputs) => ({
    name,
    location: location(inputs),
    id: armId(inputs, `Microsoft.Insights/dataCollectionRules/${name}`),
    immutableId: `dcr-${mockGuid(`dcr-${name}`).replaceAll("-", "")}`,
  }),
  "azure-native:alertsmanagement:PrometheusRuleGroup": (name, inputs) => ({
    name,
    id: armId(inputs, `Microsoft.AlertsManagement/prometheusRuleGroups/${name}`),
  }),
  "azure-native:applicationinsights:Component": (name, inputs) => ({
    name,
    location: location(inputs),
    id: armId(inputs, `microsoft.insights/components/${name}`),
    appId: mockGuid(`appi-${name}`),
    instrumentationKey: mockGuid(`appi-key-${name}`),
  }),
  "azure-native:applicationinsights:WebTest": (name, inputs) => ({
    name,
    id: armId(inputs, `microsoft.insights/webtests/${name}`),
  }),
};

export function mockResourceState(
  args: pulumi.runtime.MockResourceArgs,
): Record<string, unknown> | undefined {
  const inputs = args.inputs as Inputs;
  const build = azureTypes[args.type];
  if (build) {
    const key = AZURE_NAME_INPUTS[args.type];
    return build(str(key ? inputs[key] : undefined, args.name), inputs);
  }
  switch (args.type) {
    case "azure-native:authorization:RoleAssignment": {
      const name = str(inputs.roleAssignmentName, mockGuid(`role-${args.name}`));
      return { name, id: `${str(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${name}` };
    }
    case "azure-native:monitor:DiagnosticSetting": {
      const name = str(inputs.name, args.name);
      return {
        name,
        id: `${str(inputs.resourceUri)}/providers/microsoft.insights/diagnosticSettings/${name}`,
      };
    }
    case "azure-native:authorization:ManagementLockByScope": {
      const name = str(inputs.lockName, args.name);
      return { name, id: `${str(inputs.scope)}/providers/Microsoft.Authorization/locks/${name}` };
    }
    case "docker:index/image:Image": {
      const imageName = str(inputs.imageName, args.name);
      const repository = imageName.replace(/:[^:/]+$/, "");
      return {
        baseImageName: imageName,
        registryServer: repository.split("/")[0],
        repoDigest: `${repository}@${mockDigest(imageName)}`,
      };
    }
    case "random:index/randomString:RandomString":
    case "random:index/randomPassword:RandomPassword": {
      const length = typeof inputs.length === "number" ? inputs.length : 16;
      const lowerOnly = inputs.upper === false && inputs.special === false;
      const source = createHash("sha256").update(`${args.type}-${args.name}`).digest("hex");
      const base = lowerOnly ? source : `${source.slice(0, 4).toUpperCase()}${source.slice(4)}-_`;
      return { result: base.slice(0, length).padEnd(length, "x") };
    }
    case "random:index/randomBytes:RandomBytes": {
      const length = typeof inputs.length === "number" ? inputs.length : 32;
      let bytes = Buffer.alloc(0);
      for (let i = 0; bytes.length < length; i++) {
        const block = createHash("sha256").update(`${args.type}-${args.name}-${i}`).digest();
        bytes = Buffer.concat([bytes, block]);
      }
      bytes = bytes.subarray(0, length);
      return { base64: bytes.toString("base64"), hex: bytes.toString("hex") };
    }
    default:
      return undefined;
  }
}
