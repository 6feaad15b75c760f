import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, expectProblem, startTestApi, type TestApi } from "./helpers.js";

let api: TestApi;
beforeAll(async () => {
  // Pagination and idempotency under many requests: the per-key budget is rate-limit.test.ts's subject, not this file's.
  api = await startTestApi({ env: { RATE_LIMIT_PER_MINUTE: "1000000" } });
});
afterAll(async () => {
  await api?.close();
});

const countTitle = async (title: string) =>
  ((await api.sql`select count(*)::int as n from tasks where title = ${title}`)[0] as { n: number }).n;

describe("Idempotency-Key", () => {
  it("replays the original response for a retried POST and creates one row", async () => {
    const headers = { "Idempotency-Key": "retry-me-1" };
    const first = await api.fetch("/v1/tasks", { method: "POST", headers, json: { title: "idem once" } });
    expect(first.status).toBe(201);
    const firstBody = await first.text();
    const second = await api.fetch("/v1/tasks", { method: "POST", headers, json: { title: "idem once" } });
    expect(second.status).toBe(201);
    expect(await second.text()).toBe(firstBody);
    expect(second.headers.get("etag")).toBe(first.headers.get("etag"));
    expect(second.headers.get("location")).toBe(first.headers.get("location"));
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await countTitle("idem once")).toBe(1);
  });

  it("rejects the same key with a different body (422) and creates nothing", async () => {
    const headers = { "Idempotency-Key": "retry-me-2" };
    expect(
      (await api.fetch("/v1/tasks", { method: "POST", headers, json: { title: "idem A" } })).status,
    ).toBe(201);
    await expectProblem(
      await api.fetch("/v1/tasks", { method: "POST", headers, json: { title: "idem B" } }),
      422,
    );
    expect(await countTitle("idem B")).toBe(0);
  });

  it("scopes keys per API key", async () => {
    const headers = { "Idempotency-Key": "shared-key" };
    const a = await api.fetch("/v1/tasks", { method: "POST", headers, json: { title: "per key" } });
    const b = await api.fetch("/v1/tasks", {
      method: "POST",
      headers,
      key: api.keys.write,
      json: { title: "per key" },
    });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    expect(await countTitle("per key")).toBe(2);
  });

  it("never double-creates under concurrent duplicates", async () => {
    const headers = { "Idempotency-Key": "concurrent-1" };
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.fetch("/v1/tasks", { method: "POST", headers, json: { title: "idem race" } }),
      ),
    );
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(responses.every((r) => r.status === 201)).toBe(true);
    expect(new Set(bodies).size).toBe(1);
    expect(await countTitle("idem race")).toBe(1);
  });

  it("expires keys after 24 h", async () => {
    const headers = { "Idempotency-Key": "old-key" };
    expect(
      (await api.fetch("/v1/tasks", { method: "POST", headers, json: { title: "idem old" } })).status,
    ).toBe(201);
    await api.sql`update idempotency_keys set created_at = now() - interval '25 hours' where key = 'old-key'`;
    const again = await api.fetch("/v1/tasks", { method: "POST", headers, json: { title: "idem old 2" } });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    expect(await countTitle("idem old 2")).toBe(1);
  });

  it("validates the key", async () => {
    await expectProblem(
      await api.fetch("/v1/tasks", {
        method: "POST",
        headers: { "Idempotency-Key": "x".repeat(300) },
        json: { title: "t" },
      }),
      400,
    );
  });
});

describe("cursor pagination", () => {
  it("walks every original row exactly once while rows are inserted concurrently", async () => {
    // A dedicated status keeps this walk independent of other tests' rows.
    const original = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const batch = await Promise.all(
        Array.from({ length: 15 }, (_, j) =>
          createTask(api, { title: `page ${i}-${j}`, status: "in_progress" }),
        ),
      );
      for (const t of batch) original.add(t.body.id);
    }
    let inserting = true;
    const inserter = (async () => {
      let n = 0;
      while (inserting) {
        await createTask(api, { title: `late ${n++}`, status: "in_progress" });
      }
      return n;
    })();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/v1/tasks?status=in_progress&limit=7${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await api.fetch(query);
      expect(res.status).toBe(200);
      const page = (await res.json()) as {
        data: { id: string; status: string }[];
        nextCursor: string | null;
      };
      expect(page.data.length).toBeLessThanOrEqual(7);
      for (const t of page.data) {
        expect(t.status).toBe("in_progress");
        seen.push(t.id);
      }
      cursor = page.nextCursor;
      pages++;
      // Give the inserter room to interleave between pages.
      await new Promise((r) => setTimeout(r, 5));
    } while (cursor && pages < 500);
    inserting = false;
    const inserted = await inserter;
    expect(inserted).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length); // no repeats at all
    for (const id of original) expect(seen).toContain(id); // no skips of original rows
  });

  it("returns nextCursor null on the last page and respects limit defaults", async () => {
    const res = await api.fetch("/v1/tasks?status=todo&limit=100");
    const page = (await res.json()) as { data: unknown[]; nextCursor: string | null };
    expect(page.nextCursor).toBeNull();
    const def = (await (await api.fetch("/v1/tasks")).json()) as { data: unknown[] };
    expect(def.data.length).toBeLessThanOrEqual(20);
  });

  it("orders by (createdAt, id) even within one millisecond", async () => {
    await api.sql`
      insert into tasks (title, status, created_at, updated_at)
      select 'same ms ' || g, 'done', '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z' from generate_series(1, 9) g`;
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.fetch(`/v1/tasks?status=done&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      const page = (await res.json()) as { data: { id: string; title: string }[]; nextCursor: string | null };
      ids.push(...page.data.filter((t) => t.title.startsWith("same ms")).map((t) => t.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids).toHaveLength(9);
    expect([...ids].sort()).toEqual(ids);
  });
});
