/**
 * `npm run migrate`, and the clouds' migration step (the same image, `node dist/api/cli/migrate.js`, run as the
 * database administrator before new API tasks start): apply pending migrations (advisory lock: safe to run
 * concurrently), then create and grant the API's least-privilege role when DATABASE_API_ROLE is set
 * (db/roles.ts). Exit 1 on any failure, which stops the deploy.
 */
import { ConfigError, loadConfig } from "../config.js";
import { closeSql, createSql } from "../db/client.js";
import { migrate } from "../db/migrate.js";
import { apiRoleEnvironmentSchema, ensureApiRole } from "../db/roles.js";
import { withLocalDatabase } from "./local-env.js";

try {
  const env = withLocalDatabase();
  const config = loadConfig(env);
  const roleEnv = apiRoleEnvironmentSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== "")),
  );
  if (!roleEnv.success)
    throw new ConfigError(roleEnv.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  const sql = createSql(config, { max: 1, applicationName: "twincloud-migrate" });
  try {
    const result = await migrate(sql);
    console.log(
      result.applied.length > 0
        ? `applied migrations ${result.applied.join(", ")}; schema at version ${result.current}`
        : `nothing to do; schema at version ${result.current}`,
    );
    const api = roleEnv.data;
    if (api.DATABASE_API_ROLE) {
      await ensureApiRole(sql, {
        role: api.DATABASE_API_ROLE,
        auth: api.DATABASE_API_AUTH,
        ...(api.DATABASE_API_PASSWORD ? { password: api.DATABASE_API_PASSWORD } : {}),
        ...(api.DATABASE_API_PRINCIPAL_ID ? { principalId: api.DATABASE_API_PRINCIPAL_ID } : {}),
      });
      console.log(`role ${api.DATABASE_API_ROLE} (${api.DATABASE_API_AUTH}) granted`);
    }
  } finally {
    await closeSql(sql);
  }
} catch (error) {
  console.error(
    error instanceof ConfigError ? error.message : `migration failed: ${(error as Error).message}`,
  );
  process.exitCode = 1;
}
