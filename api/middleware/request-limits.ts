import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { timeout } from "hono/timeout";
import { type AppEnv, declaredContentLength } from "../http/node.js";
import { problem } from "../http/problem.js";

/**
 * Bounds a request in time and size:
 * - the deadline: 503 `request-timeout` (with `Retry-After: 1`) when the rest of the chain has not answered
 *   within `timeoutMs`; Hono's `timeout`, which does not cancel the work behind it (docs/api.md);
 * - inside it, 413 for a POST, PATCH or PUT body above `maxBodyBytes`. A body with a Content-Length is checked
 *   by one comparison (http/node.ts `declaredContentLength`); only chunked bodies go through Hono's
 *   `bodyLimit`, which counts them while they stream.
 *
 * @example app.use("/v1/*", requestLimits({ timeoutMs: 10_000, maxBodyBytes: 65_536 }))
 */
export function requestLimits(options: {
  timeoutMs: number;
  maxBodyBytes: number;
}): MiddlewareHandler<AppEnv> {
  const { timeoutMs, maxBodyBytes } = options;
  const deadline = timeout(timeoutMs, () =>
    problem(503, {
      slug: "request-timeout",
      title: "Request timed out",
      detail: "The request took too long to process; it is safe to retry idempotent requests.",
      headers: { "Retry-After": "1" },
    }),
  );
  const tooLarge = () => problem(413, { detail: `The request body must not exceed ${maxBodyBytes} bytes.` });
  const streamed = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw tooLarge();
    },
  });
  return function requestLimits(c, next) {
    const method = c.req.method;
    if (method !== "POST" && method !== "PATCH" && method !== "PUT") return deadline(c, next);
    return deadline(c, () => {
      const length = declaredContentLength(c);
      if (length === undefined) return streamed(c, next) as Promise<void>;
      if (length > maxBodyBytes) throw tooLarge();
      return next();
    });
  };
}
