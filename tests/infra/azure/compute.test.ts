// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/**
 * infra/azure/compute.ts: the Container Apps environment and the API's Container App per shipped stack under
 * mocks: logs, network, port and health paths, size and scale, and an environment the API's own config schema
 * accepts, with its identity's token and no password.
 */
import { describe, expect, it } from "vitest";
import { apiEnvironmentSchema, DEFAULT_PORT, HEALTH_PATHS, SECRET_ENV_VARS } from "../../../api/config.js";
import { fakeId } from "../../../tools/mock/fake-id.js";
import {
  apiContainer,
  apiIdentity,
  T,
  TIER_EXPECTATIONS,
  useAzureStacks,
} from "../../support/azure-stack.js";
import { STACKS } from "../../support/rendered.js";
import { plain } from "../../support/stacks.js";

const run = useAzureStacks();

describe.each(STACKS)("Azure stack %s", (stack) => {
  const tier = TIER_EXPECTATIONS[stack];

  it("keeps logs for the tier's retention, capped daily in dev", () => {
    const ws = run(stack).props(T.workspace);
    expect(ws.retentionInDays).toBe(tier.logRetention);
    expect(ws.workspaceCapping?.dailyQuotaGb).toBe(tier.dailyCap);
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
});

describe.each(STACKS)("Azure stack %s: database identity (issue 14)", (stack) => {
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
});
