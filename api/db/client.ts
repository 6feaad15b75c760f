import postgres, { type Sql } from "postgres";
import type { ApiConfig } from "../config.js";

type DatabaseConfig = Pick<
  ApiConfig,
  | "DATABASE_URL"
  | "DATABASE_HOST"
  | "DATABASE_PORT"
  | "DATABASE_NAME"
  | "DATABASE_USER"
  | "DATABASE_PASSWORD"
  | "DATABASE_SSL"
  | "DATABASE_POOL_MAX"
  | "DATABASE_STATEMENT_TIMEOUT_MS"
  | "DATABASE_CONNECT_TIMEOUT_MS"
>;

export interface DatabaseOptions {
  /** Overrides DATABASE_POOL_MAX (the CLIs use 1 or 2). */
  max?: number;
  applicationName?: string;
}

/**
 * A bounded postgres.js pool. Connections are opened lazily and re-opened after failures, so the API
 * recovers by itself when PostgreSQL comes back. `connect_timeout` bounds how long a request can wait for a
 * dead server; `statement_timeout` bounds every query on the server side.
 */
export function createSql(config: DatabaseConfig, options: DatabaseOptions = {}): Sql {
  const ssl = config.DATABASE_SSL === "disable" ? false : config.DATABASE_SSL;
  const common = {
    max: options.max ?? config.DATABASE_POOL_MAX,
    ssl,
    connect_timeout: Math.max(1, Math.ceil(config.DATABASE_CONNECT_TIMEOUT_MS / 1000)),
    idle_timeout: 60,
    max_lifetime: 60 * 30,
    prepare: true,
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? "twincloud-api",
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
    password: config.DATABASE_PASSWORD,
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
