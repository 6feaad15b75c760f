/**
 * Container Apps: a VNet-integrated managed environment (workload profiles, zone-redundant in prod) logging to
 * Log Analytics, and the API as one Container App with external HTTPS-only ingress, health probes from the API
 * contract, HTTP-concurrency autoscaling, the image by digest pulled with the user-assigned identity, and its
 * secrets as Key Vault references. The API logs in to PostgreSQL as its least-privilege role with an Entra ID
 * token of that identity (DATABASE_AUTH=azure-entra, AZURE_CLIENT_ID): no database password reaches it.
 */
import * as app from "@pulumi/azure-native/app/index.js";
import type * as managedidentity from "@pulumi/azure-native/managedidentity/index.js";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights/index.js";
import type * as types from "@pulumi/azure-native/types/index.js";
import * as pulumi from "@pulumi/pulumi";
import { sentryRelease } from "../error-tracking.js";
import { API_CONTAINER } from "../spec/constants.js";
import type { ServiceSpec } from "../spec/index.js";
import type { GroupArgs } from "./group.js";
import { createDomainRecords, createManagedCertificate, customDomainsFor } from "./ingress.js";
import { WORKLOAD_PROFILE } from "./naming.js";
import type { Network } from "./network.js";
import { SECRET_SOURCES } from "./secrets.js";
import { memoryQuantity } from "./sizes.js";

/**
 * The CA file the API verifies the database server's certificate against (DATABASE_SSL=verify-full): Debian's
 * ca-certificates bundle in the runtime image (distroless nodejs24-debian13), which holds DigiCert Global Root
 * G2 and Microsoft RSA Root CA 2017, the roots Azure Database for PostgreSQL's server certificates chain to.
 */
export const AZURE_DATABASE_CA_FILE = "/etc/ssl/certs/ca-certificates.crt";

/** How the app and the migrator reach PostgreSQL on Azure: an Entra ID token per connection, verified TLS. */
export function azureDatabaseEnvironment(tls: ServiceSpec["database"]["tls"]): Record<string, string> {
  return { DATABASE_AUTH: "azure-entra", DATABASE_SSL: tls, DATABASE_CA_FILE: AZURE_DATABASE_CA_FILE };
}

export interface ComputeArgs extends GroupArgs {
  names: { environment: string; app: string; environmentInfrastructureGroup: string };
  network: Network;
  workspace: operationalinsights.Workspace;
  identity: managedidentity.UserAssignedIdentity;
  registryServer: pulumi.Input<string>;
  imageDigest: pulumi.Input<string>;
  databaseHost: pulumi.Input<string>;
  secretUrls: Record<string, pulumi.Input<string>>;
  /** Plain, non-secret variables whose change must start a new revision (e.g. a secret's version). */
  revisionEnvironment?: Record<string, pulumi.Input<string>>;
  /** Role grants and DNS records the first revision needs (it pulls and reads secrets on start). */
  dependsOn: pulumi.Input<pulumi.Resource>[];
  /** Containers beside the API in each replica (the metrics collector, monitoring/prometheus.ts). */
  sidecars?: pulumi.Input<types.input.app.ContainerArgs>[];
}

export interface Compute {
  environment: app.ManagedEnvironment;
  app: app.ContainerApp;
  fqdn: pulumi.Output<string>;
  /** twincloud:domainName's managed certificate and (with a DNS zone) its records. */
  domain: { certificate?: app.ManagedCertificate; records: pulumi.Resource[] };
}

export function createCompute(args: ComputeArgs, opts: pulumi.ComponentResourceOptions): Compute {
  const { spec, resourceGroupName, location } = args;
  const c = spec.container;

  const sharedKey = operationalinsights
    .getSharedKeysOutput({ resourceGroupName, workspaceName: args.workspace.name }, { parent: opts.parent })
    .apply((keys) => pulumi.secret(keys.primarySharedKey ?? ""));

  const environment = new app.ManagedEnvironment(
    "environment",
    {
      resourceGroupName,
      location,
      environmentName: args.names.environment,
      infrastructureResourceGroup: args.names.environmentInfrastructureGroup,
      appLogsConfiguration: {
        destination: "log-analytics",
        logAnalyticsConfiguration: { customerId: args.workspace.customerId, sharedKey },
      },
      vnetConfiguration: { infrastructureSubnetId: args.network.appsSubnet.id, internal: false },
      workloadProfiles: [{ name: WORKLOAD_PROFILE, workloadProfileType: WORKLOAD_PROFILE }],
      zoneRedundant: spec.environment === "prod",
      peerTrafficConfiguration: { encryption: { enabled: true } },
      tags: spec.tags,
    },
    opts,
  );

  const domainRecords = createDomainRecords(
    { spec, environment, appFqdn: pulumi.interpolate`${args.names.app}.${environment.defaultDomain}` },
    opts,
  );
  const customDomains = customDomainsFor(spec);

  const secretEnv = c.secretEnvironment.map((variable) => {
    const source = SECRET_SOURCES[variable];
    const url = args.secretUrls[variable];
    if (!source || !url) throw new Error(`infra/azure/compute.ts: no Key Vault secret for ${variable}`);
    return { variable, name: source.appSecret, url };
  });

  const env = [
    // The spec's DATABASE_USER is the API role and its DATABASE_SSL verify-full: the chain is checked against
    // the image's CA bundle and the certificate's name against DATABASE_HOST.
    ...Object.entries({
      ...c.environment,
      ...azureDatabaseEnvironment(spec.database.tls),
    }).map(([name, value]) => ({ name, value })),
    { name: "DATABASE_HOST", value: args.databaseHost },
    // A token per new connection from the app's user-assigned identity (api/db/credentials.ts).
    { name: "AZURE_CLIENT_ID", value: args.identity.clientId },
    ...Object.entries(args.revisionEnvironment ?? {}).map(([name, value]) => ({ name, value })),
    // Error tracking files events under the image the revision runs (the spec adds SENTRY_ENVIRONMENT).
    ...(spec.errorTracking.enabled
      ? [{ name: "SENTRY_RELEASE", value: pulumi.output(args.imageDigest).apply(sentryRelease) }]
      : []),
    ...secretEnv.map((s) => ({ name: s.variable, secretRef: s.name })),
  ];

  // Container Apps limits: failureThreshold 1–10, initialDelaySeconds 1–60, period/timeout 1–240 s,
  // successThreshold 1 for liveness and startup. Startup allows 1 + 10 × 6 s ≈ a minute (the migrations run
  // before, in the migrator job: MIGRATE_ON_START=false).
  const probe = (type: "Liveness" | "Readiness" | "Startup", path: string) => ({
    type,
    httpGet: { path, port: c.port, scheme: "HTTP" },
    ...(type === "Startup"
      ? {
          initialDelaySeconds: 1,
          periodSeconds: 6,
          timeoutSeconds: 3,
          failureThreshold: 10,
          successThreshold: 1,
        }
      : type === "Readiness"
        ? { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 }
        : { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 }),
  });

  const containerApp = new app.ContainerApp(
    "api",
    {
      resourceGroupName,
      location,
      containerAppName: args.names.app,
      managedEnvironmentId: environment.id,
      workloadProfileName: WORKLOAD_PROFILE,
      identity: { type: "UserAssigned", userAssignedIdentities: [args.identity.id] },
      configuration: {
        activeRevisionsMode: "Single",
        maxInactiveRevisions: 10,
        ingress: {
          external: true,
          allowInsecure: false,
          targetPort: c.port,
          transport: "auto",
          traffic: [{ latestRevision: true, weight: 100 }],
          ...(customDomains ? { customDomains } : {}),
        },
        // Pull with the managed identity: no username, no passwordSecretRef.
        registries: [{ server: args.registryServer, identity: args.identity.id }],
        // Key Vault references only: the value never passes through the Container Apps API or the state.
        secrets: secretEnv.map((s) => ({ name: s.name, keyVaultUrl: s.url, identity: args.identity.id })),
      },
      template: {
        terminationGracePeriodSeconds: c.stopTimeoutSeconds,
        containers: [
          {
            name: API_CONTAINER,
            image: args.imageDigest,
            resources: { cpu: c.cpu, memory: memoryQuantity(c.memoryMiB) },
            env,
            probes: [
              probe("Startup", c.health.live),
              probe("Liveness", c.health.live),
              probe("Readiness", c.health.ready),
            ],
          },
          ...(args.sidecars ?? []),
        ],
        scale: {
          minReplicas: spec.scaling.minReplicas,
          maxReplicas: spec.scaling.maxReplicas,
          cooldownPeriod: spec.scaling.scaleInCooldownSeconds,
          pollingInterval: 30,
          rules: [
            {
              name: "http-concurrency",
              http: {
                metadata: { concurrentRequests: String(spec.scaling.concurrentRequestsPerReplica) },
              },
            },
          ],
        },
      },
      tags: spec.tags,
    },
    { ...opts, dependsOn: [...args.dependsOn, ...domainRecords] },
  );
  const certificate = createManagedCertificate(
    spec,
    { resourceGroupName, location, environment, app: containerApp, records: domainRecords },
    opts,
  );

  return {
    environment,
    app: containerApp,
    fqdn: containerApp.configuration.apply((cfg) => cfg?.ingress?.fqdn ?? ""),
    domain: { ...(certificate ? { certificate } : {}), records: domainRecords },
  };
}
