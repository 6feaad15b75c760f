/** infra/aws/containers.ts: the tasks' container definitions as plain data, checked against the API's schemas. */
import { describe, expect, it } from "vitest";
import { apiEnvironmentSchema, HEALTH_PATHS, SECRET_ENV_VARS } from "../../../api/config.js";
import { apiRoleEnvironmentSchema } from "../../../api/db/roles.js";
import {
  ADOT_COLLECTOR_IMAGE,
  AWS_RDS_CA_FILE,
  containerDefinitions,
  EXEC_AGENT_PATHS,
  migratorContainerDefinitions,
  taskVolumes,
} from "../../../infra/aws/containers.js";
import { buildServiceSpec } from "../../../infra/spec/index.js";
import { assumedOperatorValues } from "../../../tools/stacks/assumptions.js";

const spec = (stack: string, extra: Record<string, string> = {}) =>
  buildServiceSpec({ cloud: "aws", ...extra }, { stack, awsRegion: "eu-west-1" });

describe("container definitions", () => {
  const inputs = {
    image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/x@sha256:abc",
    databaseHost: "db.example.internal",
    bootstrapKeySecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x/bootstrap-api-key-AbCdEf",
    bootstrapKeyVersionId: "00000000-0000-4000-8000-000000000001",
    logGroupName: "/ecs/x/api",
    region: "eu-west-1",
    dockerfile: { user: "65532:65532", healthCheck: ["/nodejs/bin/node", "dist/api/healthcheck.js"] },
  };

  it("adds a pinned ADOT collector and points the API's OTLP exporter at it when tracing is on", () => {
    const traced = spec("dev", { tracing: "true" });
    const [api, , collector] = containerDefinitions(traced, inputs) as Record<string, unknown>[];
    expect(collector).toMatchObject({
      name: "otel-collector",
      image: ADOT_COLLECTOR_IMAGE,
      essential: false,
    });
    expect(ADOT_COLLECTOR_IMAGE).toMatch(/:v\d+\.\d+\.\d+$/);
    const env = Object.fromEntries(
      ((api?.environment ?? []) as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe("http://127.0.0.1:4318");
    expect(api?.dependsOn).toEqual([
      { containerName: "init-tmp", condition: "SUCCESS" },
      { containerName: "otel-collector", condition: "START" },
    ]);
    // No password at all: the API signs an IAM token per connection.
    const parsed = apiEnvironmentSchema.safeParse(env);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(env).toMatchObject({
      DATABASE_AUTH: "aws-iam",
      AWS_REGION: "eu-west-1",
      DATABASE_CA_FILE: AWS_RDS_CA_FILE,
    });
    for (const name of SECRET_ENV_VARS) expect(env[name]).toBeUndefined();
  });

  it("gives the migrator the administrator, the master password from its secret, and the API role to create", () => {
    const dev = spec("dev");
    const secretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1-AbCdEf";
    const [migrate, ...rest] = migratorContainerDefinitions(dev, {
      image: inputs.image,
      databaseHost: inputs.databaseHost,
      databaseSecretArn: secretArn,
      logGroupName: inputs.logGroupName,
      region: inputs.region,
      dockerfile: inputs.dockerfile,
    }) as Record<string, unknown>[];
    expect(rest).toEqual([]);
    expect(migrate).toMatchObject({
      name: "migrate",
      image: inputs.image,
      user: "65532:65532",
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters: { capabilities: { drop: ["ALL"] } },
      command: ["dist/api/cli/migrate.js"],
      secrets: [{ name: "DATABASE_PASSWORD", valueFrom: `${secretArn}:password::` }],
      logConfiguration: { options: { "awslogs-stream-prefix": "migrate" } },
    });
    const env = Object.fromEntries(
      ((migrate?.environment ?? []) as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
    expect(env).toMatchObject({
      DATABASE_USER: dev.database.username,
      DATABASE_AUTH: "password",
      DATABASE_API_ROLE: dev.database.apiRole,
      DATABASE_API_AUTH: "aws-iam",
      DATABASE_SSL: "verify-full",
      DATABASE_CA_FILE: AWS_RDS_CA_FILE,
      DATABASE_HOST: inputs.databaseHost,
    });
    const withPassword = { ...env, DATABASE_PASSWORD: "x".repeat(20) };
    expect(apiEnvironmentSchema.safeParse(withPassword).success).toBe(true);
    expect(apiRoleEnvironmentSchema.safeParse(withPassword).success).toBe(true);
  });

  it("mounts writable paths for ECS Exec only where exec is enabled", () => {
    expect(taskVolumes(spec("dev")).map((v) => v.name)).toHaveLength(1 + EXEC_AGENT_PATHS.length);
    expect(taskVolumes(spec("prod", assumedOperatorValues()))).toEqual([{ name: "tmp" }]);
  });

  it("uses the Dockerfile's health-check command in exec form", () => {
    const [api] = containerDefinitions(spec("dev"), inputs) as Record<string, unknown>[];
    expect(api?.healthCheck).toMatchObject({
      command: ["CMD", "/nodejs/bin/node", "dist/api/healthcheck.js"],
    });
    expect(HEALTH_PATHS.live).toBe("/health/live");
  });
});

describe("writable /tmp for the non-root API", () => {
  it("chmods the shared /tmp volume in a short-lived container before the API starts", () => {
    const defs = containerDefinitions(spec("prod", assumedOperatorValues()), {
      image: "repo@sha256:abc",
      databaseHost: "db",
      bootstrapKeySecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:y",
      bootstrapKeyVersionId: "v1",
      logGroupName: "/ecs/x/api",
      region: "eu-west-1",
      dockerfile: { user: "65532:65532", healthCheck: ["/nodejs/bin/node", "dist/api/healthcheck.js"] },
      remoteWriteUrl: "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write",
    }) as Record<string, unknown>[];
    const [api, init] = defs;
    expect(init).toMatchObject({
      name: "init-tmp",
      image: "repo@sha256:abc",
      essential: false,
      readonlyRootFilesystem: true,
      privileged: false,
      mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
    });
    expect(((init?.command ?? []) as string[]).join(" ")).toMatch(/chmodSync\('\/tmp', 0o1777\)/);
    expect(api?.dependsOn).toEqual([{ containerName: "init-tmp", condition: "SUCCESS" }]);
  });
});
