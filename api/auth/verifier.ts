import { findActiveApiKey } from "../db/api-keys.js";
import type { Database } from "../db/database.js";
import type { Metrics } from "../observability/metrics.js";
import { type ApiKeyPrincipal, hashApiKey } from "./keys.js";

/** Keys we issue are `tc_` + 43 chars, but BOOTSTRAP_API_KEY may be any string of 32+ characters. */
const PLAUSIBLE_KEY = /^[\x21-\x7e]{16,512}$/;

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
    const principal = await findActiveApiKey(this.db, hashApiKey(key));
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
