/**
 * BOOTSTRAP_API_KEY across restarts and rotations: the configured key is the one active bootstrap key, a
 * rotated-away key stays revoked (even when a replica with the old configuration starts late), an operator's
 * revocation survives restarts, and no log line ever carries the key.
 */
import { spawnSync } from "node:child_process";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOOTSTRAP_KEY_NAME, generateApiKey, ISSUED_API_KEY } from "../../api/auth/keys.js";
import { ensureBootstrapKey, revokeApiKey } from "../../api/db/api-keys.js";
import { createTestDatabase, startTestApi, type TestApi } from "./helpers.js";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const logged: string[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    logged.push(String(chunk));
    cb();
  },
});

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** Every bootstrap key any start-up below was given. */
const configured: string[] = [];

/** One replica start-up with `key` as BOOTSTRAP_API_KEY, on the shared database, logging everything. */
function start(key: string): Promise<TestApi> {
  configured.push(key);
  return startTestApi({
    databaseUrl: db.url,
    env: { BOOTSTRAP_API_KEY: key, LOG_LEVEL: "trace", API_KEY_CACHE_TTL_MS: "0" },
    logDestination: sink,
  });
}

const status = async (api: TestApi, key: string) => (await api.fetch("/v1/tasks", { key })).status;

async function bootstrapRows(api: TestApi) {
  return api.sql<{ id: string; active: boolean; scopes: string[] }[]>`
    select id, revoked_at is null as active, scopes from api_keys where name = ${BOOTSTRAP_KEY_NAME}
    order by created_at, id`;
}

describe("bootstrap API key", () => {
  const first = generateApiKey();
  const second = generateApiKey();

  it("is created with every scope at the first start and keeps working across restarts", async () => {
    expect(first).toMatch(ISSUED_API_KEY);
    let api = await start(first);
    try {
      expect(await status(api, first)).toBe(200);
      const created = await api.fetch("/v1/tasks", { key: first, method: "POST", json: { title: "x" } });
      expect(created.status).toBe(201);
    } finally {
      await api.close();
    }
    api = await start(first);
    try {
      expect(await status(api, first)).toBe(200);
      expect((await bootstrapRows(api)).map((r) => r.active)).toEqual([true]);
    } finally {
      await api.close();
    }
  });

  it("rotates: a new BOOTSTRAP_API_KEY revokes the previous one", async () => {
    const api = await start(second);
    try {
      expect(await status(api, second)).toBe(200);
      expect(await status(api, first)).toBe(401);
      const rows = await bootstrapRows(api);
      expect(rows.map((r) => r.active)).toEqual([false, true]);
      expect(rows[1]?.scopes).toEqual(["read", "write"]);
    } finally {
      await api.close();
    }
  });

  it("a replica still configured with the superseded key cannot undo the rotation", async () => {
    const before = logged.join("").length;
    const api = await start(first);
    try {
      expect(await status(api, first)).toBe(401);
      expect(await status(api, second)).toBe(200);
      expect((await bootstrapRows(api)).map((r) => r.active)).toEqual([false, true]);
      expect(logged.join("").slice(before)).toMatch(/BOOTSTRAP_API_KEY is revoked/);
    } finally {
      await api.close();
    }
  });

  it("an operator's revocation is not undone by the next start: rotating is the way back", async () => {
    let api = await start(second);
    const [, current] = await bootstrapRows(api);
    expect(await revokeApiKey(api.sql, current!.id)).toBe(true);
    await api.close();
    api = await start(second);
    try {
      expect(await status(api, second)).toBe(401);
    } finally {
      await api.close();
    }
    const third = generateApiKey();
    api = await start(third);
    try {
      expect(await status(api, third)).toBe(200);
      expect((await bootstrapRows(api)).filter((r) => r.active)).toHaveLength(1);
    } finally {
      await api.close();
    }
  });

  it("replicas starting together with a new key leave exactly one active bootstrap key", async () => {
    const api = await start(generateApiKey());
    try {
      const next = generateApiKey();
      const results = await Promise.all(Array.from({ length: 4 }, () => ensureBootstrapKey(api.sql, next)));
      expect(results.filter((r) => r.outcome === "created")).toHaveLength(1);
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect((await bootstrapRows(api)).filter((r) => r.active).map((r) => r.id)).toEqual([results[0]!.id]);
      expect(await status(api, next)).toBe(200);
    } finally {
      await api.close();
    }
  });

  it("owns the name `bootstrap`: the key CLI refuses to create a key with it", () => {
    const cli = new URL("../../api/cli/apikey.ts", import.meta.url).pathname;
    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", cli, "create", "--name", BOOTSTRAP_KEY_NAME],
      {
        env: { PATH: process.env.PATH ?? "", DATABASE_URL: db.url, DATABASE_SSL: "disable" },
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/reserved for BOOTSTRAP_API_KEY/);
    expect(result.stdout).not.toMatch(/tc_/);
  });

  it("never appears in a log line (trace level, start-ups, rotations, authenticated requests)", () => {
    const all = logged.join("");
    expect(all).toContain("bootstrap API key ensured");
    expect(all).toMatch(/"outcome":"created"/);
    expect(configured.length).toBeGreaterThanOrEqual(8);
    for (const key of configured) {
      expect(all).not.toContain(key);
      // Not even the part after the prefix that listings show.
      expect(all).not.toContain(key.slice(8));
    }
  });
});
