/**
 * compose.yaml (local use only) agrees with the API's configuration contract: the environment it gives the
 * API passes api/config.ts validation, the ports are the API's defaults published on loopback only, and the
 * API waits for a healthy PostgreSQL 17 it can actually log in to.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEFAULT_METRICS_PORT, DEFAULT_PORT, loadConfig } from "../../api/config.js";
import { nodeHeapLimitMiB, TIER_DEFAULTS } from "../../infra/spec/index.js";

interface Service {
  image?: string;
  build?: string | { context?: string };
  environment?: Record<string, string> | string[];
  ports?: Array<string | { published?: string | number; host_ip?: string; target?: number }>;
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string };
  init?: boolean;
  stop_grace_period?: string;
  mem_limit?: string;
}

const compose = parse(readFileSync(join(import.meta.dirname, "..", "..", "compose.yaml"), "utf8")) as {
  services: Record<string, Service>;
};
const api = compose.services.api!;
const db = compose.services.db!;

const envOf = (service: Service): Record<string, string> =>
  Array.isArray(service.environment)
    ? Object.fromEntries(
        service.environment.map((item) => item.split(/=(.*)/s).slice(0, 2) as [string, string]),
      )
    : { ...service.environment };

describe("compose.yaml", () => {
  it("builds the API from this repository's Dockerfile", () => {
    const context = typeof api.build === "string" ? api.build : api.build?.context;
    expect(context).toBe(".");
  });

  it("gives the API an environment that api/config.ts accepts, with the default ports", () => {
    const config = loadConfig(envOf(api));
    expect(config.PORT).toBe(DEFAULT_PORT);
    expect(config.METRICS_PORT).toBe(DEFAULT_METRICS_PORT);
    expect(config.BOOTSTRAP_API_KEY).toMatch(/local/);
  });

  it("publishes exactly the API and metrics ports, on 127.0.0.1 only", () => {
    expect(api.ports).toEqual([
      `127.0.0.1:${DEFAULT_PORT}:${DEFAULT_PORT}`,
      `127.0.0.1:${DEFAULT_METRICS_PORT}:${DEFAULT_METRICS_PORT}`,
    ]);
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.ports ?? []) {
        const hostIp = typeof port === "string" ? port.split(":").slice(0, -2).join(":") : port.host_ip;
        expect(hostIp, `service ${name} publishes ${JSON.stringify(port)}`).toBe("127.0.0.1");
      }
    }
  });

  it("starts the API only once PostgreSQL 17 is healthy, with credentials that match", () => {
    expect(db.image).toMatch(/^postgres:17(\b|$)/);
    expect(JSON.stringify(db.healthcheck?.test)).toContain("pg_isready");
    expect(api.depends_on).toEqual({ db: { condition: "service_healthy" } });
    const url = new URL(envOf(api).DATABASE_URL!);
    const dbEnv = envOf(db);
    expect([url.hostname, url.username, url.password, url.pathname.slice(1)]).toEqual([
      "db",
      dbEnv.POSTGRES_USER,
      dbEnv.POSTGRES_PASSWORD,
      dbEnv.POSTGRES_DB,
    ]);
  });

  it("limits the API's memory like a dev task, with the heap limit the Pulumi program gives that size", () => {
    const memoryMiB = Number(/^(\d+)m$/.exec(api.mem_limit ?? "")?.[1]);
    expect(memoryMiB).toBe(TIER_DEFAULTS.dev.memoryMiB);
    expect(envOf(api).NODE_OPTIONS).toBe(`--max-old-space-size=${nodeHeapLimitMiB(memoryMiB)}`);
  });

  it("stops the API gracefully: an init, and a grace period above the API's shutdown timeout", () => {
    expect(api.init).toBe(true);
    const grace = Number(/^(\d+)s$/.exec(api.stop_grace_period ?? "")?.[1]) * 1000;
    expect(grace).toBeGreaterThan(loadConfig(envOf(api)).SHUTDOWN_TIMEOUT_MS);
  });
});
