/**
 * Error tracking end to end: the production entry (api/main.ts) runs with SENTRY_DSN pointing at a fake
 * Sentry ingest on 127.0.0.1 that records every envelope. An internal error is made deterministically by
 * renaming the tasks table under the running API (no test hook in the API). What arrives must name the
 * request id, the route pattern and the release, and hold no credential, header, query value, body or
 * secret environment value; 4xx answers send nothing; the queue is flushed on SIGTERM.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../api/config.js";
import { scrubEvent, secretValues, startErrorTracking } from "../../api/observability/error-tracking.js";
import { startRecorder } from "../support/recorder.js";
import { createTestDatabase, serverUrl, startMain, withDatabase } from "./helpers.js";

/** A Sentry envelope: a header line, then (item header, payload) line pairs. */
function envelopeItems(body: string): { type: string; payload: Record<string, unknown> }[] {
  const lines = body.split("\n").filter((line) => line.length > 0);
  const items: { type: string; payload: Record<string, unknown> }[] = [];
  for (let i = 1; i + 1 < lines.length; i += 2) {
    items.push({ type: JSON.parse(lines[i]!).type, payload: JSON.parse(lines[i + 1]!) });
  }
  return items;
}

type SentryEvent = {
  release?: string;
  environment?: string;
  transaction?: string;
  level?: string;
  tags?: Record<string, string>;
  request?: unknown;
  user?: unknown;
  exception?: { values: { type: string; value: string }[] };
  message?: unknown;
};

describe("error tracking (Sentry) through api/main.ts", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let role: string;
  let password: string;
  let databaseUrl: string;
  let admin: postgres.Sql;

  beforeAll(async () => {
    db = await createTestDatabase();
    // A role with a long random password owns the database, so "no secret env value" is a real check
    // (the shared test server's password is the word "postgres", which every stack trace path contains).
    role = `r_${randomBytes(6).toString("hex")}`;
    password = randomBytes(24).toString("base64url");
    const root = postgres(db.url, { max: 1, onnotice: () => {} });
    await root.unsafe(`create role ${role} login password '${password}'`);
    await root.unsafe(`alter database ${db.name} owner to ${role}`);
    await root.end({ timeout: 5 });
    const url = new URL(withDatabase(serverUrl(), db.name));
    url.username = role;
    url.password = password;
    databaseUrl = url.toString();
    admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await admin?.end({ timeout: 5 });
    await db?.drop();
    const root = postgres(serverUrl(), { max: 1, onnotice: () => {} });
    await root.unsafe(`drop role if exists ${role}`).catch(() => undefined);
    await root.end({ timeout: 5 });
  });

  it("sends 5xx with request id, route pattern and release, scrubbed; nothing for 4xx; flushes on SIGTERM", async () => {
    const ingest = await startRecorder();
    const collector = await startRecorder();
    let child: ChildProcess | undefined;
    try {
      const dsn = `http://0123456789abcdef0123456789abcdef@127.0.0.1:${ingest.port}/42`;
      const release = `twincloud-api@sha256:${"ab".repeat(32)}`;
      const { proc, key, base } = await startMain(databaseUrl, {
        SENTRY_DSN: dsn,
        SENTRY_RELEASE: release,
        SENTRY_ENVIRONMENT: "test-stack",
        // Tracing stays as it is with Sentry on: the OpenTelemetry SDK is the only tracer provider.
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`,
        OTEL_SERVICE_NAME: "twincloud-test",
      });
      child = proc.child;
      const auth = { authorization: `Bearer ${key}` };

      // 4xx answers: nothing is sent.
      expect((await fetch(`${base}/v1/tasks`)).status).toBe(401);
      expect(
        (await fetch(`${base}/v1/tasks`, { headers: { authorization: "Bearer tc_wrong" } })).status,
      ).toBe(401);
      expect((await fetch(`${base}/no/such/path`)).status).toBe(404);
      expect((await fetch(`${base}/v1/tasks/${randomUUID()}`, { headers: auth })).status).toBe(404);
      const invalid = await fetch(`${base}/v1/tasks`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ title: "" }),
      });
      expect(invalid.status).toBeGreaterThanOrEqual(400);
      expect(invalid.status).toBeLessThan(500);
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);

      // An internal error: the table the task routes use disappears under the running API.
      await admin.unsafe("alter table tasks rename to tasks_moved_away");
      const id = randomUUID();
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const get = await fetch(`${base}/v1/tasks/${id}?token=query-secret-value&limit=3`, {
        headers: {
          ...auth,
          cookie: "session=cookie-secret-value",
          "x-api-key": "header-secret-value",
          "x-request-id": "sentry-get-500",
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        },
      });
      expect(get.status).toBe(500);
      expect(get.headers.get("x-request-id")).toBe("sentry-get-500");
      const post = await fetch(`${base}/v1/tasks`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", "x-request-id": "sentry-post-500" },
        body: JSON.stringify({ title: "body-secret-title", description: "body-secret-description" }),
      });
      expect(post.status).toBe(500);
      await admin.unsafe("alter table tasks_moved_away rename to tasks");

      // SIGTERM right away: the graceful stop flushes what is queued before exiting 0.
      child.kill("SIGTERM");
      expect(await proc.exit).toBe(0);

      expect(ingest.received.length).toBeGreaterThan(0);
      for (const r of ingest.received) expect(r.path).toMatch(/^\/api\/42\/envelope\//);
      const items = ingest.received.flatMap((r) => envelopeItems(r.body));
      const events = items.filter((item) => item.type === "event").map((item) => item.payload as SentryEvent);
      // Exactly the two 500s: none of the 4xx (nor the readiness 200) was reported.
      expect(events.map((e) => e.tags?.request_id).sort()).toEqual(["sentry-get-500", "sentry-post-500"]);

      const byId = (requestId: string) => events.find((e) => e.tags?.request_id === requestId)!;
      const getEvent = byId("sentry-get-500");
      expect(getEvent.tags).toMatchObject({
        route: "/v1/tasks/:id",
        method: "GET",
        status: "500",
        trace_id: traceId,
      });
      expect(getEvent.transaction).toBe("GET /v1/tasks/:id");
      expect(getEvent.release).toBe(release);
      expect(getEvent.environment).toBe("test-stack");
      expect(getEvent.level).toBe("error");
      expect(getEvent.exception?.values.at(-1)?.value).toMatch(/tasks/);
      expect(getEvent.request).toBeUndefined();
      expect(getEvent.user).toBeUndefined();
      expect(byId("sentry-post-500").tags).toMatchObject({
        route: "/v1/tasks",
        method: "POST",
        status: "500",
      });
      expect(byId("sentry-post-500").release).toBe(release);

      // Nothing secret or request-specific anywhere in what was sent, headers of the ingest calls included.
      const sent = ingest.received
        .map((r) => `${JSON.stringify(r.headers)}\n${r.path}\n${r.body}`)
        .join("\n");
      for (const forbidden of [
        key,
        key.slice(3, 20),
        password,
        databaseUrl,
        dsn,
        "query-secret-value",
        "cookie-secret-value",
        "header-secret-value",
        "body-secret-title",
        "body-secret-description",
        id,
      ]) {
        expect(sent, forbidden).not.toContain(forbidden);
      }
      expect(sent.toLowerCase()).not.toContain("bearer");
      expect(sent.toLowerCase()).not.toContain("cookie");
      expect(sent).not.toMatch(/"authorization"|x-api-key/i);

      // The traces still go through OpenTelemetry, the 500's span carrying the exception.
      const exported = collector.received
        .filter((r) => r.path === "/v1/traces")
        .map((r) => r.body)
        .join("\n");
      expect(exported).toContain("GET /v1/tasks/:id");
      expect(exported.toLowerCase()).toContain(traceId);
      expect(exported).toContain("exception.type");
      expect(exported).toContain("exception.stacktrace");
    } finally {
      if (child && child.exitCode === null) child.kill("SIGKILL");
      ingest.server.close();
      collector.server.close();
    }
  });
});

describe("error tracking configuration", () => {
  const base = { DATABASE_URL: "postgres://u:p@h/db" };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it("is off without SENTRY_DSN: no client, nothing loaded", async () => {
    expect(await startErrorTracking(loadConfig(base))).toBeUndefined();
  });

  it("takes a DSN URL with a public key and a project id, and never echoes it", () => {
    expect(loadConfig({ ...base, SENTRY_DSN: "https://abc123@o1.ingest.sentry.io/42" }).SENTRY_DSN).toBe(
      "https://abc123@o1.ingest.sentry.io/42",
    );
    for (const bad of [
      "not-a-dsn-value",
      "https://o1.ingest.sentry.io/42",
      "https://abc123@o1.ingest.sentry.io/",
      "ftp://abc123@host/1",
    ]) {
      const found = problems({ SENTRY_DSN: bad });
      expect(found, bad).toEqual([expect.stringMatching(/^SENTRY_DSN: /)]);
      expect(found.join("\n")).not.toContain(bad);
    }
  });

  it("takes a release without whitespace or slashes (the image digest, not the image reference)", () => {
    const release = `twincloud-api@sha256:${"0".repeat(64)}`;
    expect(loadConfig({ ...base, SENTRY_RELEASE: release }).SENTRY_RELEASE).toBe(release);
    expect(
      problems({ SENTRY_RELEASE: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:00" }),
    ).toHaveLength(1);
    expect(problems({ SENTRY_ENVIRONMENT: "prod eu" })).toHaveLength(1);
  });
});

describe("scrubEvent (beforeSend)", () => {
  const config = loadConfig({
    DATABASE_URL: "postgres://app:s3cr3t-db-password@db.internal:5432/app",
    BOOTSTRAP_API_KEY: `tc_${"k".repeat(43)}`,
    SENTRY_DSN: "https://publickey123@o1.ingest.sentry.io/42",
  });

  it("drops request, user, breadcrumbs, extra, unknown tags and contexts, and local variables", () => {
    const event = scrubEvent(
      {
        message: "boom",
        request: { url: "https://api/v1/tasks/1?x=1", headers: { authorization: "Bearer x" }, data: "{}" },
        user: { ip_address: "10.0.0.1" },
        breadcrumbs: [{ message: "GET /v1/tasks?token=x" }],
        extra: { body: { title: "t" } },
        tags: { request_id: "r1", route: "/v1/tasks/:id", header: "x" },
        contexts: { runtime: { name: "node" }, headers: { cookie: "c" } },
        exception: {
          values: [
            { type: "Error", value: "x", stacktrace: { frames: [{ filename: "a.js", vars: { key: "v" } }] } },
          ],
        },
      },
      secretValues(config),
    );
    expect(event.request).toBeUndefined();
    expect(event.user).toBeUndefined();
    expect(event.breadcrumbs).toBeUndefined();
    expect(event.extra).toBeUndefined();
    expect(event.tags).toEqual({ request_id: "r1", route: "/v1/tasks/:id" });
    expect(Object.keys(event.contexts ?? {})).toEqual(["runtime"]);
    expect(event.exception?.values?.[0]?.stacktrace?.frames?.[0]).toEqual({ filename: "a.js" });
  });

  it("redacts secret values and credential-shaped strings in every remaining string", () => {
    const message = [
      "connect to postgres://app:s3cr3t-db-password@db.internal:5432/app failed",
      "or to postgres://reader:other-pass-123@replica.internal:5432/app",
      "password was s3cr3t-db-password",
      `key tc_${"k".repeat(43)} and another tc_abcdefghijklmnop`,
      "header Authorization: Bearer abc.def.ghi and Basic dXNlcjpwYXNz",
      "url https://x.example/cb?token=t0k3n&code=c0d3",
      'json {"password":"p4ss","api_key":"ak-1","secret"="sss"}',
      "dsn https://publickey123@o1.ingest.sentry.io/42",
    ].join("\n");
    const event = scrubEvent(
      { exception: { values: [{ type: "Error", value: message }] }, tags: { route: "/v1/tasks/:id" } },
      secretValues(config),
    );
    const value = event.exception?.values?.[0]?.value ?? "";
    for (const leaked of [
      "s3cr3t-db-password",
      "k".repeat(43),
      "abcdefghijklmnop",
      "abc.def.ghi",
      "dXNlcjpwYXNz",
      "t0k3n",
      "c0d3",
      "p4ss",
      "ak-1",
      "sss",
      "publickey123",
      "other-pass-123",
      "postgres://app:",
    ]) {
      expect(value, leaked).not.toContain(leaked);
    }
    expect(value).toContain("postgres://[redacted]@replica.internal:5432/app");
    expect(value).toContain("?token=[redacted]&code=[redacted]");
    expect(event.tags?.route).toBe("/v1/tasks/:id");
  });
});
