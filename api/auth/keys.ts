import { createHash, randomBytes } from "node:crypto";
import type { Sql } from "postgres";
import type { Database } from "../db/database.js";
import type { Metrics } from "../observability/metrics.js";

export const SCOPES = ["read", "write"] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyPrincipal {
  id: string;
  name: string;
  scopes: readonly Scope[];
}

export interface ApiKeyRecord extends ApiKeyPrincipal {
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Every key we issue starts with this (the infrastructure generates the bootstrap key in the same format). */
const API_KEY_PREFIX = "tc_";
/** Random bytes per key: 256 bits. */
export const API_KEY_BYTES = 32;
/** The format of the keys we issue: `tc_` + the base64url form of 32 random bytes (43 characters). */
export const ISSUED_API_KEY = /^tc_[A-Za-z0-9_-]{43}$/;

/** `tc_` + the base64url (no padding) form of `bytes`. */
export function formatApiKey(bytes: Uint8Array): string {
  return API_KEY_PREFIX + Buffer.from(bytes).toString("base64url");
}

/** 32 random bytes (256 bits) → `tc_` + 43 base64url characters. */
export function generateApiKey(): string {
  return formatApiKey(randomBytes(API_KEY_BYTES));
}

/**
 * SHA-256, unsalted, on purpose: API keys are 256-bit random secrets, not human passwords, so there is
 * nothing to brute-force and a slow KDF (bcrypt/argon2) would only burn CPU on every cache miss. The hash
 * makes a leaked table useless and lets us look a key up by equality on a unique index.
 */
function hashApiKey(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/** Keys we issue are `tc_` + 43 chars, but BOOTSTRAP_API_KEY may be any string of 32+ characters. */
const PLAUSIBLE_KEY = /^[\x21-\x7e]{16,512}$/;

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

/**
 * The name that marks the bootstrap key (BOOTSTRAP_API_KEY). Reserved: `npm run apikey -- create` refuses it,
 * because every key with this name except the configured one is revoked when the bootstrap key rotates.
 */
export const BOOTSTRAP_KEY_NAME = "bootstrap";

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

interface CacheEntry {
  principal: ApiKeyPrincipal | null;
  expiresAt: number;
}

/**
 * Verifies bearer keys with a small in-process cache so the database stays off the hot path:
 * a verified key is trusted for `ttlMs` (so a revocation takes effect within that delay on every
 * replica), an unknown key is remembered as unknown for a shorter time, and concurrent misses for the
 * same key share one query. The cache is bounded (oldest entries evicted first).
 */
export class ApiKeyVerifier {
  readonly #cache = new Map<string, CacheEntry>();
  readonly #pending = new Map<string, Promise<ApiKeyPrincipal | null>>();
  readonly #negativeTtlMs: number;

  constructor(
    private readonly db: Database,
    private readonly ttlMs: number,
    private readonly metrics?: Metrics,
    private readonly maxEntries = 10_000,
  ) {
    this.#negativeTtlMs = Math.min(ttlMs, 5_000);
  }

  /** Cached answer, if any and fresh: `undefined` = not cached, `null` = known invalid. */
  peek(key: string): ApiKeyPrincipal | null | undefined {
    const entry = this.#cache.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#cache.delete(key);
      return undefined;
    }
    if (this.metrics) this.metrics.apiKeyCacheLookups[entry.principal ? "hit" : "negative"]++;
    return entry.principal;
  }

  async verify(key: string): Promise<ApiKeyPrincipal | null> {
    const cached = this.peek(key);
    if (cached !== undefined) return cached;
    if (!PLAUSIBLE_KEY.test(key)) return null;
    let pending = this.#pending.get(key);
    if (!pending) {
      if (this.metrics) this.metrics.apiKeyCacheLookups.miss++;
      pending = this.#lookup(key).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  /** Forget everything (tests, or after a revocation in this process). */
  clear(): void {
    this.#cache.clear();
  }

  async #lookup(key: string): Promise<ApiKeyPrincipal | null> {
    const rows = await this.db.run(
      "api_key_lookup",
      (sql) => sql<{ id: string; name: string; scopes: Scope[] }[]>`
        select id, name, scopes from api_keys where key_hash = ${hashApiKey(key)} and revoked_at is null`,
    );
    const row = rows[0];
    const principal = row ? { id: row.id, name: row.name, scopes: row.scopes } : null;
    if (this.ttlMs > 0) {
      if (this.#cache.size >= this.maxEntries) {
        const oldest = this.#cache.keys().next();
        if (!oldest.done) this.#cache.delete(oldest.value);
      }
      this.#cache.set(key, {
        principal,
        expiresAt: Date.now() + (principal ? this.ttlMs : this.#negativeTtlMs),
      });
    }
    return principal;
  }
}
