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
  })
  .superRefine((env, ctx) => {
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

/** Create (if missing) and grant the API role in the current database. Safe to run any number of times. */
export async function ensureApiRole(sql: Sql, api: ApiRole): Promise<void> {
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
    // Whatever created it: no superuser, no role or database creation, no replication, no RLS bypass.
    await tx.unsafe(`alter role ${role} login nosuperuser nocreatedb nocreaterole noreplication nobypassrls`);
    if (api.auth === "password" && api.password)
      await tx.unsafe(`alter role ${role} password ${literal(api.password)}`);
    if (api.auth === "aws-iam") await tx.unsafe(`grant rds_iam to ${role}`);

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
