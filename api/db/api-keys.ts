import type { Sql } from "postgres";
import {
  type ApiKeyPrincipal,
  type ApiKeyRecord,
  BOOTSTRAP_KEY_NAME,
  generateApiKey,
  hashApiKey,
  SCOPES,
  type Scope,
} from "../auth/keys.js";
import type { Database } from "./database.js";

/** Scopes come from a fixed set of plain words, so the array literal needs no quoting. */
const pgTextArray = (scopes: readonly Scope[]) => `{${scopes.filter((s) => SCOPES.includes(s)).join(",")}}`;

export async function insertApiKey(
  sql: Sql,
  input: { name: string; scopes: readonly Scope[]; key?: string },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const key = input.key ?? generateApiKey();
  const rows = await sql<{ id: string; created_at: Date }[]>`
    insert into api_keys (name, key_hash, prefix, scopes)
    values (${input.name}, ${hashApiKey(key)}, ${key.slice(0, 8)}, ${pgTextArray(input.scopes)}::text[])
    returning id, created_at`;
  const row = rows[0]!;
  return {
    key,
    record: {
      id: row.id,
      name: input.name,
      prefix: key.slice(0, 8),
      scopes: input.scopes,
      createdAt: row.created_at,
      revokedAt: null,
    },
  };
}

export interface BootstrapKeyResult {
  /**
   * `created`: a new (rotated or first) key, now the only active bootstrap key. `active`: already known and
   * active (a restart or another replica); its scopes are restored to all. `revoked`: known but revoked
   * (superseded by a rotation, or revoked by an operator): it stays revoked, nothing changes.
   */
  outcome: "created" | "active" | "revoked";
  /** The key's id (never the key). */
  id: string;
  /** How many previous bootstrap keys this call revoked (a rotation). */
  revokedPrevious: number;
}

/** Serialises concurrent start-ups (replicas) ensuring the bootstrap key: an arbitrary, fixed lock id. */
const BOOTSTRAP_LOCK_ID = 0x7463_626b; // "tcbk"

/**
 * Make `key` (BOOTSTRAP_API_KEY) the one active bootstrap key, with every scope, in one transaction:
 * - an unknown key is inserted and every other active bootstrap key is revoked: rotating the secret rotates
 *   the key, the previous one stops working (within API_KEY_CACHE_TTL_MS on replicas still running);
 * - a known active key keeps working (restarts, more replicas) and gets every scope back;
 * - a known revoked key stays revoked and changes nothing: a replica still configured with a superseded key
 *   (an old task definition or revision starting late) cannot undo a rotation, and an operator's revocation
 *   is not undone by the next scale-out. Retire a leaked bootstrap key by rotating it.
 */
export async function ensureBootstrapKey(sql: Sql, key: string): Promise<BootstrapKeyResult> {
  const hash = hashApiKey(key);
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_ID})`;
    const [known] = await tx<{ id: string; revoked_at: Date | null }[]>`
      select id, revoked_at from api_keys where key_hash = ${hash}`;
    if (known?.revoked_at) return { outcome: "revoked", id: known.id, revokedPrevious: 0 };
    let id: string;
    if (known) {
      await tx`
        update api_keys set name = ${BOOTSTRAP_KEY_NAME}, scopes = ${pgTextArray(SCOPES)}::text[]
        where id = ${known.id}`;
      id = known.id;
    } else {
      const [row] = await tx<{ id: string }[]>`
        insert into api_keys (name, key_hash, prefix, scopes)
        values (${BOOTSTRAP_KEY_NAME}, ${hash}, ${key.slice(0, 8)}, ${pgTextArray(SCOPES)}::text[])
        returning id`;
      id = row!.id;
    }
    const revoked = await tx`
      update api_keys set revoked_at = now()
      where name = ${BOOTSTRAP_KEY_NAME} and id <> ${id} and revoked_at is null
      returning id`;
    return { outcome: known ? "active" : "created", id, revokedPrevious: revoked.length };
  }) as Promise<BootstrapKeyResult>;
}

export async function listApiKeys(sql: Sql): Promise<ApiKeyRecord[]> {
  const rows = await sql<
    { id: string; name: string; prefix: string; scopes: Scope[]; created_at: Date; revoked_at: Date | null }[]
  >`select id, name, prefix, scopes, created_at, revoked_at from api_keys order by created_at, id`;
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  }));
}

export async function revokeApiKey(sql: Sql, id: string): Promise<boolean> {
  const rows =
    await sql`update api_keys set revoked_at = now() where id = ${id} and revoked_at is null returning id`;
  return rows.length > 0;
}

/** The active key with this hash (the verifier's cache miss). */
export async function findActiveApiKey(db: Database, hash: Buffer): Promise<ApiKeyPrincipal | null> {
  const rows = await db.run(
    "api_key_lookup",
    (sql) => sql<{ id: string; name: string; scopes: Scope[] }[]>`
      select id, name, scopes from api_keys where key_hash = ${hash} and revoked_at is null`,
  );
  const row = rows[0];
  return row ? { id: row.id, name: row.name, scopes: row.scopes } : null;
}
