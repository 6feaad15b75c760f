import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { HEALTH_PATHS } from "../config.js";
import { type AppEnv, presetHeaders, requestHeader } from "../http/node.js";
import { routeLabel } from "../http/route.js";
import type { Lifecycle } from "../lifecycle.js";
import type { ErrorTracker } from "../observability/error-tracking.js";
import type { Logger } from "../observability/logger.js";
import { type Metrics, observeRequest } from "../observability/metrics.js";

declare module "hono" {
  interface ContextVariableMap {
    /** The request's id: a well-formed incoming X-Request-Id, else a new UUID; echoed in X-Request-Id. */
    requestId: string;
    /** From `traceparent`, or the server span's trace id when tracing is on (set by its middleware). */
    traceId: string | undefined;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** An incoming X-Request-Id is kept when well-formed, else replaced. */
export function requestIdFrom(incoming: string | undefined): string {
  return incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export const SECURITY_HEADERS: (readonly [string, string])[] = [
  ["Strict-Transport-Security", "max-age=31536000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "DENY"],
  ["Referrer-Policy", "no-referrer"],
  [
    "Content-Security-Policy",
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  ],
];
/**
 * Swagger UI's page (api/routes/docs): its scripts, stylesheet and icon come from the API itself, no inline script
 * or style element; its stylesheet's icons are data: URIs; it fetches only /openapi.json (and, to try a request,
 * /v1 on the same origin).
 */
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const HEALTH_ROUTES = new Set<string>(Object.values(HEALTH_PATHS));

/**
 * What every request gets, outermost: its id and trace id, the security headers, `Connection: close` once
 * shutdown has begun, the request metric and one log line (health checks at debug, 5xx at error).
 *
 * @example app.use("*", requestContext({ logger, metrics, lifecycle, tracing: false }))
 */
export function requestContext(deps: {
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
  /** True when a tracing middleware sets `traceId` from its server span. */
  tracing: boolean;
  /** From startErrorTracking() (only when SENTRY_DSN is set): gets every 5xx answer but the probes' 503s. */
  errors?: ErrorTracker;
}): MiddlewareHandler<AppEnv> {
  const { logger, metrics, lifecycle, tracing, errors } = deps;
  return async function requestContext(c, next) {
    const start = performance.now();
    const requestId = requestIdFrom(requestHeader(c, "x-request-id"));
    c.set("requestId", requestId);
    let traceId: string | undefined;
    if (!tracing) {
      const traceparent = requestHeader(c, "traceparent");
      traceId = traceparent ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
      c.set("traceId", traceId);
    }
    const preset = presetHeaders(c, SECURITY_HEADERS);
    if (preset) {
      c.env.outgoing!.setHeader("X-Request-Id", requestId);
      if (lifecycle.shuttingDown) c.env.outgoing!.setHeader("Connection", "close");
    }
    try {
      await next();
    } finally {
      const res = c.res;
      const route = routeLabel(c);
      if (!preset) {
        const headers = res.headers;
        for (const [name, value] of SECURITY_HEADERS) headers.set(name, value);
        headers.set("X-Request-Id", requestId);
        if (lifecycle.shuttingDown) headers.set("Connection", "close");
      } else if (lifecycle.shuttingDown && !c.env.outgoing!.headersSent) {
        // Shutdown began while this request was in flight: do not keep its connection alive.
        c.env.outgoing!.setHeader("Connection", "close");
      }
      if (route === "/docs") res.headers.set("Content-Security-Policy", DOCS_CSP);
      const status = res.status;
      const seconds = (performance.now() - start) / 1000;
      const method = c.req.method;
      observeRequest(metrics, method, route, status, seconds);
      const level = status >= 500 ? "error" : HEALTH_ROUTES.has(route) ? "debug" : "info";
      if (logger.isLevelEnabled(level)) {
        logger[level](
          {
            requestId,
            traceId: traceId ?? c.get("traceId"),
            method,
            route,
            status,
            durationMs: Math.round(seconds * 1e6) / 1e3,
          },
          "request",
        );
      }
      if (status >= 500 && errors !== undefined && !(status === 503 && HEALTH_ROUTES.has(route))) {
        errors.report({
          error: c.error,
          requestId,
          traceId: traceId ?? c.get("traceId"),
          method,
          route,
          status,
        });
      }
    }
  };
}
