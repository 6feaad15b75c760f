/**
 * `npm run migrate`, and the clouds' migration step (the same image, `node dist/api/cli/migrate.js`, run as the
 * database administrator before new API tasks start): apply pending migrations (advisory lock: safe to run
 * concurrently), then create and grant the API's least-privilege role when DATABASE_API_ROLE is set, as the
 * owner of the application's objects when DATABASE_OWNER_USER names another role than the login (db/migrator.ts).
 * Exit 1 on any failure, which stops the deploy. Passwords are never printed.
 */
import { ConfigError, loadConfig } from "../config.js";
import { runMigrator } from "../db/migrator.js";
import { apiRoleEnvironmentSchema } from "../db/roles.js";
import { withLocalDatabase } from "./local-env.js";

try {
  const env = withLocalDatabase();
  const config = loadConfig(env);
  const roleEnv = apiRoleEnvironmentSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== "")),
  );
  // Names the variable, never its value.
  if (!roleEnv.success)
    throw new ConfigError(roleEnv.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  const vars = roleEnv.data;
  const api = vars.DATABASE_API_ROLE
    ? {
        role: vars.DATABASE_API_ROLE,
        auth: vars.DATABASE_API_AUTH,
        ...(vars.DATABASE_API_PASSWORD ? { password: vars.DATABASE_API_PASSWORD } : {}),
        ...(vars.DATABASE_API_PRINCIPAL_ID ? { principalId: vars.DATABASE_API_PRINCIPAL_ID } : {}),
      }
    : undefined;
  const result = await runMigrator(config, {
    ...(api ? { api } : {}),
    ...(vars.DATABASE_OWNER_USER && vars.DATABASE_OWNER_PASSWORD
      ? { owner: { user: vars.DATABASE_OWNER_USER, password: vars.DATABASE_OWNER_PASSWORD } }
      : {}),
  });
  const as = result.ranAs ? ` as ${result.ranAs}` : "";
  console.log(
    result.applied.length > 0
      ? `applied migrations ${result.applied.join(", ")}${as}; schema at version ${result.current}`
      : `nothing to do; schema at version ${result.current}`,
  );
  if (api) console.log(`role ${api.role} (${api.auth}) granted`);
} catch (error) {
  console.error(
    error instanceof ConfigError ? error.message : `migration failed: ${(error as Error).message}`,
  );
  process.exitCode = 1;
}
