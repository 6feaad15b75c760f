import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { timeout } from "hono/timeout";
import { type AppEnv, declaredContentLength } from "../http/node.js";
import { problem } from "../http/problem.js";

declare module "hono" {
  interface ContextVariableMap {
    /**
     * True while the API waits for the client's request body (set around the read: here for chunked bodies,
     * in http/validation.ts for the JSON body): a deadline then is the client's fault.
     */
    receivingBody: boolean | undefined;
  }
}

/**
 * Bounds a request in time and size:
 * - the deadline: 503 `request-timeout` (with `Retry-After: 1`) when the rest of the chain has not answered
 *   within `timeoutMs`; Hono's `timeout`, which does not cancel the work behind it (docs/api.md). When the
 *   API was still waiting for the request body at that point (`receivingBody`, and under Node the message is
 *   not complete), the client is too slow: 408 `body-timeout` with `Connection: close` (RFC 9110 §15.5.9), a
 *   4xx that does not count against the 5xx error budget;
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
  const deadline = timeout(timeoutMs, (c: Context<AppEnv>) =>
    c.get("receivingBody") === true && c.env?.incoming?.complete !== true
      ? problem(408, {
          slug: "body-timeout",
          title: "Request body too slow",
          detail: `The request body did not arrive within ${timeoutMs} ms.`,
          headers: { Connection: "close" },
        })
      : problem(503, {
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
      if (length === undefined) {
        c.set("receivingBody", true);
        return streamed(c, () => {
          c.set("receivingBody", false);
          return next();
        }) as Promise<void>;
      }
      if (length > maxBodyBytes) throw tooLarge();
      return next();
    });
  };
}
