import { AsyncLocalStorage } from "node:async_hooks";
import type { Sql, TransactionSql } from "postgres";
import type { Metrics } from "../observability/metrics.js";
import { classifyDatabaseError } from "./client.js";

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
  constructor(message = "database unreachable (failing fast)") {
    super(message);
    this.name = "DatabaseUnreachableError";
  }
}

/** An operation that ran past its deadline; classified as "timeout" (503 database-busy), like statement_timeout. */
class DeadlineExceededError extends Error {
  readonly code = "57014";
  constructor(message = "database operation deadline exceeded") {
    super(message);
    this.name = "DeadlineExceededError";
  }
}

/** One operation in flight: its deadline (performance.now() ms) and how far its write got. */
interface Operation {
  start: number;
  deadline: number;
  /** Answered (rejected) already: a write must not commit any more. */
  abandoned: boolean;
  /** A write whose COMMIT has been issued: its outcome is the COMMIT's, the timer no longer answers. */
  committing: boolean;
  /** A write that holds a connection (its BEGIN answered): the database is up, only slow. */
  connected: boolean;
}

export interface DatabaseOptions {
  /** Fail every operation at once for this long after a failed connect (default 0.5 s: recovery is at most
   * this much behind PostgreSQL coming back; 0 = off). */
  failFastMs?: number;
  /** DATABASE_CONNECT_TIMEOUT_MS: how long an operation may wait for a connection while connects fail. */
  connectTimeoutMs?: number;
  /** Deadline of an operation outside a request (`withDeadline`), e.g. readiness pings (default 10 s). */
  operationTimeoutMs?: number;
  /** DATABASE_STATEMENT_TIMEOUT_MS: a write's `statement_timeout` never exceeds it. */
  statementTimeoutMs?: number;
}

/**
 * The pool plus instrumentation: every database operation goes through `run` (reads, one statement) or
 * `write` (a transaction), which times it into `db_query_duration_seconds` and tracks how many operations
 * are in flight. postgres.js has no public pool statistics, so pool "in use" and "waiting" are derived from
 * in-flight operations vs the pool size (an operation holds exactly one connection while it runs).
 *
 * Fail fast: when PostgreSQL cannot be reached at all (connection refused, connect timeout, unknown host),
 * operations fail at once for `failFastMs` instead of each waiting for its own connect timeout; the next
 * operation after that window tries again, so recovery is automatic. Errors on an established connection
 * (reset, closed) do not trip it: one dropped idle connection must not fail the whole replica.
 *
 * Bounded: every operation is answered by its deadline (the request's, from `withDeadline`, else
 * `operationTimeoutMs`), and within `connectTimeoutMs` + 0.5 s while connects are failing (an outage of any
 * length: the driver may still hold the operation in its queue). An operation answered that way is
 * abandoned; a read that still runs later is harmless, and a write cannot commit late: `write` runs it in a
 * transaction whose `statement_timeout` ends at the deadline and which checks, right before COMMIT, that it
 * was not abandoned (else it rolls back). Once COMMIT is issued the write waits for its outcome.
 */
export class Database {
  #inFlight = 0;
  #unreachableUntil = 0;
  #lastOkAt = 0;
  #lastConnectFailureAt = -1;
  readonly #deadlines = new AsyncLocalStorage<number>();
  readonly #failFastMs: number;
  readonly #connectTimeoutMs: number;
  readonly #operationTimeoutMs: number;
  readonly #statementTimeoutMs: number;

  constructor(
    readonly sql: Sql,
    readonly poolMax: number,
    private readonly metrics?: Metrics,
    options: DatabaseOptions = {},
  ) {
    this.#failFastMs = options.failFastMs ?? 500;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 3_000;
    this.#operationTimeoutMs = options.operationTimeoutMs ?? 10_000;
    this.#statementTimeoutMs = options.statementTimeoutMs ?? 5_000;
    metrics?.setPoolStats({
      max: poolMax,
      inUse: () => Math.min(this.#inFlight, poolMax),
      waiting: () => Math.max(0, this.#inFlight - poolMax),
    });
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Runs `fn` with every operation it starts due by `deadline` (a `performance.now()` time). */
  withDeadline<T>(deadline: number, fn: () => T): T {
    return this.#deadlines.run(deadline, fn);
  }

  /** One read (or one harmless statement): answered by its deadline, even if the driver still holds it. */
  run<T>(operation: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.#execute(operation, (sql) => fn(sql));
  }

  /**
   * A write, in one transaction that cannot commit after the operation was answered (see the class comment).
   * `fn` runs with `statement_timeout` set to what is left of the deadline.
   */
  write<T>(
    operation: string,
    fn: (tx: TransactionSql) => Promise<T>,
    options: {
      /**
       * false: keep the session's statement_timeout instead of ending it at the deadline (one statement less;
       * for a write that waits on no lock, e.g. a plain INSERT). The COMMIT guard applies either way.
       */
      boundStatements?: boolean;
      /**
       * A single statement that waits on no lock (a plain INSERT): sent on its own, auto-committed (one round
       * trip instead of three) when it cannot outlive its request: PostgreSQL is known reachable (no connect
       * failure since the last success, so the driver sends it at once instead of queueing it) and the
       * deadline leaves room for a connect attempt and a whole statement_timeout. Once sent it is never
       * abandoned: its outcome is the answer. Otherwise it runs as the guarded transaction.
       */
      single?: boolean;
    } = {},
  ): Promise<T> {
    if (options.single) {
      const now = performance.now();
      const deadline = this.#deadlines.getStore() ?? now + this.#operationTimeoutMs;
      const room = this.#connectTimeoutMs + this.#statementTimeoutMs + 500;
      if (!this.#unreachable(now) && deadline - now >= room) {
        return this.#execute(operation, (sql) => fn(sql as unknown as TransactionSql), false);
      }
    }
    return this.#execute(
      operation,
      (sql, op) =>
        sql.begin(async (tx) => {
          if (op.abandoned) throw new DeadlineExceededError("abandoned before it began");
          op.connected = true;
          this.#lastOkAt = performance.now();
          const left = Math.floor(op.deadline - performance.now());
          if (left <= 0) throw new DeadlineExceededError();
          const timeout = String(Math.min(left, this.#statementTimeoutMs));
          // Sent first, pipelined with fn's first statement: no extra round trip.
          const setting =
            options.boundStatements === false
              ? undefined
              : tx`select set_config('statement_timeout', ${timeout}, true)`.execute();
          const [, result] = await Promise.all([setting, fn(tx)]).catch((error: unknown) => {
            // The connection is gone (PostgreSQL stopping, a reset): sql.begin would now send ROLLBACK on it,
            // and postgres.js throws an uncaught TypeError writing to the closed socket (seen in the outage
            // test). Never settle instead: sql.begin rejects by itself when the connection closes, and the
            // server has rolled the transaction back.
            if (classifyDatabaseError(error) === "unavailable") return new Promise<never>(() => {});
            throw error;
          });
          // The commit point: nothing between this check and sql.begin issuing COMMIT yields to a timer.
          if (op.abandoned || performance.now() >= op.deadline) {
            throw new DeadlineExceededError("deadline passed before COMMIT");
          }
          op.committing = true;
          return result;
        }) as Promise<T>,
    );
  }

  async #execute<T>(
    operation: string,
    fn: (sql: Sql, op: Operation) => Promise<T>,
    bounded = true,
  ): Promise<T> {
    if (this.#unreachableUntil !== 0) {
      if (performance.now() < this.#unreachableUntil) {
        this.#observe(operation, "fail_fast", 0);
        throw new DatabaseUnreachableError();
      }
      this.#unreachableUntil = 0;
    }
    const start = performance.now();
    const op: Operation = {
      start,
      deadline: this.#deadlines.getStore() ?? start + this.#operationTimeoutMs,
      abandoned: false,
      committing: false,
      connected: false,
    };
    this.#inFlight++;
    let outcome = "ok";
    try {
      const result = await (bounded ? this.#bounded(fn(this.sql, op), op) : fn(this.sql, op));
      this.#lastOkAt = performance.now();
      return result;
    } catch (error) {
      outcome = op.abandoned ? "abandoned" : "error";
      const code = (error as { code?: unknown } | null)?.code;
      if (!op.abandoned && typeof code === "string" && CONNECT_FAILURES.has(code)) {
        this.#lastConnectFailureAt = performance.now();
        if (this.#failFastMs > 0) this.#unreachableUntil = this.#lastConnectFailureAt + this.#failFastMs;
      }
      throw error;
    } finally {
      this.#inFlight--;
      this.#observe(operation, outcome, (performance.now() - start) / 1000);
    }
  }

  /** True while connects fail and nothing has succeeded since. */
  #unreachable(now: number): boolean {
    return this.#lastConnectFailureAt > this.#lastOkAt || now < this.#unreachableUntil;
  }

  /** `work`'s outcome, or a rejection at the deadline / once connects keep failing past the connect budget. */
  #bounded<T>(work: Promise<T>, op: Operation): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      work.then(
        (value) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(error);
        },
      );
      const abandon = (error: Error) => {
        settled = true;
        op.abandoned = true;
        reject(error);
      };
      const check = () => {
        if (settled || op.committing) return; // a COMMIT in flight: wait for its outcome
        const now = performance.now();
        if (now >= op.deadline) return abandon(new DeadlineExceededError());
        if (!op.connected && this.#unreachable(now)) {
          return abandon(new DatabaseUnreachableError("no connection within the connect timeout"));
        }
        timer = setTimeout(check, Math.min(250, op.deadline - now));
      };
      const acquireBy = op.start + this.#connectTimeoutMs + 500;
      timer = setTimeout(check, Math.max(0, Math.min(acquireBy, op.deadline) - performance.now()));
    });
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
