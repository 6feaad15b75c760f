/**
 * `npm run apikey -- create --name X --scopes read,write` | `list` | `revoke <id>`.
 * The key is printed once at creation; only its SHA-256 hash is stored.
 */
import { parseArgs } from "node:util";
import { BOOTSTRAP_KEY_NAME, SCOPES, type Scope } from "../auth/keys.js";
import { ConfigError, loadConfig } from "../config.js";
import { insertApiKey, listApiKeys, revokeApiKey } from "../db/api-keys.js";
import { closeSql, createSql } from "../db/client.js";
import { migrate } from "../db/migrate.js";
import { withLocalDatabase } from "./local-env.js";

const USAGE = `usage:
  npm run apikey -- create --name <name> [--scopes read,write]
  npm run apikey -- list
  npm run apikey -- revoke <id>`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: "string" }, scopes: { type: "string", default: "read,write" } },
  });
  const [command, ...rest] = positionals;
  if (!command || !["create", "list", "revoke"].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig(withLocalDatabase());
  const sql = createSql(config, { max: 1, applicationName: "twincloud-apikey" });
  try {
    await migrate(sql);
    if (command === "create") {
      const name = values.name?.trim();
      const scopes = (values.scopes ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      if (!name || name.length > 100) {
        console.error(`--name is required (1-100 characters)\n${USAGE}`);
        return 2;
      }
      if (name === BOOTSTRAP_KEY_NAME) {
        console.error(
          `--name ${BOOTSTRAP_KEY_NAME} is reserved for BOOTSTRAP_API_KEY (such keys are revoked when it rotates)`,
        );
        return 2;
      }
      const unknown = scopes.filter((s) => !SCOPES.includes(s as Scope));
      if (scopes.length === 0 || unknown.length > 0) {
        console.error(`--scopes must be a comma list of ${SCOPES.join(", ")}`);
        return 2;
      }
      const { key, record } = await insertApiKey(sql, { name, scopes: [...new Set(scopes)] as Scope[] });
      console.log(`created API key ${record.id} (${record.name}, scopes: ${record.scopes.join(",")})`);
      console.log(`key (shown once, store it now): ${key}`);
      return 0;
    }
    if (command === "list") {
      const keys = await listApiKeys(sql);
      if (keys.length === 0) console.log("no API keys");
      for (const k of keys) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active";
        console.log(
          `${k.id}  ${k.prefix}…  ${k.scopes.join(",").padEnd(10)}  ${state.padEnd(32)}  ${k.name}`,
        );
      }
      return 0;
    }
    const id = rest[0];
    if (!id || !UUID.test(id)) {
      console.error(`revoke needs a key id (see list)\n${USAGE}`);
      return 2;
    }
    const revoked = await revokeApiKey(sql, id);
    console.log(
      revoked
        ? `revoked ${id} (running replicas stop accepting it within API_KEY_CACHE_TTL_MS = ${config.API_KEY_CACHE_TTL_MS} ms)`
        : `no active key ${id}`,
    );
    return revoked ? 0 : 1;
  } finally {
    await closeSql(sql);
  }
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `apikey failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
