import { Hono } from "hono";
import type { AppEnv } from "../../http/node.js";
import { createDocsHandlers } from "./docs.handlers.js";

/** Swagger UI at /docs, its assets served by the API itself (not in the OpenAPI document; no auth, no rate limit). */
export function docsRouter(): Hono<AppEnv> {
  const handlers = createDocsHandlers();
  return new Hono<AppEnv>().get("/docs", handlers.page).get("/docs/assets/:build/:file", handlers.asset);
}
