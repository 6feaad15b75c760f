import { spawn } from "node:child_process";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../api/db/migrate.js";
import { migrations } from "../../api/db/migrations/index.js";
import { createTestDatabase } from "./helpers.js";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe("migrations", () => {
  it("are safe when many replicas start at once (advisory lock)", async () => {
    const clients = Array.from({ length: 6 }, () => postgres(db.url, { max: 1, onnotice: () => {} }));
    try {
      const results = await Promise.all(clients.map((sql) => migrate(sql)));
      const applied = results.flatMap((r) => r.applied);
      expect(applied).toEqual(migrations.map((m) => m.version)); // each applied exactly once, in total
      expect(new Set(results.map((r) => r.current))).toEqual(new Set([migrations.length]));
      const rows = await clients[0]!`select version from schema_migrations order by version`;
      expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
      const again = await migrate(clients[1]!);
      expect(again.applied).toEqual([]);
    } finally {
      await Promise.all(clients.map((sql) => sql.end({ timeout: 5 })));
    }
  });

  it("refuse an applied migration whose text changed", async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const edited = migrations.map((m) => ({ ...m, sql: `${m.sql}\n-- edited` }));
      await expect(migrate(sql, edited)).rejects.toThrow(/changed after being applied/);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it("roll back a failing migration entirely", async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const broken = [
        ...migrations,
        { version: 999, name: "broken", sql: "create table half_done (id int); select 1/0;" },
      ];
      await expect(migrate(sql, broken)).rejects.toThrow();
      const [t] = await sql`select to_regclass('half_done') as t`;
      expect(t!.t).toBeNull();
      const versions = (await sql`select version from schema_migrations`).map((r) => r.version);
      expect(versions).not.toContain(999);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it("`npm run migrate` processes started together all succeed", async () => {
    const fresh = await createTestDatabase();
    try {
      const run = () =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          const child = spawn(process.execPath, ["--import", "tsx", "api/cli/migrate.ts"], {
            env: { PATH: process.env.PATH ?? "", DATABASE_URL: fresh.url, DATABASE_SSL: "disable" },
            stdio: ["ignore", "pipe", "pipe"],
          });
          let out = "";
          child.stdout.on("data", (d) => {
            out += d;
          });
          child.stderr.on("data", (d) => {
            out += d;
          });
          child.on("exit", (code) => resolve({ code, out }));
        });
      const results = await Promise.all([run(), run(), run()]);
      expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
      expect(results.filter((r) => r.out.includes("applied migrations"))).toHaveLength(1);
      expect(results.filter((r) => r.out.includes("nothing to do"))).toHaveLength(2);
    } finally {
      await fresh.drop();
    }
  });
});
