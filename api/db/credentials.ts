/**
 * The database password for postgres.js: the configured one (DATABASE_AUTH=password), or a function postgres.js
 * calls for every new connection that returns a fresh short-lived token from the workload's cloud identity:
 *
 * - aws-iam: an RDS IAM authentication token (SigV4-presigned, valid 15 minutes, signed locally by
 *   `@aws-sdk/rds-signer` with the task role's credentials; the database user holds `rds_iam`).
 * - azure-entra: a Microsoft Entra ID access token for Azure Database for PostgreSQL, from the Container App's
 *   user-assigned managed identity (`@azure/identity` caches it and refreshes it before it expires).
 *
 * A token is only needed to open a connection: an open one outlives its token, and the next connection gets a
 * new one. So nothing restarts when credentials change, and there is no password to rotate. Tokens are never
 * logged: a failure says which provider failed, not what it returned.
 */
import type { ApiConfig } from "../config.js";

type CredentialConfig = Pick<
  ApiConfig,
  | "DATABASE_AUTH"
  | "DATABASE_HOST"
  | "DATABASE_PORT"
  | "DATABASE_USER"
  | "DATABASE_PASSWORD"
  | "AWS_REGION"
  | "AZURE_CLIENT_ID"
>;

/** The scope of Azure Database for PostgreSQL (and MySQL) for Entra ID tokens. */
export const AZURE_POSTGRES_SCOPE = "https://ossrdbms-aad.database.windows.net/.default";

/** What postgres.js accepts as `password`. */
export type DatabasePassword = string | undefined | (() => Promise<string>);

/** Mints one token; injectable so tests can count calls without a cloud. */
export type TokenSource = () => Promise<string>;

export interface CredentialDeps {
  /** aws-iam: overrides the RDS signer (tests). */
  awsToken?: TokenSource;
  /** azure-entra: overrides the managed-identity credential (tests). */
  azureToken?: TokenSource;
}

export class DatabaseCredentialError extends Error {
  constructor(mode: string, cause: unknown) {
    // The cause's message can quote a request; keep only its class name.
    super(`could not obtain a database token (${mode}): ${(cause as Error)?.name ?? "Error"}`);
    this.name = "DatabaseCredentialError";
  }
}

async function awsSigner(config: CredentialConfig): Promise<TokenSource> {
  const { Signer } = await import("@aws-sdk/rds-signer");
  const signer = new Signer({
    hostname: config.DATABASE_HOST!,
    port: config.DATABASE_PORT,
    username: config.DATABASE_USER!,
    region: config.AWS_REGION!,
  });
  return () => signer.getAuthToken();
}

async function azureManagedIdentity(config: CredentialConfig): Promise<TokenSource> {
  const { ManagedIdentityCredential } = await import("@azure/identity");
  const credential = new ManagedIdentityCredential({ clientId: config.AZURE_CLIENT_ID! });
  return async () => {
    const token = await credential.getToken(AZURE_POSTGRES_SCOPE);
    if (!token) throw new Error("no token");
    return token.token;
  };
}

/** postgres.js's `password` for this configuration (a per-connection token function in the token modes). */
export function databasePassword(config: CredentialConfig, deps: CredentialDeps = {}): DatabasePassword {
  if (config.DATABASE_AUTH === "password") return config.DATABASE_PASSWORD;
  const mode = config.DATABASE_AUTH;
  let source: Promise<TokenSource> | undefined;
  const load = (): Promise<TokenSource> => {
    if (mode === "aws-iam") return deps.awsToken ? Promise.resolve(deps.awsToken) : awsSigner(config);
    return deps.azureToken ? Promise.resolve(deps.azureToken) : azureManagedIdentity(config);
  };
  return async () => {
    source ??= load().catch((error: unknown) => {
      source = undefined; // retried on the next connection
      throw error;
    });
    try {
      const token = await (await source)();
      if (typeof token !== "string" || token.length === 0) throw new Error("empty token");
      return token;
    } catch (error) {
      throw new DatabaseCredentialError(mode, error);
    }
  };
}
