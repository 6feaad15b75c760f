/** `npm run migrate`: apply pending migrations (safe to run while replicas start: advisory lock). */
import { ConfigError, loadConfig } from "../config.js";
import { closeSql, createSql } from "../db/client.js";
import { migrate } from "../db/migrate.js";
import { withLocalDatabase } from "./local-env.js";

try {
  const config = loadConfig(withLocalDatabase());
  const sql = createSql(config, { max: 1, applicationName: "twincloud-migrate" });
  try {
    const result = await migrate(sql);
    console.log(
      result.applied.length > 0
        ? `applied migrations ${result.applied.join(", ")}; schema at version ${result.current}`
        : `nothing to do; schema at version ${result.current}`,
    );
  } finally {
    await closeSql(sql);
  }
} catch (error) {
  console.error(
    error instanceof ConfigError ? error.message : `migration failed: ${(error as Error).message}`,
  );
  process.exitCode = 1;
}
