import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../api/config.js";
import { sigtermWithRequestsInFlight } from "../support/drain.js";
import { startRecorder } from "../support/recorder.js";
import { createTestDatabase, spawnMain, startMain } from "./helpers.js";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe("graceful shutdown (SIGTERM)", () => {
  it("turns readiness 503 at once, finishes every in-flight request, closes the pool and exits 0", async () => {
    const { proc, port, key, base } = await startMain(db.url, {
      NODE_ENV: "production",
      SHUTDOWN_TIMEOUT_MS: "15000",
      SHUTDOWN_DRAIN_DELAY_MS: "1500",
    });
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);

    // In flight: 15 POSTs with half a body sent, plus a burst of reads.
    const drained = await sigtermWithRequestsInFlight(proc, {
      port,
      key,
      posts: 15,
      reads: 20,
      whileDraining: async () => {
        // During the drain delay the listener is still open: readiness says 503, liveness still 200.
        expect((await fetch(`${base}/health/ready`)).status).toBe(503);
        expect((await fetch(`${base}/health/live`)).status).toBe(200);
        // Complete the POSTs only after the drain delay, once the listener has closed: what is tested is that
        // closing the listener lets requests already in flight finish (not only those done within the delay).
        await new Promise((r) => setTimeout(r, 1500 + 500));
      },
    });
    expect(drained.posts).toEqual(Array(15).fill(201));
    expect(drained.reads).toEqual(Array(20).fill(200));

    expect(await proc.exit).toBe(0);
    expect(proc.stdout()).toContain("shutdown complete");
    // The real entry point's logs name the bootstrap key's id, never the key.
    expect(proc.stdout()).toContain("bootstrap API key ensured");
    expect(`${proc.stdout()}${proc.stderr()}`).not.toContain(key);
    const sql = postgres(db.url, { max: 1 });
    const [row] = await sql`select count(*)::int as n from tasks where title like 'in flight %'`;
    // The pool was closed: no connection of the API's application_name is left.
    const [conns] =
      await sql`select count(*)::int as n from pg_stat_activity where application_name = 'twincloud-api'`;
    await sql.end({ timeout: 5 });
    expect(row!.n).toBe(15);
    expect(conns!.n).toBe(0);
  });
});

describe("tracing", () => {
  it("exports a server span per request over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set", async () => {
    const collector = await startRecorder();
    try {
      const { proc, key, base } = await startMain(db.url, {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`,
        OTEL_SERVICE_NAME: "twincloud-test",
      });
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const res = await fetch(`${base}/v1/tasks`, {
        headers: { authorization: `Bearer ${key}`, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      });
      expect(res.status).toBe(200);
      proc.child.kill("SIGTERM");
      expect(await proc.exit).toBe(0);
      const exported = collector.received
        .filter((r) => r.path === "/v1/traces")
        .map((r) => r.body)
        .join("\n");
      expect(exported).toContain("GET /v1/tasks");
      expect(exported).toContain("twincloud-test");
      // The incoming traceparent is continued, and the log line carries the same trace id.
      expect(exported.toLowerCase()).toContain(traceId);
      expect(proc.stdout()).toContain(`"traceId":"${traceId}"`);
    } finally {
      collector.server.close();
    }
  });
});

describe("configuration", () => {
  it("loadConfig names every bad variable in one error and never echoes secrets", () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: "abc",
        METRICS_PORT: "70000",
        DATABASE_POOL_MAX: "0",
        DATABASE_PASSWORD: "hunter2",
        TRUST_PROXY: "yes",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of [
      "PORT",
      "METRICS_PORT",
      "DATABASE_POOL_MAX",
      "TRUST_PROXY",
      "DATABASE_HOST",
      "DATABASE_NAME",
      "DATABASE_USER",
    ]) {
      expect(message).toMatch(new RegExp(`^  - ${name}: `, "m"));
    }
    expect(message).not.toContain("hunter2");
  });

  it("main.ts refuses to start on bad configuration with one message naming each variable (exit 1)", async () => {
    const proc = spawnMain({
      PORT: "0",
      LOG_LEVEL: "loud",
      DATABASE_URL: "mysql://x",
      BOOTSTRAP_API_KEY: "short",
    });
    expect(await proc.exit).toBe(1);
    const err = proc.stderr();
    expect(err.match(/Invalid configuration/g)).toHaveLength(1);
    for (const name of ["PORT", "LOG_LEVEL", "DATABASE_URL", "BOOTSTRAP_API_KEY"])
      expect(err).toContain(`- ${name}:`);
    expect(err).not.toContain("mysql://x");
    expect(err).not.toMatch(/\bat .+:\d+:\d+/); // no stack trace
  });

  it("accepts database parts instead of DATABASE_URL and applies defaults", () => {
    const config = loadConfig({
      DATABASE_HOST: "db",
      DATABASE_NAME: "app",
      DATABASE_USER: "app",
      DATABASE_PASSWORD: "pw",
    });
    expect(config).toMatchObject({
      PORT: 3000,
      METRICS_PORT: 9464,
      KEEP_ALIVE_TIMEOUT_MS: 65_000,
      API_KEY_CACHE_TTL_MS: 30_000,
    });
  });
});
