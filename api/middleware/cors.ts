import type { MiddlewareHandler } from "hono";
import { cors as honoCors } from "hono/cors";

/**
 * CORS for an allowlist of origins (CORS_ORIGINS); the app installs it only when the list is not empty, so
 * by default no response carries CORS headers. Hono's own middleware, configured for this API's methods and
 * headers.
 *
 * @example if (origins.length > 0) app.use("*", cors(origins))
 */
export function cors(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  return honoCors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "X-Request-Id"],
    exposeHeaders: [
      "ETag",
      "Location",
      "X-Request-Id",
      "Retry-After",
      "RateLimit-Limit",
      "RateLimit-Remaining",
      "RateLimit-Reset",
      "Idempotent-Replayed",
    ],
    maxAge: 600,
  });
}
