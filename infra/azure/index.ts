/**
 * Renders the cloud-neutral service spec on Azure: Container Apps + PostgreSQL Flexible Server + Key Vault +
 * Azure Container Registry + Log Analytics/Azure Monitor, all in one resource group per stack.
 *
 * The region is the provider's `azure-native:location`; every regional resource takes it from the resource
 * group. Every resource that accepts tags gets `spec.tags`.
 */
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackOutputs } from "../outputs.js";
import type { ServiceSpec } from "../spec.js";
import { createApp } from "./app.js";
import { createDatabase } from "./database.js";
import { createAppIdentity, grantRole } from "./identity.js";
import { createAlerts, createDiagnostics, createWorkspace } from "./monitoring.js";
import { ROLE_DEFINITION_IDS, resourceNames, UNIQUE_SUFFIX_LENGTH, uniqueNames } from "./naming.js";
import { createNetwork } from "./network.js";
import { checkPinnedImage, createRegistry } from "./registry.js";
import { createSecrets } from "./secrets.js";

export { azureAlerts } from "./monitoring.js";

export const AZURE_COMPONENT_TYPE = "twincloud:azure:Service";

/** Parent of every resource of the stack, so `pulumi stack` shows one tree per cloud. */
class AzureService extends pulumi.ComponentResource {
  constructor(name: string) {
    super(AZURE_COMPONENT_TYPE, name);
  }
  done(outputs: Record<string, unknown>): void {
    this.registerOutputs(outputs);
  }
}

export function deployAzure(spec: ServiceSpec): StackOutputs {
  if (spec.cloud !== "azure") throw new Error(`deployAzure called for cloud ${spec.cloud}`);
  checkPinnedImage(spec);
  if (spec.tracing.enabled) {
    pulumi.log.warn(
      "twincloud:tracing is not rendered on Azure yet (no OpenTelemetry exporter is configured): traces are not exported.",
    );
  }
  const component = new AzureService(spec.name);
  const opts: pulumi.ComponentResourceOptions = { parent: component };
  const names = resourceNames(spec);

  const client = authorization.getClientConfigOutput({ parent: component });
  const suffix = new random.RandomString(
    "name-suffix",
    { length: UNIQUE_SUFFIX_LENGTH, special: false, upper: false, numeric: true, lower: true },
    opts,
  );
  const unique = suffix.result.apply((s) => uniqueNames(spec, s));

  const group = new resources.ResourceGroup(
    "resource-group",
    { resourceGroupName: names.resourceGroup, tags: spec.tags },
    opts,
  );
  const resourceGroupName = group.name;
  const location = group.location;
  const base = { spec, resourceGroupName, location };

  const workspace = createWorkspace({ ...base, name: names.logWorkspace }, opts);
  const net = createNetwork({ ...base, names }, opts);
  const identity = createAppIdentity({ ...base, name: names.identity }, opts);

  const registry = createRegistry(
    {
      ...base,
      registryName: unique.registry,
    },
    opts,
  );
  const acrPull = grantRole(
    "api-acr-pull",
    {
      identity,
      subscriptionId: client.subscriptionId,
      roleId: ROLE_DEFINITION_IDS.acrPull,
      scope: registry.registry.id,
      description: `Lets ${spec.name}'s API identity pull its image.`,
    },
    opts,
  );

  const secrets = createSecrets(
    {
      ...base,
      vaultName: unique.keyVault,
      tenantId: client.tenantId,
      subscriptionId: client.subscriptionId,
      identity,
      network: net,
    },
    opts,
  );

  const database = createDatabase(
    { ...base, serverName: unique.databaseServer, password: secrets.databasePassword, network: net },
    opts,
  );

  const api = createApp(
    {
      ...base,
      names,
      network: net,
      workspace,
      identity,
      registryServer: registry.registry.loginServer,
      imageDigest: registry.imageDigest,
      databaseHost: database.host,
      secretUrls: secrets.secretUrls,
      revisionEnvironment: secrets.revisionEnvironment,
      dependsOn: [acrPull, ...secrets.readiness, database.database],
    },
    opts,
  );

  const alerts = createAlerts(
    {
      ...base,
      actionGroupName: names.actionGroup,
      actionGroupShortName: names.actionGroupShortName,
      workspace,
      app: api.app,
      appName: names.app,
      server: database.server,
    },
    opts,
  );

  createDiagnostics(
    {
      workspace,
      targets: [
        { name: "database-logs", resourceUri: database.server.id, categoryGroup: "allLogs" },
        { name: "vault-audit", resourceUri: secrets.vault.id, categoryGroup: "audit" },
      ],
    },
    opts,
  );

  const endpointUrl = pulumi.interpolate`https://${api.fqdn}`;
  const domain = spec.ingress.domain;
  const url = domain ? pulumi.output(`https://${domain.name}`) : endpointUrl;
  const dashboardUrl = pulumi.interpolate`https://portal.azure.com/#@${client.tenantId}/resource${workspace.id}/logs`;
  component.done({ url, imageDigest: registry.imageDigest });

  return {
    cloud: "azure",
    environment: spec.environment,
    url,
    endpointUrl,
    imageDigest: registry.imageDigest,
    databaseHost: database.host,
    alertTarget: alerts.actionGroup.id,
    dashboardUrl,
    bootstrapApiKey: secrets.bootstrapApiKey,
  };
}
