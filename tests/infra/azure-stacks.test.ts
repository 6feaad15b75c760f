// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/**
 * The Azure program for each shipped stack (dev, staging, prod), run once per stack under Pulumi mocks with
 * the real Pulumi.<stack>.yaml values forced onto Azure. Asserts what each tier creates, that the database
 * has no public path, that no admin credential or plain secret exists anywhere, and that the Container App
 * serves the API's own port, health paths and configuration schema.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { apiEnvironmentSchema, DEFAULT_PORT, HEALTH_PATHS, SECRET_ENV_VARS } from "../../api/config.js";
import { apiRoleEnvironmentSchema } from "../../api/db/roles.js";
import { ACR_REFRESH_TOKEN_USERNAME } from "../../infra/azure/acr-token.js";
import { azureAlerts } from "../../infra/azure/monitoring/alarms.js";
import { COLLECTOR_CONTAINER } from "../../infra/azure/monitoring/prometheus.js";
import { UPTIME_CHECK_FAILED_ID } from "../../infra/azure/monitoring/uptime.js";
import { ROLE_DEFINITION_IDS, resourceNames } from "../../infra/azure/naming.js";
import { checkPinnedImage } from "../../infra/azure/registry.js";
import type { StackOutputs } from "../../infra/outputs.js";
import { program } from "../../infra/program.js";
import type { ServiceSpec } from "../../infra/spec/index.js";
import { MOCK_AZURE, mockAcrRefreshToken, mockInvokes } from "../../tools/mock/azure.js";
import { type CapturedResource, fakeId, type MockRunResult, runUnderMocks } from "../../tools/mock/run.js";
import { isSecret, plain, specOfConfig, stackConfig, withoutSecrets } from "../support/stacks.js";

const STACKS = ["dev", "staging", "prod"] as const;
type Stack = (typeof STACKS)[number];

const T = {
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

/** azure-native types whose API has no `tags` (every other azure-native resource must carry spec.tags). */
const UNTAGGABLE = new Set<string>([
  T.subnet,
  T.role,
  T.lock,
  T.configuration,
  T.database,
  T.entraAdmin,
  "azure-native:network:PrivateDnsZoneGroup",
  "azure-native:monitor:DiagnosticSetting",
]);

interface StackRun {
  spec: ServiceSpec;
  config: Record<string, string>;
  result: MockRunResult<StackOutputs>;
  all(type: string): CapturedResource[];
  one(type: string, name?: string): CapturedResource;
  /** Plain (secret-unwrapped) inputs of the single resource of a type. */
  props(type: string, name?: string): any;
}

const runs = new Map<Stack, StackRun>();

beforeAll(async () => {
  for (const stack of STACKS) {
    const config = stackConfig(stack, "azure");
    const result = await runUnderMocks<StackOutputs>(program, { stack, config });
    const all = (type: string) => result.resources.filter((r) => r.type === type);
    const one = (type: string, name?: string) => {
      const found = all(type).filter((r) => name === undefined || r.name === name);
      if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ""}, found ${found.length}`);
      return found[0] as CapturedResource;
    };
    runs.set(stack, {
      spec: specOfConfig(stack, config),
      config,
      result,
      all,
      one,
      props: (type, name) => plain(one(type, name).props),
    });
  }
}, 240_000);

const run = (stack: Stack): StackRun => {
  const r = runs.get(stack);
  if (!r) throw new Error(`stack ${stack} did not run`);
  return r;
};

/** The two user-assigned identities: the API's and the migrator's (the server's Entra administrator). */
const apiIdentity = (r: StackRun) => r.one(T.identity, "api-identity");
const migratorIdentity = (r: StackRun) => r.one(T.identity, "migrator-identity");

/** The container of the API's Container App (first; the metrics collector sidecar with cloudMetrics). */
function apiContainer(r: StackRun): any {
  const containers = r.props(T.app).template.containers as any[];
  const collectors = r.spec.cloudMetrics.enabled ? 1 : 0;
  expect(containers).toHaveLength(1 + collectors);
  expect(containers.filter((c) => c.name === COLLECTOR_CONTAINER)).toHaveLength(collectors);
  return containers[0];
}

/** Tier expectations written out literally: the requirements, not the spec read back. */
const TIERS = {
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

describe.each(STACKS)("Azure stack %s", (stack) => {
  const tier = TIERS[stack];

  it("creates one of each building block, in one resource group", () => {
    const r = run(stack);
    for (const type of [
      T.group,
      T.workspace,
      T.vnet,
      T.nsg,
      T.endpoint,
      T.registry,
      T.image,
      T.vault,
      T.password,
      T.server,
      T.configuration,
      T.database,
      T.entraAdmin,
      T.environment,
      T.app,
      T.job,
      T.actionGroup,
    ]) {
      expect(r.all(type), type).toHaveLength(1);
    }
    // The API's identity and the migrator's (docs/database-identity.md).
    expect(
      r
        .all(T.identity)
        .map((x) => x.name)
        .sort(),
    ).toEqual(["api-identity", "migrator-identity"]);
    expect(r.all(T.queryRule)).toHaveLength(2);
    // The database administrator's password (break-glass) and the bootstrap API key.
    expect(
      r
        .all(T.secret)
        .map((x) => x.name)
        .sort(),
    ).toEqual(["bootstrap-api-key-secret", "database-password-secret"]);
    expect(r.all(T.subnet)).toHaveLength(3);
    expect(r.all(T.zone).map((z) => plain(z.props).privateZoneName)).toEqual(
      expect.arrayContaining([
        "privatelink.vaultcore.azure.net",
        expect.stringMatching(/\.private\.postgres\.database\.azure\.com$/),
      ]),
    );
    const groupName = r.props(T.group).resourceGroupName;
    for (const res of r.result.resources.filter(
      (x) => x.type.startsWith("azure-native:") && x.type !== T.group,
    )) {
      const props = plain(res.props);
      if ("resourceGroupName" in props) expect(props.resourceGroupName, res.name).toBe(groupName);
    }
  });

  it("tags every taggable resource with the spec's tags", () => {
    const r = run(stack);
    const expected = { project: "twincloud", environment: stack, stack, "managed-by": "pulumi" };
    const tagged = r.result.resources.filter(
      (x) => x.type.startsWith("azure-native:") && !UNTAGGABLE.has(x.type),
    );
    expect(tagged.length).toBeGreaterThan(15);
    for (const res of tagged) {
      // Availability tests also carry the tag that links them to their Application Insights resource.
      const tags = Object.fromEntries(
        Object.entries(plain(res.props).tags ?? {}).filter(([key]) => !key.startsWith("hidden-link:")),
      );
      expect(tags, `${res.type} ${res.name}`).toEqual(expected);
    }
  });

  it("keeps logs for the tier's retention, capped daily in dev", () => {
    const ws = run(stack).props(T.workspace);
    expect(ws.retentionInDays).toBe(tier.logRetention);
    expect(ws.workspaceCapping?.dailyQuotaGb).toBe(tier.dailyCap);
  });

  it("sends the database logs and the vault's audit log to the workspace", () => {
    const r = run(stack);
    const settings = r.all("azure-native:monitor:DiagnosticSetting").map((d) => plain(d.props));
    expect(
      settings.map((d) => ({ resourceUri: d.resourceUri, workspaceId: d.workspaceId, logs: d.logs })),
    ).toEqual(
      expect.arrayContaining([
        {
          resourceUri: fakeId(r.one(T.server)),
          workspaceId: fakeId(r.one(T.workspace)),
          logs: [{ categoryGroup: "allLogs", enabled: true }],
        },
        {
          resourceUri: fakeId(r.one(T.vault)),
          workspaceId: fakeId(r.one(T.workspace)),
          logs: [{ categoryGroup: "audit", enabled: true }],
        },
      ]),
    );
    expect(settings).toHaveLength(2);
  });

  it("sizes and protects the database per tier", () => {
    const r = run(stack);
    const server = r.props(T.server);
    expect(server.version).toBe("17");
    expect(server.sku).toMatchObject({ name: tier.sku });
    expect(server.storage).toMatchObject({ storageSizeGB: tier.prod ? 128 : 32, autoGrow: "Enabled" });
    expect(server.backup.backupRetentionDays).toBe(tier.backupRetention);
    expect(server.backup.geoRedundantBackup).toBe(tier.prod ? "Enabled" : "Disabled");
    expect(server.highAvailability.mode).toBe(tier.prod ? "ZoneRedundant" : "Disabled");
    expect(r.one(T.server).opts.protect).toBe(tier.prod);
    expect(r.one(T.database).opts.protect).toBe(tier.prod);
    expect(r.all(T.lock)).toHaveLength(tier.prod ? 1 : 0);
    if (tier.prod) {
      expect(r.props(T.lock)).toMatchObject({ level: "CanNotDelete", scope: fakeId(r.one(T.server)) });
    }
    expect(r.props(T.database)).toMatchObject({
      databaseName: r.spec.database.name,
      serverName: server.serverName,
    });
    expect(server.administratorLogin).toBe(r.spec.database.username);
  });

  it("requires TLS on the database", () => {
    expect(run(stack).props(T.configuration)).toMatchObject({
      configurationName: "require_secure_transport",
      value: "on",
    });
  });

  it("gives the database no public network path", () => {
    const r = run(stack);
    const server = r.props(T.server);
    const dbSubnet = r
      .all(T.subnet)
      .find((s) =>
        plain(s.props).delegations?.some(
          (d: any) => d.serviceName === "Microsoft.DBforPostgreSQL/flexibleServers",
        ),
      );
    if (!dbSubnet) throw new Error("no subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers");
    const zone = r
      .all(T.zone)
      .find((z) => /\.private\.postgres\.database\.azure\.com$/.test(plain(z.props).privateZoneName));
    if (!zone) throw new Error("no PostgreSQL private DNS zone");
    expect(server.network).toEqual({
      publicNetworkAccess: "Disabled",
      delegatedSubnetResourceId: fakeId(dbSubnet),
      privateDnsZoneArmResourceId: fakeId(zone),
    });
    // The zone is linked to the VNet before the server is created.
    const link = r
      .all(T.link)
      .find((l) => plain(l.props).privateZoneName === plain(zone.props).privateZoneName);
    expect(plain(link?.props).virtualNetwork).toEqual({ id: fakeId(r.one(T.vnet)) });
    expect(r.one(T.server).dependencies).toContain(link?.urn);
    // No firewall rule of any kind, no private endpoint or public IP for the server.
    expect(r.result.resources.filter((x) => /FirewallRule|PublicIPAddress/i.test(x.type))).toEqual([]);
    // Inside the VNet, only the apps subnet reaches PostgreSQL.
    const apps = plain(
      r
        .all(T.subnet)
        .find((s) =>
          plain(s.props).delegations?.some((d: any) => d.serviceName === "Microsoft.App/environments"),
        )?.props,
    );
    const rules = r.props(T.nsg).securityRules as any[];
    const allowPostgres = rules.filter((x) => x.access === "Allow" && x.destinationPortRange === "5432");
    expect(allowPostgres.map((x) => x.sourceAddressPrefix)).toEqual([apps.addressPrefix]);
    expect(plain(dbSubnet.props).networkSecurityGroup).toEqual({ id: fakeId(r.one(T.nsg)) });
  });

  it("uses no admin credential anywhere", () => {
    const r = run(stack);
    expect(r.props(T.registry).adminUserEnabled).toBe(false);
    expect(r.props(T.registry).anonymousPullEnabled).toBe(false);
    const cfg = r.props(T.app).configuration;
    expect(cfg.registries).toEqual([
      { server: `${r.props(T.registry).registryName}.azurecr.io`, identity: fakeId(apiIdentity(r)) },
    ]);
    // The migration job pulls the same image with its own identity.
    expect(r.props(T.job).configuration.registries).toEqual([
      { server: `${r.props(T.registry).registryName}.azurecr.io`, identity: fakeId(migratorIdentity(r)) },
    ]);
    for (const reg of [...cfg.registries, ...r.props(T.job).configuration.registries]) {
      expect(reg).not.toHaveProperty("passwordSecretRef");
      expect(reg).not.toHaveProperty("username");
    }
    // The image push authenticates as the deployer: its Entra ID token (getClientToken), exchanged at `pulumi
    // up` for an ACR refresh token that reaches the provider only as a secret (infra/azure/acr-token.ts).
    const server = `${r.props(T.registry).registryName}.azurecr.io`;
    expect(r.props(T.image).registry).toEqual({
      server,
      username: ACR_REFRESH_TOKEN_USERNAME,
      password: mockAcrRefreshToken(server),
    });
    const rawRegistry = r.one(T.image).props.registry as { password?: unknown };
    expect(isSecret(rawRegistry) || isSecret(rawRegistry.password)).toBe(true);
    // Admin credentials are never fetched, and no registry token with a stored password exists.
    expect(r.result.invokes.filter((i) => /listRegistryCredentials|listCredentials|Token/i.test(i))).toEqual([
      "azure-native:authorization:getClientToken",
    ]);
    expect(r.result.resources.filter((x) => /containerregistry:(Token|ScopeMap)/.test(x.type))).toEqual([]);
    expect([...new Set(r.result.invokes)].sort()).toEqual(Object.keys(mockInvokes).sort());
  });

  it("keeps the database administrator's password out of every plain value, the app and the job", () => {
    const r = run(stack);
    const password = String(r.one(T.password).state.result);
    expect(password.length).toBeGreaterThanOrEqual(32);
    // The password appears only inside Pulumi secrets (Key Vault secret, server admin password).
    for (const res of r.result.resources.filter((x) => x.type !== T.password)) {
      expect(JSON.stringify(withoutSecrets(res.props)), `${res.type} ${res.name}`).not.toContain(password);
    }
    expect(isSecret(r.one(T.server).props.administratorLoginPassword)).toBe(true);
    const passwordSecret = r.one(T.secret, "database-password-secret");
    expect(plain(passwordSecret.props).properties.value).toBe(password);
    expect(isSecret(passwordSecret.props.properties)).toBe(true);
    // The Container App has no secret with a value: Key Vault references only, read with the app identity,
    // each pinned to the version Pulumi wrote. None is the administrator's password (the API logs in with a
    // token); the migration job's one secret is that password (its own test, "database identity").
    const secrets = r.props(T.app).configuration.secrets as any[];
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(secret).not.toHaveProperty("value");
      expect(secret.keyVaultUrl).toMatch(
        /^https:\/\/[a-z0-9-]+\.vault\.azure\.net\/secrets\/[a-z0-9-]+\/[0-9a-f]{32}$/,
      );
      expect(secret.keyVaultUrl).not.toContain("/secrets/database-password");
      expect(secret.identity).toBe(fakeId(apiIdentity(r)));
    }
    expect((r.props(T.job).configuration.secrets as any[]).map((x) => x.keyVaultUrl)).toEqual([
      expect.stringMatching(
        /^https:\/\/[a-z0-9-]+\.vault\.azure\.net\/secrets\/database-password\/[0-9a-f]{32}$/,
      ),
    ]);
    // The workspace shared key reaches the environment as a secret.
    expect(isSecret(r.one(T.environment).props.appLogsConfiguration)).toBe(true);
  });

  it("locks down the vault: RBAC, soft delete, network deny, purge protection in prod", () => {
    const r = run(stack);
    const vault = r.props(T.vault).properties;
    expect(vault.enableRbacAuthorization).toBe(true);
    expect(vault.enableSoftDelete).toBe(true);
    expect(vault.enablePurgeProtection).toBe(tier.prod ? true : undefined);
    expect(vault.networkAcls).toMatchObject({ defaultAction: "Deny", bypass: "AzureServices", ipRules: [] });
    expect(vault.accessPolicies).toBeUndefined();
    expect(r.one(T.vault).opts.protect).toBe(tier.prod);
    // Reached from the VNet through a private endpoint on the endpoints subnet.
    const endpoint = r.props(T.endpoint);
    expect(endpoint.privateLinkServiceConnections).toEqual([
      { name: "vault", privateLinkServiceId: fakeId(r.one(T.vault)), groupIds: ["vault"] },
    ]);
  });

  it("grants the app identity exactly AcrPull on the registry and Secrets User on each secret it references, the migrator AcrPull", () => {
    const r = run(stack);
    const principal = String(apiIdentity(r).state.principalId);
    const migrator = String(migratorIdentity(r).state.principalId);
    const grants = r.all(T.role).map((x) => plain(x.props));
    // With cloudMetrics, also Monitoring Metrics Publisher on the data collection rule (azure-cloud-metrics.test.ts).
    expect(grants).toHaveLength(r.spec.cloudMetrics.enabled ? 5 : 4);
    for (const g of grants)
      expect(g.roleAssignmentName).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const roleOf = (id: string) => String(id).split("/").pop();
    expect(
      grants.map((g) => ({ role: roleOf(g.roleDefinitionId), scope: g.scope, principalId: g.principalId })),
    ).toEqual(
      expect.arrayContaining([
        { role: ROLE_DEFINITION_IDS.acrPull, scope: fakeId(r.one(T.registry)), principalId: principal },
        {
          role: ROLE_DEFINITION_IDS.keyVaultSecretsUser,
          scope: fakeId(r.one(T.secret, "bootstrap-api-key-secret")),
          principalId: principal,
        },
        { role: ROLE_DEFINITION_IDS.acrPull, scope: fakeId(r.one(T.registry)), principalId: migrator },
      ]),
    );
    // Nobody may read the vault as a whole; the administrator's password only the migrator, on that secret alone.
    const scopes = grants.map((g) => g.scope);
    expect(scopes).not.toContain(fakeId(r.one(T.vault)));
    const password = fakeId(r.one(T.secret, "database-password-secret"));
    expect(
      grants.filter((g) => g.scope === password).map((g) => [roleOf(g.roleDefinitionId), g.principalId]),
    ).toEqual([[ROLE_DEFINITION_IDS.keyVaultSecretsUser, migrator]]);
    expect(grants.filter((g) => g.principalId === principal).map((g) => g.scope)).not.toContain(password);
    // The migrator: the pull and that one secret; its database rights come from the Entra admin resource.
    expect(grants.filter((g) => g.principalId === migrator)).toHaveLength(2);
    expect(ROLE_DEFINITION_IDS.acrPull).toBe("7f951dda-4ed3-4680-a7ca-43fe172d538d");
    expect(ROLE_DEFINITION_IDS.keyVaultSecretsUser).toBe("4633458b-17de-408a-b874-0445c86b69e6");
    // The first revision starts only after the app's grants exist; the job's first execution after its pull.
    const deps = r.one(T.app).dependencies;
    for (const grant of r.all(T.role).filter((g) => plain(g.props).principalId === principal))
      expect(deps).toContain(grant.urn);
    expect(r.one(T.job).dependencies).toEqual(
      expect.arrayContaining([
        r.one(T.role, "migrator-acr-pull").urn,
        r.one(T.role, "migrator-database-password-reader").urn,
      ]),
    );
  });

  it("runs a VNet-integrated environment logging to Log Analytics, zone-redundant in prod", () => {
    const r = run(stack);
    const env = r.props(T.environment);
    const apps = r
      .all(T.subnet)
      .find((s) =>
        plain(s.props).delegations?.some((d: any) => d.serviceName === "Microsoft.App/environments"),
      );
    if (!apps) throw new Error("no subnet delegated to Microsoft.App/environments");
    expect(env.vnetConfiguration).toEqual({ infrastructureSubnetId: fakeId(apps), internal: false });
    expect(Number(plain(apps.props).addressPrefix.split("/")[1])).toBeLessThanOrEqual(27);
    expect(env.workloadProfiles).toEqual([{ name: "Consumption", workloadProfileType: "Consumption" }]);
    expect(env.zoneRedundant).toBe(tier.prod);
    expect(env.appLogsConfiguration).toEqual({
      destination: "log-analytics",
      logAnalyticsConfiguration: {
        customerId: r.one(T.workspace).state.customerId,
        sharedKey: expect.any(String),
      },
    });
  });

  it("serves the API on its own port and health paths, HTTPS only", () => {
    const r = run(stack);
    const app = r.props(T.app);
    expect(app.configuration.ingress).toMatchObject({
      external: true,
      allowInsecure: false,
      targetPort: DEFAULT_PORT,
      transport: "auto",
    });
    expect(app.configuration.activeRevisionsMode).toBe("Single");
    const probes = apiContainer(r).probes as any[];
    const byType = Object.fromEntries(probes.map((p) => [p.type, p.httpGet]));
    expect(byType.Liveness).toEqual({ path: HEALTH_PATHS.live, port: DEFAULT_PORT, scheme: "HTTP" });
    expect(byType.Readiness).toEqual({ path: HEALTH_PATHS.ready, port: DEFAULT_PORT, scheme: "HTTP" });
    expect(byType.Startup).toEqual({ path: HEALTH_PATHS.live, port: DEFAULT_PORT, scheme: "HTTP" });
    expect(app.identity).toEqual({
      type: "UserAssigned",
      userAssignedIdentities: [fakeId(apiIdentity(r))],
    });
  });

  it("runs the pushed image by digest, built for linux/amd64", () => {
    const r = run(stack);
    const image = r.props(T.image);
    expect(image.build).toMatchObject({ context: ".", dockerfile: "Dockerfile", platform: "linux/amd64" });
    expect(image.skipPush).toBe(false);
    expect(apiContainer(r).image).toBe(r.result.outputs.imageDigest);
    expect(r.result.outputs.imageDigest).toMatch(/^[a-z0-9]+\.azurecr\.io\/[a-z0-9-]+@sha256:[0-9a-f]{64}$/);
  });

  it("sizes and scales the app per tier", () => {
    const r = run(stack);
    const c = apiContainer(r);
    expect(c.resources).toEqual({ cpu: tier.cpu, memory: tier.memory });
    const scale = r.props(T.app).template.scale;
    expect([scale.minReplicas, scale.maxReplicas]).toEqual(tier.replicas);
    expect(scale.rules).toEqual([
      {
        name: "http-concurrency",
        http: { metadata: { concurrentRequests: String(r.spec.scaling.concurrentRequestsPerReplica) } },
      },
    ]);
  });

  it("gives the API an environment its own config schema accepts, secrets by Key Vault reference", () => {
    const r = run(stack);
    const env = apiContainer(r).env as { name: string; value?: string; secretRef?: string }[];
    const names = env.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    const secretNames = new Set((r.props(T.app).configuration.secrets as any[]).map((s) => s.name));
    const values: Record<string, string> = {};
    for (const e of env) {
      if (e.secretRef !== undefined) {
        expect(e).not.toHaveProperty("value");
        expect(secretNames.has(e.secretRef), e.secretRef).toBe(true);
        values[e.name] = "dummy-secret-value-for-schema-check-0123456789";
      } else {
        expect(typeof e.value, e.name).toBe("string");
        values[e.name] = e.value as string;
      }
    }
    // Every secret the API knows about that the container sets comes from a secretRef.
    for (const name of SECRET_ENV_VARS) {
      const entry = env.find((e) => e.name === name);
      if (entry) expect(entry.secretRef, name).toBeDefined();
    }
    expect(env.filter((e) => e.secretRef).map((e) => e.name)).toEqual([
      ...r.spec.container.secretEnvironment,
    ]);
    const parsed = apiEnvironmentSchema.safeParse(values);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(values.DATABASE_HOST).toBe(r.result.outputs.databaseHost);
    expect(parsed.data?.PORT).toBe(DEFAULT_PORT);
    // Verified TLS against the image's CA bundle (DigiCert Global Root G2, Microsoft RSA Root CA 2017).
    expect(parsed.data?.DATABASE_SSL).toBe("verify-full");
    expect(parsed.data?.DATABASE_CA_FILE).toBe("/etc/ssl/certs/ca-certificates.crt");
  });

  it("alerts on 5xx, latency, restarts and database CPU/storage, each with a runbook anchor", () => {
    const r = run(stack);
    const group = r.props(T.actionGroup);
    // An email receiver exactly when the stack has an alert address (prod must; dev and staging ship without).
    const email = r.config["twincloud:alertEmail"];
    expect(group.emailReceivers ?? []).toEqual(
      email ? [expect.objectContaining({ emailAddress: email })] : [],
    );
    if (r.spec.environment === "prod") expect(email).toBeTruthy();
    expect(group.groupShortName.length).toBeLessThanOrEqual(12);
    // The availability test's alert (cloudMetrics) is checked in azure-cloud-metrics.test.ts.
    const uptimeName = `${r.spec.name}-${UPTIME_CHECK_FAILED_ID}`;
    const allMetric = r.all(T.metricAlert).map((x) => plain(x.props));
    const metric = allMetric.filter((a) => a.ruleName !== uptimeName);
    expect(allMetric.length - metric.length).toBe(r.spec.cloudMetrics.enabled ? 1 : 0);
    const log = r.all(T.queryRule).map((x) => plain(x.props));
    const expected = azureAlerts(r.spec);
    expect([...metric, ...log].map((a) => a.ruleName).sort()).toEqual(expected.map((a) => a.name).sort());
    for (const id of [
      "api-5xx-rate",
      "api-latency-p95",
      "api-replica-restarts",
      "db-cpu-high",
      "db-free-storage-low",
    ]) {
      expect(expected.map((a) => a.id)).toContain(id);
    }
    const groupId = fakeId(r.one(T.actionGroup));
    // Azure Monitor accepts only these metric-alert windows and frequencies.
    const windows = ["PT1M", "PT5M", "PT15M", "PT30M", "PT1H", "PT6H", "PT12H", "PT24H"];
    for (const a of metric) {
      expect(windows, a.ruleName).toContain(a.windowSize);
      expect(["PT1M", "PT5M", "PT15M", "PT30M", "PT1H"], a.ruleName).toContain(a.evaluationFrequency);
    }
    for (const a of metric) {
      expect(a.description).toMatch(/Runbook: docs\/runbook\.md#[a-z0-9-]+$/);
      expect(a.actions).toEqual([{ actionGroupId: groupId }]);
      expect(a.enabled).toBe(true);
    }
    const byMetric = Object.fromEntries(metric.map((a) => [a.criteria.allOf[0].metricName, a]));
    expect(byMetric.Requests.criteria.allOf[0].dimensions).toEqual([
      { name: "statusCodeCategory", operator: "Include", values: ["5xx"] },
    ]);
    expect(byMetric.Requests.scopes).toEqual([fakeId(r.one(T.app))]);
    expect(byMetric.RestartCount.scopes).toEqual([fakeId(r.one(T.app))]);
    expect(byMetric.cpu_percent.scopes).toEqual([fakeId(r.one(T.server))]);
    expect(byMetric.cpu_percent.criteria.allOf[0].threshold).toBe(r.spec.alerts.databaseCpuPercent);
    expect(byMetric.storage_percent.scopes).toEqual([fakeId(r.one(T.server))]);
    const appName = r.props(T.app).containerAppName;
    const rule = (id: string) => {
      const found = log.find((a) => a.ruleName === `${r.spec.name}-${id}`);
      if (!found) throw new Error(`no log alert ${id}`);
      return found;
    };
    const latency = rule("api-latency-p95");
    expect(latency.description).toMatch(/Runbook: docs\/runbook\.md#api-latency-p95$/);
    expect(latency.criteria.allOf[0]).toMatchObject({
      threshold: r.spec.alerts.latencyP95Ms,
      metricMeasureColumn: "p95",
      operator: "GreaterThan",
    });
    const errors = rule("api-5xx-rate");
    expect(errors.description).toMatch(/Runbook: docs\/runbook\.md#api-5xx-rate$/);
    expect(errors.criteria.allOf[0]).toMatchObject({
      threshold: r.spec.alerts.http5xxRatePercent,
      metricMeasureColumn: "errorPercent",
      operator: "GreaterThan",
    });
    for (const a of [latency, errors]) {
      expect(a.scopes).toEqual([fakeId(r.one(T.workspace))]);
      expect(a.criteria.allOf[0].query).toContain(`ContainerAppName_s == "${appName}"`);
      expect(a.actions).toEqual({ actionGroups: [groupId] });
      expect(a.enabled).toBe(true);
    }
  });

  it("exports the same outputs as the AWS stack", () => {
    const r = run(stack);
    const out = r.result.outputs;
    expect(out.cloud).toBe("azure");
    expect(out.environment).toBe(stack);
    expect(out.url).toBe(
      `https://${r.props(T.app).containerAppName}.${String(r.one(T.environment).state.defaultDomain)}`,
    );
    expect(out.databaseHost).toBe(`${r.props(T.server).serverName}.postgres.database.azure.com`);
    expect(out.alertTarget).toBe(fakeId(r.one(T.actionGroup)));
    expect(out.dashboardUrl).toMatch(/^https:\/\/portal\.azure\.com\/#@[0-9a-f-]+\/resource.+\/logs$/);
  });
});

describe.each(STACKS)("Azure stack %s: database identity (issue 14)", (stack) => {
  it("turns on Entra ID authentication and keeps password authentication for the break-glass administrator", () => {
    const r = run(stack);
    const server = r.props(T.server);
    expect(server.authConfig).toEqual({
      activeDirectoryAuth: "Enabled",
      passwordAuth: "Enabled",
      tenantId: MOCK_AZURE.tenantId,
    });
    // The password administrator stays (its name replaces the server if changed); its password only as a secret.
    expect(server.administratorLogin).toBe("twincloud_app");
    expect(isSecret(r.one(T.server).props.administratorLoginPassword)).toBe(true);
  });

  it("makes the migrator's identity, not the API's, the server's Microsoft Entra administrator", () => {
    const r = run(stack);
    const migrator = migratorIdentity(r);
    expect(r.props(T.entraAdmin)).toEqual({
      resourceGroupName: r.props(T.group).resourceGroupName,
      serverName: r.props(T.server).serverName,
      objectId: migrator.state.principalId,
      principalName: plain(migrator.props).resourceName,
      principalType: "ServicePrincipal",
      tenantId: MOCK_AZURE.tenantId,
    });
    expect(r.props(T.entraAdmin).objectId).not.toBe(apiIdentity(r).state.principalId);
    expect(plain(migrator.props).resourceName).toBe(`id-twincloud-${stack}-migrator`);
    // Azure serialises server operations (ServerBusy): after the database, which waits for the configuration.
    expect(r.one(T.entraAdmin).dependencies).toContain(r.one(T.database).urn);
  });

  it("runs the migrator as a manual Container Apps Job of the app's image, in the app's environment", () => {
    const r = run(stack);
    const job = r.props(T.job);
    expect(r.one(T.job).name).toMatch(/migrat/);
    expect(job.jobName).toBe(`twincloud-${stack}-migrate`);
    expect(job.environmentId).toBe(fakeId(r.one(T.environment)));
    expect(job.workloadProfileName).toBe(r.props(T.app).workloadProfileName);
    expect(job.identity).toEqual({
      type: "UserAssigned",
      userAssignedIdentities: [fakeId(migratorIdentity(r))],
    });
    expect(job.configuration).toMatchObject({
      triggerType: "Manual",
      manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 },
      replicaTimeout: 600,
      replicaRetryLimit: 0,
    });
    expect(job.configuration).not.toHaveProperty("scheduleTriggerConfig");
    expect(job.configuration).not.toHaveProperty("eventTriggerConfig");
    const containers = job.template.containers as any[];
    expect(containers).toHaveLength(1);
    const [migrate] = containers;
    expect(migrate.name).toBe("migrate");
    // The very image the app runs, by digest; node (the ENTRYPOINT) runs the migrator instead of the server.
    expect(migrate.image).toBe(apiContainer(r).image);
    expect(migrate.image).toBe(r.result.outputs.imageDigest);
    expect(migrate.args).toEqual(["dist/api/cli/migrate.js"]);
    expect(migrate).not.toHaveProperty("command");
    expect(migrate.resources).toEqual({ cpu: 0.25, memory: "0.5Gi" });
    expect(migrate).not.toHaveProperty("probes");
    // An execution needs the Entra administrator and the pull grant.
    expect(r.one(T.job).dependencies).toEqual(
      expect.arrayContaining([r.one(T.entraAdmin).urn, r.one(T.role, "migrator-acr-pull").urn]),
    );
  });

  it("gives the migrator an environment the migrate CLI accepts: its own token, the API role's object id, the owner's password from Key Vault", () => {
    const r = run(stack);
    const job = r.props(T.job);
    const env = job.template.containers[0].env as {
      name: string;
      value?: string;
      secretRef?: string;
    }[];
    const names = env.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    // One secret: the owner's password, a Key Vault reference (pinned version) read with the migrator identity.
    expect(env.filter((e) => "secretRef" in e)).toEqual([
      { name: "DATABASE_OWNER_PASSWORD", secretRef: "database-owner-password" },
    ]);
    expect(job.configuration.secrets).toEqual([
      {
        name: "database-owner-password",
        keyVaultUrl: expect.stringMatching(
          /^https:\/\/[a-z0-9-]+\.vault\.azure\.net\/secrets\/database-password\/[0-9a-f]{32}$/,
        ),
        identity: fakeId(migratorIdentity(r)),
      },
    ]);
    expect(job.configuration.secrets[0]).not.toHaveProperty("value");
    expect(plain(r.props(T.secret, "database-password-secret")).secretName).toBe("database-password");
    for (const e of env.filter((x) => !("secretRef" in x))) expect(typeof e.value, e.name).toBe("string");
    const values = Object.fromEntries(env.map((e) => [e.name, e.value ?? `secretRef:${e.secretRef}`]));
    expect(values).toMatchObject({
      NODE_ENV: "production",
      DATABASE_NAME: "twincloud",
      DATABASE_PORT: "5432",
      DATABASE_HOST: r.result.outputs.databaseHost,
      DATABASE_AUTH: "azure-entra",
      // The Entra administrator's role (named after the migrator identity), not the password administrator.
      DATABASE_USER: r.props(T.entraAdmin).principalName,
      AZURE_CLIENT_ID: migratorIdentity(r).state.clientId,
      DATABASE_SSL: "verify-full",
      DATABASE_CA_FILE: "/etc/ssl/certs/ca-certificates.crt",
      DATABASE_API_ROLE: "twincloud_api",
      DATABASE_API_AUTH: "azure-entra",
      DATABASE_API_PRINCIPAL_ID: apiIdentity(r).state.principalId,
      // The owner of the tables (the password administrator), as which it migrates and grants.
      DATABASE_OWNER_USER: r.spec.database.username,
    });
    expect(values.DATABASE_USER).not.toBe(r.spec.database.username);
    for (const name of ["DATABASE_PASSWORD", "DATABASE_URL", "DATABASE_API_PASSWORD"])
      expect(names).not.toContain(name);
    // Every other variable of spec.migration as the spec has it.
    const { DATABASE_USER: _admin, ...fromSpec } = r.spec.migration.environment;
    expect(values).toMatchObject(fromSpec);
    // What api/cli/migrate.ts parses: the API's config schema and the migrator's role schema.
    const config = apiEnvironmentSchema.safeParse(values);
    expect(config.success, JSON.stringify(config.error?.issues)).toBe(true);
    const role = apiRoleEnvironmentSchema.safeParse({ ...values, DATABASE_OWNER_PASSWORD: "from-key-vault" });
    expect(role.success, JSON.stringify(role.error?.issues)).toBe(true);
    expect(role.data).toMatchObject({
      DATABASE_API_ROLE: r.spec.database.apiRole,
      DATABASE_API_AUTH: "azure-entra",
      DATABASE_API_PRINCIPAL_ID: apiIdentity(r).state.principalId,
    });
  });

  it("runs the API as its least-privilege role with its identity's token: no password, no migrations at start-up", () => {
    const r = run(stack);
    const env = apiContainer(r).env as { name: string; value?: string; secretRef?: string }[];
    const values = Object.fromEntries(env.map((e) => [e.name, e.value ?? `secretRef:${e.secretRef}`]));
    expect(values).toMatchObject({
      DATABASE_AUTH: "azure-entra",
      AZURE_CLIENT_ID: apiIdentity(r).state.clientId,
      DATABASE_USER: "twincloud_api",
      MIGRATE_ON_START: "false",
      DATABASE_SSL: "verify-full",
    });
    expect(values.DATABASE_USER).not.toBe(r.spec.database.username);
    expect(env.map((e) => e.name)).not.toContain("DATABASE_PASSWORD");
    const secrets = (r.props(T.app).configuration.secrets as any[]).map((x) => x.name);
    expect(secrets).not.toContain("database-password");
    expect(apiEnvironmentSchema.safeParse({ ...values, BOOTSTRAP_API_KEY: "x".repeat(43) }).success).toBe(
      true,
    );
  });

  it("exports the job the deploy pipeline starts (az containerapp job start -n <jobName> -g <resourceGroup>)", () => {
    const r = run(stack);
    expect(r.result.outputs.migration).toEqual({
      cloud: "azure",
      resourceGroup: r.props(T.group).resourceGroupName,
      jobName: r.props(T.job).jobName,
    });
  });
});

describe("Azure stacks across tiers", () => {
  it("name the migrator's identity as a valid role (≤ 63) and its job as a valid job (≤ 32), even for long stack names", () => {
    for (const name of ["twincloud-prod", `twincloud-${"very-long-feature-branch-".repeat(4)}x`]) {
      const names = resourceNames({ ...run("prod").spec, name });
      expect(names.migratorIdentity.length, name).toBeLessThanOrEqual(63);
      expect(names.migratorIdentity, name).toMatch(/^id-[a-z0-9-]+-migrator$/);
      expect(names.migratorIdentity, name).not.toMatch(/--/);
      expect(names.migratorJob.length, name).toBeLessThanOrEqual(32);
      expect(names.migratorJob, name).toMatch(/^[a-z][a-z0-9-]*-migrate$/);
      expect(names.migratorJob, name).not.toMatch(/--/);
    }
  });

  it("give every stack its own globally unique names", () => {
    const names = STACKS.map((s) => run(s).props(T.vault).vaultName);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9-]{1,22}[a-z0-9]$/);
    expect(new Set(names).size).toBe(STACKS.length);
    for (const s of STACKS) {
      expect(run(s).props(T.registry).registryName).toMatch(/^[a-z0-9]{5,50}$/);
      expect(run(s).props(T.app).containerAppName.length).toBeLessThanOrEqual(32);
    }
  });
});

describe("Azure rollback by digest (twincloud:imageDigest)", () => {
  it("runs the pinned image from the stack's registry without building", async () => {
    const base = run("staging");
    const server = `${base.props(T.registry).registryName}.azurecr.io`;
    const digest = `${server}/${base.spec.image.repositoryName}@sha256:${"ab".repeat(32)}`;
    const result = await runUnderMocks<StackOutputs>(program, {
      stack: "staging",
      config: { ...base.config, "twincloud:imageDigest": digest },
    });
    expect(result.resources.filter((x) => x.type === T.image)).toEqual([]);
    const app = plain(result.resources.find((x) => x.type === T.app)?.props);
    expect(app.template.containers[0].image).toBe(digest);
    expect(result.outputs.imageDigest).toBe(digest);
  });

  it("refuses a digest outside ACR or of another repository, before declaring anything", () => {
    const base = run("staging");
    const withDigest = (digest: string): ServiceSpec => ({
      ...base.spec,
      image: { ...base.spec.image, digest },
    });
    const sha = `@sha256:${"cd".repeat(32)}`;
    expect(() =>
      checkPinnedImage(withDigest(`crabc123.azurecr.io/twincloud-staging-api${sha}`)),
    ).not.toThrow();
    expect(() =>
      checkPinnedImage(
        withDigest(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/twincloud-staging-api${sha}`),
      ),
    ).toThrow(/on Azure expected <registry>\.azurecr\.io\/twincloud-staging-api@sha256/);
    expect(() => checkPinnedImage(withDigest(`crabc123.azurecr.io/other-api${sha}`))).toThrow(/imageDigest/);
  });
});
