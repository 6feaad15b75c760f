/** Which variable and secret names look secret: shared by the ECS and Container Apps plaintext-secret rules. */
import { SECRET_ENV_VARS } from "../../api/config.js";

/** Secret-looking environment variable names (case-insensitive); tunable as `secretNamePattern`. */
const DEFAULT_SECRET_NAME_PATTERN = `PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|CONNECTION_?STRING|DATABASE_URL|${SECRET_ENV_VARS.join("|")}`;

/** The `secretNamePattern` config key (`what`: the names it matches, for the schema's description). */
export function secretNameConfig(what: string) {
  return {
    schema: {
      secretNamePattern: {
        type: "string" as const,
        description: `Case-insensitive regex of secret-looking ${what}.`,
      },
    },
    defaults: { secretNamePattern: DEFAULT_SECRET_NAME_PATTERN },
  };
}

/** The configured pattern as a case-insensitive regex; an invalid pattern falls back to the default. */
export function secretNameRegex(pattern: string | undefined): RegExp {
  try {
    return new RegExp(pattern ?? DEFAULT_SECRET_NAME_PATTERN, "i");
  } catch {
    return new RegExp(DEFAULT_SECRET_NAME_PATTERN, "i");
  }
}
