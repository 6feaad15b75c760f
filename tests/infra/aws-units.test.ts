/** Pure parts of the AWS program: Dockerfile facts, build-context hashing, container definitions, alarms. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import { apiEnvironmentSchema, HEALTH_PATHS, SECRET_ENV_VARS } from "../../api/config.js";
import { apiRoleEnvironmentSchema } from "../../api/db/roles.js";
import {
  ADOT_COLLECTOR_IMAGE,
  AWS_RDS_CA_FILE,
  containerDefinitions,
  EXEC_AGENT_PATHS,
  migratorContainerDefinitions,
  taskVolumes,
} from "../../infra/aws/containers.js";
import {
  assertRdsCaRegion,
  RDS_CA_IDENTIFIER,
  rdsCaRegionProblem,
  rdsCaRegions,
} from "../../infra/aws/database.js";
import { DEFAULT_CONTAINER_USER, dockerfileFacts, readDockerfile } from "../../infra/aws/dockerfile.js";
import { renderAws } from "../../infra/aws/index.js";
import { awsAlarms } from "../../infra/aws/monitoring/alarms.js";
import { vpcChildTags } from "../../infra/aws/network.js";
import { buildContextHash, dockerignoreMatcher } from "../../infra/aws/registry.js";
import { approximateMaxConnections, cpuUnits } from "../../infra/aws/sizes.js";
import { program } from "../../infra/program.js";
import { AWS_NAME_LIMITS, buildServiceSpec, MAX_AWS_NAME_PREFIX } from "../../infra/spec/index.js";
import { runUnderMocks } from "../../tools/mock/run.js";
import { assumedOperatorValues } from "../../tools/stacks/assumptions.js";
import { stackConfig } from "../support/stacks.js";

const spec = (stack: string, extra: Record<string, string> = {}) =>
  buildServiceSpec({ cloud: "aws", ...extra }, { stack, awsRegion: "eu-west-1" });

describe("Dockerfile facts", () => {
  it("reads the repository's Dockerfile: numeric non-root user and its exec-form health check", () => {
    const facts = readDockerfile(".", "Dockerfile");
    expect(facts.user).toMatch(/^[1-9]\d*:\d+$/);
    expect(facts.healthCheck.join(" ")).toMatch(/healthcheck\.js$/);
    const text = readFileSync("Dockerfile", "utf8");
    if (/^USER 65532/m.test(text)) expect(facts.user).toBe("65532:65532");
  });

  it("parses the final stage only, joins continuation lines, never returns root", () => {
    const facts = dockerfileFacts(
      [
        "FROM node:24 AS build",
        "USER 0",
        "FROM gcr.io/distroless/nodejs24-debian13:nonroot AS runtime",
        "HEALTHCHECK --interval=30s \\",
        '  CMD ["/nodejs/bin/node", "dist/api/healthcheck.js"]',
      ].join("\n"),
    );
    expect(facts).toEqual({
      user: "65532:65532",
      healthCheck: ["/nodejs/bin/node", "dist/api/healthcheck.js"],
    });
    expect(dockerfileFacts("FROM node:24-slim\nUSER node\n").user).toBe("1000:1000");
    expect(dockerfileFacts("FROM node:24-slim\nUSER root\n").user).toBe(DEFAULT_CONTAINER_USER);
    expect(dockerfileFacts(undefined)).toEqual({
      user: DEFAULT_CONTAINER_USER,
      healthCheck: ["node", "dist/api/healthcheck.js"],
    });
  });
});

describe("build context hash", () => {
  const dir = mkdtempSync(join(tmpdir(), "twincloud-ctx-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("follows .dockerignore allowlists, including re-included directories", () => {
    const ignored = dockerignoreMatcher(["*", "!api", "!package.json", "**/*.test.ts", "**/node_modules"]);
    expect(ignored("infra")).toBe(true);
    expect(ignored("infra/aws/index.ts")).toBe(true);
    expect(ignored("api")).toBe(false);
    expect(ignored("api/config.ts")).toBe(false);
    expect(ignored("api/config.test.ts")).toBe(true);
    expect(ignored("api/node_modules/x.js")).toBe(true);
    expect(ignored("package.json")).toBe(false);
  });

  it("changes when a build input changes and only then", () => {
    mkdirSync(join(dir, "api"));
    mkdirSync(join(dir, "infra"));
    writeFileSync(join(dir, ".dockerignore"), "*\n!api\n!Dockerfile\n");
    writeFileSync(join(dir, "Dockerfile"), "FROM scratch\n");
    writeFileSync(join(dir, "api", "main.ts"), "export {};\n");
    writeFileSync(join(dir, "infra", "index.ts"), "export {};\n");
    const first = buildContextHash(dir, "Dockerfile");
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(dir, "infra", "index.ts"), "export const changed = 1;\n");
    expect(buildContextHash(dir, "Dockerfile")).toBe(first);
    writeFileSync(join(dir, "api", "main.ts"), "export const changed = 1;\n");
    const second = buildContextHash(dir, "Dockerfile");
    expect(second).not.toBe(first);
    writeFileSync(join(dir, "Dockerfile"), "FROM scratch\nUSER 1000\n");
    expect(buildContextHash(dir, "Dockerfile")).not.toBe(second);
  });
});

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

describe("VPC child tags", () => {
  it("adds the spec's tags to awsx's taggable children, keeping their own tags", async () => {
    const dev = spec("dev");
    const transform = vpcChildTags(dev);
    const base = { custom: true, name: "x", opts: {} };
    const result = await transform({
      ...base,
      type: "aws:ec2/natGateway:NatGateway",
      props: { tags: { Name: "nat-1" } },
    });
    expect(result?.props.tags).toEqual({ ...dev.tags, Name: "nat-1" });
    const untagged = await transform({ ...base, type: "aws:ec2/subnet:Subnet", props: {} });
    expect(untagged?.props.tags).toEqual(dev.tags);
    expect(await transform({ ...base, type: "aws:ec2/route:Route", props: {} })).toBeUndefined();
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

describe("alarms", () => {
  it("have unique, stable ids used as runbook anchors and stack-prefixed names", () => {
    const alarms = awsAlarms(spec("dev"));
    const ids = alarms.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([
      "api-5xx-rate",
      "api-latency-p95",
      "api-unhealthy-targets",
      "api-running-tasks-low",
      "api-cpu-high",
      "api-memory-high",
      "db-cpu-high",
      "db-free-storage-low",
      "db-connections-high",
    ]);
    for (const alarm of alarms) {
      expect(alarm.name).toBe(`twincloud-dev-${alarm.id}`);
      expect(alarm.runbook).toBe(`docs/runbook.md#${alarm.id}`);
    }
  });

  it("keeps the connections threshold below the instance's max_connections", () => {
    expect(approximateMaxConnections("db.t4g.micro")).toBeLessThan(120);
    const dev = awsAlarms(spec("dev")).find((a) => a.id === "db-connections-high");
    expect(dev?.threshold).toBeLessThan(approximateMaxConnections("db.t4g.micro"));
  });

  it("converts vCPU to Fargate CPU units", () => {
    expect([0.25, 0.5, 1, 2, 4].map(cpuUnits)).toEqual([256, 512, 1024, 2048, 4096]);
  });
});

describe("the RDS CA bundle's regions", () => {
  it("covers every region the bundle has a default-CA root for, and refuses others naming aws:region", () => {
    const covered = rdsCaRegions();
    expect(covered).toEqual(expect.arrayContaining(["eu-west-1", "eu-central-1", "us-east-1"]));
    expect(rdsCaRegionProblem("eu-west-1")).toBeUndefined();
    const problem = rdsCaRegionProblem("mx-central-1");
    expect(problem).toMatch(/^aws:region: "mx-central-1" has no Amazon RDS root CA \(rds-ca-rsa2048-g1\)/);
    expect(problem).toContain("dist/certs/aws-rds-ca.pem");
    expect(problem).toContain(`allowed: ${covered.join(", ")}`);
    expect(RDS_CA_IDENTIFIER).toBe("rds-ca-rsa2048-g1");
  });

  it("stops the AWS renderer before it declares anything, with a RunError (no stack trace)", async () => {
    expect(() => assertRdsCaRegion("mx-central-1")).toThrow(pulumi.RunError);
    const saved = process.env.AWS_REGION;
    process.env.AWS_REGION = "mx-central-1"; // no aws:region config outside a Pulumi run: the provider's variable
    try {
      await expect(renderAws(spec("dev"))).rejects.toThrow(
        /aws:region: "mx-central-1" has no Amazon RDS root CA .*allowed: .*eu-west-1/,
      );
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });
});

describe("physical names of the longest stack name AWS accepts", () => {
  /** AWS's length limits of the names the program sets itself (the rest are autonamed and shortened). */
  const LIMITS: Record<string, { key: string; max: number }> = {
    "aws:cloudwatch/eventRule:EventRule": { key: "name", max: 64 },
    "aws:rds/instance:Instance": { key: "identifier", max: 63 },
    "aws:amp/ruleGroupNamespace:RuleGroupNamespace": { key: "name", max: 64 },
    "aws:ecs/taskDefinition:TaskDefinition": { key: "family", max: 255 },
    "aws:cloudwatch/metricAlarm:MetricAlarm": { key: "name", max: 255 },
    "aws:ecr/repository:Repository": { key: "name", max: 256 },
    "aws:cloudwatch/logGroup:LogGroup": { key: "name", max: 512 },
    "aws:secretsmanager/secret:Secret": { key: "name", max: 512 },
  };

  it("fit AWS's limits, the tightest ones (AWS_NAME_LIMITS) to the character", async () => {
    const stack = "x".repeat(MAX_AWS_NAME_PREFIX - "twincloud-".length);
    const result = await runUnderMocks(program, {
      stack,
      config: { ...stackConfig("prod", "aws"), "twincloud:environment": "prod" },
    });
    const name = `twincloud-${stack}`;
    const named = result.resources.flatMap((r) => {
      const limit = LIMITS[r.type];
      const value = limit ? r.props[limit.key] : undefined;
      return limit && typeof value === "string" ? [{ type: r.type, value, max: limit.max }] : [];
    });
    expect(named.length).toBeGreaterThan(20);
    for (const { type, value, max } of named)
      expect(value.length, `${type} ${value}`).toBeLessThanOrEqual(max);
    // The limits the spec checks the stack name against are real names of this stack, exactly at the limit.
    const values = named.map((n) => n.value);
    for (const limit of AWS_NAME_LIMITS) {
      expect(values).toContain(`${name}${limit.suffix}`);
      expect(`${name}${limit.suffix}`.length).toBeLessThanOrEqual(limit.max);
    }
    expect(
      AWS_NAME_LIMITS.some((limit) => `${name}${limit.suffix}`.length === limit.max),
      "the tightest limit is reached",
    ).toBe(true);
  });
});

describe("rollback by digest under mocks", () => {
  it("deploys twincloud:imageDigest without building when it names this stack's repository", async () => {
    const digest = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/twincloud-dev-api@sha256:${"a".repeat(64)}`;
    const result = await runUnderMocks(program, {
      stack: "dev",
      config: { "twincloud:cloud": "aws", "aws:region": "eu-west-1", "twincloud:imageDigest": digest },
    });
    expect(result.outputs.imageDigest).toBe(digest);
    expect(result.resources.some((r) => r.type === "docker:index/image:Image")).toBe(false);
    // The API and the migrator run that image.
    const tasks = result.resources.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition");
    expect(tasks.map((t) => t.name).sort()).toEqual(["twincloud-dev-api", "twincloud-dev-migrate"]);
    for (const task of tasks)
      expect((JSON.parse(String(task.props.containerDefinitions)) as { image: string }[])[0]?.image).toBe(
        digest,
      );
  });
});

describe("preview under mocks", () => {
  it("registers every resource while outputs (image digest, database address) are still unknown", async () => {
    const result = await runUnderMocks(program, {
      stack: "prod",
      preview: true,
      config: {
        "twincloud:cloud": "aws",
        "aws:region": "eu-west-1",
        ...Object.fromEntries(
          Object.entries(assumedOperatorValues()).map(([key, value]) => [`twincloud:${key}`, value]),
        ),
      },
    });
    const types = new Set(result.resources.map((r) => r.type));
    for (const type of [
      "aws:ecs/taskDefinition:TaskDefinition",
      "aws:ecs/service:Service",
      "aws:cloudwatch/dashboard:Dashboard",
      "aws:backup/selection:Selection",
    ]) {
      expect(types).toContain(type);
    }
  });
});

describe("tracing under mocks", () => {
  it("grants X-Ray to the task role only when tracing is enabled", async () => {
    const result = await runUnderMocks(program, {
      stack: "dev",
      config: { "twincloud:cloud": "aws", "aws:region": "eu-west-1", "twincloud:tracing": "true" },
    });
    const taskPolicy = result.resources.find(
      (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "twincloud-dev-task",
    );
    expect(String(taskPolicy?.props.policy)).toMatch(/xray:PutTraceSegments/);
    const task = result.resources.find(
      (r) => r.name === "twincloud-dev-api" && r.type === "aws:ecs/taskDefinition:TaskDefinition",
    );
    const names = (JSON.parse(String(task?.props.containerDefinitions)) as { name: string }[]).map(
      (c) => c.name,
    );
    expect(names).toEqual(["api", "init-tmp", "otel-collector"]);
  });
});
