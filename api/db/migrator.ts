/**
 * The migrator's step (`npm run migrate`, the clouds' migration task/job), as a function of its environment.
 *
 * Who does what, and on which connection:
 * - the owner (DATABASE_OWNER_USER with its password, on the application database) applies the migrations and
 *   grants the API role on the tables, so every application object is owned by one role on both clouds
 *   (`twincloud_app`). Without DATABASE_OWNER_USER, or when it is the login user (AWS, local), the login is
 *   the owner and one connection does everything, as before.
 * - the login (DATABASE_USER, on Azure the Entra administrator) creates the API role and sets its attributes,
 *   on a connection to roleDatabase(): only an Entra administrator may map a role to an Entra identity.
 *
 * Why not `GRANT <owner> TO <login>` and `SET ROLE <owner>`: since PostgreSQL 16 only a role holding ADMIN
 * OPTION on the owner may grant it, and neither the owner itself nor another non-superuser administrator does
 * (checked on PostgreSQL 17 with Azure-like roles, tests/api/migrator-owner.test.ts).
 */
import type { Sql } from "postgres";
import type { ApiConfig } from "../config.js";
import { closeSql, createSql, type DatabaseOptions } from "./client.js";
import { type MigrationResult, migrate } from "./migrate.js";
import type { Migration } from "./migrations/index.js";
import { type ApiRole, ensureApiRoleExists, grantApiRole, roleDatabase } from "./roles.js";

export interface MigratorOptions {
  /** The API role to create and grant; unset = migrate only. */
  api?: ApiRole;
  /** The owner of the application's objects, when it is not the login user. */
  owner?: { user: string; password: string };
  /** The migrations to apply (default: the bundled ones; tests add one to see who owns a new table). */
  migrations?: readonly Migration[];
  /** Passed to every connection (token sources in tests). */
  connection?: Pick<DatabaseOptions, "credentials">;
}

/** The login user of a configuration (DATABASE_USER, or the URL's). */
export function loginUser(config: Pick<ApiConfig, "DATABASE_URL" | "DATABASE_USER">): string | undefined {
  if (config.DATABASE_USER) return config.DATABASE_USER;
  return config.DATABASE_URL ? decodeURIComponent(new URL(config.DATABASE_URL).username) : undefined;
}

/** The application database's name (DATABASE_NAME, or the URL's path). */
export function applicationDatabase(config: Pick<ApiConfig, "DATABASE_URL" | "DATABASE_NAME">): string {
  if (config.DATABASE_NAME) return config.DATABASE_NAME;
  const path = config.DATABASE_URL ? new URL(config.DATABASE_URL).pathname.slice(1) : "";
  if (!path) throw new Error("DATABASE_NAME: the migrator needs the application database's name");
  return decodeURIComponent(path);
}

/** The same server, TLS and login, another database. */
export function onDatabase(config: ApiConfig, database: string): ApiConfig {
  if (!config.DATABASE_URL) return { ...config, DATABASE_NAME: database };
  const url = new URL(config.DATABASE_URL);
  url.pathname = `/${encodeURIComponent(database)}`;
  return { ...config, DATABASE_URL: url.toString() };
}

/** The same server, database and TLS, as the owner with its password (never a token). */
export function asOwner(config: ApiConfig, owner: { user: string; password: string }): ApiConfig {
  if (config.DATABASE_URL) {
    const url = new URL(config.DATABASE_URL);
    url.username = encodeURIComponent(owner.user);
    url.password = encodeURIComponent(owner.password);
    return { ...config, DATABASE_AUTH: "password", DATABASE_URL: url.toString() };
  }
  return {
    ...config,
    DATABASE_AUTH: "password",
    DATABASE_USER: owner.user,
    DATABASE_PASSWORD: owner.password,
  };
}

export interface MigratorResult extends MigrationResult {
  /** The role the migrations and grants ran as. */
  ranAs: string | undefined;
}

/** Migrate, then create and grant the API role. Idempotent; throws on any failure (the CLI exits 1). */
export async function runMigrator(config: ApiConfig, options: MigratorOptions = {}): Promise<MigratorResult> {
  const connection = { max: 1, applicationName: "twincloud-migrate", ...options.connection };
  const login = loginUser(config);
  const separateOwner = options.owner && options.owner.user !== login ? options.owner : undefined;
  const opened: Sql[] = [];
  const open = (c: ApiConfig) => {
    const sql = createSql(c, connection);
    opened.push(sql);
    return sql;
  };
  try {
    const loginSql = open(config);
    const ownerSql = separateOwner ? open(asOwner(config, separateOwner)) : loginSql;
    const result = await migrate(ownerSql, options.migrations);
    if (options.api) {
      const app = applicationDatabase(config);
      const where = roleDatabase(options.api.auth, app);
      // As the login itself, never as the owner: the Entra administrator creates the Entra principal.
      await ensureApiRoleExists(where === app ? loginSql : open(onDatabase(config, where)), options.api);
      await grantApiRole(ownerSql, options.api.role);
    }
    return { ...result, ranAs: separateOwner?.user ?? login };
  } finally {
    await Promise.all(opened.map((sql) => closeSql(sql)));
  }
}
