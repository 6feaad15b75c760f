import { readFileSync } from "node:fs";
import postgres, { type Sql } from "postgres";
import type { ApiConfig } from "../config.js";
import { type CredentialDeps, databasePassword } from "./credentials.js";
import { TIMESTAMP_TYPES } from "./timestamps.js";

type DatabaseConfig = Pick<
  ApiConfig,
  | "DATABASE_URL"
  | "DATABASE_HOST"
  | "DATABASE_PORT"
  | "DATABASE_NAME"
  | "DATABASE_USER"
  | "DATABASE_PASSWORD"
  | "DATABASE_SSL"
  | "DATABASE_CA_FILE"
  | "DATABASE_AUTH"
  | "AWS_REGION"
  | "AZURE_CLIENT_ID"
  | "DATABASE_POOL_MAX"
  | "DATABASE_STATEMENT_TIMEOUT_MS"
  | "DATABASE_CONNECT_TIMEOUT_MS"
>;

export interface DatabaseOptions {
  /** Overrides DATABASE_POOL_MAX (the CLIs use 1 or 2). */
  max?: number;
  applicationName?: string;
  /** Token sources for DATABASE_AUTH=aws-iam / azure-entra (tests inject fakes). */
  credentials?: CredentialDeps;
}

/**
 * postgres.js `ssl`: verify-full checks the chain against DATABASE_CA_FILE only (the cloud's database CAs,
 * shipped in the image) and the certificate's name against the host we connect to.
 */
function sslOption(config: DatabaseConfig) {
  if (config.DATABASE_SSL === "disable") return false;
  if (config.DATABASE_SSL !== "verify-full") return config.DATABASE_SSL;
  if (!config.DATABASE_CA_FILE) throw new Error("DATABASE_CA_FILE: required when DATABASE_SSL=verify-full");
  const host =
    config.DATABASE_HOST ?? (config.DATABASE_URL ? new URL(config.DATABASE_URL).hostname : undefined);
  return {
    ca: readFileSync(config.DATABASE_CA_FILE, "utf8"),
    rejectUnauthorized: true,
    ...(host ? { servername: host } : {}),
  };
}

/**
 * A bounded postgres.js pool. Connections are opened lazily and re-opened after failures, so the API
 * recovers by itself when PostgreSQL comes back. `connect_timeout` bounds one connect attempt to a dead server
 * and `backoff` keeps the driver from waiting between attempts; `statement_timeout` bounds every query on the
 * server side. Database (database.ts) bounds each operation as a whole.
 */
export function createSql(config: DatabaseConfig, options: DatabaseOptions = {}): Sql {
  const ssl = sslOption(config);
  const common = {
    max: options.max ?? config.DATABASE_POOL_MAX,
    ssl,
    // Seconds, fractions allowed: a connect attempt never outlives DATABASE_CONNECT_TIMEOUT_MS.
    connect_timeout: config.DATABASE_CONNECT_TIMEOUT_MS / 1000,
    // postgres.js waits up to ~20 s (growing with consecutive failures) before each reconnect attempt, so a
    // long outage made requests queue behind that wait instead of failing. Retry at once (at most 0.2 s):
    // Database's fail-fast window, not the driver, paces attempts while PostgreSQL is down.
    backoff: (retries: number) => Math.min(0.05 * retries, 0.2),
    idle_timeout: 60,
    max_lifetime: 60 * 30,
    prepare: true,
    // timestamptz parsed exactly (years 1-99, BC, five-digit years): db/timestamps.ts.
    types: TIMESTAMP_TYPES,
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? "twincloud-api",
      // The text format db/timestamps.ts parses, whatever the server's defaults (UTC: its fast path).
      DateStyle: "ISO, MDY",
      TimeZone: "UTC",
      statement_timeout: config.DATABASE_STATEMENT_TIMEOUT_MS,
      // Never leave a connection holding locks in an abandoned transaction.
      idle_in_transaction_session_timeout: Math.max(config.DATABASE_STATEMENT_TIMEOUT_MS * 2, 10_000),
      // Keep lock waits (idempotency races, concurrent PATCHes) below the statement timeout.
      lock_timeout: config.DATABASE_STATEMENT_TIMEOUT_MS,
    },
  } as const;
  if (config.DATABASE_URL) {
    // A URL's own ?sslmode= wins over DATABASE_SSL (postgres.js reads it from the URL).
    const fromUrl = /[?&]sslmode=/.test(config.DATABASE_URL);
    return postgres(config.DATABASE_URL, fromUrl ? { ...common, ssl: undefined } : common);
  }
  return postgres({
    ...common,
    host: config.DATABASE_HOST,
    port: config.DATABASE_PORT,
    database: config.DATABASE_NAME,
    username: config.DATABASE_USER,
    // A fresh token per connection in the token modes (db/credentials.ts).
    password: databasePassword(config, options.credentials),
  });
}

/** postgres.js `end()` can hang after a connection reset: always bound it. */
export async function closeSql(sql: Sql, timeoutSeconds = 5): Promise<void> {
  await sql.end({ timeout: timeoutSeconds });
}

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);
const TIMEOUT_CODES = new Set([
  "57014" /* query_canceled (statement_timeout) */,
  "55P03" /* lock_not_available */,
]);

export type DatabaseFailure = "unavailable" | "timeout" | "conflict";

/** Classify a driver error without ever exposing its message. undefined = a genuine bug (500). */
export function classifyDatabaseError(error: unknown): DatabaseFailure | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") return undefined;
  if (UNAVAILABLE_CODES.has(code)) return "unavailable";
  if (TIMEOUT_CODES.has(code)) return "timeout";
  if (code === "40001" || code === "40P01") return "conflict";
  return undefined;
}
