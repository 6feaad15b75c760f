// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/**
 * The Azure stacks as the infra tests read them: the type tokens they look up, the two identities, the API's
 * container, and each tier's expectations written out. The rendering itself is tests/support/rendered.ts
 * (once per test run).
 */
import { expect } from "vitest";
import { COLLECTOR_SIDECAR } from "../../infra/azure/sizes.js";
import type { Tier } from "../../infra/spec/index.js";
import type { CapturedResource } from "../../tools/mock/run.js";
import { renderedResources, renderStack, STACKS, type StackRun, useStacks } from "./rendered.js";

export const T = {
  group: "azure-native:resources:ResourceGroup",
  workspace: "azure-native:operationalinsights:Workspace",
  vnet: "azure-native:network:VirtualNetwork",
  subnet: "azure-native:network:Subnet",
  nsg: "azure-native:network:NetworkSecurityGroup",
  zone: "azure-native:privatedns:PrivateZone",
  link: "azure-native:privatedns:VirtualNetworkLink",
  endpoint: "azure-native:network:PrivateEndpoint",
  registry: "azure-native:containerregistry:Registry",
  image: "docker:index/image:Image",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  role: "azure-native:authorization:RoleAssignment",
  lock: "azure-native:authorization:ManagementLockByScope",
  vault: "azure-native:keyvault:Vault",
  secret: "azure-native:keyvault:Secret",
  password: "random:index/randomPassword:RandomPassword",
  server: "azure-native:dbforpostgresql:Server",
  entraAdmin: "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra",
  job: "azure-native:app:Job",
  configuration: "azure-native:dbforpostgresql:Configuration",
  database: "azure-native:dbforpostgresql:Database",
  environment: "azure-native:app:ManagedEnvironment",
  app: "azure-native:app:ContainerApp",
  actionGroup: "azure-native:monitor:ActionGroup",
  metricAlert: "azure-native:monitor:MetricAlert",
  queryRule: "azure-native:monitor:ScheduledQueryRule",
} as const;

/** The Azure Monitor types of cloud metrics and uptime (issue 15); `T` holds the rest. */
export const M = {
  workspace: "azure-native:monitor:AzureMonitorWorkspace",
  endpoint: "azure-native:monitor:DataCollectionEndpoint",
  rule: "azure-native:monitor:DataCollectionRule",
  ruleGroup: "azure-native:alertsmanagement:PrometheusRuleGroup",
  component: "azure-native:applicationinsights:Component",
  webTest: "azure-native:applicationinsights:WebTest",
} as const;

/** One Azure stack's resources and (the shipped stack's only) outputs. */
export interface AzureRun {
  resources: CapturedResource[];
  outputs: Record<string, unknown>;
}

/** The shipped stack on Azure (rendered once per run), or with `extra` config on top (its resources only). */
export async function captureAzure(tier: Tier, extra: Record<string, string> = {}): Promise<AzureRun> {
  if (Object.keys(extra).length > 0)
    return { resources: await renderedResources(tier, "azure", extra), outputs: {} };
  const { result } = await renderStack(tier, "azure");
  return { resources: result.resources, outputs: result.outputs as unknown as Record<string, unknown> };
}

/** The shipped stacks on Azure, rendered before the calling file's tests. */
export function useAzureStacks(stacks: readonly Tier[] = STACKS): (stack: Tier) => StackRun {
  return useStacks("azure", stacks);
}

/** The two user-assigned identities: the API's and the migrator's (the server's Entra administrator). */
export const apiIdentity = (r: StackRun) => r.one(T.identity, "api-identity");
export const migratorIdentity = (r: StackRun) => r.one(T.identity, "migrator-identity");

/** The container of the API's Container App (first; the metrics collector sidecar with cloudMetrics). */
export function apiContainer(r: StackRun): any {
  const containers = r.props(T.app).template.containers as any[];
  const collectors = r.spec.cloudMetrics.enabled ? 1 : 0;
  expect(containers).toHaveLength(1 + collectors);
  // COLLECTOR_CONTAINER of infra/azure/monitoring/prometheus.ts, read where it is defined: that module loads
  // the Azure provider (a second per test file).
  expect(containers.filter((c) => c.name === COLLECTOR_SIDECAR.name)).toHaveLength(collectors);
  return containers[0];
}

/** Tier expectations written out literally: the requirements, not the spec read back. */
export const TIER_EXPECTATIONS = {
  dev: {
    logRetention: 30,
    dailyCap: 1,
    backupRetention: 7,
    prod: false,
    replicas: [1, 2],
    cpu: 0.25,
    memory: "0.5Gi",
    sku: "Standard_B1ms",
  },
  staging: {
    logRetention: 90,
    dailyCap: undefined,
    backupRetention: 14,
    prod: false,
    replicas: [2, 4],
    cpu: 0.5,
    memory: "1Gi",
    sku: "Standard_B2s",
  },
  prod: {
    logRetention: 365,
    dailyCap: undefined,
    backupRetention: 35,
    prod: true,
    replicas: [2, 10],
    cpu: 1,
    memory: "2Gi",
    sku: "Standard_D2ds_v5",
  },
} as const;
