/**
 * The API's whole configuration: environment variables only, validated by one zod schema.
 *
 * This module is the contract between the API and the infrastructure: the AWS and Azure programs import
 * `apiEnvironmentSchema` and the constants below to prove that the containers they define get every
 * variable the API needs, on the ports and health paths it really serves.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

/** Routes the load balancers and orchestrators probe. */
/** Where the metrics port serves Prometheus metrics (the clouds' collectors scrape it). */
export const METRICS_PATH = "/metrics";
export const HEALTH_PATHS = {
  /** Process only, never touches the database: for liveness probes and the image HEALTHCHECK. */
  live: "/health/live",
  /** Database reachable and not shutting down: for readiness probes and load-balancer health checks. */
  ready: "/health/ready",
  /** Human/monitoring summary with per-dependency checks. */
  summary: "/health",
} as const;

export const DEFAULT_PORT = 3000;
export const DEFAULT_METRICS_PORT = 9464;
/** Below ECS's default 30 s stop timeout so in-flight requests finish before SIGKILL. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 20_000;
/** Above the AWS ALB's 60 s idle timeout (and Azure's 4 min is handled by the platform's own proxy). */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Environment variables that carry secrets: cloud programs must inject them from a secret store. */
export const SECRET_ENV_VARS = [
  "DATABASE_PASSWORD",
  "DATABASE_URL",
  "BOOTSTRAP_API_KEY",
  "SENTRY_DSN",
] as const;

const port = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);
const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);
const nonNegativeInt = (fallback: number, max: number) =>
  z.coerce.number().int().min(0).max(max).default(fallback);
const booleanFlag = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0"], { message: "expected true or false" })
    .default(fallback ? "true" : "false")
    .transform((value) => value === "true" || value === "1");
const commaList = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

export const DATABASE_SSL_MODES = ["disable", "prefer", "require", "verify-full"] as const;
/**
 * How the API proves who it is to PostgreSQL: a password (local, tests), or a short-lived token minted per
 * connection from the workload's cloud identity (db/credentials.ts): RDS IAM authentication on AWS, Microsoft
 * Entra ID (managed identity) on Azure. Token modes need no database password anywhere.
 */
export const DATABASE_AUTH_MODES = ["password", "aws-iam", "azure-entra"] as const;

/** Raw environment → typed configuration. Every variable is documented in README.md and .env.example. */
export const apiEnvironmentSchema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("production"),
    HOST: z.string().min(1).default("0.0.0.0"),
    PORT: port(DEFAULT_PORT),
    METRICS_PORT: port(DEFAULT_METRICS_PORT),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "expected a postgres:// or postgresql:// URL")
      .optional(),
    DATABASE_HOST: z.string().min(1).optional(),
    DATABASE_PORT: port(5432),
    DATABASE_NAME: z.string().min(1).optional(),
    DATABASE_USER: z.string().min(1).optional(),
    DATABASE_PASSWORD: z.string().min(1).optional(),
    DATABASE_SSL: z.enum(DATABASE_SSL_MODES).default("prefer"),
    /** PEM file of the CA(s) that sign the server's certificate: required by DATABASE_SSL=verify-full. */
    DATABASE_CA_FILE: z.string().min(1).optional(),
    DATABASE_AUTH: z.enum(DATABASE_AUTH_MODES).default("password"),
    /** aws-iam: the region the RDS token is signed for (the task definition sets it). */
    AWS_REGION: z.string().min(1).optional(),
    /** azure-entra: client id of the user-assigned managed identity whose token is the password. */
    AZURE_CLIENT_ID: z.string().min(1).optional(),
    /**
     * Apply pending migrations at start-up (local runs and tests). The clouds run them as their own step with
     * the administrator (`migrate` command of the same image) and start the API with false: its role has no DDL.
     */
    MIGRATE_ON_START: booleanFlag(true),
    DATABASE_POOL_MAX: positiveInt(10, 200),
    DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(5_000, 600_000),
    DATABASE_CONNECT_TIMEOUT_MS: positiveInt(3_000, 60_000),

    REQUEST_TIMEOUT_MS: positiveInt(10_000, 600_000),
    SHUTDOWN_TIMEOUT_MS: positiveInt(DEFAULT_SHUTDOWN_TIMEOUT_MS, 120_000),
    KEEP_ALIVE_TIMEOUT_MS: positiveInt(DEFAULT_KEEP_ALIVE_TIMEOUT_MS, 600_000),
    BODY_LIMIT_BYTES: positiveInt(64 * 1024, 10 * 1024 * 1024),
    RATE_LIMIT_PER_MINUTE: positiveInt(600, 1_000_000),
    /** Optional pause between "readiness 503" and closing the listener, for load balancers that need to notice. */
    SHUTDOWN_DRAIN_DELAY_MS: nonNegativeInt(0, 120_000),
    /** How long a verified API key stays cached in-process: also the worst-case delay before a revocation bites. */
    API_KEY_CACHE_TTL_MS: nonNegativeInt(30_000, 600_000),
    CORS_ORIGINS: commaList,
    /** Trust X-Forwarded-For from the load balancer in front (ALB, Container Apps ingress) for client IPs. */
    TRUST_PROXY: booleanFlag(false),

    BOOTSTRAP_API_KEY: z.string().min(32, "expected at least 32 characters").optional(),

    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default("twincloud-api"),

    /** Enables error tracking (Sentry): 5xx answers and fatal errors, scrubbed (observability/error-tracking.ts). */
    SENTRY_DSN: z
      .url({
        protocol: /^https?$/,
        message: "expected a Sentry DSN: https://<public key>@<host>/<project id>",
      })
      .refine((value) => {
        // Runs even when the URL check above failed (zod 4 does not abort), which then said it already.
        if (!URL.canParse(value)) return true;
        const url = new URL(value);
        return url.username !== "" && /\/[^/]+$/.test(url.pathname);
      }, "expected a Sentry DSN: https://<public key>@<host>/<project id>")
      .optional(),
    /** The release events are filed under: the deployed image, e.g. `twincloud-api@sha256:<64 hex>`. */
    SENTRY_RELEASE: z
      .string()
      .regex(/^[^\s/\\]{1,200}$/, "expected at most 200 characters without whitespace or slashes")
      .refine((value) => value !== "." && value !== "..", "expected a release name, not . or ..")
      .optional(),
    /** The environment events are filed under (the stack: dev, staging, prod); default NODE_ENV. */
    SENTRY_ENVIRONMENT: z
      .string()
      .regex(/^[^\s/]{1,64}$/, "expected at most 64 characters without whitespace or slashes")
      .optional(),
  })
  .superRefine((env, ctx) => {
    if (env.DATABASE_SSL === "verify-full" && !env.DATABASE_CA_FILE) {
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_CA_FILE"],
        message:
          "required when DATABASE_SSL=verify-full (a PEM file of the database server's CA certificates)",
      });
    }
    if (env.DATABASE_AUTH !== "password") {
      const needed =
        env.DATABASE_AUTH === "aws-iam"
          ? (["DATABASE_HOST", "DATABASE_NAME", "DATABASE_USER", "AWS_REGION"] as const)
          : (["DATABASE_HOST", "DATABASE_NAME", "DATABASE_USER", "AZURE_CLIENT_ID"] as const);
      for (const key of needed) {
        if (!env[key])
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `required when DATABASE_AUTH=${env.DATABASE_AUTH}`,
          });
      }
      for (const key of ["DATABASE_PASSWORD", "DATABASE_URL"] as const) {
        if (env[key])
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `must not be set when DATABASE_AUTH=${env.DATABASE_AUTH} (the password is a token minted per connection)`,
          });
      }
      return;
    }
    if (env.DATABASE_URL) return;
    for (const key of ["DATABASE_HOST", "DATABASE_NAME", "DATABASE_USER", "DATABASE_PASSWORD"] as const) {
      if (!env[key]) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message:
            "required when DATABASE_URL is not set (set DATABASE_URL, or all of DATABASE_HOST/_NAME/_USER/_PASSWORD)",
        });
      }
    }
  })
  .refine((env) => env.PORT !== env.METRICS_PORT, {
    path: ["METRICS_PORT"],
    message: "must differ from PORT so /metrics is never served on the public port",
  });

export type ApiConfig = z.infer<typeof apiEnvironmentSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Parse an environment (defaults to process.env); throws one ConfigError naming every bad variable.
 * An empty value counts as unset (platforms and env files often define optional variables as empty).
 */
export function loadConfig(rawEnv: Record<string, string | undefined> = process.env): ApiConfig {
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(rawEnv))
    if (value !== undefined && value !== "") env[name] = value;
  const result = apiEnvironmentSchema.safeParse(env);
  if (result.success) {
    assertReadableCaFile(result.data);
    return result.data;
  }
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join(".") || "(environment)";
    const received = issue.path.length > 0 ? env[String(issue.path[0])] : undefined;
    const shown =
      received === undefined || SECRET_ENV_VARS.some((name) => name === issue.path[0])
        ? ""
        : ` (got "${received}")`;
    return `${variable}: ${issue.message}${shown}`;
  });
  // zod skips object-level refinements when a field already failed: report the database variables too,
  // so one start-up attempt names every problem.
  if (!env.DATABASE_URL && (env.DATABASE_AUTH ?? "password") === "password") {
    for (const key of ["DATABASE_HOST", "DATABASE_NAME", "DATABASE_USER", "DATABASE_PASSWORD"] as const) {
      if (!env[key] && !problems.some((problem) => problem.startsWith(`${key}:`))) {
        problems.push(
          `${key}: required when DATABASE_URL is not set (set DATABASE_URL, or all of DATABASE_HOST/_NAME/_USER/_PASSWORD)`,
        );
      }
    }
  }
  throw new ConfigError(problems);
}

/** verify-full is only as good as its CA file: refuse to start without a readable one (named in the error). */
function assertReadableCaFile(config: ApiConfig): void {
  if (config.DATABASE_SSL !== "verify-full" || !config.DATABASE_CA_FILE) return;
  try {
    const text = readFileSync(config.DATABASE_CA_FILE, "utf8");
    if (!text.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no PEM certificate in it");
  } catch (error) {
    throw new ConfigError([
      `DATABASE_CA_FILE: cannot read a PEM CA bundle from ${config.DATABASE_CA_FILE} (${(error as Error).message}); DATABASE_SSL=verify-full needs the database server's CA certificates`,
    ]);
  }
}
