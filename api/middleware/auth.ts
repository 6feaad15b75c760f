import type { Context, MiddlewareHandler, Next } from "hono";
import type { ApiKeyPrincipal, Scope } from "../auth/keys.js";
import type { ApiKeyVerifier } from "../auth/verifier.js";
import { type AppEnv, requestHeader } from "../http/node.js";
import { problem } from "../http/problem.js";

declare module "hono" {
  interface ContextVariableMap {
    /** The verified API key behind the request (under /v1). */
    principal: ApiKeyPrincipal;
  }
}

function bearerToken(c: Context<AppEnv>): string | undefined {
  const authorization = requestHeader(c, "authorization");
  if (authorization && authorization.length > 7 && authorization.slice(0, 7).toLowerCase() === "bearer ") {
    return authorization.slice(7).trim();
  }
  return undefined;
}

/**
 * `Authorization: Bearer <key>`, verified through the in-process key cache (the database only on a miss):
 * 401 with `WWW-Authenticate` without a valid key, else sets `principal`. Responses to authenticated
 * requests are `Cache-Control: no-store`.
 *
 * `beforeLookup` runs for every request that does not carry a cached valid key (no key, an unknown key, a
 * key's first sighting), before any database lookup: the per-client-IP rate limit, so floods of random keys
 * are refused before they reach the database.
 *
 * @example app.use("/v1/*", apiKeyAuth({ keys, beforeLookup: rateLimitByClientIp({ limiter, metrics }) }))
 */
export function apiKeyAuth(deps: {
  keys: ApiKeyVerifier;
  beforeLookup?: (c: Context<AppEnv>) => void;
}): MiddlewareHandler<AppEnv> {
  const { keys, beforeLookup } = deps;
  const authenticated = (c: Context<AppEnv>, next: Next, principal: ApiKeyPrincipal) => {
    c.set("principal", principal);
    const outgoing = c.env?.outgoing;
    if (outgoing && !outgoing.headersSent) {
      outgoing.setHeader("Cache-Control", "no-store");
      return next();
    }
    return next().then(() => {
      if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
    });
  };
  // A cached valid key (the hot path) adds no async frame; anything else may need a lookup.
  return function apiKeyAuth(c, next) {
    const token = bearerToken(c);
    const cached = token ? keys.peek(token) : undefined;
    if (cached) return authenticated(c, next, cached);
    beforeLookup?.(c);
    if (!token || cached === null) throw unauthorized(token);
    return keys.verify(token).then((principal) => {
      if (!principal) throw unauthorized(token);
      return authenticated(c, next, principal);
    });
  };
}

function unauthorized(token: string | undefined) {
  return problem(401, {
    detail: token
      ? "The API key is invalid or revoked."
      : "Send an API key as `Authorization: Bearer <key>`.",
    headers: {
      "WWW-Authenticate": token
        ? 'Bearer realm="twincloud", error="invalid_token"'
        : 'Bearer realm="twincloud"',
    },
  });
}

/**
 * Reads (GET, HEAD) need the key's `read` scope, everything else (POST, PATCH, DELETE) `write`: 403 without.
 *
 * @example app.use("/v1/*", apiKeyAuth({ keys }), requireScope())
 */
export function requireScope(): MiddlewareHandler<AppEnv> {
  return function requireScope(c, next) {
    const method = c.req.method;
    const scope: Scope = method === "GET" || method === "HEAD" ? "read" : "write";
    if (!c.get("principal").scopes.includes(scope)) {
      throw problem(403, { detail: `This API key lacks the "${scope}" scope.` });
    }
    return next();
  };
}
