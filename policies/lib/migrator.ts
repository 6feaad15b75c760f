/**
 * Who may hold a database password (docs/database-identity.md): the migrator, and no other container on either
 * cloud. Shared by the ECS and Container Apps rules, so both clouds recognise the migrator the same way.
 */
import { MIGRATOR_COMMAND } from "../../infra/spec/constants.js";

/**
 * Variables that carry a database password: the administrator's (AWS), the tables' owner's (Azure), the API
 * role's (password mode, local only) and a URL that embeds one. Matched by name, in any form (a plain value, an
 * ECS secret, a Container Apps secretRef).
 */
export const DATABASE_PASSWORD_VARIABLES: readonly string[] = [
  "DATABASE_PASSWORD",
  "DATABASE_OWNER_PASSWORD",
  "DATABASE_API_PASSWORD",
  "DATABASE_URL",
  "PGPASSWORD",
];

/**
 * `argv` is exactly the spec's migrator command (infra/spec/constants.ts), which the image's ENTRYPOINT (node)
 * runs. Exact, so appending or prepending an argument is not the migrator; the callers also require the entry
 * point to be the image's own (an overridden one could run anything with this argument).
 */
export function isMigratorCommand(argv: unknown): boolean {
  return (
    Array.isArray(argv) &&
    argv.length === MIGRATOR_COMMAND.length &&
    argv.every((arg, i) => arg === MIGRATOR_COMMAND[i])
  );
}

/** An entry-point override that is absent or empty (the image's own ENTRYPOINT runs). */
export function keepsImageEntrypoint(entryPoint: unknown): boolean {
  return (
    entryPoint === undefined || entryPoint === null || (Array.isArray(entryPoint) && entryPoint.length === 0)
  );
}
