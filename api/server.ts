import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { getRequestListener } from "@hono/node-server";
import type { Sql } from "postgres";
import { createApp } from "./app.js";
import { ApiKeyVerifier } from "./auth/verifier.js";
import { type ApiConfig, METRICS_PATH } from "./config.js";
import { ensureBootstrapKey } from "./db/api-keys.js";
import { classifyDatabaseError, closeSql, createSql } from "./db/client.js";
import { Database } from "./db/database.js";
import { purgeExpiredIdempotencyKeys } from "./db/idempotency.js";
import { migrate } from "./db/migrate.js";
import { adapterErrorResponse, clientErrorHandler, rejectMissingHost } from "./http/client-error.js";
import { createLiveProbe } from "./http/live-probe.js";
import { createLifecycle, type Lifecycle } from "./lifecycle.js";
import type { ErrorTracker } from "./observability/error-tracking.js";
import { createLogger, flushLogger, type Logger } from "./observability/logger.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";
import type { Tracing } from "./observability/tracing.js";

export interface StartServerOptions {
  logger?: Logger;
  /** Apply pending migrations before listening (default true). */
  migrate?: boolean;
  /** Give up start-up after this long if PostgreSQL stays unreachable (default 60 s). */
  startupDatabaseWaitMs?: number;
  /** From startTracing(): adds a server span per request. */
  tracing?: Tracing;
  /** From startErrorTracking(): 5xx answers are reported to it (the caller flushes and closes it). */
  errorTracker?: ErrorTracker;
  /** Override PORT / METRICS_PORT (0 = any free port; tests). */
  port?: number;
  metricsPort?: number;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:3000 (the bound address; port 0 resolves to the real port). */
  url: string;
  metricsUrl: string;
  port: number;
  metricsPort: number;
  app: ReturnType<typeof createApp>;
  sql: Sql;
  metrics: Metrics;
  logger: Logger;
  lifecycle: Lifecycle;
  keys: ApiKeyVerifier;
  /**
   * Graceful stop: readiness → 503 at once, optional drain delay, stop accepting connections, let
   * in-flight requests finish (bounded by SHUTDOWN_TIMEOUT_MS, then remaining sockets are destroyed),
   * close the metrics server and the pool. Idempotent: later calls return the same promise.
   */
  shutdown(reason?: string): Promise<void>;
  /** Alias of shutdown(). */
  close(): Promise<void>;
}

function urlFor(host: string, port: number): string {
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function migrateWithRetry(sql: Sql, logger: Logger, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await migrate(sql);
      logger.info({ applied: result.applied, schemaVersion: result.current }, "migrations up to date");
      return;
    } catch (error) {
      if (classifyDatabaseError(error) !== "unavailable" || Date.now() >= deadline) throw error;
      const delay = Math.min(5_000, 250 * 2 ** Math.min(attempt, 5));
      logger.warn(
        { attempt, retryInMs: delay, code: (error as { code?: string }).code },
        "database not reachable yet",
      );
      await sleep(delay);
    }
  }
}

/** Start the API (and the metrics server) from a validated configuration. */
export async function startServer(
  config: ApiConfig,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config);
  const metrics = createMetrics();
  const sql = createSql(config);
  const db = new Database(sql, config.DATABASE_POOL_MAX, metrics, {
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    operationTimeoutMs: config.REQUEST_TIMEOUT_MS,
  });
  const lifecycle = createLifecycle();

  try {
    // MIGRATE_ON_START=false in the clouds: the migrator ran them; the API's role has no DDL.
    if (options.migrate ?? config.MIGRATE_ON_START)
      await migrateWithRetry(sql, logger, options.startupDatabaseWaitMs ?? 60_000);
    if (config.BOOTSTRAP_API_KEY) {
      // Logs the key's id and what happened, never the key (nor its prefix).
      const bootstrap = await ensureBootstrapKey(sql, config.BOOTSTRAP_API_KEY);
      const fields = { keyId: bootstrap.id, revokedPrevious: bootstrap.revokedPrevious };
      if (bootstrap.outcome === "revoked") {
        logger.warn(
          fields,
          "BOOTSTRAP_API_KEY is revoked (rotated since, or revoked by an operator) and stays revoked: rotate the bootstrap key to get a working one",
        );
      } else {
        logger.info({ ...fields, outcome: bootstrap.outcome }, "bootstrap API key ensured");
      }
    }
  } catch (error) {
    await closeSql(sql, 2).catch(() => undefined);
    throw error;
  }

  const keys = new ApiKeyVerifier(db, config.API_KEY_CACHE_TTL_MS, metrics);
  const app = createApp({
    config,
    db,
    logger,
    metrics,
    lifecycle,
    keys,
    tracing: options.tracing?.middleware,
    errors: options.errorTracker,
  });

  const headersTimeout = config.KEEP_ALIVE_TIMEOUT_MS + 1_000;
  const liveProbe = createLiveProbe({
    metrics,
    lifecycle,
    logger,
    corsEnabled: config.CORS_ORIGINS.length > 0,
    tracing: options.tracing !== undefined,
  });
  // An HTTP/1.0 request may omit Host (a readiness probe often does): the adapter then uses this one.
  // Requests it still cannot build (a bad Host or target) get a problem, not its empty 400.
  const honoListener = getRequestListener(app.fetch, {
    hostname: "localhost",
    errorHandler: adapterErrorResponse,
  });
  // The liveness probe is answered ahead of Hono (see createLiveProbe); everything else goes to the app.
  // Created without listening: listen() below turns errors (EADDRINUSE) into a rejected start-up.
  const server = createServer(
    {
      // Above the load balancer's idle timeout (ALB: 60 s), or it reuses sockets we already closed: 502s.
      keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
      headersTimeout,
      requestTimeout: headersTimeout + config.REQUEST_TIMEOUT_MS,
      // HTTP/1.1 without Host is answered by rejectMissingHost (with a body), not by Node (without one).
      requireHostHeader: false,
    },
    (req, res) => {
      if (!liveProbe(req, res) && !rejectMissingHost(req, res)) void honoListener(req, res);
    },
  );

  // Malformed requests, oversized headers, timeouts: a problem body and a request id, not Node's empty answer.
  server.on("clientError", clientErrorHandler(logger));

  const metricsServer = createServer((req: IncomingMessage, res: ServerResponse) => {
    if ((req.method === "GET" || req.method === "HEAD") && req.url?.split("?")[0] === METRICS_PATH) {
      metrics.registry.metrics().then(
        (body) => {
          res.writeHead(200, { "Content-Type": metrics.registry.contentType });
          res.end(req.method === "HEAD" ? undefined : body);
        },
        () => {
          res.writeHead(500, { "Content-Type": "text/plain" });
          res.end("metrics collection failed\n");
        },
      );
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain" });
    res.end("not found\n");
  });

  let port: number;
  let metricsPort: number;
  try {
    port = await listen(server, options.port ?? config.PORT, config.HOST);
    metricsPort = await listen(metricsServer, options.metricsPort ?? config.METRICS_PORT, config.HOST);
  } catch (error) {
    server.close();
    metricsServer.close();
    await closeSql(sql, 2).catch(() => undefined);
    throw error;
  }

  const cleanup = setInterval(() => {
    purgeExpiredIdempotencyKeys(db).catch((error) =>
      logger.warn({ code: (error as { code?: string }).code }, "idempotency cleanup failed"),
    );
  }, 15 * 60_000);
  cleanup.unref();

  const url = urlFor(config.HOST, port);
  const metricsUrl = `${urlFor(config.HOST, metricsPort)}/metrics`;
  logger.info({ url, metricsUrl }, "listening");

  let stopping: Promise<void> | undefined;
  const shutdown = (reason = "shutdown") => {
    stopping ??= (async () => {
      lifecycle.shuttingDown = true;
      logger.info({ reason, inFlight: db.inFlight }, "shutting down: readiness now 503");
      if (config.SHUTDOWN_DRAIN_DELAY_MS > 0) await sleep(config.SHUTDOWN_DRAIN_DELAY_MS);
      clearInterval(cleanup);
      const closed = closeServer(server);
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        logger.warn("shutdown timeout reached: closing remaining connections");
        server.closeAllConnections();
      }, config.SHUTDOWN_TIMEOUT_MS);
      await closed;
      clearTimeout(timer);
      metricsServer.closeAllConnections();
      await closeServer(metricsServer);
      await closeSql(sql, 5).catch(() => undefined);
      logger.info("shutdown complete");
      flushLogger(logger);
    })();
    return stopping;
  };

  return {
    url,
    metricsUrl,
    port,
    metricsPort,
    app,
    sql,
    metrics,
    logger,
    lifecycle,
    keys,
    shutdown,
    close: () => shutdown(),
  };
}
