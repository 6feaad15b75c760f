/**
 * Names and numbers both clouds render identically, written once: the project, the clouds and tiers, the
 * database the API connects to, and the ports and health paths the API serves (from the API's own config,
 * api/config.ts, the contract between the API and the infrastructure).
 *
 * Pure module: the policy pack, the tools and the tests import it.
 */
export {
  DEFAULT_METRICS_PORT as METRICS_PORT,
  DEFAULT_PORT as APP_PORT,
  DEFAULT_SHUTDOWN_TIMEOUT_MS as SHUTDOWN_TIMEOUT_MS,
  HEALTH_PATHS,
} from "../../api/config.js";

export const PROJECT_NAME = "twincloud";
/** Every alarm on both clouds links to its entry here (`<path>#<alarm id>`). */
export const RUNBOOK_PATH = "docs/runbook.md";
export const CLOUDS = ["aws", "azure"] as const;
export const TIERS = ["dev", "staging", "prod"] as const;
export type Cloud = (typeof CLOUDS)[number];
export type Tier = (typeof TIERS)[number];

/** The API container's name in the ECS task definition and the Container App (what log queries filter on). */
export const API_CONTAINER = "api";

/**
 * The PostgreSQL database and engine, the same on RDS and Flexible Server, and its two identities
 * (docs/database-identity.md): `username` is the administrator (RDS master user / Flexible Server admin login),
 * used only by the migrator (its name stays: RDS replaces the instance when the master user name changes);
 * `apiRole` is the least-privilege role the API connects as, created and granted by the migrator.
 */
export const DATABASE = {
  engineVersion: "17",
  port: 5432,
  name: "twincloud",
  username: "twincloud_app",
  apiRole: "twincloud_api",
} as const;

/** The migrator's command in the API image (node is the image's ENTRYPOINT): migrations, then the API role. */
export const MIGRATOR_COMMAND = ["dist/api/cli/migrate.js"] as const;
