/**
 * Two identities on a real PostgreSQL (issue 14): the migrator (here the test server's superuser, as the
 * clouds' administrator) applies the migrations and creates the API role; the API runs as that role without
 * migrating, serves its main flows, and cannot change the schema, roles or other databases. Migrations and
 * grants are idempotent.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../api/config.js";
import { insertApiKey } from "../../api/db/api-keys.js";
import { migrate } from "../../api/db/migrate.js";
import { ensureApiRole } from "../../api/db/roles.js";
import { createLogger } from "../../api/observability/logger.js";
import { type RunningServer, startServer } from "../../api/server.js";
import { createTestDatabase, serverUrl, withDatabase } from "./helpers.js";

const run = promisify(execFile);
const suffix = Math.random().toString(36).slice(2, 8);
const role = `twincloud_api_${suffix}`;
const password = `pw-${Math.random().toString(36).slice(2)}-x`;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let other: Awaited<ReturnType<typeof createTestDatabase>>;
let admin: postgres.Sql;
let asApi: postgres.Sql;

function roleUrl(database: string): string {
  const url = new URL(withDatabase(serverUrl(), database));
  url.username = role;
  url.password = password;
  return url.toString();
}

beforeAll(async () => {
  db = await createTestDatabase();
  other = await createTestDatabase();
  admin = postgres(db.url, { max: 1, onnotice: () => {} });
  // The migrator's step, twice: the second run changes nothing and fails on nothing.
  for (let i = 0; i < 2; i++) {
    await migrate(admin);
    await ensureApiRole(admin, { role, auth: "password", password });
  }
  // Another application's database: its owner keeps PUBLIC out, as the migrator does for its own.
  const otherAdmin = postgres(other.url, { max: 1, onnotice: () => {} });
  await otherAdmin.unsafe(`revoke connect on database ${other.name} from public`);
  await otherAdmin.end({ timeout: 5 });
  asApi = postgres(roleUrl(db.name), { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  await asApi?.end({ timeout: 5 });
  await admin?.end({ timeout: 5 });
  await db?.drop();
  await other?.drop();
  const root = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  await root.unsafe(`drop role if exists ${role}`);
  await root.end({ timeout: 5 });
});

describe("the API role", () => {
  it("is a plain login role: no superuser, no CREATEROLE, no CREATEDB", async () => {
    const [r] = await admin`
      select rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, rolbypassrls from pg_roles where rolname = ${role}`;
    expect(r).toEqual({
      rolsuper: false,
      rolcreaterole: false,
      rolcreatedb: false,
      rolcanlogin: true,
      rolbypassrls: false,
    });
  });

  it("serves the main flows as that role, without migrating", async () => {
    const config = loadConfig({
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      HOST: "127.0.0.1",
      DATABASE_URL: roleUrl(db.name),
      DATABASE_SSL: "disable",
      MIGRATE_ON_START: "false",
    });
    const server: RunningServer = await startServer(config, {
      logger: createLogger(config),
      port: 0,
      metricsPort: 0,
    });
    try {
      const { key } = await insertApiKey(admin, { name: "rw", scopes: ["read", "write"] });
      const call = (path: string, init: RequestInit = {}) =>
        fetch(`${server.url}${path}`, {
          ...init,
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...init.headers },
        });
      const created = await call("/v1/tasks", {
        method: "POST",
        body: JSON.stringify({ title: "least privilege" }),
        headers: { "idempotency-key": `k-${suffix}` },
      });
      expect(created.status).toBe(201);
      const task = (await created.json()) as { id: string };
      const etag = created.headers.get("etag")!;
      expect((await call(`/v1/tasks/${task.id}`)).status).toBe(200);
      expect((await call("/v1/tasks?limit=5")).status).toBe(200);
      const patched = await call(`/v1/tasks/${task.id}`, {
        method: "PATCH",
        body: JSON.stringify({ status: "done" }),
        headers: { "if-match": etag },
      });
      expect(patched.status).toBe(200);
      const deleted = await call(`/v1/tasks/${task.id}`, {
        method: "DELETE",
        headers: { "if-match": patched.headers.get("etag")! },
      });
      expect(deleted.status).toBe(204);
      expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
    } finally {
      await server.shutdown("test");
    }
  });

  it.each([
    ["CREATE TABLE", "create table intruder (id int)"],
    ["DROP TABLE", "drop table tasks"],
    ["ALTER TABLE", "alter table tasks add column x int"],
    ["TRUNCATE", "truncate tasks"],
    ["ALTER ROLE", `alter role ${role} createrole`],
    ["CREATE ROLE", "create role intruder"],
    ["CREATE DATABASE", "create database intruder"],
    ["migration bookkeeping", "delete from schema_migrations"],
    ["CREATE SCHEMA", "create schema intruder"],
  ])("cannot %s", async (_what, statement) => {
    await expect(asApi.unsafe(statement)).rejects.toMatchObject({ code: expect.stringMatching(/^42501$/) });
  });

  it("cannot connect to another database", async () => {
    const elsewhere = postgres(roleUrl(other.name), { max: 1, onnotice: () => {} });
    try {
      await expect(elsewhere`select 1`).rejects.toMatchObject({ code: "42501" });
    } finally {
      await elsewhere.end({ timeout: 5 });
    }
  });

  it("`npm run migrate` with DATABASE_API_ROLE migrates and grants, idempotently", async () => {
    const env = {
      ...process.env,
      DATABASE_URL: db.url,
      DATABASE_SSL: "disable",
      DATABASE_API_ROLE: role,
      DATABASE_API_AUTH: "password",
      DATABASE_API_PASSWORD: password,
    };
    for (let i = 0; i < 2; i++) {
      const { stdout } = await run(process.execPath, ["--import", "tsx", "api/cli/migrate.ts"], { env });
      expect(stdout).toMatch(/nothing to do; schema at version \d+/);
      expect(stdout).toContain(`role ${role} (password) granted`);
    }
    const [row] = await asApi`select count(*)::int as n from tasks`;
    expect(row!.n).toBeGreaterThanOrEqual(0);
  });

  it("aws-iam: the role is granted rds_iam (a stand-in role here)", async () => {
    await admin.unsafe(
      "do $$ begin if not exists (select from pg_roles where rolname = 'rds_iam') then create role rds_iam; end if; end $$",
    );
    const iamRole = `twincloud_iam_${suffix}`;
    try {
      await ensureApiRole(admin, { role: iamRole, auth: "aws-iam" });
      await ensureApiRole(admin, { role: iamRole, auth: "aws-iam" });
      const [r] = await admin`select pg_has_role(${iamRole}, 'rds_iam', 'member') as member`;
      expect(r!.member).toBe(true);
    } finally {
      await admin.unsafe(`drop owned by ${iamRole}`);
      await admin.unsafe(`drop role if exists ${iamRole}`);
    }
  });
});
