import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, expectProblem, startTestApi, type TestApi, UUID_RE } from "./helpers.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ env: { BODY_LIMIT_BYTES: "4096" } });
});
afterAll(async () => {
  await api?.close();
});

describe("CRUD", () => {
  it("creates, reads, lists, updates and deletes a task", async () => {
    const created = await api.fetch("/v1/tasks", {
      method: "POST",
      json: {
        title: "  Write the runbook ",
        description: "failover",
        priority: "high",
        dueDate: "2026-12-31T17:00:00+02:00",
      },
    });
    expect(created.status).toBe(201);
    const task = (await created.json()) as Record<string, unknown>;
    expect(task).toMatchObject({
      title: "Write the runbook",
      description: "failover",
      status: "todo",
      priority: "high",
      dueDate: "2026-12-31T15:00:00.000Z",
      version: 1,
    });
    expect(task.id).toMatch(UUID_RE);
    expect(created.headers.get("etag")).toBe('"1"');
    expect(created.headers.get("location")).toBe(`/v1/tasks/${task.id}`);

    const head = await api.fetch(`/v1/tasks/${task.id}`, { method: "HEAD", key: api.keys.read });
    expect(head.status).toBe(200);
    expect(head.headers.get("etag")).toBe('"1"');
    expect(await head.text()).toBe("");

    const got = await api.fetch(`/v1/tasks/${task.id}`);
    expect(got.status).toBe(200);
    expect(got.headers.get("etag")).toBe('"1"');
    expect(await got.json()).toEqual(task);

    const patched = await api.fetch(`/v1/tasks/${task.id}`, {
      method: "PATCH",
      headers: { "If-Match": '"1"' },
      json: { status: "done", description: null, dueDate: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.headers.get("etag")).toBe('"2"');
    const updated = (await patched.json()) as Record<string, unknown>;
    expect(updated).toMatchObject({
      status: "done",
      description: null,
      dueDate: null,
      version: 2,
      title: "Write the runbook",
    });
    expect(Date.parse(updated.updatedAt as string)).toBeGreaterThanOrEqual(
      Date.parse(task.updatedAt as string),
    );

    const list = await api.fetch("/v1/tasks?status=done");
    expect(list.status).toBe(200);
    const page = (await list.json()) as { data: { id: string }[]; nextCursor: string | null };
    expect(page.data.map((t) => t.id)).toContain(task.id);

    const deleted = await api.fetch(`/v1/tasks/${task.id}`, {
      method: "DELETE",
      headers: { "If-Match": '"2"' },
    });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe("");
    await expectProblem(await api.fetch(`/v1/tasks/${task.id}`), 404);
    await expectProblem(
      await api.fetch(`/v1/tasks/${task.id}`, { method: "DELETE", headers: { "If-Match": "*" } }),
      404,
    );
  });

  it("requires If-Match on PATCH and DELETE (428), answers 412 to a stale one and accepts *", async () => {
    const { body } = await createTask(api);
    const path = `/v1/tasks/${body.id}`;
    await expectProblem(await api.fetch(path, { method: "PATCH", json: { title: "x" } }), 428);
    await expectProblem(await api.fetch(path, { method: "DELETE" }), 428);
    await expectProblem(
      await api.fetch(path, { method: "PATCH", headers: { "If-Match": '"7"' }, json: { title: "x" } }),
      412,
    );
    // Weak tags never match If-Match (strong comparison).
    await expectProblem(
      await api.fetch(path, { method: "PATCH", headers: { "If-Match": 'W/"1"' }, json: { title: "x" } }),
      412,
    );
    await expectProblem(
      await api.fetch(path, { method: "DELETE", headers: { "If-Match": '"5", "6"' } }),
      412,
    );
    const star = await api.fetch(path, {
      method: "PATCH",
      headers: { "If-Match": "*" },
      json: { title: "y" },
    });
    expect(star.status).toBe(200);
    const listed = await api.fetch(path, {
      method: "PATCH",
      headers: { "If-Match": '"9", "2"' },
      json: { priority: "low" },
    });
    expect(listed.status).toBe(200);
    expect(listed.headers.get("etag")).toBe('"3"');
    const [row] = await api.sql`select title, priority, version from tasks where id = ${body.id}`;
    expect(row).toEqual({ title: "y", priority: "low", version: 3 });
  });

  it("exactly one of many concurrent PATCHes with the same ETag wins", async () => {
    const { body, etag } = await createTask(api);
    const attempts = 12;
    const responses = await Promise.all(
      Array.from({ length: attempts }, (_, i) =>
        api.fetch(`/v1/tasks/${body.id}`, {
          method: "PATCH",
          headers: { "If-Match": etag },
          json: { title: `writer ${i}` },
        }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(attempts - 1);
    for (const r of responses) if (r.status === 412) await expectProblem(r, 412);
    const [row] = await api.sql`select version from tasks where id = ${body.id}`;
    expect(row!.version).toBe(2);
  });

  it("keeps exactly one of concurrent DELETEs with the same ETag", async () => {
    const { body, etag } = await createTask(api);
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        api.fetch(`/v1/tasks/${body.id}`, { method: "DELETE", headers: { "If-Match": etag } }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 204)).toHaveLength(1);
    expect(statuses.every((s) => s === 204 || s === 404)).toBe(true);
  });

  it("counts business events", async () => {
    const before = await api.server.metrics.registry.getSingleMetricAsString("tasks_completed_total");
    const { body } = await createTask(api, { title: "done on arrival", status: "done" });
    const res = await api.fetch(`/v1/tasks/${body.id}`, {
      method: "PATCH",
      headers: { "If-Match": '"1"' },
      json: { status: "done" },
    });
    expect(res.status).toBe(200); // done → done is not a second completion
    const after = await api.server.metrics.registry.getSingleMetricAsString("tasks_completed_total");
    const n = (s: string) => Number(s.trim().split("\n").pop()!.split(" ").pop());
    expect(n(after) - n(before)).toBe(1);
  });
});

describe("validation and problem details", () => {
  it("lists every invalid field", async () => {
    const res = await api.fetch("/v1/tasks", {
      method: "POST",
      json: { title: "", status: "doing", priority: 9, dueDate: "2026-02-30T00:00:00Z", extra: true },
    });
    const problem = await expectProblem(res, 400);
    const names = (problem.errors as { name: string; in: string }[]).map((e) => e.name).sort();
    expect(names).toEqual(["dueDate", "extra", "priority", "status", "title"]);
    expect((problem.errors as { in: string }[]).every((e) => e.in === "body")).toBe(true);
  });

  it("rejects bad query parameters, path ids, cursors and JSON", async () => {
    for (const q of ["limit=0", "limit=101", "limit=abc", "status=nope", "limit=1&limit=2"]) {
      const p = await expectProblem(await api.fetch(`/v1/tasks?${q}`), 400);
      expect(p.errors?.length).toBeGreaterThan(0);
    }
    for (const cursor of [
      "xyz",
      "bm90IGpzb24",
      Buffer.from(JSON.stringify([1, "not-a-uuid"])).toString("base64url"),
    ]) {
      await expectProblem(await api.fetch(`/v1/tasks?cursor=${cursor}`), 400);
    }
    await expectProblem(await api.fetch("/v1/tasks/not-a-uuid"), 400);
    await expectProblem(
      await api.fetch("/v1/tasks", {
        method: "POST",
        body: "{not json",
        headers: { "content-type": "application/json" },
      }),
      400,
    );
    await expectProblem(
      await api.fetch(`/v1/tasks/00000000-0000-4000-8000-000000000000`, {
        method: "PATCH",
        headers: { "If-Match": "*" },
        json: {},
      }),
      400,
    );
    await expectProblem(
      await api.fetch("/v1/tasks", { method: "POST", json: { title: "nul\u0000byte" } }),
      400,
    );
  });

  it("answers 415 to non-JSON bodies", async () => {
    await expectProblem(
      await api.fetch("/v1/tasks", {
        method: "POST",
        body: "title=x",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      415,
    );
    await expectProblem(
      await api.fetch("/v1/tasks", {
        method: "POST",
        body: '{"title":"x"}',
        headers: { "content-type": "text/plain" },
      }),
      415,
    );
  });

  it("treats a body without Content-Type as unsupported, and an empty one as missing fields", async () => {
    // A byte array, unlike a string, makes fetch send no Content-Type.
    const bytes = new TextEncoder().encode('{"title":"x"}');
    await expectProblem(await api.fetch("/v1/tasks", { method: "POST", body: bytes }), 415);
    const empty = await expectProblem(await api.fetch("/v1/tasks", { method: "POST" }), 400);
    expect(empty.errors).toEqual([expect.objectContaining({ in: "body", name: "title" })]);
  });

  it("accepts JSON media types with parameters or a +json suffix", async () => {
    for (const type of ["application/json; charset=utf-8", "application/vnd.twincloud+json"]) {
      const res = await api.fetch("/v1/tasks", {
        method: "POST",
        body: JSON.stringify({ title: `typed ${type}` }),
        headers: { "content-type": type },
      });
      expect(res.status).toBe(201);
    }
  });

  it("names an invalid header in the validation problem", async () => {
    const res = await api.fetch("/v1/tasks", {
      method: "POST",
      json: { title: "x" },
      headers: { "Idempotency-Key": "x".repeat(500) },
    });
    const problem = await expectProblem(res, 400);
    expect(problem.errors).toEqual([expect.objectContaining({ in: "header", name: "idempotency-key" })]);
  });

  it("answers 413 above BODY_LIMIT_BYTES, with or without Content-Length", async () => {
    const big = { title: "x", description: "y".repeat(5000) };
    await expectProblem(await api.fetch("/v1/tasks", { method: "POST", json: big }), 413);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify(big)));
        controller.close();
      },
    });
    await expectProblem(
      await api.fetch("/v1/tasks", {
        method: "POST",
        body: stream,
        headers: { "content-type": "application/json" },
        duplex: "half",
      } as RequestInit),
      413,
    );
    const [{ count }] =
      (await api.sql`select count(*)::int as count from tasks where description like 'yyyy%'`) as [
        { count: number },
      ];
    expect(count).toBe(0);
  });

  it("answers 404 and 405 (with Allow) as problem+json", async () => {
    await expectProblem(await api.fetch("/nope", { key: null }), 404);
    await expectProblem(await api.fetch("/v1/nope"), 404);
    const put = await api.fetch(`/v1/tasks/00000000-0000-4000-8000-000000000000`, {
      method: "PUT",
      json: { title: "x" },
    });
    expect(put.headers.get("allow")).toBe("GET, HEAD, PATCH, DELETE");
    await expectProblem(put, 405);
    const post = await api.fetch("/health/live", { method: "POST", key: null });
    expect(post.headers.get("allow")).toContain("GET");
    await expectProblem(post, 405);
  });
});

describe("auth", () => {
  it("401 without a key or with a bad one, with WWW-Authenticate", async () => {
    for (const key of [null, "tc_definitely-not-a-real-key-000000000000", "short"]) {
      const res = await api.fetch("/v1/tasks", { key });
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="twincloud"/);
      await expectProblem(res, 401);
    }
    const basic = await api.fetch("/v1/tasks", {
      key: null,
      headers: { Authorization: "Basic dXNlcjpwYXNz" },
    });
    await expectProblem(basic, 401);
  });

  it("403 when the key lacks the scope", async () => {
    await expectProblem(
      await api.fetch("/v1/tasks", { method: "POST", key: api.keys.read, json: { title: "x" } }),
      403,
    );
    await expectProblem(await api.fetch("/v1/tasks", { key: api.keys.write }), 403);
    expect((await api.fetch("/v1/tasks", { key: api.keys.read })).status).toBe(200);
    expect(
      (await api.fetch("/v1/tasks", { method: "POST", key: api.keys.write, json: { title: "x" } })).status,
    ).toBe(201);
  });

  it("stores only SHA-256 hashes and stops accepting a revoked key once the cache entry expires", async () => {
    const rows = await api.sql`select key_hash from api_keys`;
    for (const row of rows) expect((row.key_hash as Buffer).length).toBe(32);
    const { insertApiKey, revokeApiKey } = await import("../../api/db/api-keys.js");
    const { key, record } = await insertApiKey(api.sql, { name: "temp", scopes: ["read"] });
    expect((await api.fetch("/v1/tasks", { key })).status).toBe(200);
    await revokeApiKey(api.sql, record.id);
    api.server.keys.clear(); // what API_KEY_CACHE_TTL_MS does on its own
    await expectProblem(await api.fetch("/v1/tasks", { key }), 401);
  });

  it("needs no key for health, docs and the OpenAPI document", async () => {
    expect((await api.fetch("/health/live", { key: null })).status).toBe(200);
    expect((await api.fetch("/health/ready", { key: null })).status).toBe(200);
    const health = await api.fetch("/health", { key: null });
    expect(await health.json()).toMatchObject({ status: "ok", checks: { database: { status: "up" } } });
    const doc = await api.fetch("/openapi.json", { key: null });
    const spec = (await doc.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toBe("3.1.0");
    expect(Object.keys(spec.paths).sort()).toEqual(["/v1/tasks", "/v1/tasks/{id}"]);
    const docs = await api.fetch("/docs", { key: null });
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-security-policy")).toContain("script-src 'self';");
    expect(await docs.text()).toContain("swagger-ui");
  });
});

describe("headers", () => {
  it("keeps a valid X-Request-Id, replaces an invalid one, and sets security headers", async () => {
    const kept = await api.fetch("/v1/tasks", { headers: { "X-Request-Id": "abc-123.def" } });
    expect(kept.headers.get("x-request-id")).toBe("abc-123.def");
    const replaced = await api.fetch("/v1/tasks", { headers: { "X-Request-Id": "bad id\twith spaces" } });
    expect(replaced.headers.get("x-request-id")).toMatch(UUID_RE);
    const nf = await api.fetch("/missing", { key: null });
    expect(nf.headers.get("x-request-id")).toMatch(UUID_RE);
    expect(((await nf.json()) as { requestId: string }).requestId).toBe(nf.headers.get("x-request-id"));
    for (const res of [kept, nf]) {
      expect(res.headers.get("strict-transport-security")).toContain("max-age=");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    }
    expect(kept.headers.get("ratelimit-limit")).toBe("600");
  });

  it("compresses large responses when asked", async () => {
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        createTask(api, { title: `bulk ${i}`, description: "z".repeat(200) }),
      ),
    );
    const res = await api.fetch("/v1/tasks?limit=50", { headers: { "Accept-Encoding": "gzip" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(((await res.json()) as { data: unknown[] }).data.length).toBeGreaterThan(20);
  });
});
