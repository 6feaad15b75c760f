import { Hono } from "hono";
import { HEALTH_PATHS } from "../../config.js";
import type { AppEnv } from "../../http/node.js";
import { createHealthHandlers } from "./health.handlers.js";

/** The health routes (not in the OpenAPI document); `GET /health/live` is usually answered ahead of Hono. */
export function healthRouter(deps: Parameters<typeof createHealthHandlers>[0]): Hono<AppEnv> {
  const handlers = createHealthHandlers(deps);
  return new Hono<AppEnv>()
    .get(HEALTH_PATHS.live, handlers.live)
    .get(HEALTH_PATHS.ready, handlers.ready)
    .get(HEALTH_PATHS.summary, handlers.summary);
}
