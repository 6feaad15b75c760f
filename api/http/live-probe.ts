import type { IncomingMessage, ServerResponse } from "node:http";
import { HEALTH_PATHS } from "../config.js";
import type { Lifecycle } from "../lifecycle.js";
import { requestIdFrom, SECURITY_HEADERS } from "../middleware/request-context.js";
import type { Logger } from "../observability/logger.js";
import { type Metrics, observeRequest } from "../observability/metrics.js";
import { LIVE_BODY, LIVE_HEADERS } from "../routes/health/health.handlers.js";
import { JSON_CONTENT_TYPE } from "./node.js";

/**
 * `GET /health/live` answered straight from the Node request listener, ahead of Hono: load-balancer and
 * orchestrator probes hit it every few seconds per replica and it needs nothing Hono offers. It answers the
 * same status, body and headers as the routed handler (a test compares the two) and counts in the same
 * request metric. Anything else (HEAD, a query string, an Origin when CORS is on, debug logging that wants
 * its line, tracing that wants its span) returns false and goes through the app as usual.
 */
export function createLiveProbe(deps: {
  metrics: Metrics;
  lifecycle: Lifecycle;
  corsEnabled: boolean;
  logger: Logger;
  tracing: boolean;
}): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { metrics, lifecycle, corsEnabled, logger, tracing } = deps;
  const body = Buffer.from(LIVE_BODY);
  const fixed: string[] = [];
  for (const [name, value] of [
    ...SECURITY_HEADERS,
    ["content-type", JSON_CONTENT_TYPE] as const,
    ...Object.entries(LIVE_HEADERS),
    ["content-length", String(body.length)] as const,
  ])
    fixed.push(name, value);
  return (req, res) => {
    if (req.url !== HEALTH_PATHS.live || req.method !== "GET" || tracing) return false;
    const headers = req.headers;
    if ((corsEnabled && headers.origin !== undefined) || logger.isLevelEnabled("debug")) return false;
    const start = performance.now();
    const incomingId = headers["x-request-id"];
    const out = fixed.slice();
    out.push("X-Request-Id", requestIdFrom(typeof incomingId === "string" ? incomingId : undefined));
    // Compression never applies to a body this small, but the routed handler still varies on it.
    if (headers["accept-encoding"] !== undefined) out.push("Vary", "Accept-Encoding");
    if (lifecycle.shuttingDown) out.push("Connection", "close");
    res.writeHead(200, out);
    res.end(body);
    observeRequest(metrics, "GET", HEALTH_PATHS.live, 200, (performance.now() - start) / 1000);
    return true;
  };
}
