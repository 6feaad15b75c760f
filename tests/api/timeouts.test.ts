import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, expectProblem, startTestApi, type TestApi } from "./helpers.js";

/** Deadlines: a request stuck behind a row lock ends as a 503 problem, never a hang or a 500. */
let quickStatements: TestApi;
let quickRequests: TestApi;
beforeAll(async () => {
  [quickStatements, quickRequests] = await Promise.all([
    startTestApi({ env: { DATABASE_STATEMENT_TIMEOUT_MS: "300", REQUEST_TIMEOUT_MS: "5000" } }),
    startTestApi({ env: { DATABASE_STATEMENT_TIMEOUT_MS: "10000", REQUEST_TIMEOUT_MS: "500" } }),
  ]);
});
afterAll(async () => {
  await Promise.all([quickStatements?.close(), quickRequests?.close()]);
});

/** Hold a row lock from outside the API while `during` runs. */
async function withRowLock(api: TestApi, id: string, during: () => Promise<void>) {
  const reserved = await api.sql.reserve();
  try {
    await reserved`begin`;
    await reserved`select 1 from tasks where id = ${id} for update`;
    await during();
  } finally {
    await reserved`rollback`;
    reserved.release();
  }
}

describe("timeouts", () => {
  it("a lock wait beyond the statement/lock timeout is a 503 database-busy, and the row is unchanged", async () => {
    const api = quickStatements;
    const { body } = await createTask(api, { title: "locked" });
    await withRowLock(api, body.id, async () => {
      const res = await api.fetch(`/v1/tasks/${body.id}`, {
        method: "PATCH",
        headers: { "If-Match": "*" },
        json: { title: "changed" },
      });
      const problem = await expectProblem(res, 503);
      expect(problem.type).toContain("database-busy");
      expect(res.headers.get("retry-after")).toBe("1");
    });
    const [row] = await api.sql`select title, version from tasks where id = ${body.id}`;
    expect(row).toEqual({ title: "locked", version: 1 });
  });

  it("a write beyond REQUEST_TIMEOUT_MS is a 503 before the deadline and never commits afterwards", async () => {
    const api = quickRequests;
    const { body } = await createTask(api, { title: "slow" });
    await withRowLock(api, body.id, async () => {
      const started = performance.now();
      const res = await api.fetch(`/v1/tasks/${body.id}`, { method: "DELETE", headers: { "If-Match": "*" } });
      const problem = await expectProblem(res, 503);
      // The database deadline ends the write just before the request's own deadline (500 ms).
      expect(problem.type).toContain("database-busy");
      expect(performance.now() - started).toBeLessThan(1_500);
    });
    // The lock is gone: a DELETE the driver still held must not run now (it did before: answered 503, then
    // deleted the row once the lock was released).
    await new Promise((r) => setTimeout(r, 300));
    const [row] = await api.sql`select title from tasks where id = ${body.id}`;
    expect(row).toEqual({ title: "slow" });
    // The API stays healthy afterwards.
    expect((await api.fetch("/health/ready", { key: null })).status).toBe(200);
  });
});
