import type { Context } from "hono";
import { matchedRoutes } from "hono/route";

/**
 * The matched route PATTERN (e.g. `/v1/tasks/:id`) for metrics, logs and span names, or "unmatched" when
 * no route handler matched (404/405): never the raw URL, whose ids would explode label cardinality.
 * Middleware entries (method ALL) are skipped; the last real handler in the match is the route.
 */
export function routeLabel(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i]!;
    if (route.method !== "ALL") return route.path;
  }
  return "unmatched";
}
