/**
 * The `twincloud:` stack config: every key with what it accepts, and the checks that need more than one key
 * or the target cloud (operator values copied from documentation, log retention per cloud). Errors name
 * `twincloud:<key>` and what it accepts.
 */
import { z } from "zod";
import { CLOUDS, type Cloud, PROJECT_NAME, TIERS, type Tier } from "./constants.js";
import {
  DATABASE_SIZES,
  DATABASE_STORAGE_GIB,
  type DatabaseSize,
  LOG_RETENTION_LIMITS,
  TASK_SIZES,
} from "./sizes.js";

const DATABASE_SIZE_NAMES = Object.keys(DATABASE_SIZES) as [DatabaseSize, ...DatabaseSize[]];

/** Every key of the `twincloud:` namespace, with what it accepts. Pulumi.yaml documents the same keys. */
const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z.enum(["true", "false"], { message: "expected true or false" }).transform((v) => v === "true");
const oneOf = <T extends readonly number[]>(values: T) =>
  z.coerce.number().refine((v) => (values as readonly number[]).includes(v), {
    message: `expected one of ${values.join(", ")}`,
  });

const SENTRY_DSN_MESSAGE = "expected a Sentry DSN: https://<public key>@<host>/<project id>";

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
      .enum(DATABASE_SIZE_NAMES, { message: `expected one of ${DATABASE_SIZE_NAMES.join(", ")}` })
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
    // A Pulumi secret (pulumi config set --secret): validated here like the API does (api/config.ts), then
    // only whether it is set reaches the spec; each cloud reads the value as a secret (infra/error-tracking.ts).
    sentryDsn: z
      .url({ protocol: /^https?$/, message: SENTRY_DSN_MESSAGE })
      .refine((value) => {
        if (!URL.canParse(value)) return true;
        const url = new URL(value);
        return url.username !== "" && /\/[^/]+$/.test(url.pathname);
      }, SENTRY_DSN_MESSAGE)
      .optional(),
    corsOrigins: z.string().optional(),
    tracing: flag.optional(),
    // Managed Prometheus (rules, alert manager), the collector that feeds it and the outside uptime check.
    cloudMetrics: flag.optional(),
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
const DOCUMENTATION_AWS_ACCOUNTS = ["123456789012", "111122223333", "444455556666"] as const;
const RESERVED_DOMAIN = /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$/i;

function isPlaceholderDomain(host: string): boolean {
  return RESERVED_DOMAIN.test(host);
}

/** The keys an operator must set before the first `pulumi up`, and whether they are placeholders. */
export function operatorValueProblems(config: StackConfig, tier: Tier, awsRegion: string): string[] {
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
export function logRetentionProblem(cloud: Cloud, days: number): string | undefined {
  const limit = LOG_RETENTION_LIMITS[cloud];
  const hint = limit.accepts(days);
  return hint
    ? `${PROJECT_NAME}:logRetentionDays: ${days} is not accepted by ${limit.service}; on ${limit.label} ${hint}`
    : undefined;
}
