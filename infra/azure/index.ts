/**
 * The Azure rendering of the service spec, one component (`twincloud:azure:Service`) holding every resource:
 * Container Apps + PostgreSQL Flexible Server + Key Vault + Azure Container Registry + Log Analytics/Azure
 * Monitor, all in one resource group per stack. Each step lives in the module of the same name (the same file
 * names as infra/aws/); this file wires them and returns the stack outputs.
 *
 * The region is the provider's `azure-native:location`; every regional resource takes it from the resource
 * group. Every resource that accepts tags gets `spec.tags`.
 */
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackOutputs } from "../outputs.js";
import { PROJECT_NAME, type ServiceSpec } from "../spec/index.js";
import { createCompute } from "./compute.js";
import { createDatabase } from "./database.js";
import { createAppIdentity, createMigratorIdentity, grantRole } from "./identity.js";
import { createMigrationJob } from "./migration.js";
import { createAlerts, createDiagnostics, createWorkspace } from "./monitoring/index.js";
import {
  collectorContainer,
  createPrometheusRuleGroups,
  createPrometheusWorkspace,
} from "./monitoring/prometheus.js";
import { createUptimeCheck } from "./monitoring/uptime.js";
import { ROLE_DEFINITION_IDS, resourceNames, UNIQUE_SUFFIX_LENGTH, uniqueNames } from "./naming.js";
import { createNetwork } from "./network.js";
import { checkPinnedImage, createRegistry } from "./registry.js";
import { createSecrets } from "./secrets.js";

export const AZURE_COMPONENT_TYPE = `${PROJECT_NAME}:azure:Service`;

export interface AzureServiceArgs {
  spec: ServiceSpec;
}

/** Parent of every resource of the Azure stack, so `pulumi stack` shows one tree per cloud. */
export class AzureService extends pulumi.ComponentResource {
  readonly outputs: StackOutputs;

  constructor(name: string, args: AzureServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AZURE_COMPONENT_TYPE, name, {}, opts);
    const { spec } = args;
    const children: pulumi.ComponentResourceOptions = { parent: this };
    const names = resourceNames(spec);

    const client = authorization.getClientConfigOutput({ parent: this });
    const suffix = new random.RandomString(
      "name-suffix",
      { length: UNIQUE_SUFFIX_LENGTH, special: false, upper: false, numeric: true, lower: true },
      children,
    );
    const unique = suffix.result.apply((s) => uniqueNames(spec, s));

    const group = new resources.ResourceGroup(
      "resource-group",
      { resourceGroupName: names.resourceGroup, tags: spec.tags },
      children,
    );
    const resourceGroupName = group.name;
    const location = group.location;
    const base = { spec, resourceGroupName, location };

    const workspace = createWorkspace({ ...base, name: names.logWorkspace }, children);
    const net = createNetwork({ ...base, names }, children);
    const identity = createAppIdentity({ ...base, name: names.identity }, children);
    const migrator = createMigratorIdentity({ ...base, name: names.migratorIdentity }, children);

    const registry = createRegistry(
      {
        ...base,
        registryName: unique.registry,
      },
      children,
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
      children,
    );
    const migratorAcrPull = grantRole(
      "migrator-acr-pull",
      {
        identity: migrator,
        subscriptionId: client.subscriptionId,
        roleId: ROLE_DEFINITION_IDS.acrPull,
        scope: registry.registry.id,
        description: `Lets ${spec.name}'s migrator identity pull the API image (the migration job).`,
      },
      children,
    );

    const secrets = createSecrets(
      {
        ...base,
        vaultName: unique.keyVault,
        tenantId: client.tenantId,
        subscriptionId: client.subscriptionId,
        identity,
        migrator,
        network: net,
      },
      children,
    );

    // twincloud:cloudMetrics: managed Prometheus fed by a collector sidecar (monitoring/prometheus.ts).
    const prometheus = spec.cloudMetrics.enabled
      ? createPrometheusWorkspace(
          {
            ...base,
            names: {
              workspace: names.prometheusWorkspace,
              endpoint: names.dataCollectionEndpoint,
              rule: names.dataCollectionRule,
            },
            identity,
            subscriptionId: client.subscriptionId,
          },
          children,
        )
      : undefined;

    const database = createDatabase(
      {
        ...base,
        serverName: unique.databaseServer,
        password: secrets.databasePassword,
        network: net,
        tenantId: client.tenantId,
        migrator,
      },
      children,
    );

    const api = createCompute(
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
        dependsOn: [
          acrPull,
          ...secrets.readiness,
          database.database,
          // The API role is mapped by the migrator, whose administrator must exist (the pipeline runs the job
          // before this app's new revision: docs/database-identity.md).
          database.entraAdministrator,
          ...(prometheus ? [prometheus.publisher] : []),
        ],
        ...(prometheus
          ? {
              sidecars: [
                collectorContainer({
                  metricsPort: spec.container.metricsPort,
                  remoteWriteUrl: prometheus.remoteWriteUrl,
                  identity,
                }),
              ],
            }
          : {}),
      },
      children,
    );

    // The migrator: the pipeline starts it between a `pulumi up` targeted at it and the full one.
    const migrationJob = createMigrationJob(
      {
        ...base,
        jobName: names.migratorJob,
        environmentId: api.environment.id,
        registryServer: registry.registry.loginServer,
        imageDigest: registry.imageDigest,
        databaseHost: database.host,
        migrator,
        migratorRole: database.migratorRole,
        ownerPasswordUrl: secrets.owner.passwordUrl,
        api: identity,
        dependsOn: [
          migratorAcrPull,
          ...secrets.owner.readiness,
          database.entraAdministrator,
          database.database,
        ],
      },
      children,
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
      children,
    );

    createDiagnostics(
      {
        workspace,
        targets: [
          { name: "database-logs", resourceUri: database.server.id, categoryGroup: "allLogs" },
          { name: "vault-audit", resourceUri: secrets.vault.id, categoryGroup: "audit" },
        ],
      },
      children,
    );

    const endpointUrl = pulumi.interpolate`https://${api.fqdn}`;
    const domain = spec.ingress.domain;
    const url = domain ? pulumi.output(`https://${domain.name}`) : endpointUrl;

    if (prometheus) {
      createPrometheusRuleGroups(
        { ...base, workspace: prometheus.workspace, actionGroupId: alerts.actionGroup.id },
        children,
      );
      createUptimeCheck(
        { ...base, name: names.appInsights, workspace, url, actionGroupId: alerts.actionGroup.id },
        children,
      );
    }
    const dashboardUrl = pulumi.interpolate`https://portal.azure.com/#@${client.tenantId}/resource${workspace.id}/logs`;
    this.outputs = {
      cloud: "azure",
      environment: spec.environment,
      url,
      endpointUrl,
      imageDigest: registry.imageDigest,
      databaseHost: database.host,
      alertTarget: alerts.actionGroup.id,
      dashboardUrl,
      bootstrapApiKey: secrets.bootstrapApiKey,
      // `az containerapp job start -n <jobName> -g <resourceGroup>`, then poll that execution.
      migration: pulumi
        .all([resourceGroupName, migrationJob.name])
        .apply(([resourceGroup, jobName]) => ({ cloud: "azure" as const, resourceGroup, jobName })),
    };
    this.registerOutputs({ url, imageDigest: registry.imageDigest });
  }
}

/** The Azure renderer (infra/program.ts). */
export async function renderAzure(spec: ServiceSpec): Promise<StackOutputs> {
  if (spec.cloud !== "azure") throw new Error(`renderAzure called for cloud ${spec.cloud}`);
  checkPinnedImage(spec);
  if (spec.tracing.enabled) {
    pulumi.log.warn(
      "twincloud:tracing is not rendered on Azure yet (no OpenTelemetry exporter is configured): traces are not exported.",
    );
  }
  return new AzureService(spec.name, { spec }).outputs;
}
