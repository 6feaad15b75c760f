import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, startTestApi, type TestApi } from "./helpers.js";

/** What the API does for the load balancer and browsers in front of it: CORS allowlist, TRUST_PROXY. */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({
    env: {
      CORS_ORIGINS: "https://app.example.com, https://admin.example.com",
      TRUST_PROXY: "true",
      RATE_LIMIT_PER_MINUTE: "3",
    },
  });
});
afterAll(async () => {
  await api?.close();
});

describe("CORS", () => {
  it("answers preflights for allowed origins only, before authentication", async () => {
    const ok = await api.fetch("/v1/tasks", {
      method: "OPTIONS",
      key: null,
      headers: {
        Origin: "https://app.example.com",
        "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization, if-match, content-type",
      },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(ok.headers.get("access-control-allow-methods")).toContain("PATCH");
    expect(ok.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("if-match");

    const denied = await api.fetch("/v1/tasks", {
      method: "OPTIONS",
      key: null,
      headers: { Origin: "https://evil.example.com", "Access-Control-Request-Method": "GET" },
    });
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("exposes ETag and rate-limit headers to allowed origins", async () => {
    const res = await api.fetch("/health/live", {
      key: null,
      headers: { Origin: "https://admin.example.com" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://admin.example.com");
    expect(res.headers.get("access-control-expose-headers")).toContain("ETag");
  });
});

describe("TRUST_PROXY", () => {
  it("limits by the rightmost X-Forwarded-For entry, which clients cannot spoof", async () => {
    const from = (xff: string) => api.fetch("/v1/tasks", { key: null, headers: { "X-Forwarded-For": xff } });
    for (let i = 0; i < 3; i++) await expectProblem(await from(`203.0.113.${i}, 198.51.100.1`), 401);
    // Same last hop, different (spoofed) leftmost entries: same budget, now exhausted.
    await expectProblem(await from("192.0.2.99, 198.51.100.1"), 429);
    // Another client (as seen by the load balancer) has its own budget.
    await expectProblem(await from("198.51.100.2"), 401);
  });
});
