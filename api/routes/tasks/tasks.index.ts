import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../http/node.js";
import { openapiRoute } from "../../http/validation.js";
import { createTaskHandlers } from "./tasks.handlers.js";
import * as routes from "./tasks.routes.js";

/** The /v1/tasks routes and their OpenAPI entries; auth, rate limits and deadlines come from app.ts. */
export function tasksRouter(deps: Parameters<typeof createTaskHandlers>[0]): OpenAPIHono<AppEnv> {
  const handlers = createTaskHandlers(deps);
  const router = new OpenAPIHono<AppEnv>();
  router.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", routes.bearerAuth);
  openapiRoute(router, routes.list, handlers.list);
  openapiRoute(router, routes.get, handlers.get);
  openapiRoute(router, routes.create, handlers.create);
  openapiRoute(router, routes.update, handlers.update);
  openapiRoute(router, routes.remove, handlers.remove);
  return router;
}
