import type { Context, MiddlewareHandler } from "hono";
import { type AppEnv, requestHeader } from "../http/node.js";
import { problem } from "../http/problem.js";
import { rateLimitHeaders, type SlidingWindowRateLimiter } from "../http/rate-limit.js";
import type { Metrics } from "../observability/metrics.js";

/**
 * The per-client-IP budget, for requests without a cached valid key: `apiKeyAuth`'s `beforeLookup`, so it is
 * spent before the key is looked up in the database. 429 with `Retry-After` when exhausted.
 */
export function rateLimitByClientIp(deps: {
  limiter: SlidingWindowRateLimiter;
  metrics: Metrics;
  /** Behind a load balancer: the client is the RIGHTMOST X-Forwarded-For entry. */
  trustProxy: boolean;
}): (c: Context<AppEnv>) => void {
  const { limiter, metrics, trustProxy } = deps;
  const clientIp = (c: Context<AppEnv>): string => {
    if (trustProxy) {
      // The load balancer appends the address it saw: the RIGHTMOST entry is the one we can trust.
      const forwarded = requestHeader(c, "x-forwarded-for");
      if (forwarded) {
        const last = forwarded.slice(forwarded.lastIndexOf(",") + 1).trim();
        if (last) return last;
      }
    }
    return c.env?.incoming?.socket?.remoteAddress ?? "unknown";
  };
  return function rateLimitByClientIp(c) {
    const decision = limiter.consume(`ip:${clientIp(c)}`);
    if (!decision.allowed) {
      metrics.rateLimited.inc({ scope: "ip" });
      throw problem(429, {
        detail: "Too many requests from this address; retry after the delay in Retry-After.",
        headers: rateLimitHeaders(decision),
      });
    }
  };
}

/**
 * The per-API-key budget, after `apiKeyAuth`: 429 with `Retry-After` when exhausted; every later response
 * (including a 403 for a missing scope) carries `RateLimit-Limit`, `RateLimit-Remaining` and
 * `RateLimit-Reset`, set straight on the Node response when there is one (no header record per request).
 *
 * @example app.use("/v1/*", apiKeyAuth({ keys }), rateLimitByKey({ limiter, metrics }))
 */
export function rateLimitByKey(deps: {
  limiter: SlidingWindowRateLimiter;
  metrics: Metrics;
}): MiddlewareHandler<AppEnv> {
  const { limiter, metrics } = deps;
  return async function rateLimitByKey(c, next) {
    const decision = limiter.consume(`key:${c.get("principal").id}`);
    if (!decision.allowed) {
      metrics.rateLimited.inc({ scope: "key" });
      throw problem(429, {
        detail: "Rate limit exceeded for this API key.",
        headers: rateLimitHeaders(decision),
      });
    }
    const outgoing = c.env?.outgoing;
    if (outgoing && !outgoing.headersSent) {
      // The same headers as rateLimitHeaders() of an allowed decision (no Retry-After).
      outgoing.setHeader("RateLimit-Limit", String(decision.limit));
      outgoing.setHeader("RateLimit-Remaining", String(decision.remaining));
      outgoing.setHeader("RateLimit-Reset", String(decision.resetSeconds));
      return next();
    }
    await next();
    const headers = rateLimitHeaders(decision);
    for (const name in headers) c.res.headers.set(name, headers[name]!);
  };
}
