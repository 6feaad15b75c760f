import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, startTestApi, type TestApi } from "./helpers.js";

/**
 * Property-based: hostile bodies, query strings, headers, methods and paths at every route. Invariants:
 * never a 5xx, every error is problem+json, and a rejected request changes no row.
 */
let api: TestApi;
let taskId: string;
beforeAll(async () => {
  api = await startTestApi({ env: { RATE_LIMIT_PER_MINUTE: "1000000", BODY_LIMIT_BYTES: "8192" } });
  taskId = (await createTask(api, { title: "the fixture", description: "d", priority: "low" })).body.id;
});
afterAll(async () => {
  await api?.close();
});

const RUNS = { numRuns: 150 };

const snapshot = async () =>
  (
    await api.sql`select md5(coalesce(string_agg(t::text, '|' order by id), '')) as h, count(*)::int as n from tasks t`
  )[0] as {
    h: string;
    n: number;
  };

/** In-process through the full middleware stack (no sockets: fast enough for hundreds of cases). */
async function call(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
) {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${api.keys.rw}`);
  const res = await api.server.app.request(path, { method, headers, body: init.body });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", text };
}

function assertSane(r: { status: number; type: string; text: string }) {
  if (r.status >= 500) throw new Error(`server error ${r.status}: ${r.text}`);
  if (r.status >= 400) {
    expect(r.type).toContain("application/problem+json");
    const body = JSON.parse(r.text) as { status: number };
    expect(body.status).toBe(r.status);
    expect(r.text).not.toMatch(/\bat .+:\d+:\d+|postgres|syntax error/i);
  }
}

const hostileString = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 50 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "'; drop table tasks; --",
    "💥".repeat(150),
    "x".repeat(201),
    "x".repeat(2001),
  ),
);
const dateish = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    "2026-02-30T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "2026-01-01T25:00:00Z",
    "2026-01-01T00:00:00+99:00",
    "yesterday",
  ),
  hostileString,
);
const fieldValue = fc.oneof(
  hostileString,
  dateish,
  fc.constantFrom("todo", "in_progress", "done", "low", "medium", "high", null, true, 0, -1, 1e308),
  fc.integer(),
  fc.jsonValue({ maxDepth: 2 }),
);
const taskLike = fc.record(
  {
    title: fieldValue,
    description: fieldValue,
    status: fieldValue,
    priority: fieldValue,
    dueDate: fieldValue,
    id: fieldValue,
    version: fieldValue,
    createdAt: fieldValue,
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  taskLike.map((o) => JSON.stringify(o)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    "",
    "{",
    "null",
    "[]",
    '{"title":"x"',
    '{"__proto__":{"title":"x"}}',
    `{"title":"${"a".repeat(9000)}"}`,
  ),
);
const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "application/problem+json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "",
);
const headerValue = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 120,
});

describe("properties", () => {
  it("POST /v1/tasks: never 5xx; a rejected request creates nothing", async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, fc.option(headerValue), async (payload, type, idemKey) => {
        const before = await snapshot();
        const headers: Record<string, string> = {};
        if (type) headers["content-type"] = type;
        if (idemKey !== null) headers["idempotency-key"] = idemKey;
        const r = await call("POST", "/v1/tasks", { headers, body: payload });
        assertSane(r);
        expect([201, 400, 413, 415, 422]).toContain(r.status);
        if (r.status !== 201) expect(await snapshot()).toEqual(before);
        else expect((await snapshot()).n).toBeGreaterThanOrEqual(before.n);
      }),
      RUNS,
    );
  });

  it("PATCH /v1/tasks/:id: never 5xx; a rejected request changes no row", async () => {
    const ifMatch = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom("*", '"1"', 'W/"1"', '"999999999999"', '"-1"', ""),
      headerValue,
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, ifMatch, async (payload, type, tag) => {
        const before = await snapshot();
        const headers: Record<string, string> = {};
        if (type) headers["content-type"] = type;
        if (tag !== undefined) headers["if-match"] = tag;
        const r = await call("PATCH", `/v1/tasks/${taskId}`, { headers, body: payload });
        assertSane(r);
        expect([200, 400, 412, 413, 415, 428]).toContain(r.status);
        if (r.status !== 200) expect(await snapshot()).toEqual(before);
      }),
      RUNS,
    );
  });

  it("GET /v1/tasks with hostile query strings: 200 or 400, never 5xx", async () => {
    const key = fc.oneof(
      fc.constantFrom("limit", "status", "cursor", "offset", "limit[]"),
      fc.string({ maxLength: 10 }),
    );
    const value = fc.oneof(
      fc.constantFrom("0", "1", "100", "101", "-5", "1e2", "NaN", "done", "DONE", "", "eyJ9", "WzEsImEiXQ"),
      fc.string({ maxLength: 60 }),
      fc.base64String({ maxLength: 80 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 5 }), async (pairs) => {
        const qs = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
        const r = await call("GET", `/v1/tasks?${qs}`);
        assertSane(r);
        expect([200, 400]).toContain(r.status);
      }),
      RUNS,
    );
  });

  it("any method, path and headers: never 5xx; rejected mutations change nothing", async () => {
    const method = fc.constantFrom("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PURGE");
    const segment = fc.oneof(
      fc.constantFrom(
        "v1",
        "tasks",
        "health",
        "live",
        "ready",
        "docs",
        "openapi.json",
        "metrics",
        "..",
        "%00",
        "%2e%2e",
        taskId,
      ),
      fc.uuid(),
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
    );
    const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join("/")}`);
    const headers = fc.record(
      {
        authorization: fc.oneof(fc.constant(`Bearer ${api.keys.read}`), fc.constant("Bearer "), headerValue),
        "if-match": fc.oneof(fc.constantFrom("*", '"1"'), headerValue),
        "x-request-id": headerValue,
        "content-type": contentType,
        "idempotency-key": headerValue,
        "accept-encoding": fc.constantFrom("gzip", "br", "deflate", "*", "identity;q=0"),
        traceparent: headerValue,
        "x-forwarded-for": headerValue,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(method, path, headers, fc.option(body), async (m, p, h, b) => {
        const before = await snapshot();
        const withBody = m !== "GET" && m !== "HEAD" && b !== null;
        const r = await call(m, p, {
          headers: { authorization: `Bearer ${api.keys.rw}`, ...h },
          body: withBody ? b : undefined,
        });
        if (r.status >= 500) throw new Error(`${m} ${p} → ${r.status}: ${r.text}`);
        if (r.status >= 400 && m !== "HEAD") assertSane(r);
        if (r.status >= 400) expect(await snapshot()).toEqual(before);
      }),
      RUNS,
    );
  });

  it("DELETE with hostile ids and If-Match: never 5xx; rejected deletes keep the row", async () => {
    const id = fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }).map(encodeURIComponent));
    await fc.assert(
      fc.asyncProperty(
        id,
        fc.oneof(fc.constantFrom('"2"', 'W/"1"', "", '"1", "2"'), headerValue),
        async (i, tag) => {
          const before = await snapshot();
          const r = await call("DELETE", `/v1/tasks/${i}`, { headers: { "if-match": tag } });
          assertSane(r);
          expect([204, 400, 404, 412, 428]).toContain(r.status);
          if (r.status !== 204) expect(await snapshot()).toEqual(before);
        },
      ),
      RUNS,
    );
    // The fixture survives: only its own ETag ("1") or * could delete it.
    expect((await call("GET", `/v1/tasks/${taskId}`)).status).toBe(200);
  });
});
