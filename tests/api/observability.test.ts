import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, expectProblem, startTestApi, type TestApi } from "./helpers.js";

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
    cb();
  },
});

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ env: { LOG_LEVEL: "info" }, logDestination: sink });
});
afterAll(async () => {
  await api?.close();
});

const scrape = async () => {
  const res = await fetch(api.server.metricsUrl);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
};

describe("metrics", () => {
  it("are served on the metrics port only", async () => {
    await expectProblem(await api.fetch("/metrics", { key: null }), 404);
    expect(new URL(api.server.metricsUrl).port).not.toBe(new URL(api.url).port);
    expect((await fetch(api.server.metricsUrl.replace("/metrics", "/other"))).status).toBe(404);
  });

  it("label requests with route patterns, never raw ids", async () => {
    const { body } = await createTask(api);
    await api.fetch(`/v1/tasks/${body.id}`);
    await api.fetch(`/v1/tasks/00000000-0000-4000-8000-00000000abcd`);
    await api.fetch(`/no/such/${body.id}`, { key: null });
    await api.fetch("/health/live", { key: null });
    const text = await scrape();
    expect(text).toContain('http_requests_total{method="GET",route="/v1/tasks/:id",status="200"}');
    expect(text).toContain('http_requests_total{method="GET",route="/v1/tasks/:id",status="404"}');
    expect(text).toContain('http_requests_total{method="POST",route="/v1/tasks",status="201"}');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"}');
    expect(text).toContain('route="/health/live"');
    expect(text).toMatch(/api_key_cache_lookups_total\{result="hit"\} [1-9]/);
    expect(text).toMatch(/api_key_cache_lookups_total\{result="miss"\} [1-9]/);
    expect(text).not.toContain(body.id);
    expect(text).not.toContain("abcd");
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0.2",method="GET",route="\/v1\/tasks\/:id",status="200"\}/,
    );
    for (const name of [
      "db_query_duration_seconds_bucket",
      "db_pool_max_connections 10",
      "db_pool_in_use_connections",
      "db_pool_waiting_queries",
      "tasks_created_total",
      "tasks_completed_total",
      "tasks_deleted_total",
      "nodejs_eventloop_lag_p99_seconds",
      "process_resident_memory_bytes",
    ]) {
      expect(text).toContain(name);
    }
  });
});

describe("logs", () => {
  it("write one JSON line per request with route, status, duration and ids, and never the key", async () => {
    lines.length = 0;
    const res = await api.fetch("/v1/tasks", {
      headers: {
        "X-Request-Id": "log-test-1",
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      },
    });
    expect(res.status).toBe(200);
    await api.fetch("/health/ready", { key: null });
    await new Promise((r) => setTimeout(r, 100));
    const mine = lines.filter((l) => l.requestId === "log-test-1");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      level: "info",
      msg: "request",
      method: "GET",
      route: "/v1/tasks",
      status: 200,
      traceId: "0af7651916cd43dd8448eb211c80319c",
    });
    expect(typeof mine[0]!.durationMs).toBe("number");
    // Health checks are logged at debug, i.e. not at the configured info level.
    expect(lines.some((l) => l.route === "/health/ready")).toBe(false);
    expect(JSON.stringify(lines)).not.toContain(api.keys.rw);
  });

  it("redacts secrets even when a caller logs them", () => {
    lines.length = 0;
    api.server.logger.info(
      { authorization: "Bearer secret-value", config: { DATABASE_PASSWORD: "pw" } },
      "x",
    );
    api.server.logger.flush();
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        expect(JSON.stringify(lines)).not.toContain("secret-value");
        expect(JSON.stringify(lines)).not.toContain('"pw"');
        resolve();
      }, 100),
    );
  });
});
