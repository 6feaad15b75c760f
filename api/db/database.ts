import type { Sql } from "postgres";
import type { Metrics } from "../observability/metrics.js";

/** Codes meaning "no connection could be made" (as opposed to an established connection failing). */
const CONNECT_FAILURES = new Set([
  "ECONNREFUSED",
  "CONNECT_TIMEOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "57P03", // cannot_connect_now (starting up / shutting down)
]);

/** Thrown while the fail-fast window is open; classified as "unavailable" (503) like a refused connect. */
class DatabaseUnreachableError extends Error {
  readonly code = "ECONNREFUSED";
  constructor() {
    super("database unreachable (failing fast)");
    this.name = "DatabaseUnreachableError";
  }
}

/**
 * The pool plus instrumentation: every database operation goes through `run`, which times it into
 * `db_query_duration_seconds` and tracks how many operations are in flight. postgres.js has no public
 * pool statistics, so pool "in use" and "waiting" are derived from in-flight operations vs the pool size
 * (an operation holds exactly one connection while it runs).
 *
 * Fail fast: when PostgreSQL cannot be reached at all (connection refused, connect timeout, unknown host),
 * operations fail at once for `failFastMs` instead of each waiting for its own connect timeout; the next
 * operation after that window tries again, so recovery is automatic. Errors on an established connection
 * (reset, closed) do not trip it: one dropped idle connection must not fail the whole replica.
 */
export class Database {
  #inFlight = 0;
  #unreachableUntil = 0;

  constructor(
    readonly sql: Sql,
    readonly poolMax: number,
    private readonly metrics?: Metrics,
    private readonly failFastMs = 1_000,
  ) {
    metrics?.setPoolStats({
      max: poolMax,
      inUse: () => Math.min(this.#inFlight, poolMax),
      waiting: () => Math.max(0, this.#inFlight - poolMax),
    });
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  async run<T>(operation: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
    if (this.#unreachableUntil !== 0) {
      if (Date.now() < this.#unreachableUntil) {
        this.#observe(operation, "fail_fast", 0);
        throw new DatabaseUnreachableError();
      }
      this.#unreachableUntil = 0;
    }
    this.#inFlight++;
    const start = performance.now();
    let outcome = "ok";
    try {
      return await fn(this.sql);
    } catch (error) {
      outcome = "error";
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code === "string" && CONNECT_FAILURES.has(code) && this.failFastMs > 0) {
        this.#unreachableUntil = Date.now() + this.failFastMs;
      }
      throw error;
    } finally {
      this.#inFlight--;
      this.#observe(operation, outcome, (performance.now() - start) / 1000);
    }
  }

  #observe(operation: string, outcome: string, seconds: number): void {
    this.metrics?.dbQueryDuration.observe(`${operation}:${outcome}`, () => ({ operation, outcome }), seconds);
  }

  /** `select 1` bounded by `timeoutMs` (the query itself may linger; the caller does not wait for it). */
  async ping(timeoutMs: number): Promise<number> {
    const start = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.run("ping", (sql) => sql`select 1`),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error("ping timeout"), { code: "CONNECT_TIMEOUT" })),
            timeoutMs,
          );
        }),
      ]);
      return performance.now() - start;
    } finally {
      clearTimeout(timer);
    }
  }
}
