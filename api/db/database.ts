import type { Sql } from "postgres";
import type { Metrics } from "../metrics.js";

/**
 * The pool plus instrumentation: every database operation goes through `run`, which times it into
 * `db_query_duration_seconds` and tracks how many operations are in flight. postgres.js has no public
 * pool statistics, so pool "in use" and "waiting" are derived from in-flight operations vs the pool size
 * (an operation holds exactly one connection while it runs).
 */
export class Database {
  #inFlight = 0;

  constructor(
    readonly sql: Sql,
    readonly poolMax: number,
    private readonly metrics?: Metrics,
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
    this.#inFlight++;
    const start = performance.now();
    let outcome = "ok";
    try {
      return await fn(this.sql);
    } catch (error) {
      outcome = "error";
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
