import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";

/** Includes 0.2 s, the latency SLO boundary, so "p95 < 200 ms" is read off a bucket, not interpolated. */
const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10];
const DB_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5];

type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  count: number;
  sum: number;
  /** Per-bucket (non-cumulative) counts; the last slot is +Inf. */
  buckets: Float64Array;
}

/**
 * A histogram (and its `_count` as an optional counter) for the request hot path. prom-client hashes the
 * label object on every observe(); here the caller passes a precomputed key, so recording is a Map lookup
 * and a few additions. The registry renders it like a prom-client histogram at scrape time.
 */
export class FastHistogram {
  readonly #series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
    registry: Registry,
    /** Also expose the observation count as a counter with this name (e.g. http_requests_total). */
    counterName?: string,
    counterHelp?: string,
    private readonly maxSeries = 10_000,
  ) {
    registry.registerMetric(this.#asMetric(name, help, "histogram", () => this.#histogramValues()) as never);
    if (counterName) {
      registry.registerMetric(
        this.#asMetric(counterName, counterHelp ?? counterName, "counter", () =>
          [...this.#series.values()].map((s) => ({ labels: s.labels, value: s.count })),
        ) as never,
      );
    }
  }

  /** `key` must identify `labels` (e.g. their values joined); `labels` is only read on first sight. */
  observe(key: string, labels: () => Labels, seconds: number): void {
    let series = this.#series.get(key);
    if (!series) {
      if (this.#series.size >= this.maxSeries) return;
      series = { labels: labels(), count: 0, sum: 0, buckets: new Float64Array(this.bounds.length + 1) };
      this.#series.set(key, series);
    }
    series.count++;
    series.sum += seconds;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    series.buckets[i]!++;
  }

  #histogramValues() {
    const values: { labels: Labels; value: number; metricName: string }[] = [];
    for (const series of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += series.buckets[i]!;
        const le = i < this.bounds.length ? String(this.bounds[i]) : "+Inf";
        values.push({
          labels: { le, ...series.labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ labels: series.labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: series.labels, value: series.count, metricName: `${this.name}_count` });
    }
    return values;
  }

  #asMetric(name: string, help: string, type: string, values: () => unknown[]) {
    return {
      name,
      help,
      type,
      get: async () => ({ name, help, type, values: values(), aggregator: "sum" }),
      reset: () => this.#series.clear(),
    };
  }
}

export interface PoolStats {
  max: number;
  inUse: () => number;
  waiting: () => number;
}

export interface Metrics {
  registry: Registry;
  /** http_request_duration_seconds + http_requests_total{method, route, status}. */
  http: FastHistogram;
  /** db_query_duration_seconds{operation, outcome}. */
  dbQueryDuration: FastHistogram;
  tasksCreated: Counter;
  tasksCompleted: Counter;
  tasksDeleted: Counter;
  rateLimited: Counter<"scope">;
  /** Plain counters bumped on the hot path, exported as api_key_cache_lookups_total{result} at scrape. */
  apiKeyCacheLookups: { hit: number; miss: number; negative: number };
  /** Wire the pool gauges to a live pool (done by the server once the pool exists). */
  setPoolStats(stats: PoolStats): void;
}

/**
 * One registry per app instance (tests run several apps in one process). Default process metrics
 * include event-loop lag (`nodejs_eventloop_lag_*`), heap, GC and RSS.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  let pool: PoolStats = { max: 0, inUse: () => 0, waiting: () => 0 };
  const keyLookups = { hit: 0, miss: 0, negative: 0 };
  new Counter({
    name: "api_key_cache_lookups_total",
    help: "API key verifications by result: hit (cache), miss (database), negative (cached unknown key).",
    labelNames: ["result"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const result of ["hit", "miss", "negative"] as const) this.inc({ result }, keyLookups[result]);
    },
  });
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
    http: new FastHistogram(
      "http_request_duration_seconds",
      "HTTP request duration in seconds, by method, matched route pattern and status code.",
      HTTP_DURATION_BUCKETS,
      registry,
      "http_requests_total",
      "HTTP requests served, by method, matched route pattern and status code.",
    ),
    dbQueryDuration: new FastHistogram(
      "db_query_duration_seconds",
      "Duration of database operations (queries and transactions) in seconds.",
      DB_DURATION_BUCKETS,
      registry,
    ),
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
    apiKeyCacheLookups: keyLookups,
    setPoolStats(stats) {
      pool = stats;
    },
  };
}

/** One request in http_requests_total / http_request_duration_seconds, labelled by route pattern. */
export function observeRequest(
  metrics: Metrics,
  method: string,
  route: string,
  status: number,
  seconds: number,
) {
  metrics.http.observe(
    `${method} ${route} ${status}`,
    () => ({ method, route, status: String(status) }),
    seconds,
  );
}
