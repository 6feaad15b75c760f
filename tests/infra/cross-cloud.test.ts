/**
 * Cross-cloud parity: each shipped stack rendered on AWS and on Azure from the same Pulumi.<stack>.yaml, and the
 * values each cloud's resources actually received compared with each other (not the spec with itself):
 * replicas, CPU/memory, database version/size/backups/HA/DR, ports, health paths, stop timeout, log retention,
 * the API's environment variable names and the thresholds of the alerts both clouds share. Stack-level, not one
 * module's: each comparison reads a whole stack on each cloud (the shared rendering, tests/support/rendered.ts).
 */
// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PORT, HEALTH_PATHS } from "../../api/config.js";
import type { StackOutputs } from "../../infra/outputs.js";
import type { Cloud } from "../../infra/spec/index.js";
import type { CapturedResource, MockRunResult } from "../../tools/mock/run.js";
import { renderStack } from "../support/rendered.js";
import { plain } from "../support/stacks.js";

const STACKS = ["dev", "staging", "prod"] as const;
type Stack = (typeof STACKS)[number];

/** What matters for parity, read from each cloud's captured resources. */
interface Rendered {
  minReplicas: number;
  maxReplicas: number;
  cpu: number;
  memoryMiB: number;
  containerPort: number;
  /** Port the load balancer / ingress sends traffic to. */
  trafficPort: number;
  readinessPath: string;
  stopTimeoutSeconds: number;
  databaseVersion: string;
  databaseStorageGiB: number;
  databaseName: string;
  databaseUser: string;
  backupRetentionDays: number;
  highAvailability: boolean;
  crossRegionBackup: boolean;
  appLogRetentionDays: number;
  envNames: string[];
  secretEnvNames: string[];
  /** Thresholds of the alerts both clouds share, by id (latency in ms). */
  alertThresholds: Record<string, number>;
}

/** Alert ids with the same meaning and unit on both clouds (latency normalised to ms). */
const SHARED_ALERTS = ["api-5xx-rate", "api-latency-p95", "api-cpu-high", "api-memory-high", "db-cpu-high"];

function sharedThresholds(
  rules: { name: string; threshold: number }[],
  prefix: string,
  latencyScale: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of SHARED_ALERTS) {
    const rule = rules.find((r) => r.name === `${prefix}-${id}`);
    if (rule) out[id] = id === "api-latency-p95" ? Math.round(rule.threshold * latencyScale) : rule.threshold;
  }
  return out;
}

function resources(result: MockRunResult<StackOutputs>) {
  const all = (type: string) => result.resources.filter((r) => r.type === type);
  const one = (type: string, match?: (r: CapturedResource) => boolean): any => {
    const found = all(type).filter((r) => !match || match(r));
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return plain((found[0] as CapturedResource).props);
  };
  return { all, one };
}

function renderedAws(result: MockRunResult<StackOutputs>, prefix: string): Rendered {
  const { all, one } = resources(result);
  // The API's task definition (the migrator's is `<prefix>-migrate`).
  const task = one("aws:ecs/taskDefinition:TaskDefinition", (r) => plain(r.props).family === `${prefix}-api`);
  const containers = JSON.parse(String(task.containerDefinitions)) as any[];
  const api = containers.find((c) => (c.portMappings ?? []).length > 0);
  const scaling = one("aws:appautoscaling/target:Target");
  const targetGroup = one("aws:lb/targetGroup:TargetGroup");
  const db = one("aws:rds/instance:Instance");
  const appLogs = all("aws:cloudwatch/logGroup:LogGroup")
    .map((g) => plain(g.props))
    .find((g) => String(g.name).startsWith("/ecs/"));
  const plans = all("aws:backup/plan:Plan").map((p) => plain(p.props));
  return {
    minReplicas: scaling.minCapacity,
    maxReplicas: scaling.maxCapacity,
    cpu: Number(task.cpu) / 1024,
    memoryMiB: Number(task.memory),
    containerPort: api.portMappings[0].containerPort,
    trafficPort: targetGroup.port,
    readinessPath: targetGroup.healthCheck.path,
    stopTimeoutSeconds: api.stopTimeout,
    databaseVersion: String(db.engineVersion),
    databaseStorageGiB: db.allocatedStorage,
    databaseName: db.dbName,
    databaseUser: db.username,
    backupRetentionDays: db.backupRetentionPeriod,
    highAvailability: db.multiAz === true,
    crossRegionBackup: plans.some((p) => p.rules.some((r: any) => (r.copyActions ?? []).length > 0)),
    appLogRetentionDays: appLogs?.retentionInDays,
    envNames: [...(api.environment ?? []), ...(api.secrets ?? [])].map((e: any) => e.name).sort(),
    secretEnvNames: (api.secrets ?? []).map((e: any) => e.name).sort(),
    alertThresholds: sharedThresholds(
      all("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => ({
        name: String(a.props.name),
        threshold: Number(a.props.threshold),
      })),
      prefix,
      1000,
    ),
  };
}

function renderedAzure(result: MockRunResult<StackOutputs>, prefix: string): Rendered {
  const { all, one } = resources(result);
  const app = one("azure-native:app:ContainerApp");
  const [api] = app.template.containers;
  const server = one("azure-native:dbforpostgresql:Server");
  const database = one("azure-native:dbforpostgresql:Database");
  const readiness = api.probes.find((p: any) => p.type === "Readiness");
  const memory = /^([\d.]+)Gi$/.exec(api.resources.memory);
  if (!memory) throw new Error(`unexpected memory ${api.resources.memory}`);
  return {
    minReplicas: app.template.scale.minReplicas,
    maxReplicas: app.template.scale.maxReplicas,
    cpu: api.resources.cpu,
    memoryMiB: Number(memory[1]) * 1024,
    containerPort: readiness.httpGet.port,
    trafficPort: app.configuration.ingress.targetPort,
    readinessPath: readiness.httpGet.path,
    stopTimeoutSeconds: app.template.terminationGracePeriodSeconds,
    databaseVersion: String(server.version),
    databaseStorageGiB: server.storage.storageSizeGB,
    databaseName: database.databaseName,
    databaseUser: server.administratorLogin,
    backupRetentionDays: server.backup.backupRetentionDays,
    highAvailability: server.highAvailability.mode === "ZoneRedundant",
    crossRegionBackup: server.backup.geoRedundantBackup === "Enabled",
    appLogRetentionDays: one("azure-native:operationalinsights:Workspace").retentionInDays,
    envNames: api.env.map((e: any) => e.name).sort(),
    secretEnvNames: api.env
      .filter((e: any) => e.secretRef)
      .map((e: any) => e.name)
      .sort(),
    alertThresholds: sharedThresholds(
      [
        ...all("azure-native:monitor:MetricAlert").map((a) => {
          const p = plain(a.props);
          // The availability test's alert counts failed locations (no allOf).
          const threshold = p.criteria.allOf?.[0]?.threshold ?? p.criteria.failedLocationCount;
          return { name: String(p.ruleName), threshold: Number(threshold) };
        }),
        ...all("azure-native:monitor:ScheduledQueryRule").map((a) => {
          const p = plain(a.props);
          return { name: String(p.ruleName), threshold: Number(p.criteria.allOf[0].threshold) };
        }),
      ],
      prefix,
      1,
    ),
  };
}

const rendered = new Map<string, Rendered>();

beforeAll(async () => {
  for (const stack of STACKS) {
    for (const cloud of ["aws", "azure"] as const) {
      const { result } = await renderStack(stack, cloud);
      expect(result.outputs.cloud).toBe(cloud);
      // Both clouds name alarms `<project>-<stack>-<id>`.
      const prefix = `twincloud-${stack}`;
      rendered.set(
        `${stack}/${cloud}`,
        cloud === "aws" ? renderedAws(result, prefix) : renderedAzure(result, prefix),
      );
    }
  }
}, 300_000);

const get = (stack: Stack, cloud: Cloud): Rendered => {
  const r = rendered.get(`${stack}/${cloud}`);
  if (!r) throw new Error(`${stack} on ${cloud} did not render`);
  return r;
};

describe.each(STACKS)("stack %s on AWS and on Azure", (stack) => {
  it("renders the same service", () => {
    const aws = get(stack, "aws");
    const azure = get(stack, "azure");
    for (const r of [aws, azure]) {
      for (const [key, value] of Object.entries(r)) expect(value, key).not.toBeUndefined();
      expect(r.envNames.length).toBeGreaterThan(8);
      // No database password on either cloud: the API's identity signs a token per connection (issue 14).
      expect(r.secretEnvNames).toEqual(["BOOTSTRAP_API_KEY"]);
      expect(Object.keys(r.alertThresholds).sort()).toEqual([...SHARED_ALERTS].sort());
    }
    // Both verify the database's certificate against a CA file in the image and authenticate with a token
    // (docs/database-identity.md); each token needs one variable of its own cloud: the region an RDS token is
    // signed for, the client id of the managed identity an Entra token is for.
    const OWN = { aws: ["AWS_REGION"], azure: ["AZURE_CLIENT_ID"] };
    for (const r of [aws, azure])
      expect(r.envNames).toEqual(
        expect.arrayContaining(["DATABASE_AUTH", "DATABASE_CA_FILE", "DATABASE_SSL"]),
      );
    expect(aws.envNames).toEqual(expect.arrayContaining(OWN.aws));
    expect(azure.envNames).toEqual(expect.arrayContaining(OWN.azure));
    const neutral = (r: Rendered, own: string[]) => ({
      ...r,
      envNames: r.envNames.filter((n) => !own.includes(n)),
    });
    expect(neutral(azure, OWN.azure)).toEqual(neutral(aws, OWN.aws));
  });

  it("serves the API contract's port and readiness path on both", () => {
    for (const cloud of ["aws", "azure"] as const) {
      const r = get(stack, cloud);
      expect(r.containerPort, cloud).toBe(DEFAULT_PORT);
      expect(r.trafficPort, cloud).toBe(DEFAULT_PORT);
      expect(r.readinessPath, cloud).toBe(HEALTH_PATHS.ready);
    }
  });
});

describe("tiers differ the same way on both clouds", () => {
  it("only prod runs a highly available database with cross-region backups", () => {
    for (const cloud of ["aws", "azure"] as const) {
      expect(
        STACKS.map((s) => get(s, cloud).highAvailability),
        cloud,
      ).toEqual([false, false, true]);
      expect(
        STACKS.map((s) => get(s, cloud).crossRegionBackup),
        cloud,
      ).toEqual([false, false, true]);
      expect(
        STACKS.map((s) => get(s, cloud).backupRetentionDays),
        cloud,
      ).toEqual([7, 14, 35]);
    }
  });
});
