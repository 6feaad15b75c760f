import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  expectProblem,
  serverUrl,
  startTestApi,
  type TestApi,
  ToggleProxy,
  withDatabase,
} from "./helpers.js";

/** PostgreSQL reached through a TCP proxy we can cut: an outage without stopping the shared server. */
let api: TestApi;
let proxy: ToggleProxy;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  const target = new URL(serverUrl());
  proxy = new ToggleProxy(target.hostname, Number(target.port));
  await proxy.start();
  const viaProxy = new URL(withDatabase(serverUrl(), db.name));
  viaProxy.port = String(proxy.port);
  api = await startTestApi({
    databaseUrl: viaProxy.toString(),
    env: { DATABASE_CONNECT_TIMEOUT_MS: "1000", DATABASE_STATEMENT_TIMEOUT_MS: "2000" },
  });
});
afterAll(async () => {
  await proxy?.start().catch(() => undefined);
  await api?.close();
  await proxy?.stop();
  await drop?.();
});

async function until(check: () => Promise<boolean>, attempts = 100) {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("condition never met");
}

describe("database outage", () => {
  it("fails fast with 503 problem+json, keeps liveness, and recovers by itself", async () => {
    // Warm: the key is verified and cached, a task exists.
    const created = await api.fetch("/v1/tasks", { method: "POST", json: { title: "before outage" } });
    expect(created.status).toBe(201);
    const task = (await created.json()) as { id: string };
    expect((await api.fetch("/health/ready", { key: null })).status).toBe(200);

    await proxy.stop();

    const ready = await api.fetch("/health/ready", { key: null });
    expect(ready.status).toBe(503);
    expect((await api.fetch("/health/live", { key: null })).status).toBe(200);
    const summary = await api.fetch("/health", { key: null });
    expect(summary.status).toBe(503);
    expect(await summary.json()).toMatchObject({
      status: "degraded",
      checks: { database: { status: "down", latencyMs: null } },
    });

    for (const [path, init] of [
      ["/v1/tasks", {}],
      [`/v1/tasks/${task.id}`, {}],
      ["/v1/tasks", { method: "POST", json: { title: "during outage" } }],
      [`/v1/tasks/${task.id}`, { method: "PATCH", headers: { "If-Match": "*" }, json: { title: "x" } }],
      ["/v1/tasks", { key: "tc_a_key_never_seen_before_so_not_cached_000000" }],
    ] as const) {
      const res = await api.fetch(path, init as RequestInit);
      const problem = await expectProblem(res, 503);
      expect(problem.type).toContain("database-unavailable");
      expect(res.headers.get("retry-after")).toBeTruthy();
    }

    // After the first refused connection, operations fail fast instead of each trying to connect.
    expect(await api.server.metrics.registry.metrics()).toMatch(
      /db_query_duration_seconds_count\{[^}]*outcome="fail_fast"/,
    );

    await proxy.start();

    await until(async () => (await api.fetch("/health/ready", { key: null })).status === 200);
    await until(async () => (await api.fetch(`/v1/tasks/${task.id}`)).status === 200);
    const after = await api.fetch("/v1/tasks", { method: "POST", json: { title: "after outage" } });
    expect(after.status).toBe(201);
    const titles = (await api.sql`select title from tasks order by created_at`).map((r) => r.title);
    expect(titles).toEqual(["before outage", "after outage"]);
  });
});
