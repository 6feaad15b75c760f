import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { ApiKeyVerifier } from "./auth/verifier.js";
import type { ApiConfig } from "./config.js";
import type { Database } from "./db/database.js";
import { TaskRepository } from "./db/tasks.js";
import { errorHandler, notFoundHandler } from "./http/errors.js";
import type { AppEnv } from "./http/node.js";
import { OPENAPI_DOCUMENT, OPENAPI_PATH, registerOpenApiComponents } from "./http/openapi.js";
import { createLifecycle, type Lifecycle } from "./lifecycle.js";
import { apiKeyAuth, requireScope } from "./middleware/auth.js";
import { compression } from "./middleware/compression.js";
import { cors } from "./middleware/cors.js";
import { databaseDeadline } from "./middleware/database-deadline.js";
import { negotiation } from "./middleware/negotiation.js";
import { rateLimitByClientIp, rateLimitByKey, SlidingWindowRateLimiter } from "./middleware/rate-limit.js";
import { requestContext } from "./middleware/request-context.js";
import { requestLimits } from "./middleware/request-limits.js";
import type { ErrorTracker } from "./observability/error-tracking.js";
import type { Logger } from "./observability/logger.js";
import type { Metrics } from "./observability/metrics.js";
import { docsRouter } from "./routes/docs/docs.index.js";
import { healthRouter } from "./routes/health/health.index.js";
import { tasksRouter } from "./routes/tasks/tasks.index.js";

export type AppConfig = Pick<
  ApiConfig,
  | "REQUEST_TIMEOUT_MS"
  | "BODY_LIMIT_BYTES"
  | "RATE_LIMIT_PER_MINUTE"
  | "CORS_ORIGINS"
  | "TRUST_PROXY"
  | "API_KEY_CACHE_TTL_MS"
  | "DATABASE_CONNECT_TIMEOUT_MS"
>;

export interface AppDeps {
  config: AppConfig;
  db: Database;
  logger: Logger;
  metrics: Metrics;
  lifecycle?: Lifecycle;
  /** Defaults to a verifier over `db` with API_KEY_CACHE_TTL_MS. */
  keys?: ApiKeyVerifier;
  /**
   * Server-span middleware from `startTracing()` (only when OTEL_EXPORTER_OTLP_ENDPOINT is set): the app
   * itself never imports OpenTelemetry. It must set the `traceId` variable.
   */
  tracing?: MiddlewareHandler;
  /** From `startErrorTracking()` (only when SENTRY_DSN is set): 5xx answers are reported to it. */
  errors?: ErrorTracker;
}

/** The API as a Hono app: pure (no listener), testable with `app.request()`. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const { config, db, logger, metrics } = deps;
  const lifecycle = deps.lifecycle ?? createLifecycle();
  const keys = deps.keys ?? new ApiKeyVerifier(db, config.API_KEY_CACHE_TTL_MS, metrics);
  const limiter = new SlidingWindowRateLimiter(config.RATE_LIMIT_PER_MINUTE);
  const app = new OpenAPIHono<AppEnv>();

  // Every request, outermost first. Each layer costs one promise; the order is the behaviour.
  app.use(
    "*",
    requestContext({ logger, metrics, lifecycle, tracing: deps.tracing !== undefined, errors: deps.errors }),
  );
  app.use("*", compression());
  if (deps.tracing) app.use("*", deps.tracing);
  if (config.CORS_ORIGINS.length > 0) app.use("*", cors(config.CORS_ORIGINS));

  // Health: no auth, no rate limit.
  const readyTimeoutMs = Math.min(2_000, config.DATABASE_CONNECT_TIMEOUT_MS);
  app.route("/", healthRouter({ db, lifecycle, readyTimeoutMs }));

  // /v1: the client IP's budget before any key lookup, the key, its budget, its scope, Accept (406), then the
  // deadline and the body limit around the handler.
  app.use(
    "/v1/*",
    apiKeyAuth({
      keys,
      beforeLookup: rateLimitByClientIp({ limiter, metrics, trustProxy: config.TRUST_PROXY }),
    }),
    rateLimitByKey({ limiter, metrics }),
    requireScope(),
    negotiation(),
    databaseDeadline({ db, timeoutMs: config.REQUEST_TIMEOUT_MS }),
    requestLimits({ timeoutMs: config.REQUEST_TIMEOUT_MS, maxBodyBytes: config.BODY_LIMIT_BYTES }),
  );
  app.route("/", tasksRouter({ tasks: new TaskRepository(db), metrics }));

  registerOpenApiComponents(app.openAPIRegistry);
  app.doc31(OPENAPI_PATH, OPENAPI_DOCUMENT);
  app.route("/", docsRouter());

  app.notFound(notFoundHandler(() => app.routes));
  app.onError(errorHandler(logger));
  return app;
}
