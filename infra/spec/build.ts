/**
 * Stack config → one cloud-neutral service spec. The AWS and Azure programs only render this spec, so both
 * clouds stay comparable line by line and every tier default lives here, once.
 *
 * Pure module (no Pulumi runtime calls) so tests, the offline plan and the policy pack can import it.
 */

import { logRetentionProblem, operatorValueProblems, parseStackConfig, StackConfigError } from "./config.js";
import {
  APP_PORT,
  type Cloud,
  DATABASE,
  HEALTH_PATHS,
  METRICS_PORT,
  MIGRATOR_COMMAND,
  PROJECT_NAME,
  SHUTDOWN_TIMEOUT_MS,
  TIERS,
  type Tier,
} from "./constants.js";
import { DATABASE_SIZES, type DatabaseSize, nodeHeapLimitMiB, TASK_SIZES } from "./sizes.js";
import { TIER_DEFAULTS } from "./tiers.js";

export interface ServiceSpec {
  project: string;
  stack: string;
  cloud: Cloud;
  environment: Tier;
  /** Short, DNS-safe prefix for physical names, e.g. "twincloud-prod". */
  name: string;
  tags: Record<string, string>;
  image: {
    context: string;
    dockerfile: string;
    platform: "linux/amd64";
    repositoryName: string;
    /** Deploy this already-pushed image (`<repository>@sha256:...`) instead of building: rollbacks. */
    digest?: string;
  };
  container: {
    port: number;
    metricsPort: number;
    cpu: number;
    memoryMiB: number;
    health: typeof HEALTH_PATHS;
    /** Plain, non-secret environment (database host/user are added by each cloud, they are outputs). */
    environment: Record<string, string>;
    /** Environment variables that must come from the cloud's secret store, never as plain values. */
    secretEnvironment: readonly string[];
    /** How long the API drains in-flight requests after SIGTERM. */
    shutdownTimeoutSeconds: number;
    /** How long the orchestrator waits before SIGKILL: above the drain. */
    stopTimeoutSeconds: number;
    /** How long the load balancer keeps a deregistering replica: equal to the drain. */
    deregistrationDelaySeconds: number;
  };
  /**
   * The one-off migration step each deploy runs before new API replicas start (AWS: an ECS task of the same
   * image run by the pipeline; Azure: a Container Apps Job): migrations and the API role's grants, as the
   * database administrator. How the administrator authenticates is the cloud's (docs/database-identity.md).
   */
  migration: {
    command: readonly string[];
    /** Plain, non-secret environment (host and credentials are added by each cloud). */
    environment: Record<string, string>;
    cpu: number;
    memoryMiB: number;
    /** The pipeline stops waiting (and fails the deploy) after this long. */
    timeoutSeconds: number;
  };
  scaling: {
    minReplicas: number;
    maxReplicas: number;
    cpuTargetPercent: number;
    /** ALB requests per target per minute (AWS) that trigger a scale-out. */
    requestsPerReplicaPerMinute: number;
    /** Concurrent HTTP requests per replica (Azure's HTTP scale rule). */
    concurrentRequestsPerReplica: number;
    scaleOutCooldownSeconds: number;
    scaleInCooldownSeconds: number;
  };
  network: { availabilityZones: number; natGatewaysPerAz: boolean; cidr: string };
  ingress: {
    /**
     * The public host name: the stack's `url` is https://<name>. The program writes its DNS records when the
     * stack names the cloud's DNS zone (perCloud); otherwise the operator creates them (docs/deploy-aws.md,
     * side-by-side).
     */
    domain?: { name: string };
    /** Plain HTTP is served only when no certificate is configured (dev). */
    httpsOnly: boolean;
    idleTimeoutSeconds: number;
    waf: { enabled: boolean; requestsPerFiveMinutesPerIp: number };
    accessLogs: { enabled: boolean; retentionDays: number };
    deletionProtection: boolean;
    corsOrigins: string[];
  };
  database: {
    engineVersion: typeof DATABASE.engineVersion;
    /** Named once here; each cloud's sizes.ts says what it is there (instance class, SKU, connections). */
    size: DatabaseSize;
    storageGiB: number;
    highAvailability: boolean;
    backupRetentionDays: number;
    deletionProtection: boolean;
    /**
     * Cross-region copy of backups for disaster recovery (AWS Backup copy to perCloud.aws.drRegion / Azure
     * geo-redundant backup to the paired region).
     */
    crossRegionBackup: { enabled: boolean };
    port: number;
    name: string;
    /** The administrator: the migrator's user only. */
    username: string;
    /** The API's least-privilege role (no DDL, no role changes): what the API connects as. */
    apiRole: string;
    /** TLS towards the database in the cloud: the server's certificate chain and name are verified. */
    tls: "verify-full";
  };
  logs: { retentionDays: number; level: string };
  /**
   * Error tracking (Sentry) when `twincloud:sentryDsn` is set. Only whether it is: the DSN is a Pulumi secret
   * each cloud reads itself (infra/error-tracking.ts) into its secret store, never a value of this spec.
   */
  errorTracking: { enabled: boolean };
  alerts: {
    email?: string;
    latencyP95Ms: number;
    http5xxRatePercent: number;
    cpuPercent: number;
    memoryPercent: number;
    databaseCpuPercent: number;
    databaseFreeStorageGiB: number;
    databaseConnections: number;
  };
  tracing: { enabled: boolean };
  /**
   * The SLO rules evaluated in the cloud: a managed Prometheus fed by a collector in the API's task, the
   * rules of observability/prometheus/rules.yml with an alert manager routed to the alert topic, and an uptime
   * check of `url` + the readiness path from outside the network (AWS: docs/observability.md#in-the-clouds).
   */
  cloudMetrics: { enabled: boolean };
  operations: { execEnabled: boolean; protectStatefulResources: boolean };
  /**
   * The operator inputs only one cloud has, named as their `twincloud:` keys, so the sections above stay
   * cloud-neutral: each renderer reads its own part and never the other's.
   */
  perCloud: {
    aws: {
      /** The HTTPS listener's ACM certificate; without one the load balancer serves plain HTTP (httpsOnly). */
      certificateArn?: string;
      /** The Route 53 hosted zone of ingress.domain, where the program writes its alias record. */
      hostedZoneId?: string;
      /** Where database.crossRegionBackup copies the backups: never the deployment region. */
      drRegion: string;
    };
    azure: {
      /** The Azure DNS zone (resource id) of ingress.domain, where the program writes its records. */
      dnsZoneId?: string;
    };
  };
}

/**
 * The AWS physical names the program sets itself from `<project>-<stack>` under the tightest limits
 * (autonamed resources are shortened by the provider; Azure shortens its names itself, azure/naming.ts).
 */
export const AWS_NAME_LIMITS = [
  { suffix: "-backup-job-failed", max: 64, what: "the EventBridge rule" },
  { suffix: "-db", max: 63, what: "the RDS instance identifier" },
] as const;
/** Longest `<project>-<stack>` prefix every AWS physical name derived from it stays within. */
export const MAX_AWS_NAME_PREFIX = Math.min(
  ...AWS_NAME_LIMITS.map((limit) => limit.max - limit.suffix.length),
);
const TIGHTEST_AWS_NAME = AWS_NAME_LIMITS.find(
  (limit) => limit.max - limit.suffix.length === MAX_AWS_NAME_PREFIX,
)!;

function resolveTier(stack: string, explicit: Tier | undefined): Tier {
  if (explicit) return explicit;
  if ((TIERS as readonly string[]).includes(stack)) return stack as Tier;
  throw new StackConfigError([
    `${PROJECT_NAME}:environment: required for stack "${stack}" (expected one of ${TIERS.join(", ")})`,
  ]);
}

export interface SpecContext {
  project?: string;
  stack: string;
  /** The AWS provider's region (aws:region), used to pick a different disaster-recovery region. */
  awsRegion?: string;
}

/** Build the spec for one stack from its raw config. Throws StackConfigError naming each bad key. */
export function buildServiceSpec(raw: Record<string, string | undefined>, context: SpecContext): ServiceSpec {
  const config = parseStackConfig(raw);
  const environment = resolveTier(context.stack, config.environment);
  const defaults = TIER_DEFAULTS[environment];
  const project = context.project ?? PROJECT_NAME;
  const problems: string[] = [];

  const minReplicas = config.minReplicas ?? defaults.minReplicas;
  const maxReplicas = config.maxReplicas ?? defaults.maxReplicas;
  if (minReplicas > maxReplicas) {
    problems.push(
      `${PROJECT_NAME}:minReplicas: must not exceed maxReplicas (${minReplicas} > ${maxReplicas})`,
    );
  }
  const cpu = config.cpu ?? (config.memoryMiB ? config.memoryMiB / 2048 : defaults.cpu);
  const memoryMiB = config.memoryMiB ?? cpu * 2048;
  if (!TASK_SIZES.some((size) => size.cpu === cpu && size.memoryMiB === memoryMiB)) {
    problems.push(
      `${PROJECT_NAME}:memoryMiB: ${memoryMiB} does not fit cpu ${cpu}; allowed pairs are ${TASK_SIZES.map((s) => `${s.cpu}/${s.memoryMiB}`).join(", ")}`,
    );
  }
  const dbSize = config.dbSize ?? defaults.dbSize;
  const highAvailability = config.dbHighAvailability ?? defaults.dbHighAvailability;
  if (highAvailability && DATABASE_SIZES[dbSize].burstable) {
    problems.push(
      `${PROJECT_NAME}:dbSize: "${dbSize}" is burstable and cannot run zone-redundant high availability; use large or set dbHighAvailability false`,
    );
  }
  const awsRegion = context.awsRegion ?? "eu-west-1";
  const drRegion = config.drRegion ?? (awsRegion === "eu-central-1" ? "eu-west-1" : "eu-central-1");
  if (drRegion === awsRegion) {
    problems.push(`${PROJECT_NAME}:drRegion: must differ from the deployment region ${awsRegion}`);
  }
  problems.push(...operatorValueProblems(config, environment, awsRegion));
  const logRetentionDays = config.logRetentionDays ?? defaults.logRetentionDays;
  const retentionProblem = logRetentionProblem(config.cloud, logRetentionDays);
  if (retentionProblem) problems.push(retentionProblem);
  const name = `${project}-${context.stack}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  // AWS physical names built from it (AWS_NAME_LIMITS). Azure shortens its names itself (azure/naming.ts).
  if (config.cloud === "aws" && name.length > MAX_AWS_NAME_PREFIX) {
    problems.push(
      `stack name "${context.stack}": "${name}" is ${name.length} characters; on AWS the project and stack name together may have at most ${MAX_AWS_NAME_PREFIX} (physical names such as ${TIGHTEST_AWS_NAME.what} "${name}${TIGHTEST_AWS_NAME.suffix}" are limited to ${TIGHTEST_AWS_NAME.max})`,
    );
  }
  if (problems.length > 0) throw new StackConfigError(problems);

  const shutdownTimeoutSeconds = SHUTDOWN_TIMEOUT_MS / 1000;
  const logLevel = config.logLevel ?? defaults.logLevel;
  const errorTracking = config.sentryDsn !== undefined;
  const corsOrigins = (config.corsOrigins ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);

  return {
    project,
    stack: context.stack,
    cloud: config.cloud,
    environment,
    name,
    tags: { project, environment, stack: context.stack, "managed-by": "pulumi" },
    image: {
      context: ".",
      dockerfile: "Dockerfile",
      platform: "linux/amd64",
      repositoryName: `${name}-api`,
      ...(config.imageDigest ? { digest: config.imageDigest } : {}),
    },
    container: {
      port: APP_PORT,
      metricsPort: METRICS_PORT,
      cpu,
      memoryMiB,
      health: HEALTH_PATHS,
      environment: {
        NODE_ENV: "production",
        NODE_OPTIONS: `--max-old-space-size=${nodeHeapLimitMiB(memoryMiB)}`,
        PORT: String(APP_PORT),
        METRICS_PORT: String(METRICS_PORT),
        LOG_LEVEL: logLevel,
        DATABASE_PORT: String(DATABASE.port),
        DATABASE_NAME: DATABASE.name,
        // The least-privilege role, never the administrator; the cloud adds how it authenticates
        // (DATABASE_AUTH: a token per connection, no password) and the CA file verify-full checks against.
        DATABASE_USER: DATABASE.apiRole,
        DATABASE_SSL: "verify-full",
        // Migrations run in their own step before new replicas start (migration, below).
        MIGRATE_ON_START: "false",
        TRUST_PROXY: "true",
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
        OTEL_SERVICE_NAME: name,
        ...(corsOrigins.length > 0 ? { CORS_ORIGINS: corsOrigins.join(",") } : {}),
        // SENTRY_RELEASE is the deployed image's digest, which only each cloud knows.
        ...(errorTracking ? { SENTRY_ENVIRONMENT: context.stack } : {}),
      },
      secretEnvironment: ["BOOTSTRAP_API_KEY", ...(errorTracking ? (["SENTRY_DSN"] as const) : [])],
      shutdownTimeoutSeconds,
      stopTimeoutSeconds: shutdownTimeoutSeconds + 10,
      deregistrationDelaySeconds: shutdownTimeoutSeconds,
    },
    migration: {
      command: MIGRATOR_COMMAND,
      environment: {
        NODE_ENV: "production",
        LOG_LEVEL: logLevel,
        DATABASE_PORT: String(DATABASE.port),
        DATABASE_NAME: DATABASE.name,
        DATABASE_USER: DATABASE.username,
        DATABASE_SSL: "verify-full",
        DATABASE_API_ROLE: DATABASE.apiRole,
      },
      cpu: 256,
      memoryMiB: 512,
      timeoutSeconds: 600,
    },
    scaling: {
      minReplicas,
      maxReplicas,
      cpuTargetPercent: 60,
      requestsPerReplicaPerMinute: 30_000,
      concurrentRequestsPerReplica: 100,
      scaleOutCooldownSeconds: 60,
      scaleInCooldownSeconds: 300,
    },
    network: {
      availabilityZones: config.availabilityZones ?? defaults.availabilityZones,
      natGatewaysPerAz: defaults.natGatewaysPerAz,
      cidr: "10.20.0.0/16",
    },
    ingress: {
      ...(config.domainName ? { domain: { name: config.domainName } } : {}),
      httpsOnly: config.certificateArn !== undefined,
      idleTimeoutSeconds: 60,
      waf: {
        enabled: defaults.wafEnabled,
        requestsPerFiveMinutesPerIp: config.wafRequestsPerFiveMinutes ?? 3_000,
      },
      accessLogs: { enabled: defaults.accessLogsEnabled, retentionDays: 90 },
      deletionProtection: defaults.albDeletionProtection,
      corsOrigins,
    },
    database: {
      engineVersion: DATABASE.engineVersion,
      size: dbSize,
      storageGiB: config.dbStorageGiB ?? defaults.dbStorageGiB,
      highAvailability,
      backupRetentionDays: config.dbBackupRetentionDays ?? defaults.dbBackupRetentionDays,
      deletionProtection: config.dbDeletionProtection ?? defaults.dbDeletionProtection,
      crossRegionBackup: { enabled: defaults.drCopyEnabled },
      port: DATABASE.port,
      name: DATABASE.name,
      username: DATABASE.username,
      apiRole: DATABASE.apiRole,
      tls: "verify-full",
    },
    logs: { retentionDays: logRetentionDays, level: logLevel },
    errorTracking: { enabled: errorTracking },
    alerts: {
      ...(config.alertEmail ? { email: config.alertEmail } : {}),
      latencyP95Ms: config.latencyP95Ms ?? 200,
      http5xxRatePercent: 1,
      cpuPercent: 80,
      memoryPercent: 80,
      databaseCpuPercent: 80,
      databaseFreeStorageGiB: 5,
      databaseConnections: 200,
    },
    tracing: { enabled: config.tracing ?? false },
    cloudMetrics: { enabled: config.cloudMetrics ?? defaults.cloudMetrics },
    operations: {
      execEnabled: defaults.execEnabled,
      protectStatefulResources: defaults.protectStatefulResources,
    },
    perCloud: {
      aws: {
        ...(config.certificateArn ? { certificateArn: config.certificateArn } : {}),
        ...(config.domainName && config.hostedZoneId ? { hostedZoneId: config.hostedZoneId } : {}),
        drRegion,
      },
      azure: {
        ...(config.domainName && config.dnsZoneId ? { dnsZoneId: config.dnsZoneId } : {}),
      },
    },
  };
}
