import { createHash } from "node:crypto";
import type { Sql } from "postgres";
import { migrations as bundled, type Migration } from "./migrations/index.js";

/** Arbitrary but fixed: every replica and `npm run migrate` serialise on this advisory lock. */
const MIGRATION_LOCK_ID = 7_314_296_021;

export interface MigrationResult {
  applied: number[];
  current: number;
}

const checksum = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Apply pending migrations. Everything happens in ONE transaction holding a transaction-scoped advisory
 * lock: concurrent callers (many replicas starting together) queue on the lock, and each later caller
 * finds the work done. DDL is transactional in PostgreSQL, so a failed migration leaves nothing behind.
 * An applied migration whose text changed is refused (checksum mismatch) rather than silently skipped.
 */
export async function migrate(sql: Sql, list: readonly Migration[] = bundled): Promise<MigrationResult> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_ID}::bigint)`;
    await tx`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`;
    const rows = await tx<{ version: number; checksum: string }[]>`
      select version, checksum from schema_migrations order by version`;
    const done = new Map(rows.map((row) => [row.version, row.checksum]));
    const applied: number[] = [];
    for (const migration of list) {
      const sum = checksum(migration.sql);
      const existing = done.get(migration.version);
      if (existing !== undefined) {
        if (existing !== sum) {
          throw new Error(
            `migration ${migration.version} (${migration.name}) was changed after being applied; add a new migration instead`,
          );
        }
        continue;
      }
      await tx.unsafe(migration.sql);
      await tx`
        insert into schema_migrations (version, name, checksum)
        values (${migration.version}, ${migration.name}, ${sum})`;
      applied.push(migration.version);
    }
    const current = Math.max(0, ...list.map((m) => m.version), ...rows.map((r) => r.version));
    return { applied, current };
  }) as Promise<MigrationResult>;
}
