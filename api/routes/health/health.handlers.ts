import type { Handler } from "hono";
import type { Database } from "../../db/database.js";
import { JSON_CONTENT_TYPE } from "../../http/node.js";
import type { Lifecycle } from "../../lifecycle.js";

/** What `GET /health/live` answers, routed or through the Node probe (http/live-probe.ts). */
export const LIVE_BODY = JSON.stringify({ status: "ok" });
export const LIVE_HEADERS = { "cache-control": "no-store" };

/**
 * Liveness (the process only), readiness (`select 1` within `readyTimeoutMs`; 503 when down or shutting
 * down) and the summary with the database check. No auth, no rate limit, never cached.
 */
export function createHealthHandlers(deps: { db: Database; lifecycle: Lifecycle; readyTimeoutMs: number }) {
  const { db, lifecycle, readyTimeoutMs } = deps;
  let readyCheck: Promise<{ ok: boolean; latencyMs: number | null }> | undefined;
  const checkDatabase = () => {
    // Concurrent probes share one ping.
    readyCheck ??= db
      .ping(readyTimeoutMs)
      .then(
        (latencyMs) => ({ ok: true, latencyMs: Math.round(latencyMs * 100) / 100 }),
        () => ({ ok: false, latencyMs: null }),
      )
      .finally(() => {
        readyCheck = undefined;
      });
    return readyCheck;
  };

  const live: Handler = () =>
    new Response(LIVE_BODY, { status: 200, headers: { "content-type": JSON_CONTENT_TYPE, ...LIVE_HEADERS } });

  const ready: Handler = async (c) => {
    if (lifecycle.shuttingDown) {
      return c.json({ status: "shutting_down" }, 503, { "Cache-Control": "no-store" });
    }
    const database = await checkDatabase();
    return database.ok
      ? c.json({ status: "ready" }, 200, { "Cache-Control": "no-store" })
      : c.json({ status: "not_ready", reason: "database" }, 503, { "Cache-Control": "no-store" });
  };

  const summary: Handler = async (c) => {
    const database = await checkDatabase();
    const ok = database.ok && !lifecycle.shuttingDown;
    return c.json(
      {
        status: lifecycle.shuttingDown ? "shutting_down" : ok ? "ok" : "degraded",
        timestamp: new Date().toISOString(),
        uptime: Math.round((Date.now() - lifecycle.startedAt) / 1000),
        checks: { database: { status: database.ok ? "up" : "down", latencyMs: database.latencyMs } },
      },
      ok ? 200 : 503,
      { "Cache-Control": "no-store" },
    );
  };

  return { live, ready, summary };
}
