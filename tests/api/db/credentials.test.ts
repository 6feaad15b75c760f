/**
 * Database credentials and TLS (issue 14): a token function is called once per new connection, its failures
 * never carry the token, and verify-full needs a readable CA file (a start-up error naming the variable).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../api/config.js";
import { closeSql, createSql } from "../../../api/db/client.js";
import { databasePassword } from "../../../api/db/credentials.js";
import { ensureApiRole } from "../../../api/db/roles.js";
import { createTestDatabase, serverUrl } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "twincloud-ca-"));
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const caFile = join(dir, "ca.pem");
writeFileSync(caFile, PEM);

const tokenEnv = (extra: Record<string, string> = {}) => ({
  NODE_ENV: "test",
  DATABASE_AUTH: "aws-iam",
  DATABASE_HOST: "db.example.internal",
  DATABASE_NAME: "app",
  DATABASE_USER: "twincloud_api",
  AWS_REGION: "eu-west-1",
  ...extra,
});

describe("configuration", () => {
  it("refuses verify-full without DATABASE_CA_FILE, naming the variable", () => {
    expect(() => loadConfig(tokenEnv({ DATABASE_SSL: "verify-full" }))).toThrow(/DATABASE_CA_FILE: required/);
  });

  it("the API process refuses to start: exit 1, the variable named on stderr", async () => {
    const missing = join(dir, "absent.pem");
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ["--import", "tsx", "api/main.ts"],
        {
          env: {
            PATH: process.env.PATH,
            ...tokenEnv({ DATABASE_SSL: "verify-full", DATABASE_CA_FILE: missing, LOG_LEVEL: "silent" }),
          },
        },
        (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`DATABASE_CA_FILE: cannot read a PEM CA bundle from ${missing}`);
  });

  it("refuses verify-full with an unreadable or non-PEM CA file", () => {
    const missing = join(dir, "missing.pem");
    expect(() => loadConfig(tokenEnv({ DATABASE_SSL: "verify-full", DATABASE_CA_FILE: missing }))).toThrow(
      ConfigError,
    );
    expect(() => loadConfig(tokenEnv({ DATABASE_SSL: "verify-full", DATABASE_CA_FILE: missing }))).toThrow(
      /DATABASE_CA_FILE: cannot read a PEM CA bundle/,
    );
    const empty = join(dir, "empty.pem");
    writeFileSync(empty, "not a certificate");
    expect(() => loadConfig(tokenEnv({ DATABASE_SSL: "verify-full", DATABASE_CA_FILE: empty }))).toThrow(
      /DATABASE_CA_FILE/,
    );
  });

  it("verify-full checks the chain against the CA file and the name against the host", async () => {
    const config = loadConfig(tokenEnv({ DATABASE_SSL: "verify-full", DATABASE_CA_FILE: caFile }));
    const sql = createSql(config, { max: 1 });
    try {
      expect(sql.options.ssl).toEqual({
        ca: PEM,
        rejectUnauthorized: true,
        servername: "db.example.internal",
      });
    } finally {
      await closeSql(sql);
    }
  });

  it("token modes need the identity's inputs and refuse a password", () => {
    expect(() => loadConfig(tokenEnv({ AWS_REGION: "" }))).toThrow(
      /AWS_REGION: required when DATABASE_AUTH=aws-iam/,
    );
    expect(() => loadConfig(tokenEnv({ DATABASE_PASSWORD: "hunter2hunter2" }))).toThrow(
      /DATABASE_PASSWORD: must not be set when DATABASE_AUTH=aws-iam/,
    );
    expect(() => loadConfig(tokenEnv({ DATABASE_AUTH: "azure-entra" }))).toThrow(
      /AZURE_CLIENT_ID: required when DATABASE_AUTH=azure-entra/,
    );
    const config = loadConfig(tokenEnv());
    expect(config.DATABASE_AUTH).toBe("aws-iam");
    expect(config.MIGRATE_ON_START).toBe(true);
    expect(loadConfig(tokenEnv({ MIGRATE_ON_START: "false" })).MIGRATE_ON_START).toBe(false);
  });

  it("password mode (npm start, tests) is unchanged", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://u:p@localhost/db" });
    expect(config.DATABASE_AUTH).toBe("password");
    expect(databasePassword({ ...config, DATABASE_PASSWORD: "pw" })).toBe("pw");
  });
});

describe("token providers", () => {
  it("the real providers are used when none is injected (signer and managed identity load lazily)", () => {
    const config = loadConfig(tokenEnv());
    expect(typeof databasePassword(config)).toBe("function");
    const azure = loadConfig(
      tokenEnv({ DATABASE_AUTH: "azure-entra", AZURE_CLIENT_ID: "client-id", AWS_REGION: "" }),
    );
    expect(typeof databasePassword(azure)).toBe("function");
  });

  it("the RDS signer makes a SigV4 token for exactly this host, port, user and region", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "secret/EXAMPLEKEY",
    });
    try {
      const password = databasePassword(loadConfig(tokenEnv()));
      const token = await (password as () => Promise<string>)();
      expect(token).toMatch(/^db\.example\.internal:5432\/\?Action=connect&DBUser=twincloud_api&/);
      expect(token).toContain("X-Amz-Credential=AKIDEXAMPLE%2F");
      expect(token).toContain("%2Feu-west-1%2Frds-db%2Faws4_request");
      expect(token).toContain("X-Amz-Expires=900");
    } finally {
      for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  it("the managed identity's token: the database scope and client id, cached, refreshed near expiry", async () => {
    // A stand-in for the Container Apps identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER).
    const hits: { url: string; header: unknown }[] = [];
    let lifetimeSeconds = 3600;
    const endpoint = createServer((req, res) => {
      hits.push({ url: req.url ?? "", header: req.headers["x-identity-header"] });
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          access_token: `entra-token-${hits.length}`,
          expires_on: String(Math.floor(Date.now() / 1000) + lifetimeSeconds),
          resource: "https://ossrdbms-aad.database.windows.net",
          token_type: "Bearer",
        }),
      );
    });
    await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
    const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
    process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/msi/token`;
    process.env.IDENTITY_HEADER = "identity-header";
    const azure = (clientId: string) =>
      databasePassword(
        loadConfig(tokenEnv({ DATABASE_AUTH: "azure-entra", AZURE_CLIENT_ID: clientId, AWS_REGION: "" })),
      ) as () => Promise<string>;
    try {
      const long = azure("11111111-2222-3333-4444-555555555555");
      expect(await long()).toBe("entra-token-1");
      expect(await long()).toBe("entra-token-1"); // cached: one request for two connections
      expect(hits).toHaveLength(1);
      const url = new URL(hits[0]!.url, "http://x");
      expect(url.searchParams.get("resource")).toBe("https://ossrdbms-aad.database.windows.net");
      expect(url.searchParams.get("client_id")).toBe("11111111-2222-3333-4444-555555555555");
      expect(hits[0]!.header).toBe("identity-header");
      // A token about to expire is not reused: the next connection gets a new one.
      lifetimeSeconds = 60;
      const short = azure("11111111-2222-3333-4444-666666666666");
      const first = await short();
      const second = await short();
      expect(second).not.toBe(first);
      expect(hits).toHaveLength(3);
    } finally {
      endpoint.close();
      for (const [key, value] of [
        ["IDENTITY_ENDPOINT", saved.endpoint],
        ["IDENTITY_HEADER", saved.header],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it("a failing provider's error names the mode, never what it said", async () => {
    const password = databasePassword(loadConfig(tokenEnv()), {
      awsToken: async () => {
        throw new Error("leaked-token-abc123");
      },
    }) as () => Promise<string>;
    const error = await password().catch((e: Error) => e);
    expect(String(error)).toContain("aws-iam");
    expect(String(error)).not.toContain("leaked-token-abc123");
    // A later connection tries again.
    await expect(password()).rejects.toThrow(/aws-iam/);
  });
});

describe("a token per connection, against PostgreSQL", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const role = `api_tok_${Math.random().toString(36).slice(2, 8)}`;
  const secret = `token-${Math.random().toString(36).slice(2)}`;
  beforeAll(async () => {
    db = await createTestDatabase();
    const admin = createSql(loadConfig({ DATABASE_URL: db.url, DATABASE_SSL: "disable" }), { max: 1 });
    await ensureApiRole(admin, { role, auth: "password", password: secret });
    await closeSql(admin);
  });
  afterAll(async () => {
    await db?.drop();
    const admin = createSql(loadConfig({ DATABASE_URL: serverUrl(), DATABASE_SSL: "disable" }), { max: 1 });
    await admin.unsafe(`drop role if exists ${role}`);
    await closeSql(admin);
  });

  it("calls the token source once for every connection the pool opens", async () => {
    const url = new URL(db.url);
    const config = loadConfig(
      tokenEnv({
        DATABASE_HOST: url.hostname,
        DATABASE_PORT: url.port,
        DATABASE_NAME: db.name,
        DATABASE_USER: role,
        DATABASE_SSL: "disable",
      }),
    );
    let calls = 0;
    const sql = createSql(config, {
      max: 3,
      credentials: {
        awsToken: async () => {
          calls++;
          return secret;
        },
      },
    });
    try {
      const users = await Promise.all([1, 2, 3].map(() => sql`select current_user as u, pg_sleep(0.2)`));
      expect(users.map((rows) => rows[0]!.u)).toEqual([role, role, role]);
      expect(calls).toBe(3);
      await sql`select 1`; // reuses an open connection: no new token
      expect(calls).toBe(3);
    } finally {
      await closeSql(sql);
    }
  });
});
