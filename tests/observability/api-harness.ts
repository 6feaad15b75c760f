/**
 * Starts the real API in-process through the API tests' harness (`startTestApi`, tests/api/helpers.ts):
 * migrations, API keys, free ports, the production logger. Its database comes from the shared embedded
 * PostgreSQL of tests/api/global-setup.ts when that runs (full `npm test`); when vitest is filtered to
 * tests/observability the global setup skips PostgreSQL, so this starts one of its own (as root, in a fresh
 * directory under os.tmpdir() owned by `postgres`).
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { inject } from "vitest";
import { importEmbeddedPostgres } from "../../api/embedded-postgres.js";
import { startTestApi, type TestApi } from "../api/helpers.js";
import { freePort } from "../support/ports.js";
import { chownToPostgresWhenRoot } from "../support/postgres-owner.js";

export interface ApiHarness {
  api: TestApi;
  /** Every JSON log line the API wrote while running (the production logger, into memory). */
  logLines: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** A private embedded PostgreSQL, for runs where the shared one was not started. */
async function ownPostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const root = mkdtempSync(join(tmpdir(), "twincloud-obs-pg-"));
  chownToPostgresWhenRoot(root);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(root, "data"),
    port,
    user: "postgres",
    password: "postgres",
    persistent: false,
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await pg.stop().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export async function startApi(env: Record<string, string> = {}): Promise<ApiHarness> {
  const shared = inject("databaseUrl");
  const own = shared ? undefined : await ownPostgres();
  const logLines: Record<string, unknown>[] = [];
  const logDestination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) {
        if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  let api: TestApi;
  try {
    api = await startTestApi({
      env: { LOG_LEVEL: "debug", ...env },
      logDestination,
      ...(own ? { databaseUrl: own.url } : {}),
    });
  } catch (error) {
    await own?.stop();
    throw error;
  }
  return {
    api,
    logLines,
    async stop() {
      await api.close().catch(() => undefined);
      await own?.stop();
    },
  };
}
