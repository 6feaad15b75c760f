import type { TransactionSql } from "postgres";
import type { Database } from "./database.js";

/** How long a recorded response is replayed; an older record is taken over by the next request with its key. */
const IDEMPOTENCY_TTL_HOURS = 24;

/** One Idempotency-Key of one API key, with the hash of the validated request it was first used for. */
export interface IdempotencyClaim {
  apiKeyId: string;
  key: string;
  requestHash: string;
}

/** The response recorded for a key, replayed byte for byte. */
export interface RecordedResponse {
  status: number;
  body: string;
  etag: string | null;
  location: string | null;
}

export type IdempotentOutcome<T> =
  | { kind: "created"; value: T; response: RecordedResponse }
  | { kind: "replay"; response: RecordedResponse }
  | { kind: "mismatch" };

/**
 * Runs `work` at most once per claim, in one transaction with the claim: the key is claimed with
 * `INSERT … ON CONFLICT`, so a concurrent duplicate blocks on the primary key until this transaction ends,
 * then finds the committed record and replays it: it never runs `work` a second time. The same key with
 * another request hash is a mismatch. Only a completed `work` is recorded (a failure rolls the claim back).
 */
export function runIdempotent<T>(
  db: Database,
  operation: string,
  claim: IdempotencyClaim,
  work: (tx: TransactionSql) => Promise<{ value: T; response: RecordedResponse }>,
): Promise<IdempotentOutcome<T>> {
  const { apiKeyId, key, requestHash } = claim;
  return db.write(operation, async (tx): Promise<IdempotentOutcome<T>> => {
    const claimed = await tx`
        insert into idempotency_keys (api_key_id, key, request_hash, status_code, response_body)
        values (${apiKeyId}, ${key}, ${requestHash}, 0, '')
        on conflict (api_key_id, key) do update
          set request_hash = excluded.request_hash, status_code = 0, response_body = '',
              etag = null, location = null, created_at = now()
          where idempotency_keys.created_at < now() - make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})
        returning 1`;
    if (claimed.length === 0) {
      const [existing] = await tx<
        {
          request_hash: string;
          status_code: number;
          response_body: string;
          etag: string | null;
          location: string | null;
        }[]
      >`select request_hash, status_code, response_body, etag, location from idempotency_keys
          where api_key_id = ${apiKeyId} and key = ${key}`;
      if (!existing || existing.request_hash !== requestHash) return { kind: "mismatch" };
      return {
        kind: "replay",
        response: {
          status: existing.status_code,
          body: existing.response_body,
          etag: existing.etag,
          location: existing.location,
        },
      };
    }
    const { value, response } = await work(tx);
    await tx`
        update idempotency_keys set status_code = ${response.status}, response_body = ${response.body},
          etag = ${response.etag}, location = ${response.location}
        where api_key_id = ${apiKeyId} and key = ${key}`;
    return { kind: "created", value, response };
  });
}

/** Expired records are already ignored by the claim; purging them only keeps the table small. */
export function purgeExpiredIdempotencyKeys(db: Database): Promise<unknown> {
  return db.run(
    "idempotency_cleanup",
    (sql) =>
      sql`delete from idempotency_keys where created_at < now() - make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})`,
  );
}
