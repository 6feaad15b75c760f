/**
 * The OpenAPI document exactly as `GET /openapi.json` serves it, built from the app without a database (the
 * pool is created lazily and never connects): what the linters read and the contract tests check against.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { createApp } from "../../api/app.js";
import { loadConfig } from "../../api/config.js";
import { createSql } from "../../api/db/client.js";
import { Database } from "../../api/db/database.js";
import { createLogger } from "../../api/observability/logger.js";
import { createMetrics } from "../../api/observability/metrics.js";

export type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

export async function openApiDocument(): Promise<OpenApiDocument> {
  const config = loadConfig({ DATABASE_URL: "postgres://unused@127.0.0.1:1/unused", LOG_LEVEL: "silent" });
  const sql = createSql(config, { max: 1 });
  try {
    const app = createApp({
      config,
      db: new Database(sql, 1),
      logger: createLogger(config),
      metrics: createMetrics({ defaultMetrics: false }),
    });
    const response = await app.request("/openapi.json");
    if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
    return (await response.json()) as OpenApiDocument;
  } finally {
    await sql.end({ timeout: 0 });
  }
}
