/**
 * The tasks' container definitions as plain data (the ECS API takes them as one JSON string): the API's task
 * and the migrator's. Pure, so the tests can check them against the API's own config schemas.
 */
import { AWS_RDS_CA_BUNDLE } from "../../api/db/rds-ca.js";
import { BOOTSTRAP_KEY_VERSION_VARIABLE } from "../bootstrap-key.js";
import { sentryRelease } from "../error-tracking.js";
import { API_CONTAINER } from "../spec/constants.js";
import type { ServiceSpec } from "../spec/index.js";

export { API_CONTAINER };

import { COLLECTOR_CONFIG_VARIABLE, collectorConfigYaml, OTLP_HTTP_PORT } from "./collector.js";
import type { DockerfileFacts } from "./dockerfile.js";

const COLLECTOR_CONTAINER = "otel-collector";
/** The migrator's container in its task definition (and its log stream prefix). */
export const MIGRATOR_CONTAINER = "migrate";
/** The image's WORKDIR (the Dockerfile's final stage), where `npm run build`'s dist/ lands. */
export const IMAGE_WORKDIR = "/app";
/** DATABASE_CA_FILE of both AWS tasks: the Amazon RDS roots the image's build writes (api/db/rds-ca.ts). */
export const AWS_RDS_CA_FILE = `${IMAGE_WORKDIR}/${AWS_RDS_CA_BUNDLE}`;
/** Prepares the writable /tmp volume for the non-root API, then exits. */
const TMP_INIT_CONTAINER = "init-tmp";
/**
 * Pinned AWS Distro for OpenTelemetry collector (X-Ray exporter, Prometheus receiver, remote write with SigV4):
 * one sidecar for traces and metrics.
 */
export const ADOT_COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3";
/** Writable scratch space on an otherwise read-only root filesystem. */
const TMP_VOLUME = "tmp";
/**
 * ECS Exec's SSM agent writes its state and logs here: with a read-only root filesystem they must be volumes
 * (the workaround AWS's containers team publishes; aws/containers-roadmap#1359).
 */
export const EXEC_AGENT_PATHS = ["/var/lib/amazon", "/var/log/amazon"];

export interface ContainerInputs {
  image: string;
  databaseHost: string;
  /** The bootstrap API key's secret and the exact version this task definition reads (infra/aws/secrets.ts). */
  bootstrapKeySecretArn: string;
  bootstrapKeyVersionId: string;
  /** With `spec.errorTracking`: the Sentry DSN's secret and the version this task definition reads. */
  sentryDsn?: { secretArn: string; versionId: string };
  logGroupName: string;
  region: string;
  dockerfile: DockerfileFacts;
  /** The managed Prometheus workspace's remote-write URL, when `spec.cloudMetrics` is on (infra/aws/monitoring/prometheus.ts). */
  remoteWriteUrl?: string;
}

export interface KeyValue {
  name: string;
  value: string;
}

function execVolumeName(path: string): string {
  return `exec${path.replace(/[^a-z0-9]+/gi, "-")}`;
}

/** Task-level volumes (Fargate ephemeral bind mounts). */
export function taskVolumes(spec: ServiceSpec): { name: string }[] {
  return [
    { name: TMP_VOLUME },
    ...(spec.operations.execEnabled ? EXEC_AGENT_PATHS.map((path) => ({ name: execVolumeName(path) })) : []),
  ];
}

/** The plain environment of the API container: the spec's, plus what only the cloud knows. */
function apiEnvironment(
  spec: ServiceSpec,
  inputs: Pick<ContainerInputs, "databaseHost" | "bootstrapKeyVersionId" | "image" | "region">,
): Record<string, string> {
  return {
    ...spec.container.environment,
    DATABASE_HOST: inputs.databaseHost,
    // No password: an RDS IAM token per connection, signed with the task role for spec.database.apiRole
    // (DATABASE_USER), in this region; verify-full against the image's RDS roots.
    DATABASE_AUTH: "aws-iam",
    AWS_REGION: inputs.region,
    DATABASE_CA_FILE: AWS_RDS_CA_FILE,
    // Not secret: which stored version of the bootstrap key this task definition reads (as on Azure).
    [BOOTSTRAP_KEY_VERSION_VARIABLE]: inputs.bootstrapKeyVersionId,
    // Error tracking files events under the image the task runs (the spec adds SENTRY_ENVIRONMENT).
    ...(spec.errorTracking.enabled ? { SENTRY_RELEASE: sentryRelease(inputs.image) } : {}),
    ...(spec.tracing.enabled ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${OTLP_HTTP_PORT}` } : {}),
  };
}

/** ECS `valueFrom` for one exact version of a plain-text secret (`<arn>:<json-key>:<stage>:<version-id>`). */
function pinnedSecretValueFrom(secretArn: string, versionId: string): string {
  return `${secretArn}:::${versionId}`;
}

/**
 * Secret environment: each of the spec's secret variables → Secrets Manager `valueFrom`
 * (`<arn>:<json-key>:<version-stage>:<version-id>`). The bootstrap key is pinned to the version Pulumi wrote,
 * so rotating it changes the task definition and rolls out tasks that read the new key. There is no database
 * password among them: the API authenticates with IAM (the migrator alone gets the master password).
 */
function apiSecrets(
  spec: ServiceSpec,
  inputs: Pick<ContainerInputs, "bootstrapKeySecretArn" | "bootstrapKeyVersionId" | "sentryDsn">,
): KeyValue[] {
  const sources: Record<string, string> = {
    BOOTSTRAP_API_KEY: pinnedSecretValueFrom(inputs.bootstrapKeySecretArn, inputs.bootstrapKeyVersionId),
    // Pinned like the bootstrap key: a new DSN is a new version, a new task definition, new tasks.
    ...(inputs.sentryDsn
      ? { SENTRY_DSN: pinnedSecretValueFrom(inputs.sentryDsn.secretArn, inputs.sentryDsn.versionId) }
      : {}),
  };
  return spec.container.secretEnvironment.map((name) => {
    const value = sources[name];
    if (!value) throw new Error(`infra/aws/containers.ts: no Secrets Manager source is defined for ${name}`);
    return { name, value };
  });
}

/** The awslogs configuration of one container: the task's log group, its own stream prefix. */
function awslogs(inputs: Pick<ContainerInputs, "logGroupName" | "region">, prefix: string) {
  return {
    logDriver: "awslogs",
    options: {
      "awslogs-group": inputs.logGroupName,
      "awslogs-region": inputs.region,
      "awslogs-stream-prefix": prefix,
      // Never block the event loop on CloudWatch back-pressure.
      mode: "non-blocking",
      "max-buffer-size": "25m",
    },
  };
}

const toKeyValues = (env: Record<string, string>) =>
  Object.entries(env)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => a.name.localeCompare(b.name));

export interface MigratorInputs {
  image: string;
  databaseHost: string;
  /** ARN of the RDS-managed master secret; the password is its `password` JSON key. */
  databaseSecretArn: string;
  logGroupName: string;
  region: string;
  dockerfile: DockerfileFacts;
}

/**
 * The migrator's one container (the same image, `spec.migration.command` after node, the ENTRYPOINT):
 * migrations and the API role's grants as the administrator, which authenticates with the RDS-managed master
 * password, read from its secret by ECS at each run (AWSCURRENT: a rotation needs nothing else). It creates
 * the API role with `rds_iam` (DATABASE_API_AUTH=aws-iam), verifies the server like the API, exits.
 */
export function migratorContainerDefinitions(
  spec: ServiceSpec,
  inputs: MigratorInputs,
): Record<string, unknown>[] {
  return [
    {
      name: MIGRATOR_CONTAINER,
      image: inputs.image,
      essential: true,
      user: inputs.dockerfile.user,
      privileged: false,
      readonlyRootFilesystem: true,
      linuxParameters: { capabilities: { drop: ["ALL"] } },
      command: [...spec.migration.command],
      environment: toKeyValues({
        ...spec.migration.environment,
        DATABASE_HOST: inputs.databaseHost,
        DATABASE_AUTH: "password",
        DATABASE_API_AUTH: "aws-iam",
        DATABASE_CA_FILE: AWS_RDS_CA_FILE,
      }),
      secrets: [{ name: "DATABASE_PASSWORD", valueFrom: `${inputs.databaseSecretArn}:password::` }],
      logConfiguration: awslogs(inputs, MIGRATOR_CONTAINER),
    },
  ];
}

export function containerDefinitions(spec: ServiceSpec, inputs: ContainerInputs): Record<string, unknown>[] {
  const logConfiguration = (prefix: string) => awslogs(inputs, prefix);
  const environment = toKeyValues(apiEnvironment(spec, inputs));
  const secrets = apiSecrets(spec, inputs).map(({ name, value }) => ({ name, valueFrom: value }));

  const api: Record<string, unknown> = {
    name: API_CONTAINER,
    image: inputs.image,
    essential: true,
    user: inputs.dockerfile.user,
    privileged: false,
    readonlyRootFilesystem: true,
    linuxParameters: { initProcessEnabled: spec.operations.execEnabled, capabilities: { drop: ["ALL"] } },
    portMappings: [
      { name: "http", containerPort: spec.container.port, hostPort: spec.container.port, protocol: "tcp" },
      {
        name: "metrics",
        containerPort: spec.container.metricsPort,
        hostPort: spec.container.metricsPort,
        protocol: "tcp",
      },
    ],
    environment,
    secrets,
    mountPoints: [
      { sourceVolume: TMP_VOLUME, containerPath: "/tmp", readOnly: false },
      ...(spec.operations.execEnabled
        ? EXEC_AGENT_PATHS.map((path) => ({
            sourceVolume: execVolumeName(path),
            containerPath: path,
            readOnly: false,
          }))
        : []),
    ],
    healthCheck: {
      command: ["CMD", ...inputs.dockerfile.healthCheck],
      interval: 15,
      timeout: 5,
      retries: 3,
      startPeriod: 30,
    },
    stopTimeout: spec.container.stopTimeoutSeconds,
    ulimits: [{ name: "nofile", softLimit: 65_536, hardLimit: 65_536 }],
    logConfiguration: logConfiguration(API_CONTAINER),
    dependsOn: [
      { containerName: TMP_INIT_CONTAINER, condition: "SUCCESS" },
      ...(spec.tracing.enabled ? [{ containerName: COLLECTOR_CONTAINER, condition: "START" }] : []),
    ],
  };
  // Fargate creates bind-mount volumes as root:root 0755, so the non-root API could not write to /tmp. This
  // short-lived container (same image, node as its entrypoint, no shell needed) makes /tmp world-writable
  // with the sticky bit, like a normal /tmp, before the API starts. It runs as root but with no capabilities
  // (an owner may chmod without any), read-only, and exits.
  const tmpInit: Record<string, unknown> = {
    name: TMP_INIT_CONTAINER,
    image: inputs.image,
    essential: false,
    user: "0:0",
    privileged: false,
    readonlyRootFilesystem: true,
    linuxParameters: { capabilities: { drop: ["ALL"] } },
    command: ["-e", "require('node:fs').chmodSync('/tmp', 0o1777)"],
    mountPoints: [{ sourceVolume: TMP_VOLUME, containerPath: "/tmp", readOnly: false }],
    logConfiguration: logConfiguration(TMP_INIT_CONTAINER),
  };
  const metrics = spec.cloudMetrics.enabled;
  if (!spec.tracing.enabled && !metrics) return [api, tmpInit];
  if (metrics && !inputs.remoteWriteUrl) {
    throw new Error("infra/aws/containers.ts: cloudMetrics is on but no remote-write URL was given");
  }

  // Tracing only: ADOT's built-in ECS configuration (OTLP in, X-Ray out), as before. With cloud metrics: our
  // configuration (infra/aws/collector.ts), which carries the traces too when tracing is on: one collector.
  const collector: Record<string, unknown> = {
    name: COLLECTOR_CONTAINER,
    image: ADOT_COLLECTOR_IMAGE,
    essential: false,
    user: "10001:10001",
    privileged: false,
    readonlyRootFilesystem: true,
    linuxParameters: { capabilities: { drop: ["ALL"] } },
    command: [
      metrics ? `--config=env:${COLLECTOR_CONFIG_VARIABLE}` : "--config=/etc/ecs/ecs-default-config.yaml",
    ],
    ...(spec.tracing.enabled
      ? { portMappings: [{ containerPort: OTLP_HTTP_PORT, hostPort: OTLP_HTTP_PORT, protocol: "tcp" }] }
      : {}),
    environment: [
      { name: "AWS_REGION", value: inputs.region },
      ...(metrics && inputs.remoteWriteUrl
        ? [
            {
              name: COLLECTOR_CONFIG_VARIABLE,
              value: collectorConfigYaml({
                region: inputs.region,
                metricsPort: spec.container.metricsPort,
                remoteWriteUrl: inputs.remoteWriteUrl,
                tracing: spec.tracing.enabled,
              }),
            },
          ]
        : []),
    ],
    memoryReservation: 64,
    logConfiguration: logConfiguration(COLLECTOR_CONTAINER),
  };
  return [api, tmpInit, collector];
}
