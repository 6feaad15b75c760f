/**
 * The smoke script against the real API (in-process server, test PostgreSQL): proves the script and the
 * API agree on paths, auth, status codes, ETag/If-Match and bodies. The database comes from the API tests'
 * global setup (embedded PostgreSQL or TEST_DATABASE_URL); `npm test` always provides it. When vitest is
 * filtered to folders outside tests/api without TEST_DATABASE_URL, the setup starts no database and this
 * file says so by skipping.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runSmoke } from "../../../tools/smoke/smoke.js";
import { startTestApi, type TestApi } from "../../api/helpers.js";

const hasDatabase = Boolean(inject("databaseUrl"));

describe.skipIf(!hasDatabase)("smoke script against the real API", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it("passes every check with a read+write key", async () => {
    const checks = await runSmoke({ url: api.url, apiKey: api.keys.rw, retryDelayMs: 100 });
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ["liveness", true],
      ["readiness", true],
      ["auth required", true],
      ["key accepted", true],
      ["create", true],
      ["get", true],
      ["delete", true],
      ["gone", true],
    ]);
  });

  it("fails at create with a read-only key", async () => {
    await expect(runSmoke({ url: api.url, apiKey: api.keys.read, retryDelayMs: 100 })).rejects.toThrow(
      /smoke test failed at "create"/,
    );
  });
});
