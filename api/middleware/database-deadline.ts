import type { MiddlewareHandler } from "hono";
import type { Database } from "../db/database.js";
import type { AppEnv } from "../http/node.js";

/**
 * Every database operation of the request is due before the request's own deadline (requestLimits'
 * `timeoutMs`, which starts right after this): a write still running then rolls back instead of committing
 * after the client was answered 503 (db/database.ts). `marginMs` leaves its COMMIT time to finish first.
 *
 * @example app.use("/v1/*", databaseDeadline({ db, timeoutMs: 10_000 }))
 */
export function databaseDeadline(options: {
  db: Database;
  timeoutMs: number;
  marginMs?: number;
}): MiddlewareHandler<AppEnv> {
  const { db, timeoutMs } = options;
  const budget = Math.max(1, timeoutMs - Math.min(options.marginMs ?? 250, timeoutMs / 4));
  return function databaseDeadline(_c, next) {
    return db.withDeadline(performance.now() + budget, next);
  };
}
