import type { MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import { timeout } from "hono/timeout";
import { type AppEnv, declaredContentLength } from "../http/node.js";
import { problem } from "../http/problem.js";

/**
 * The request deadline: 503 `request-timeout` (with `Retry-After: 1`) when the rest of the chain has not
 * answered within `ms`. Hono's `timeout`; the work behind it is not cancelled (docs/api.md).
 *
 * @example app.use("/v1/*", deadline(config.REQUEST_TIMEOUT_MS))
 */
export function deadline(ms: number): MiddlewareHandler {
  return timeout(ms, () =>
    problem(503, {
      slug: "request-timeout",
      title: "Request timed out",
      detail: "The request took too long to process; it is safe to retry idempotent requests.",
      headers: { "Retry-After": "1" },
    }),
  );
}

/**
 * 413 for a POST, PATCH or PUT body above `maxBytes`. A body with a Content-Length is checked by one
 * comparison (http/node.ts `declaredContentLength`); only chunked bodies go through Hono's `bodyLimit`, which
 * counts them while they stream.
 *
 * @example app.use("/v1/*", bodyLimit(config.BODY_LIMIT_BYTES))
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = () => problem(413, { detail: `The request body must not exceed ${maxBytes} bytes.` });
  const streamed = honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge();
    },
  });
  return function bodyLimit(c, next) {
    const method = c.req.method;
    if (method !== "POST" && method !== "PATCH" && method !== "PUT") return next();
    const length = declaredContentLength(c);
    if (length === undefined) return streamed(c, next);
    if (length > maxBytes) throw tooLarge();
    return next();
  };
}
