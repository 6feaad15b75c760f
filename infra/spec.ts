/**
 * Stack config → one cloud-neutral service spec. The AWS and Azure programs only render this spec, so both
 * clouds stay comparable line by line and every tier default lives here, once.
 *
 * Pure module (no Pulumi runtime calls) so tests, the offline plan and the policy pack can import it.
 */
import { z } from "zod";
import {
  DEFAULT_METRICS_PORT,
  DEFAULT_PORT,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  HEALTH_PATHS,
} from "../api/config.js";

export const PROJECT_NAME = "twincloud";
/** Every alarm on both clouds links to its entry here (`<path>#<alarm id>`). */
export const RUNBOOK_PATH = "docs/runbook.md";
export const CLOUDS = ["aws", "azure"] as const;
export const TIERS = ["dev", "staging", "prod"] as const;
export type Cloud = (typeof CLOUDS)[number];
export type Tier = (typeof TIERS)[number];

/** Task sizes both Fargate and Container Apps (consumption) accept: memory is always 2 GiB per vCPU. */
export const TASK_SIZES = [
  { cpu: 0.25, memoryMiB: 512 },
  { cpu: 0.5, memoryMiB: 1024 },
  { cpu: 1, memoryMiB: 2048 },
  { cpu: 2, memoryMiB: 4096 },
  { cpu: 4, memoryMiB: 8192 },
] as const;

/**
 * V8's old-space limit for a task of `memoryMiB` (NODE_OPTIONS=--max-old-space-size in both clouds' container
 * environment): 75 % of the task, the rest left for code, buffers and native memory (~100 MiB measured).
 * Explicit because Node sizes its heap from the memory it can see, which on a container platform may be the
 * host's: 4 GiB of heap limit on the 24 GiB bench machine. The limit also sets how far V8 lets the heap grow
 * between full collections (a factor of up to 4 with a 2 GiB+ limit, 1.3-1.8 below): under the benchmark's
 * 50 connections the API's peak RSS is ~135-145 MiB with this limit and ~190 MiB without (docs/benchmark.md).
 */
export function nodeHeapLimitMiB(memoryMiB: number): number {
  return Math.floor(memoryMiB * 0.75);
}

/** Database sizes, named once and mapped per cloud. Azure zone-redundant HA needs a non-burstable SKU. */
export const DATABASE_SIZES = {
  small: { awsInstanceClass: "db.t4g.micro", azureSku: { name: "Standard_B1ms", tier: "Burstable" } },
  medium: { awsInstanceClass: "db.t4g.medium", azureSku: { name: "Standard_B2s", tier: "Burstable" } },
  large: { awsInstanceClass: "db.m7g.large", azureSku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" } },
} as const;
export type DatabaseSize = keyof typeof DATABASE_SIZES;

/**
 * Log retention each cloud accepts, in days. CloudWatch Logs takes only these values (731, not 730); a Log
 * Analytics workspace (pay-as-you-go) takes any whole number from 30 to 730. The tier defaults (30, 90, 365)
 * are valid on both.
 */
export const AWS_LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export const AZURE_LOG_RETENTION_DAYS = { min: 30, max: 730 } as const;
/** Storage sizes both RDS gp3 (≥ 20 GiB) and Flexible Server (fixed steps) accept. */
export const DATABASE_STORAGE_GIB = [32, 64, 128, 256, 512, 1024] as const;

/**
 * Tier defaults. Backup retention: 7 days is the floor Azure accepts and 35 the ceiling of both clouds, so
 * the same number renders identically on each (dev 7, staging 14, prod 35 ≥ the 30-day prod requirement).
 */
export const TIER_DEFAULTS = {
  dev: {
    minReplicas: 1,
    maxReplicas: 2,
    cpu: 0.25,
    memoryMiB: 512,
    availabilityZones: 2,
    natGatewaysPerAz: false,
    dbSize: "small",
    dbStorageGiB: 32,
    dbHighAvailability: false,
    dbBackupRetentionDays: 7,
    dbDeletionProtection: false,
    drCopyEnabled: false,
    logRetentionDays: 30,
    logLevel: "debug",
    wafEnabled: false,
    accessLogsEnabled: false,
    albDeletionProtection: false,
    execEnabled: true,
    protectStatefulResources: false,
  },
  staging: {
    minReplicas: 2,
    maxReplicas: 4,
    cpu: 0.5,
    memoryMiB: 1024,
    availabilityZones: 2,
    natGatewaysPerAz: false,
    dbSize: "medium",
    dbStorageGiB: 32,
    dbHighAvailability: false,
    dbBackupRetentionDays: 14,
    dbDeletionProtection: false,
    drCopyEnabled: false,
    logRetentionDays: 90,
    logLevel: "info",
    wafEnabled: true,
    accessLogsEnabled: true,
    albDeletionProtection: false,
    execEnabled: true,
    protectStatefulResources: false,
  },
  prod: {
    minReplicas: 2,
    maxReplicas: 10,
    cpu: 1,
    memoryMiB: 2048,
    availabilityZones: 3,
    natGatewaysPerAz: true,
    dbSize: "large",
    dbStorageGiB: 128,
    dbHighAvailability: true,
    dbBackupRetentionDays: 35,
    dbDeletionProtection: true,
    drCopyEnabled: true,
    logRetentionDays: 365,
    logLevel: "info",
    wafEnabled: true,
    accessLogsEnabled: true,
    albDeletionProtection: true,
    execEnabled: false,
    protectStatefulResources: true,
  },
} as const satisfies Record<Tier, Record<string, unknown>>;

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
    certificateArn?: string;
    /**
     * The public host name (the stack's `url` is https://<name>) and, optionally, the DNS zone the program
     * writes its records into; without a zone the operator creates them (docs/deploy-aws.md, side-by-side).
     */
    domain?: { name: string; awsHostedZoneId?: string; azureDnsZoneId?: string };
    /** Plain HTTP is served only when no certificate is configured (dev). */
    httpsOnly: boolean;
    idleTimeoutSeconds: number;
    waf: { enabled: boolean; requestsPerFiveMinutesPerIp: number };
    accessLogs: { enabled: boolean; retentionDays: number };
    deletionProtection: boolean;
    corsOrigins: string[];
  };
  database: {
    engineVersion: "17";
    size: DatabaseSize;
    awsInstanceClass: string;
    azureSku: { name: string; tier: string };
    storageGiB: number;
    highAvailability: boolean;
    backupRetentionDays: number;
    deletionProtection: boolean;
    /** Cross-region copy of backups for disaster recovery (AWS Backup copy / Azure geo-redundant backup). */
    crossRegionBackup: { enabled: boolean; awsRegion: string };
    port: number;
    name: string;
    username: string;
  };
  logs: { retentionDays: number; level: string };
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
  operations: { execEnabled: boolean; protectStatefulResources: boolean };
}

/** Every key of the `twincloud:` namespace, with what it accepts. Pulumi.yaml documents the same keys. */
const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z.enum(["true", "false"], { message: "expected true or false" }).transform((v) => v === "true");
const oneOf = <T extends readonly number[]>(values: T) =>
  z.coerce.number().refine((v) => (values as readonly number[]).includes(v), {
    message: `expected one of ${values.join(", ")}`,
  });

export const stackConfigSchema = z
  .object({
    cloud: z.enum(CLOUDS, { message: `expected one of ${CLOUDS.join(", ")}` }),
    environment: z.enum(TIERS, { message: `expected one of ${TIERS.join(", ")}` }).optional(),
    minReplicas: intIn(1, 100).optional(),
    maxReplicas: intIn(1, 300).optional(),
    cpu: oneOf(TASK_SIZES.map((s) => s.cpu)).optional(),
    memoryMiB: oneOf(TASK_SIZES.map((s) => s.memoryMiB)).optional(),
    availabilityZones: intIn(2, 3).optional(),
    dbSize: z
      .enum(["small", "medium", "large"], { message: "expected one of small, medium, large" })
      .optional(),
    dbStorageGiB: oneOf(DATABASE_STORAGE_GIB).optional(),
    dbHighAvailability: flag.optional(),
    dbBackupRetentionDays: intIn(7, 35).optional(),
    dbDeletionProtection: flag.optional(),
    drRegion: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "expected an AWS region such as eu-central-1")
      .optional(),
    // Checked per cloud in buildServiceSpec (the clouds accept different values).
    logRetentionDays: z.coerce.number().int("expected a whole number of days").positive().optional(),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).optional(),
    alertEmail: z.email({ message: "expected an email address" }).optional(),
    certificateArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/,
        "expected an ACM certificate ARN",
      )
      .optional(),
    domainName: z
      .string()
      .max(253)
      .regex(
        /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/,
        "expected a lower-case host name such as api.example.org (no scheme, port, path or wildcard)",
      )
      .optional(),
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{1,31}$/, "expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ")
      .optional(),
    dnsZoneId: z
      .string()
      .regex(
        /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/dnszones\/[^/]+$/i,
        "expected an Azure DNS zone resource id (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/dnszones/<zone>)",
      )
      .optional(),
    // AWS WAF rate-based rules accept 10 to 2,000,000,000 requests per 5-minute window.
    wafRequestsPerFiveMinutes: intIn(10, 2_000_000_000).optional(),
    corsOrigins: z.string().optional(),
    tracing: flag.optional(),
    latencyP95Ms: intIn(10, 60_000).optional(),
    imageDigest: z
      .string()
      .regex(
        /^[^\s@]+@sha256:[0-9a-f]{64}$/,
        "expected an image pushed earlier, by digest: <repository>@sha256:<64 hex>",
      )
      .optional(),
  })
  .strict();

export type StackConfig = z.infer<typeof stackConfigSchema>;

export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "StackConfigError";
  }
}

/** Validate raw `twincloud:*` values (strings, as Pulumi stores them); errors name `twincloud:<key>`. */
export function parseStackConfig(raw: Record<string, string | undefined>): StackConfig {
  const result = stackConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new StackConfigError(
      result.error.issues.map((issue) => {
        if (issue.code === "unrecognized_keys") {
          return `unknown key(s) ${issue.keys.map((k) => `${PROJECT_NAME}:${k}`).join(", ")}: allowed keys are ${Object.keys(stackConfigSchema.shape).join(", ")}`;
        }
        return `${PROJECT_NAME}:${issue.path.join(".")}: ${issue.message}`;
      }),
    );
  }
  return result.data;
}

/**
 * Values copied from documentation pass every format check and fail only in the cloud, late: an ACM ARN in
 * AWS's documentation accounts is refused when the HTTPS listener is created (after the database), and an
 * alert address at a reserved domain (RFC 2606 / RFC 6761) makes a subscription nobody confirms, so paging
 * reaches no one. Refuse them at preview time.
 */
export const DOCUMENTATION_AWS_ACCOUNTS = ["123456789012", "111122223333", "444455556666"] as const;
const RESERVED_DOMAIN = /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$/i;

export function isPlaceholderDomain(host: string): boolean {
  return RESERVED_DOMAIN.test(host);
}

/** The keys an operator must set before the first `pulumi up`, and whether they are placeholders. */
function operatorValueProblems(config: StackConfig, tier: Tier, awsRegion: string): string[] {
  const problems: string[] = [];
  const key = (name: string) => `${PROJECT_NAME}:${name}`;
  if (config.alertEmail && isPlaceholderDomain(config.alertEmail.split("@")[1] ?? "")) {
    problems.push(
      `${key("alertEmail")}: ${config.alertEmail} is at a reserved example domain and reaches no one; set the on-call address: pulumi config set ${key("alertEmail")} <address>`,
    );
  } else if (tier === "prod" && !config.alertEmail) {
    problems.push(
      `${key("alertEmail")}: required in prod (alarms must page someone); set it: pulumi config set ${key("alertEmail")} <on-call address>`,
    );
  }
  if (config.domainName && isPlaceholderDomain(config.domainName)) {
    problems.push(
      `${key("domainName")}: ${config.domainName} is a reserved example domain; set the host name your certificate covers: pulumi config set ${key("domainName")} <api.your-domain>`,
    );
  }
  for (const zoneKey of ["hostedZoneId", "dnsZoneId"] as const) {
    if (config[zoneKey] && !config.domainName) {
      problems.push(
        `${key(zoneKey)}: names the DNS zone for ${key("domainName")}, which is not set: pulumi config set ${key("domainName")} <api.your-domain>`,
      );
    }
  }
  const zoneName = config.dnsZoneId?.split("/").pop()?.toLowerCase();
  if (
    config.domainName &&
    zoneName &&
    config.domainName !== zoneName &&
    !config.domainName.endsWith(`.${zoneName}`)
  ) {
    problems.push(
      `${key("domainName")}: ${config.domainName} is not in the DNS zone ${zoneName} (${key("dnsZoneId")})`,
    );
  }
  if (config.cloud !== "aws") return problems;

  const certificate = config.certificateArn;
  if (certificate) {
    const [, , , region, account] = certificate.split(":");
    if ((DOCUMENTATION_AWS_ACCOUNTS as readonly string[]).includes(account ?? "")) {
      problems.push(
        `${key("certificateArn")}: account ${account} is AWS's documentation account; set the ARN of your ACM certificate for ${config.domainName ?? "the API's host name"}: pulumi config set ${key("certificateArn")} arn:aws:acm:${awsRegion}:<account>:certificate/<id>`,
      );
    } else if (region !== awsRegion) {
      problems.push(
        `${key("certificateArn")}: the certificate is in ${region} but the load balancer is in ${awsRegion}; an ALB can only use an ACM certificate from its own region`,
      );
    }
    if (!config.domainName) {
      problems.push(
        `${key("domainName")}: required on AWS when serving HTTPS (the host name the certificate covers, used as the stack's url): pulumi config set ${key("domainName")} <api.your-domain>`,
      );
    }
  } else if (tier === "prod") {
    problems.push(
      `${key("certificateArn")}: required in prod on AWS (plain HTTP is for dev only); request or import an ACM certificate for ${config.domainName ?? "your domain"} in ${awsRegion}: pulumi config set ${key("certificateArn")} <arn>`,
    );
    if (!config.domainName) {
      problems.push(
        `${key("domainName")}: required in prod on AWS (the host name the certificate covers): pulumi config set ${key("domainName")} <api.your-domain>`,
      );
    }
  }
  return problems;
}

/** Log retention per cloud: CloudWatch's fixed list on AWS, 30–730 days for Log Analytics on Azure. */
function logRetentionProblem(cloud: Cloud, days: number): string | undefined {
  const key = `${PROJECT_NAME}:logRetentionDays`;
  if (cloud === "aws" && !(AWS_LOG_RETENTION_DAYS as readonly number[]).includes(days)) {
    return `${key}: ${days} is not accepted by CloudWatch Logs; on AWS use one of ${AWS_LOG_RETENTION_DAYS.join(", ")}`;
  }
  const { min, max } = AZURE_LOG_RETENTION_DAYS;
  if (cloud === "azure" && (days < min || days > max)) {
    return `${key}: ${days} is not accepted by Log Analytics; on Azure use a whole number of days from ${min} to ${max}`;
  }
  return undefined;
}

/** Longest `<project>-<stack>` prefix every AWS physical name derived from it stays within. */
export const MAX_AWS_NAME_PREFIX = 64 - "-redeploy-on-rotation".length;

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
  if (highAvailability && DATABASE_SIZES[dbSize].azureSku.tier === "Burstable") {
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
  // AWS physical names built from it: EventBridge rule `<name>-redeploy-on-rotation` (≤ 64 characters) and
  // the RDS identifier `<name>-db` (≤ 63). Azure shortens its names itself (azure/naming.ts).
  if (config.cloud === "aws" && name.length > MAX_AWS_NAME_PREFIX) {
    problems.push(
      `stack name "${context.stack}": "${name}" is ${name.length} characters; on AWS the project and stack name together may have at most ${MAX_AWS_NAME_PREFIX} (physical names such as the EventBridge rule "${name}-redeploy-on-rotation" are limited to 64)`,
    );
  }
  if (problems.length > 0) throw new StackConfigError(problems);

  const shutdownTimeoutSeconds = DEFAULT_SHUTDOWN_TIMEOUT_MS / 1000;
  const logLevel = config.logLevel ?? defaults.logLevel;
  const corsOrigins = (config.corsOrigins ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  const size = DATABASE_SIZES[dbSize];

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
      port: DEFAULT_PORT,
      metricsPort: DEFAULT_METRICS_PORT,
      cpu,
      memoryMiB,
      health: HEALTH_PATHS,
      environment: {
        NODE_ENV: "production",
        NODE_OPTIONS: `--max-old-space-size=${nodeHeapLimitMiB(memoryMiB)}`,
        PORT: String(DEFAULT_PORT),
        METRICS_PORT: String(DEFAULT_METRICS_PORT),
        LOG_LEVEL: logLevel,
        DATABASE_PORT: "5432",
        DATABASE_NAME: "twincloud",
        DATABASE_USER: "twincloud_app",
        DATABASE_SSL: "require",
        TRUST_PROXY: "true",
        SHUTDOWN_TIMEOUT_MS: String(DEFAULT_SHUTDOWN_TIMEOUT_MS),
        OTEL_SERVICE_NAME: name,
        ...(corsOrigins.length > 0 ? { CORS_ORIGINS: corsOrigins.join(",") } : {}),
      },
      secretEnvironment: ["DATABASE_PASSWORD", "BOOTSTRAP_API_KEY"],
      shutdownTimeoutSeconds,
      stopTimeoutSeconds: shutdownTimeoutSeconds + 10,
      deregistrationDelaySeconds: shutdownTimeoutSeconds,
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
      ...(config.certificateArn ? { certificateArn: config.certificateArn } : {}),
      ...(config.domainName
        ? {
            domain: {
              name: config.domainName,
              ...(config.hostedZoneId ? { awsHostedZoneId: config.hostedZoneId } : {}),
              ...(config.dnsZoneId ? { azureDnsZoneId: config.dnsZoneId } : {}),
            },
          }
        : {}),
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
      engineVersion: "17",
      size: dbSize,
      awsInstanceClass: size.awsInstanceClass,
      azureSku: { ...size.azureSku },
      storageGiB: config.dbStorageGiB ?? defaults.dbStorageGiB,
      highAvailability,
      backupRetentionDays: config.dbBackupRetentionDays ?? defaults.dbBackupRetentionDays,
      deletionProtection: config.dbDeletionProtection ?? defaults.dbDeletionProtection,
      crossRegionBackup: { enabled: defaults.drCopyEnabled, awsRegion: drRegion },
      port: 5432,
      name: "twincloud",
      username: "twincloud_app",
    },
    logs: { retentionDays: logRetentionDays, level: logLevel },
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
    operations: {
      execEnabled: defaults.execEnabled,
      protectStatefulResources: defaults.protectStatefulResources,
    },
  };
}
