import type { MiddlewareHandler } from "hono";
import { acceptsJson } from "../http/negotiation.js";
import { type AppEnv, requestHeader } from "../http/node.js";
import { problem } from "../http/problem.js";

/**
 * 406 problem+json when the request's `Accept` excludes both representations the API answers with
 * (`application/json`, and `application/problem+json` for errors): RFC 9110 §12.5.1 weights, wildcards and
 * precedence (api/http/negotiation.ts). No Accept, an empty one, `* /*` and `application/*` are fine. Mounted on
 * /v1 only: health probes, /metrics, /openapi.json and /docs answer whatever their clients accept, as before.
 *
 * @example app.use("/v1/*", negotiation())
 */
export function negotiation(): MiddlewareHandler<AppEnv> {
  return function negotiation(c, next) {
    if (acceptsJson(requestHeader(c, "accept"))) return next();
    throw problem(406, {
      detail:
        "This API answers application/json (errors: application/problem+json); the Accept header allows neither.",
    });
  };
}
