/**
 * The migrator on a stack whose tables another role owns (issue 14, Azure): every Azure stack deployed before
 * the migration job has tables created at start-up by the password administrator (`twincloud_app`), while the
 * job logs in as the Entra administrator, a different non-superuser role with CREATEROLE. Emulated here on the
 * real PostgreSQL with roles made the way Azure makes them: `owner` (LOGIN, password, CREATEROLE, CREATEDB,
 * member of an azure_pg_admin stand-in), `migrator` (the same, not a member of `owner`). Neither is superuser.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiConfig, loadConfig } from "../../api/config.js";
import { migrate } from "../../api/db/migrate.js";
import { migrations as bundled } from "../../api/db/migrations/index.js";
import { applicationDatabase, asOwner, loginUser, onDatabase, runMigrator } from "../../api/db/migrator.js";
import { apiRoleEnvironmentSchema, roleDatabase } from "../../api/db/roles.js";
import { createTestDatabase, serverUrl, withDatabase } from "./helpers.js";

const run = promisify(execFile);
const s = Math.random().toString(36).slice(2, 8);
const admins = `azpg_${s}`;
const owner = `owner_${s}`;
const migrator = `migrator_${s}`;
const api = `api_${s}`;
const ownerPassword = `owner-pw-${s}-Secret`;
const migratorPassword = `migrator-pw-${s}`;
const apiPassword = `api-pw-${s}-long`;
/** A migration released after the stack was deployed: whoever applies it owns its table. */
const later = [
  ...bundled,
  { version: 9_001, name: "later", sql: `create table later_${s} (id bigserial primary key, note text)` },
];

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let root: postgres.Sql;

function urlAs(user: string, password: string, database = db.name): string {
  const url = new URL(withDatabase(serverUrl(), database));
  url.username = user;
  url.password = password;
  return url.toString();
}
const configAs = (user: string, password: string): ApiConfig =>
  loadConfig({ NODE_ENV: "test", DATABASE_URL: urlAs(user, password), DATABASE_SSL: "disable" });
const connect = (user: string, password: string) =>
  postgres(urlAs(user, password), { max: 1, onnotice: () => {} });

async function owners(): Promise<Record<string, string>> {
  const rows = await root<{ name: string; owner: string }[]>`
    select c.relname as name, pg_get_userbyid(c.relowner) as owner
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'S')`;
  return Object.fromEntries(rows.map((row) => [row.name, row.owner]));
}

beforeAll(async () => {
  db = await createTestDatabase();
  const server = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  await server.unsafe(`create role ${admins} nologin`);
  for (const [role, password] of [
    [owner, ownerPassword],
    [migrator, migratorPassword],
  ])
    await server.unsafe(
      `create role ${role} login password '${password}' createrole createdb nosuperuser in role ${admins}`,
    );
  await server.end({ timeout: 5 });
  root = postgres(db.url, { max: 1, onnotice: () => {} });
  // Azure's databases belong to azure_pg_admin; the owner created the tables at the API's start-up.
  await root.unsafe(`alter database ${db.name} owner to ${admins}`);
  await root.unsafe(`grant create on schema public to ${owner}`);
  const asOwnerSql = connect(owner, ownerPassword);
  await migrate(asOwnerSql);
  await asOwnerSql.end({ timeout: 5 });
});

afterAll(async () => {
  await root?.end({ timeout: 5 });
  await db?.drop();
  const server = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  for (const role of [api, migrator, owner, admins]) await server.unsafe(`drop role if exists ${role}`);
  await server.end({ timeout: 5 });
});

describe("an existing stack whose tables the password administrator owns", () => {
  it("starts as Azure's: the owner owns every table, the migrator is neither superuser nor a member", async () => {
    expect(new Set(Object.values(await owners()))).toEqual(new Set([owner]));
    const [row] = await root`
      select rolsuper, pg_has_role(${migrator}, ${owner}, 'member') as member
      from pg_roles where rolname = ${migrator}`;
    expect(row).toEqual({ rolsuper: false, member: false });
  });

  it("the migrator alone fails: permission denied on schema_migrations (the bug), and changes nothing", async () => {
    await expect(
      runMigrator(configAs(migrator, migratorPassword), {
        api: { role: api, auth: "password", password: apiPassword },
        migrations: later,
      }),
    ).rejects.toMatchObject({ code: "42501", message: expect.stringContaining("schema_migrations") });
    expect(Object.keys(await owners())).not.toContain(`later_${s}`);
  });

  it("neither role can make the migrator a member of the owner (PostgreSQL 16+): why the owner migrates", async () => {
    for (const [user, password] of [
      [owner, ownerPassword],
      [migrator, migratorPassword],
    ] as const) {
      const sql = connect(user, password);
      try {
        await expect(sql.unsafe(`grant ${owner} to ${migrator}`)).rejects.toMatchObject({ code: "42501" });
      } finally {
        await sql.end({ timeout: 5 });
      }
    }
  });

  it("with DATABASE_OWNER_USER/PASSWORD it migrates and grants as the owner, twice, every table the owner's", async () => {
    for (let i = 0; i < 2; i++) {
      const result = await runMigrator(configAs(migrator, migratorPassword), {
        api: { role: api, auth: "password", password: apiPassword },
        owner: { user: owner, password: ownerPassword },
        migrations: later,
      });
      expect(result.applied).toEqual(i === 0 ? [9_001] : []);
      expect(result.ranAs).toBe(owner);
    }
    const tables = await owners();
    expect(tables).toMatchObject({ tasks: owner, schema_migrations: owner, [`later_${s}`]: owner });
    expect(new Set(Object.values(tables))).toEqual(new Set([owner]));
    // The login, not the owner, created the API role (on Azure: the Entra administrator's principal).
    // (Since PostgreSQL 16 a non-superuser's new role is granted to its creator WITH ADMIN OPTION.)
    const admins = await root<{ admin: string }[]>`
      select pg_get_userbyid(member) as admin from pg_auth_members
      where roleid = (select oid from pg_roles where rolname = ${api}) and admin_option`;
    expect(admins.map((row) => row.admin)).toEqual([migrator]);
  });

  it("the API role keeps least privilege: reads and writes old and new tables, no DDL, no bookkeeping", async () => {
    const [attributes] = await root`
      select rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, rolbypassrls, rolreplication
      from pg_roles where rolname = ${api}`;
    expect(attributes).toEqual({
      rolsuper: false,
      rolcreaterole: false,
      rolcreatedb: false,
      rolcanlogin: true,
      rolbypassrls: false,
      rolreplication: false,
    });
    const asApi = connect(api, apiPassword);
    try {
      await asApi.unsafe(`insert into later_${s} (note) values ('default privileges')`);
      expect((await asApi.unsafe(`select count(*)::int as n from later_${s}`))[0]!.n).toBe(1);
      expect((await asApi`select count(*)::int as n from tasks`)[0]!.n).toBe(0);
      for (const statement of [
        "create table intruder (id int)",
        "drop table tasks",
        `alter table later_${s} add column x int`,
        "delete from schema_migrations",
        "create role intruder",
      ])
        await expect(asApi.unsafe(statement)).rejects.toMatchObject({ code: "42501" });
    } finally {
      await asApi.end({ timeout: 5 });
    }
  });

  it("a non-superuser migrator clears CREATEDB/CREATEROLE it finds on the API role, and refuses BYPASSRLS", async () => {
    const login = configAs(migrator, migratorPassword);
    const options = {
      api: { role: api, auth: "password" as const, password: apiPassword },
      owner: { user: owner, password: ownerPassword },
      migrations: later,
    };
    const asMigrator = connect(migrator, migratorPassword);
    try {
      await asMigrator.unsafe(`alter role ${api} createdb createrole`);
    } finally {
      await asMigrator.end({ timeout: 5 });
    }
    await runMigrator(login, options);
    const [after] = await root`select rolcreatedb, rolcreaterole from pg_roles where rolname = ${api}`;
    expect(after).toEqual({ rolcreatedb: false, rolcreaterole: false });
    await root.unsafe(`alter role ${api} bypassrls`);
    try {
      await expect(runMigrator(login, options)).rejects.toThrow(`role ${api} has BYPASSRLS`);
    } finally {
      await root.unsafe(`alter role ${api} nobypassrls`);
    }
  });

  it("`npm run migrate` with DATABASE_OWNER_USER/PASSWORD: exit 0, idempotent, the password never printed", async () => {
    const env = {
      ...process.env,
      DATABASE_URL: urlAs(migrator, migratorPassword),
      DATABASE_SSL: "disable",
      DATABASE_API_ROLE: api,
      DATABASE_API_AUTH: "password",
      DATABASE_API_PASSWORD: apiPassword,
      DATABASE_OWNER_USER: owner,
      DATABASE_OWNER_PASSWORD: ownerPassword,
    };
    for (let i = 0; i < 2; i++) {
      const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "api/cli/migrate.ts"], {
        env,
      });
      expect(stdout).toMatch(/nothing to do; schema at version \d+/);
      expect(stdout).toContain(`role ${api} (password) granted`);
      expect(stdout + stderr).not.toContain(ownerPassword);
    }
  });

  it("`npm run migrate` with a wrong owner password fails with exit 1 and does not print it", async () => {
    const wrong = `wrong-${ownerPassword}`;
    const env = {
      ...process.env,
      DATABASE_URL: urlAs(migrator, migratorPassword),
      DATABASE_SSL: "disable",
      DATABASE_OWNER_USER: owner,
      DATABASE_OWNER_PASSWORD: wrong,
    };
    const failure = await run(process.execPath, ["--import", "tsx", "api/cli/migrate.ts"], { env }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/migration failed: .*password authentication failed for user "owner_/);
    expect(`${failure?.stdout}${failure?.stderr}`).not.toContain(wrong);
  });
});

describe("the migrator's environment", () => {
  const parse = (env: Record<string, string>) => apiRoleEnvironmentSchema.safeParse(env);
  const problems = (env: Record<string, string>) => {
    const result = parse(env);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("takes DATABASE_OWNER_USER with DATABASE_OWNER_PASSWORD", () => {
    expect(parse({ DATABASE_OWNER_USER: "twincloud_app", DATABASE_OWNER_PASSWORD: "x" }).data).toMatchObject({
      DATABASE_OWNER_USER: "twincloud_app",
    });
  });

  it("names the missing half, and never echoes the password", () => {
    expect(problems({ DATABASE_OWNER_USER: "twincloud_app" })).toEqual([
      "DATABASE_OWNER_PASSWORD: required with DATABASE_OWNER_USER (the owner logs in with its password)",
    ]);
    const secret = "s3cret-value-not-to-print";
    const shown = problems({ DATABASE_OWNER_PASSWORD: secret });
    expect(shown).toEqual([
      "DATABASE_OWNER_USER: required with DATABASE_OWNER_PASSWORD (whose password it is)",
    ]);
    expect(shown.join("\n")).not.toContain(secret);
  });

  it("refuses an owner name that is no lower-case role name", () => {
    expect(problems({ DATABASE_OWNER_USER: 'x"; drop', DATABASE_OWNER_PASSWORD: "p" })[0]).toMatch(
      /^DATABASE_OWNER_USER: expected a lower-case PostgreSQL role name/,
    );
  });

  it("`npm run migrate` names the variable and exits 1", async () => {
    const env = {
      ...process.env,
      DATABASE_URL: urlAs("nobody", "x"),
      DATABASE_OWNER_PASSWORD: "hidden-pw-123",
    };
    const failure = await run(process.execPath, ["--import", "tsx", "api/cli/migrate.ts"], { env }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("DATABASE_OWNER_USER: required with DATABASE_OWNER_PASSWORD");
    expect(failure?.stderr).not.toContain("hidden-pw-123");
  });
});

describe("which connection does what", () => {
  const hostConfig = loadConfig({
    DATABASE_HOST: "db.example",
    DATABASE_NAME: "twincloud",
    DATABASE_USER: "id-twincloud-staging-migrator",
    DATABASE_AUTH: "azure-entra",
    AZURE_CLIENT_ID: "client",
    DATABASE_SSL: "require",
  });

  it("an Entra principal is created on the `postgres` database, every other role in the application's", () => {
    expect(roleDatabase("azure-entra", "twincloud")).toBe("postgres");
    expect(roleDatabase("aws-iam", "twincloud")).toBe("twincloud");
    expect(roleDatabase("password", "twincloud")).toBe("twincloud");
  });

  it("the role connection is the login's (its token), on that database, same host and TLS", () => {
    const c = onDatabase(hostConfig, "postgres");
    expect(c).toMatchObject({
      DATABASE_HOST: "db.example",
      DATABASE_NAME: "postgres",
      DATABASE_USER: "id-twincloud-staging-migrator",
      DATABASE_AUTH: "azure-entra",
      DATABASE_SSL: "require",
    });
    expect(applicationDatabase(hostConfig)).toBe("twincloud");
    const url = onDatabase(configAs("u", "p"), "postgres").DATABASE_URL!;
    expect(new URL(url).pathname).toBe("/postgres");
    expect(new URL(url).username).toBe("u");
  });

  it("the owner connection is the application database with the owner's password, never a token", () => {
    const c = asOwner(hostConfig, { user: "twincloud_app", password: "pw" });
    expect(c).toMatchObject({
      DATABASE_HOST: "db.example",
      DATABASE_NAME: "twincloud",
      DATABASE_USER: "twincloud_app",
      DATABASE_PASSWORD: "pw",
      DATABASE_AUTH: "password",
      DATABASE_SSL: "require",
    });
    expect(loginUser(hostConfig)).toBe("id-twincloud-staging-migrator");
    expect(loginUser(configAs("someone", "p"))).toBe("someone");
  });
});
