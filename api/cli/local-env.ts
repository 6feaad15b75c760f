import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

/** Where `npm start` keeps its embedded PostgreSQL: `.data` (git-ignored), or LOCAL_DATA_DIR (tests). */
export const LOCAL_DATA_DIR = resolve(process.env.LOCAL_DATA_DIR ?? ".data");

/** Written by `npm start` (api/local.ts) while its embedded PostgreSQL runs. */
export const LOCAL_DATABASE_URL_FILE = resolve(LOCAL_DATA_DIR, "local-database-url");

/**
 * For the CLIs during local development: with neither DATABASE_URL nor DATABASE_HOST set, use the
 * embedded PostgreSQL that `npm start` runs, if any.
 */
export function withLocalDatabase(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (env.DATABASE_URL || env.DATABASE_HOST || !existsSync(LOCAL_DATABASE_URL_FILE)) return env;
  return {
    DATABASE_SSL: "disable",
    ...env,
    DATABASE_URL: readFileSync(LOCAL_DATABASE_URL_FILE, "utf8").trim(),
  };
}
