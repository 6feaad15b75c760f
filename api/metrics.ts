import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Includes 0.2 s, the latency SLO boundary, so "p95 < 200 ms" is read off a bucket, not interpolated. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10];
const DB_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5];

export interface PoolStats {
  max: number;
  inUse: () => number;
  waiting: () => number;
}

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route" | "status">;
  dbQueryDuration: Histogram<"operation" | "outcome">;
  tasksCreated: Counter;
  tasksCompleted: Counter;
  tasksDeleted: Counter;
  rateLimited: Counter<"scope">;
  apiKeyCacheLookups: Counter<"result">;
  /** Wire the pool gauges to a live pool (done by the server once the pool exists). */
  setPoolStats(stats: PoolStats): void;
}

/**
 * One registry per app instance (tests run several apps in one process). Default process metrics
 * include event-loop lag (`nodejs_eventloop_lag_*`), heap, GC and RSS.
 */
export function createMetrics(options: { defaultMetrics?: boolean; prefix?: string } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  let pool: PoolStats = { max: 0, inUse: () => 0, waiting: () => 0 };
  const registers = [registry];
  new Gauge({
    name: "db_pool_max_connections",
    help: "Configured maximum size of the PostgreSQL connection pool (DATABASE_POOL_MAX).",
    registers,
    collect() {
      this.set(pool.max);
    },
  });
  new Gauge({
    name: "db_pool_in_use_connections",
    help: "Pool connections busy with a query or transaction right now.",
    registers,
    collect() {
      this.set(pool.inUse());
    },
  });
  new Gauge({
    name: "db_pool_waiting_queries",
    help: "Queries waiting for a free pool connection.",
    registers,
    collect() {
      this.set(pool.waiting());
    },
  });
  return {
    registry,
    httpRequests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests served, by method, matched route pattern and status code.",
      labelNames: ["method", "route", "status"] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration in seconds, by method, matched route pattern and status code.",
      labelNames: ["method", "route", "status"] as const,
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    }),
    dbQueryDuration: new Histogram({
      name: "db_query_duration_seconds",
      help: "Duration of database operations (queries and transactions) in seconds.",
      labelNames: ["operation", "outcome"] as const,
      buckets: DB_DURATION_BUCKETS,
      registers,
    }),
    tasksCreated: new Counter({ name: "tasks_created_total", help: "Tasks created.", registers }),
    tasksCompleted: new Counter({
      name: "tasks_completed_total",
      help: "Tasks that reached status done (created as done, or moved to done).",
      registers,
    }),
    tasksDeleted: new Counter({ name: "tasks_deleted_total", help: "Tasks deleted.", registers }),
    rateLimited: new Counter({
      name: "http_rate_limited_total",
      help: "Requests answered 429, by limiter scope (key or ip).",
      labelNames: ["scope"] as const,
      registers,
    }),
    apiKeyCacheLookups: new Counter({
      name: "api_key_cache_lookups_total",
      help: "API key verifications by result: hit (cache), miss (database), negative (cached unknown key).",
      labelNames: ["result"] as const,
      registers,
    }),
    setPoolStats(stats) {
      pool = stats;
    },
  };
}
