/**
 * The API's own PostgreSQL role, created and granted by the migrator (the administrator) after the migrations:
 * it may read and write the application's tables and nothing else. No DDL (the schema's CREATE is not
 * granted), no role or database changes (NOCREATEROLE, NOCREATEDB), no migration bookkeeping. Idempotent and
 * serialised like the migrations (advisory lock), so every deploy may run it again.
 *
 * How the role logs in depends on the cloud:
 * - password (local, tests): a password set here.
 * - aws-iam: membership in `rds_iam`; the API signs a token per connection with its task role, which IAM lets
 *   `rds-db:connect` as exactly this user.
 * - azure-entra: the role is the Container App's user-assigned managed identity, created by
 *   `pgaadauth_create_principal_with_oid(<role>, <object id>, 'service', false, false)` (the Flexible Server's
 *   documented function; only a Microsoft Entra administrator may call it).
 */
import type { Sql } from "postgres";
import { z } from "zod";
import { DATABASE_AUTH_MODES } from "../config.js";

/** Serialises concurrent migrators' grants (a different lock from the migrations', taken after them). */
const ROLE_LOCK_ID = 7_314_296_022;

/** The tables only the migrator touches: the API neither reads nor writes them. */
const MIGRATOR_ONLY_TABLES = ["schema_migrations"];

const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,62}$/, "expected a lower-case PostgreSQL role name (letters, digits, _ or -)");

/** The migrator's extra environment (`npm run migrate`, the cloud's migration task/job). */
export const apiRoleEnvironmentSchema = z
  .object({
    /** The API's role; unset = only migrate (local `npm run migrate` with one user). */
    DATABASE_API_ROLE: identifier.optional(),
    DATABASE_API_AUTH: z.enum(DATABASE_AUTH_MODES).default("password"),
    /** password mode only: the API role's password. */
    DATABASE_API_PASSWORD: z.string().min(12).optional(),
    /** azure-entra only: the object (principal) id of the API's managed identity. */
    DATABASE_API_PRINCIPAL_ID: z.uuid().optional(),
    /**
     * The role that owns the application's objects when the migrator logs in as another one (Azure: the
     * password administrator twincloud_app, owner of every table created before the migration job existed,
     * while the job logs in as the Entra administrator). Migrations and grants then run as this role.
     */
    DATABASE_OWNER_USER: identifier.optional(),
    /** The owner's password (Azure: Key Vault secret `database-password`, for the migration job only). */
    DATABASE_OWNER_PASSWORD: z.string().min(1).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.DATABASE_OWNER_USER && !env.DATABASE_OWNER_PASSWORD)
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_OWNER_PASSWORD"],
        message: "required with DATABASE_OWNER_USER (the owner logs in with its password)",
      });
    if (env.DATABASE_OWNER_PASSWORD && !env.DATABASE_OWNER_USER)
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_OWNER_USER"],
        message: "required with DATABASE_OWNER_PASSWORD (whose password it is)",
      });
    if (!env.DATABASE_API_ROLE) return;
    if (env.DATABASE_API_AUTH === "password" && !env.DATABASE_API_PASSWORD)
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_API_PASSWORD"],
        message: "required for DATABASE_API_AUTH=password",
      });
    if (env.DATABASE_API_AUTH === "azure-entra" && !env.DATABASE_API_PRINCIPAL_ID)
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_API_PRINCIPAL_ID"],
        message: "required for DATABASE_API_AUTH=azure-entra (the managed identity's object id)",
      });
  });

export interface ApiRole {
  role: string;
  auth: (typeof DATABASE_AUTH_MODES)[number];
  password?: string;
  principalId?: string;
}

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
const ident = (value: string) => `"${value.replaceAll('"', '""')}"`;

/**
 * Where the API role is created and its attributes are set. Roles are cluster-wide, so any database would do,
 * but on Azure `pgaadauth_create_principal_with_oid` is documented (and only ever shown) on a connection to the
 * `postgres` database, where the server installs its pgaadauth functions; every other mode uses the
 * application database. The grants stay in the application database (grantApiRole).
 */
export function roleDatabase(auth: ApiRole["auth"], applicationDatabase: string): string {
  return auth === "azure-entra" ? "postgres" : applicationDatabase;
}

/** What a role must never have; a non-superuser can neither set nor clear these (PostgreSQL 16+). */
const FORBIDDEN_ATTRIBUTES = [
  ["rolsuper", "SUPERUSER"],
  ["rolreplication", "REPLICATION"],
  ["rolbypassrls", "BYPASSRLS"],
] as const;

/**
 * Create the API role if missing and set its attributes, as the login role itself: on Azure only the Entra
 * administrator may create an Entra principal, and since PostgreSQL 16 only the role's creator (who holds
 * ADMIN OPTION on it) may alter it. Run it on a connection to roleDatabase(). Attributes are changed only
 * when they differ, because a non-superuser may not even restate NOSUPERUSER, NOREPLICATION or NOBYPASSRLS
 * (the migrator is no superuser on either cloud): a role that has one of them is refused, not fixed.
 */
export async function ensureApiRoleExists(sql: Sql, api: ApiRole): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${ROLE_LOCK_ID}::bigint)`;
    const role = ident(api.role);
    const [exists] = await tx`select 1 from pg_roles where rolname = ${api.role}`;
    if (!exists) {
      if (api.auth === "azure-entra") {
        await tx`select * from pgaadauth_create_principal_with_oid(${api.role}, ${api.principalId!}, 'service', false, false)`;
      } else {
        await tx.unsafe(`create role ${role} login`);
      }
    }
    const [attributes] = (await tx`
      select rolsuper, rolreplication, rolbypassrls, rolcanlogin, rolcreatedb, rolcreaterole
      from pg_roles where rolname = ${api.role}`) as unknown as [Record<string, boolean>];
    const forbidden = FORBIDDEN_ATTRIBUTES.filter(([column]) => attributes![column]).map(([, name]) => name);
    if (forbidden.length > 0)
      throw new Error(
        `role ${api.role} has ${forbidden.join(", ")}: the API role must not; remove it as a superuser`,
      );
    const changes = [
      ...(attributes!.rolcanlogin ? [] : ["login"]),
      ...(attributes!.rolcreatedb ? ["nocreatedb"] : []),
      ...(attributes!.rolcreaterole ? ["nocreaterole"] : []),
    ];
    if (changes.length > 0) await tx.unsafe(`alter role ${role} ${changes.join(" ")}`);
    if (api.auth === "password" && api.password)
      await tx.unsafe(`alter role ${role} password ${literal(api.password)}`);
    if (api.auth === "aws-iam") await tx.unsafe(`grant rds_iam to ${role}`);
  });
}

/**
 * Grant the API role what it needs in the current (application) database, as the owner of the application's
 * objects: only an owner may grant on its tables, and `alter default privileges` without FOR ROLE covers the
 * tables the current role creates later, which are the owner's.
 */
export async function grantApiRole(sql: Sql, apiRole: string): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${ROLE_LOCK_ID}::bigint)`;
    const role = ident(apiRole);
    const [{ db }] = (await tx`select current_database() as db`) as unknown as [{ db: string }];
    await tx.unsafe(`grant connect on database ${ident(db)} to ${role}`);
    await tx.unsafe(`revoke create, temporary on database ${ident(db)} from ${role}`);
    await tx.unsafe(`grant usage on schema public to ${role}`);
    await tx.unsafe(`revoke create on schema public from ${role}`);
    await tx.unsafe(`grant select, insert, update, delete on all tables in schema public to ${role}`);
    await tx.unsafe(`grant usage, select on all sequences in schema public to ${role}`);
    // Tables the migrator creates later (it runs this after every migration anyway).
    await tx.unsafe(
      `alter default privileges in schema public grant select, insert, update, delete on tables to ${role}`,
    );
    await tx.unsafe(`alter default privileges in schema public grant usage, select on sequences to ${role}`);
    for (const table of MIGRATOR_ONLY_TABLES) {
      const [present] = await tx`select to_regclass(${`public.${table}`}) as t`;
      if (present?.t) await tx.unsafe(`revoke all on table public.${ident(table)} from ${role}`);
    }
  });
}

/** Both steps on one connection (one login that owns everything: local, tests, AWS). Idempotent. */
export async function ensureApiRole(sql: Sql, api: ApiRole): Promise<void> {
  await ensureApiRoleExists(sql, api);
  await grantApiRole(sql, api.role);
}
