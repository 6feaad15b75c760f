import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSTANT_MAX_MS } from "../../api/routes/tasks/tasks.codecs.js";
import { createTask, expectProblem, startTestApi, type TestApi } from "./helpers.js";

/** Forged cursors against the real database: 200 (a page after that point) or 400 `invalid-cursor`, never a 5xx. */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ env: { RATE_LIMIT_PER_MINUTE: "1000000" } });
  for (let i = 0; i < 3; i++) await createTask(api, { title: `page ${i}` });
});
afterAll(async () => {
  await api?.close();
});

const UUID = "0192f5a4-7c1e-7000-8000-000000000000";
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

async function list(cursor: string) {
  const res = await api.server.app.request(`/v1/tasks?cursor=${encodeURIComponent(cursor)}`, {
    headers: { authorization: `Bearer ${api.keys.rw}` },
  });
  return { status: res.status, body: (await res.json()) as { type?: string; errors?: unknown[] } };
}

describe("forged cursors", () => {
  it("a timestamp beyond year 9999 (or any other field out of range) is a 400 invalid-cursor, not a 500", async () => {
    for (const cursor of [
      encode([INSTANT_MAX_MS + 1, UUID]),
      encode([253402300800000, UUID]), // 10000-01-01T00:00:00Z
      encode([8.64e15, UUID]),
      encode([-1, UUID]),
      encode([1e21, UUID]),
      encode([1, UUID.toUpperCase().replace("-", "")]),
      encode(["1", UUID]),
      encode([1, UUID, 2]),
    ]) {
      const res = await api.fetch(`/v1/tasks?cursor=${cursor}`);
      const problem = await expectProblem(res, 400);
      expect(problem.type).toBe("urn:twincloud:problem:invalid-cursor");
      expect(problem.errors).toEqual([expect.objectContaining({ in: "query", name: "cursor" })]);
    }
    // The last instant the API represents is still a valid position (after every row: an empty page).
    const last = await api.fetch(`/v1/tasks?cursor=${encode([INSTANT_MAX_MS, UUID])}`);
    expect(last.status).toBe(200);
    expect(((await last.json()) as { data: unknown[] }).data).toEqual([]);
  });

  it("property: any forged cursor gets 200 or a 400 problem, never a 5xx", async () => {
    const field = fc.oneof(
      fc.integer({ min: -1e15, max: 1e16 }),
      fc.double(),
      fc.maxSafeInteger(),
      fc.constantFrom(0, INSTANT_MAX_MS, INSTANT_MAX_MS + 1, 253402300800000, 8.64e15, 8.64e15 + 1, 1e308),
      fc.uuid(),
      fc.string({ maxLength: 40 }),
      fc.constant(null),
      fc.boolean(),
    );
    const cursor = fc.oneof(
      fc.tuple(field, field).map(encode),
      fc.tuple(fc.integer({ min: -1e10, max: 3e14 }), fc.uuid()).map(encode),
      fc.array(field, { maxLength: 4 }).map(encode),
      fc.jsonValue().map(encode),
      fc.base64String({ maxLength: 120 }),
      fc.string({ minLength: 1, maxLength: 120 }),
    );
    await fc.assert(
      fc.asyncProperty(cursor, async (c) => {
        const { status, body } = await list(c);
        expect([200, 400]).toContain(status);
        if (status === 400) {
          expect([
            "urn:twincloud:problem:invalid-cursor",
            "urn:twincloud:problem:validation-error",
          ]).toContain(body.type);
        }
      }),
      { numRuns: 300 },
    );
  });
});
