import type { Context, MiddlewareHandler } from "hono";
import { type AppEnv, requestHeader } from "../http/node.js";
import { problem } from "../http/problem.js";
import type { Metrics } from "../observability/metrics.js";

/**
 * Sliding-window-counter rate limiter (in memory, per replica). The estimate is
 * `previousWindowCount × (1 − elapsedFraction) + currentWindowCount`, which smooths the burst a fixed
 * window allows at its boundary while storing two integers per client. Each replica limits on its own;
 * the global, cross-replica limit belongs to the cloud WAF in front of the load balancer.
 */
interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends (RateLimit-Reset). */
  resetSeconds: number;
  /** Seconds a rejected client should wait (Retry-After). */
  retryAfterSeconds: number;
}

interface Bucket {
  windowStart: number;
  current: number;
  previous: number;
}

export class SlidingWindowRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  #lastSweep = 0;

  constructor(
    readonly limit: number,
    readonly windowMs = 60_000,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  consume(key: string): RateLimitDecision {
    const now = this.now();
    const windowStart = now - (now % this.windowMs);
    this.#sweep(now, windowStart);
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.maxKeys) {
        // Under a flood of distinct clients, drop the oldest rather than grow without bound.
        const oldest = this.#buckets.keys().next();
        if (!oldest.done) this.#buckets.delete(oldest.value);
      }
      bucket = { windowStart, current: 0, previous: 0 };
      this.#buckets.set(key, bucket);
    } else if (bucket.windowStart !== windowStart) {
      bucket.previous = bucket.windowStart === windowStart - this.windowMs ? bucket.current : 0;
      bucket.current = 0;
      bucket.windowStart = windowStart;
    }
    const elapsed = (now - windowStart) / this.windowMs;
    const estimate = bucket.previous * (1 - elapsed) + bucket.current;
    const resetSeconds = Math.max(1, Math.ceil((windowStart + this.windowMs - now) / 1000));
    if (estimate + 1 > this.limit) {
      // Wait until enough of the previous window has slid out (or the window ends).
      let retryMs = windowStart + this.windowMs - now;
      if (bucket.previous > 0 && bucket.current < this.limit) {
        const needed = (bucket.previous + bucket.current + 1 - this.limit) / bucket.previous;
        retryMs = Math.min(retryMs, Math.max(0, needed * this.windowMs - (now - windowStart)));
      }
      return {
        allowed: false,
        limit: this.limit,
        remaining: 0,
        resetSeconds,
        retryAfterSeconds: Math.max(1, Math.ceil(retryMs / 1000)),
      };
    }
    bucket.current++;
    return {
      allowed: true,
      limit: this.limit,
      remaining: Math.max(0, Math.floor(this.limit - estimate - 1)),
      resetSeconds,
      retryAfterSeconds: 0,
    };
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Once per window, drop clients idle for two windows. */
  #sweep(now: number, windowStart: number): void {
    if (now - this.#lastSweep < this.windowMs) return;
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.windowStart < windowStart - this.windowMs) this.#buckets.delete(key);
    }
  }
}

function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    "RateLimit-Limit": String(decision.limit),
    "RateLimit-Remaining": String(decision.remaining),
    "RateLimit-Reset": String(decision.resetSeconds),
  };
  if (!decision.allowed) headers["Retry-After"] = String(decision.retryAfterSeconds);
  return headers;
}

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
  return function rateLimitByKey(c, next) {
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
    return next().then(() => {
      const headers = rateLimitHeaders(decision);
      for (const name in headers) c.res.headers.set(name, headers[name]!);
    });
  };
}
