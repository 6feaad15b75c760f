import { randomBytes } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import postgres, { type Sql } from "postgres";
import { inject } from "vitest";
import type { Scope } from "../../api/auth/keys.js";
import { loadConfig } from "../../api/config.js";
import { insertApiKey } from "../../api/db/api-keys.js";
import { createLogger } from "../../api/observability/logger.js";
import { type RunningServer, startServer } from "../../api/server.js";
import { freePort } from "../support/ports.js";
import { type NodeProcess, spawnNode, waitFor } from "../support/processes.js";

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function serverUrl(): string {
  const url = inject("databaseUrl");
  if (!url)
    throw new Error("no test database: run API tests through vitest (globalSetup) or set TEST_DATABASE_URL");
  return url;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh database with a random name on the shared server; `drop()` removes it. */
export async function createTestDatabase(): Promise<{
  url: string;
  name: string;
  drop: () => Promise<void>;
}> {
  const base = serverUrl();
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end({ timeout: 5 });
  return {
    url: withDatabase(base, name),
    name,
    drop: async () => {
      const a = postgres(base, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end({ timeout: 5 });
    },
  };
}

const MAIN = new URL("../../api/main.ts", import.meta.url).pathname;

/** `node --import tsx api/main.ts`: the production entry, with the signal a test sends reaching it directly. */
export const spawnMain = (env: Record<string, string>) => spawnNode(MAIN, env);

/**
 * api/main.ts as its own process on free ports, with `databaseUrl`, a fresh bootstrap key and info logs (plus
 * `extra`), once it logs "listening". A process that does not get there is killed.
 */
export async function startMain(
  databaseUrl: string,
  extra: Record<string, string> = {},
): Promise<{ proc: NodeProcess; port: number; key: string; base: string }> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const key = `tc_${randomBytes(32).toString("base64url")}`;
  const proc = spawnMain({
    HOST: "127.0.0.1",
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    DATABASE_URL: databaseUrl,
    DATABASE_SSL: "disable",
    BOOTSTRAP_API_KEY: key,
    LOG_LEVEL: "info",
    ...extra,
  });
  try {
    await waitFor(() => proc.stdout().includes('"msg":"listening"'), "listening", { output: proc.output });
  } catch (error) {
    proc.child.kill("SIGKILL");
    throw error;
  }
  return { proc, port, key, base: `http://127.0.0.1:${port}` };
}

export const baseEnv = (databaseUrl: string, extra: Record<string, string> = {}) => ({
  NODE_ENV: "test",
  HOST: "127.0.0.1",
  LOG_LEVEL: "silent",
  DATABASE_URL: databaseUrl,
  DATABASE_SSL: "disable",
  DATABASE_POOL_MAX: "10",
  ...extra,
});

export interface TestApi {
  server: RunningServer;
  url: string;
  /** Admin connection to the test database (assertions, fixtures). */
  sql: Sql;
  keys: { rw: string; read: string; write: string };
  fetch(path: string, init?: RequestInit & { key?: string | null; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestApi(
  options: {
    env?: Record<string, string>;
    databaseUrl?: string;
    logDestination?: NodeJS.WritableStream;
  } = {},
): Promise<TestApi> {
  const db = options.databaseUrl ? undefined : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? db!.url;
  const config = loadConfig(baseEnv(databaseUrl, options.env));
  const logger = options.logDestination
    ? createLogger(config, options.logDestination as never)
    : createLogger({ ...config, LOG_LEVEL: "silent" });
  const server = await startServer(config, { logger, port: 0, metricsPort: 0 });
  const sql = postgres(databaseUrl, { max: 3, onnotice: () => {} });
  const mk = async (name: string, scopes: Scope[]) => (await insertApiKey(sql, { name, scopes })).key;
  const keys = {
    rw: await mk("rw", ["read", "write"]),
    read: await mk("read", ["read"]),
    write: await mk("write", ["write"]),
  };
  return {
    server,
    url: server.url,
    sql,
    keys,
    fetch(path, init = {}) {
      const { key = keys.rw, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key) headers.set("authorization", `Bearer ${key}`);
      let body = rest.body;
      if (json !== undefined) {
        body = JSON.stringify(json);
        if (!headers.has("content-type")) headers.set("content-type", "application/json");
      }
      return fetch(`${server.url}${path}`, { ...rest, headers, body });
    },
    async close() {
      await server.shutdown("test");
      await sql.end({ timeout: 5 });
      await db?.drop();
    },
  };
}

export async function createTask(api: TestApi, body: Record<string, unknown> = { title: "a task" }) {
  const res = await api.fetch("/v1/tasks", { method: "POST", json: body });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return {
    body: (await res.json()) as Record<string, unknown> & { id: string; version: number },
    etag: res.headers.get("etag")!,
  };
}

export async function expectProblem(res: Response, status: number) {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  if (!res.headers.get("content-type")?.startsWith("application/problem+json")) {
    throw new Error(`expected problem+json, got ${res.headers.get("content-type")}: ${text}`);
  }
  const body = JSON.parse(text) as {
    type: string;
    title: string;
    status: number;
    detail?: string;
    errors?: unknown[];
  };
  if (body.status !== status || typeof body.type !== "string" || typeof body.title !== "string") {
    throw new Error(`bad problem body: ${text}`);
  }
  // Never a stack trace, SQL or driver message.
  if (/\bat .+:\d+:\d+|select |insert |update |postgres|syntax error|TypeError/i.test(text)) {
    throw new Error(`problem leaks internals: ${text}`);
  }
  return body;
}

/** A TCP proxy in front of PostgreSQL that can drop every connection and refuse new ones (an outage). */
export class ToggleProxy {
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => this.#pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    this.port = (server.address() as { port: number }).port;
  }

  #pipe(client: Socket) {
    const upstream = connect(this.targetPort, this.targetHost);
    this.#sockets.add(client);
    this.#sockets.add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on("error", done).on("close", done);
    upstream.on("error", done).on("close", done);
    client.pipe(upstream).pipe(client);
  }

  /** Outage: destroy live connections and stop listening (new connects get ECONNREFUSED). */
  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
