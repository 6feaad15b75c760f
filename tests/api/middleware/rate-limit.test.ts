import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SlidingWindowRateLimiter } from "../../../api/middleware/rate-limit.js";
import { expectProblem, startTestApi, type TestApi } from "../helpers.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ env: { RATE_LIMIT_PER_MINUTE: "5" } });
});
afterAll(async () => {
  await api?.close();
});

describe("rate limiting", () => {
  it("limits each API key and answers 429 with Retry-After and RateLimit headers", async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api.fetch("/v1/tasks", { key: api.keys.read });
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit-limit")).toBe("5");
      remaining.push(res.headers.get("ratelimit-remaining")!);
    }
    expect(Number(remaining[4])).toBeLessThan(Number(remaining[0]));
    const limited = await api.fetch("/v1/tasks", { key: api.keys.read });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    expect(limited.headers.get("ratelimit-reset")).toMatch(/^\d+$/);
    await expectProblem(limited, 429);
    // Another key has its own budget.
    expect((await api.fetch("/v1/tasks", { key: api.keys.rw })).status).toBe(200);
    // Health is never limited.
    for (let i = 0; i < 8; i++) expect((await api.fetch("/health/live", { key: null })).status).toBe(200);
  });

  it("limits unauthenticated clients by IP before touching the database", async () => {
    let last: Response | undefined;
    for (let i = 0; i < 12; i++) {
      last = await api.fetch("/v1/tasks", { key: `tc_random_key_number_${i}_xxxxxxxxxxxxxxxxxxxxxxxx` });
      if (last.status === 429) break;
      await expectProblem(last, 401);
    }
    await expectProblem(last!, 429);
  });
});

describe("SlidingWindowRateLimiter", () => {
  it("slides: the previous window's count decays", () => {
    let now = 60_000 * 10;
    const limiter = new SlidingWindowRateLimiter(10, 60_000, 100, () => now);
    for (let i = 0; i < 10; i++) expect(limiter.consume("a").allowed).toBe(true);
    expect(limiter.consume("a").allowed).toBe(false);
    now += 60_000; // start of next window: previous weighs 100%
    expect(limiter.consume("a").allowed).toBe(false);
    now += 30_000; // half-way: previous weighs 50% → 5 used
    for (let i = 0; i < 5; i++) expect(limiter.consume("a").allowed).toBe(true);
    const denied = limiter.consume("a");
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterSeconds).toBeGreaterThan(0);
    expect(denied.retryAfterSeconds).toBeLessThanOrEqual(30);
  });

  it("stays bounded under many distinct clients", () => {
    const limiter = new SlidingWindowRateLimiter(1, 60_000, 50);
    for (let i = 0; i < 500; i++) limiter.consume(`c${i}`);
    expect(limiter.size).toBeLessThanOrEqual(50);
  });
});
