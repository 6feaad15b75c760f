import { createHash, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import { brotliCompress, gzip as gzipCallback, constants as zlibConstants } from "node:zlib";
import { swaggerUI } from "@hono/swagger-ui";
import { createRoute, OpenAPIHono, type RouteConfig, type RouteHandler } from "@hono/zod-openapi";
import type { Context, Handler, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { type ApiKeyPrincipal, ApiKeyVerifier, type Scope } from "./auth/keys.js";
import { type ApiConfig, HEALTH_PATHS } from "./config.js";
import { classifyDatabaseError } from "./db/client.js";
import type { Database } from "./db/database.js";
import { type Cursor, TaskRepository, type TaskRow } from "./db/tasks.js";
import { type InvalidParam, makeProblem, ProblemError, problem, problemResponse } from "./http/problem.js";
import { rateLimitHeaders, SlidingWindowRateLimiter } from "./http/rate-limit.js";
import { routeLabel } from "./http/route.js";
import { compileRequestValidator, type ValidationTarget } from "./http/validation.js";
import type { Logger } from "./observability/logger.js";
import type { Metrics } from "./observability/metrics.js";
import {
  CreateHeadersSchema,
  CreateTaskSchema,
  IdParamSchema,
  IfMatchHeadersSchema,
  ListQuerySchema,
  ProblemSchema,
  TaskListSchema,
  TaskSchema,
  UpdateTaskSchema,
} from "./schemas.js";

export type AppConfig = Pick<
  ApiConfig,
  | "NODE_ENV"
  | "REQUEST_TIMEOUT_MS"
  | "BODY_LIMIT_BYTES"
  | "RATE_LIMIT_PER_MINUTE"
  | "CORS_ORIGINS"
  | "TRUST_PROXY"
  | "API_KEY_CACHE_TTL_MS"
  | "DATABASE_CONNECT_TIMEOUT_MS"
  | "OTEL_EXPORTER_OTLP_ENDPOINT"
  | "OTEL_SERVICE_NAME"
>;

/** Mutable process state shared with the server: readiness flips to 503 the moment shutdown starts. */
export interface Lifecycle {
  shuttingDown: boolean;
  startedAt: number;
}

export interface AppDeps {
  config: AppConfig;
  db: Database;
  logger: Logger;
  metrics: Metrics;
  lifecycle?: Lifecycle;
  /** Defaults to a verifier over `db` with API_KEY_CACHE_TTL_MS. */
  keys?: ApiKeyVerifier;
  /**
   * Server-span middleware from `startTracing()` (only when OTEL_EXPORTER_OTLP_ENDPOINT is set): the app
   * itself never imports OpenTelemetry. It must set the `traceId` variable.
   */
  tracing?: MiddlewareHandler;
}

type Env = {
  Variables: {
    requestId: string;
    principal: ApiKeyPrincipal;
    traceId: string | undefined;
  };
  /** Set by @hono/node-server; absent under app.request() in tests. */
  Bindings: {
    incoming?: {
      socket?: { remoteAddress?: string };
      headers: Record<string, string | string[] | undefined>;
    };
    outgoing?: { setHeader(name: string, value: string): unknown; headersSent: boolean };
  };
};

export const IDEMPOTENCY_TTL_HOURS = 24;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SECURITY_HEADERS: (readonly [string, string])[] = [
  ["Strict-Transport-Security", "max-age=31536000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "DENY"],
  ["Referrer-Policy", "no-referrer"],
  [
    "Content-Security-Policy",
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  ],
];
/** Swagger UI's page loads its bundle and stylesheet from jsDelivr and runs one inline bootstrap script. */
const DOCS_CSP =
  "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; " +
  "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://cdn.jsdelivr.net; " +
  "connect-src 'self'; font-src 'self' data: https://cdn.jsdelivr.net; frame-ancestors 'none'; base-uri 'none'";

const COMPRESSION_THRESHOLD_BYTES = 2048;
const gzip = promisify(gzipCallback);
const brotli = promisify(brotliCompress);
/** Quality 4: most of brotli's gain for a fraction of the CPU of the default (11). */
const BROTLI_OPTIONS = { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } };

const HEALTH_ROUTES = new Set<string>(Object.values(HEALTH_PATHS));

export function toApiTask(row: TaskRow) {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    dueDate: row.due_date ? row.due_date.toISOString() : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    version: row.version,
  };
}

export const etagOf = (version: number) => `"${version}"`;

/**
 * If-Match → the versions it accepts: `undefined` for `*`, else the list (possibly empty: nothing can
 * match). Weak tags never match (RFC 9110 §13.1.1 uses the strong comparison).
 */
export function parseIfMatch(header: string): number[] | undefined {
  const versions: number[] = [];
  for (const part of header.split(",")) {
    const tag = part.trim();
    if (tag === "*") return undefined;
    const match = /^"(\d{1,9})"$/.exec(tag);
    if (match) versions.push(Number(match[1]));
  }
  return versions;
}

export function encodeCursor(row: Pick<TaskRow, "created_at" | "id">): string {
  return Buffer.from(JSON.stringify([row.created_at.getTime(), row.id])).toString("base64url");
}

export function decodeCursor(cursor: string): Cursor | undefined {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [ms, id] = value as [unknown, unknown];
    if (typeof ms !== "number" || !Number.isSafeInteger(ms) || ms < 0 || ms > 8.64e15) return undefined;
    if (typeof id !== "string" || !UUID.test(id)) return undefined;
    return { createdAt: new Date(ms), id };
  } catch {
    return undefined;
  }
}

function zodErrors(error: ZodError, where: string): InvalidParam[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.length > 0 ? `${issue.path.join(".")}.` : "";
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ in: where, name: `${base}${key}`, reason: "unknown field" }));
    }
    return [
      { in: where, name: issue.path.length > 0 ? issue.path.join(".") : "(root)", reason: issue.message },
    ];
  });
}

const TARGET_NAMES: Record<string, string> = {
  json: "body",
  query: "query",
  param: "path",
  header: "header",
};

const problemContent = { "application/problem+json": { schema: ProblemSchema } } as const;
const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: makeProblem(status as 400).title, content: problemContent },
    ]),
  );
const security = [{ bearerAuth: [] }];

/**
 * Hot-path header access. Under Node, read the already-parsed IncomingMessage headers instead of making
 * Hono materialise a WHATWG Headers object, and write fixed response headers with ServerResponse.setHeader
 * (Node merges them into writeHead, where the response's own headers take precedence). Under
 * `app.request()` (no Node bindings) fall back to the portable APIs.
 */
function requestHeader(c: Context<Env>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

const JSON_CONTENT_TYPE = "application/json";

/**
 * A JSON response whose headers stay a plain record. Hono's c.json() turns two or more headers into a
 * WHATWG Headers object, which @hono/node-server then iterates back into a record (slow); a plain record
 * takes node-server's fast path. Pass `headers` names lower-case. Headers middleware set through `c.res`
 * before the handler are still merged by Hono's `c.res` setter, exactly as for c.json().
 */
function jsonResponse(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": JSON_CONTENT_TYPE, ...headers },
  });
}

/** One request in http_requests_total / http_request_duration_seconds, labelled by route pattern. */
function observeRequest(metrics: Metrics, method: string, route: string, status: number, seconds: number) {
  metrics.http.observe(
    `${method} ${route} ${status}`,
    () => ({ method, route, status: String(status) }),
    seconds,
  );
}

function presetHeaders(c: Context<Env>, pairs: readonly (readonly [string, string])[]): boolean {
  const outgoing = c.env?.outgoing;
  if (!outgoing || outgoing.headersSent) return false;
  for (const [name, value] of pairs) outgoing.setHeader(name, value);
  return true;
}

/** What `GET /health/live` answers, routed or through the probe below. */
const LIVE_BODY = JSON.stringify({ status: "ok" });
const LIVE_HEADERS = { "cache-control": "no-store" };

/**
 * `GET /health/live` answered straight from the Node request listener, ahead of Hono: load-balancer and
 * orchestrator probes hit it every few seconds per replica and it needs nothing Hono offers. It answers the
 * same status, body and headers as the routed handler below (a test compares the two) and counts in the same
 * request metric. Anything else (HEAD, a query string, an Origin when CORS is on, debug logging that wants
 * its line, tracing that wants its span) returns false and goes through the app as usual.
 */
export function createLiveProbe(deps: {
  metrics: Metrics;
  lifecycle: Lifecycle;
  corsEnabled: boolean;
  logger: Logger;
  tracing: boolean;
}): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { metrics, lifecycle, corsEnabled, logger, tracing } = deps;
  const body = Buffer.from(LIVE_BODY);
  const fixed: string[] = [];
  for (const [name, value] of [
    ...SECURITY_HEADERS,
    ["content-type", JSON_CONTENT_TYPE] as const,
    ...Object.entries(LIVE_HEADERS),
    ["content-length", String(body.length)] as const,
  ])
    fixed.push(name, value);
  return (req, res) => {
    if (req.url !== HEALTH_PATHS.live || req.method !== "GET" || tracing) return false;
    const headers = req.headers;
    if ((corsEnabled && headers.origin !== undefined) || logger.isLevelEnabled("debug")) return false;
    const start = performance.now();
    const incomingId = headers["x-request-id"];
    const requestId =
      typeof incomingId === "string" && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    const out = fixed.slice();
    out.push("X-Request-Id", requestId);
    // Compression never applies to a body this small, but the routed handler still varies on it.
    if (headers["accept-encoding"] !== undefined) out.push("Vary", "Accept-Encoding");
    if (lifecycle.shuttingDown) out.push("Connection", "close");
    res.writeHead(200, out);
    res.end(body);
    observeRequest(metrics, "GET", HEALTH_PATHS.live, 200, (performance.now() - start) / 1000);
    return true;
  };
}

export function createApp(deps: AppDeps): OpenAPIHono<Env> {
  const { config, db, logger, metrics } = deps;
  const lifecycle = deps.lifecycle ?? { shuttingDown: false, startedAt: Date.now() };
  const keys = deps.keys ?? new ApiKeyVerifier(db, config.API_KEY_CACHE_TTL_MS, metrics);
  const tasks = new TaskRepository(db);
  const limiter = new SlidingWindowRateLimiter(config.RATE_LIMIT_PER_MINUTE);
  const tracing = deps.tracing;
  const readyTimeoutMs = Math.min(2_000, config.DATABASE_CONNECT_TIMEOUT_MS);

  const failValidation = (target: ValidationTarget, error: ZodError): never => {
    const where = TARGET_NAMES[target] ?? target;
    throw problem(400, {
      slug: "validation-error",
      title: "Validation failed",
      detail: `The request ${where} is invalid.`,
      errors: zodErrors(error, where),
    });
  };
  const app = new OpenAPIHono<Env>();

  /**
   * Like `app.openapi(route, handler)`: the route goes into the OpenAPI document from the same zod schemas,
   * and `c.req.valid()` is typed and filled the same way, but the request is validated in one step
   * (api/http/validation.ts) instead of zod-openapi's chain of async validator middlewares.
   */
  const openapiRoute = <R extends RouteConfig>(route: R, handler: RouteHandler<R, Env>) => {
    app.openAPIRegistry.registerPath(route);
    const validate = compileRequestValidator(route, requestHeader, failValidation);
    const path = route.path.replaceAll(/\/{(.+?)}/g, "/:$1");
    app.on(route.method, path, async (c, next) => {
      const pending = validate(c);
      if (pending) await pending;
      return (handler as unknown as Handler<Env>)(c, next);
    });
  };

  const clientIp = (c: Context<Env>): string => {
    if (config.TRUST_PROXY) {
      // The load balancer appends the address it saw: the RIGHTMOST entry is the one we can trust.
      const forwarded = requestHeader(c, "x-forwarded-for");
      if (forwarded) {
        const last = forwarded.slice(forwarded.lastIndexOf(",") + 1).trim();
        if (last) return last;
      }
    }
    return c.env?.incoming?.socket?.remoteAddress ?? "unknown";
  };

  // Compression: only large bodies pay off (long task lists, the OpenAPI document). Responses carrying an
  // ETag are left alone so the strong validators used by If-Match stay byte-exact.
  const compress = async (c: Context<Env>) => {
    const accept = requestHeader(c, "accept-encoding") ?? "";
    if (c.req.method === "HEAD") return;
    const res = c.res;
    const type = res.headers.get("content-type") ?? "";
    if (!/json|text|javascript/.test(type) || res.headers.has("content-encoding") || res.headers.has("etag"))
      return;
    const encoding = /\bbr\b/.test(accept) ? "br" : /\bgzip\b/.test(accept) ? "gzip" : undefined;
    if (!encoding || !res.body) return;
    const body = Buffer.from(await res.arrayBuffer());
    const headers = new Headers(res.headers);
    headers.append("Vary", "Accept-Encoding");
    if (body.length < COMPRESSION_THRESHOLD_BYTES) {
      headers.set("content-length", String(body.length));
      c.res = undefined as never; // Hono merges the previous response's headers into a new one otherwise.
      c.res = new Response(body, { status: res.status, headers });
      return;
    }
    const packed = encoding === "br" ? await brotli(body, BROTLI_OPTIONS) : await gzip(body);
    headers.set("content-encoding", encoding);
    headers.set("content-length", String(packed.length));
    c.res = undefined as never;
    c.res = new Response(packed, { status: res.status, headers });
  };

  // ---- Core: request id, security headers, compression, metrics, one log line: one middleware. ----
  app.use("*", async (c, next) => {
    const start = performance.now();
    const incomingId = requestHeader(c, "x-request-id");
    const requestId = incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    c.set("requestId", requestId);
    let traceId: string | undefined;
    if (!tracing) {
      const traceparent = requestHeader(c, "traceparent");
      traceId = traceparent ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
      c.set("traceId", traceId);
    }
    const preset = presetHeaders(c, SECURITY_HEADERS);
    if (preset) {
      c.env.outgoing!.setHeader("X-Request-Id", requestId);
      if (lifecycle.shuttingDown) c.env.outgoing!.setHeader("Connection", "close");
    }
    try {
      await next();
      if (requestHeader(c, "accept-encoding")) await compress(c);
    } finally {
      const res = c.res;
      const route = routeLabel(c);
      if (!preset) {
        const headers = res.headers;
        for (const [name, value] of SECURITY_HEADERS) headers.set(name, value);
        headers.set("X-Request-Id", requestId);
        if (lifecycle.shuttingDown) headers.set("Connection", "close");
      } else if (lifecycle.shuttingDown && !c.env.outgoing!.headersSent) {
        // Shutdown began while this request was in flight: do not keep its connection alive.
        c.env.outgoing!.setHeader("Connection", "close");
      }
      if (route === "/docs") res.headers.set("Content-Security-Policy", DOCS_CSP);
      const status = res.status;
      const seconds = (performance.now() - start) / 1000;
      const method = c.req.method;
      observeRequest(metrics, method, route, status, seconds);
      const level = status >= 500 ? "error" : HEALTH_ROUTES.has(route) ? "debug" : "info";
      if (logger.isLevelEnabled(level)) {
        logger[level](
          {
            requestId,
            traceId: traceId ?? c.get("traceId"),
            method,
            route,
            status,
            durationMs: Math.round(seconds * 1e6) / 1e3,
          },
          "request",
        );
      }
    }
  });

  if (tracing) app.use("*", tracing);

  if (config.CORS_ORIGINS.length > 0) {
    const allowed = new Set(config.CORS_ORIGINS);
    app.use(
      "*",
      cors({
        origin: (origin) => (allowed.has(origin) ? origin : null),
        allowMethods: ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"],
        allowHeaders: ["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "X-Request-Id"],
        exposeHeaders: [
          "ETag",
          "Location",
          "X-Request-Id",
          "Retry-After",
          "RateLimit-Limit",
          "RateLimit-Remaining",
          "RateLimit-Reset",
          "Idempotent-Replayed",
        ],
        maxAge: 600,
      }),
    );
  }

  // ---- Health: no auth, no rate limit. ----
  app.get(
    HEALTH_PATHS.live,
    () =>
      new Response(LIVE_BODY, {
        status: 200,
        headers: { "content-type": JSON_CONTENT_TYPE, ...LIVE_HEADERS },
      }),
  );

  let readyCheck: Promise<{ ok: boolean; latencyMs: number | null }> | undefined;
  const checkDatabase = () => {
    // Concurrent probes share one ping.
    readyCheck ??= db
      .ping(readyTimeoutMs)
      .then(
        (latencyMs) => ({ ok: true, latencyMs: Math.round(latencyMs * 100) / 100 }),
        () => ({ ok: false, latencyMs: null }),
      )
      .finally(() => {
        readyCheck = undefined;
      });
    return readyCheck;
  };

  app.get(HEALTH_PATHS.ready, async (c) => {
    if (lifecycle.shuttingDown) {
      return c.json({ status: "shutting_down" }, 503, { "Cache-Control": "no-store" });
    }
    const database = await checkDatabase();
    return database.ok
      ? c.json({ status: "ready" }, 200, { "Cache-Control": "no-store" })
      : c.json({ status: "not_ready", reason: "database" }, 503, { "Cache-Control": "no-store" });
  });

  app.get(HEALTH_PATHS.summary, async (c) => {
    const database = await checkDatabase();
    const ok = database.ok && !lifecycle.shuttingDown;
    return c.json(
      {
        status: lifecycle.shuttingDown ? "shutting_down" : ok ? "ok" : "degraded",
        timestamp: new Date().toISOString(),
        uptime: Math.round((Date.now() - lifecycle.startedAt) / 1000),
        checks: { database: { status: database.ok ? "up" : "down", latencyMs: database.latencyMs } },
      },
      ok ? 200 : 503,
      { "Cache-Control": "no-store" },
    );
  });

  // ---- /v1: auth, rate limit, scope, body limit, deadline: one middleware (each layer costs a promise). ----
  const tooLarge = () =>
    problem(413, { detail: `The request body must not exceed ${config.BODY_LIMIT_BYTES} bytes.` });
  const streamedBodyLimit = bodyLimit({
    maxSize: config.BODY_LIMIT_BYTES,
    onError: () => {
      throw tooLarge();
    },
  });
  // With a Content-Length (every non-chunked request; Node's parser has already validated it and refused
  // it alongside Transfer-Encoding) the check is one comparison, and the body stays on @hono/node-server's
  // direct-read path. Hono's bodyLimit would wrap it in a web ReadableStream first: ~14 % of a create's CPU.
  // Chunked bodies (no length up front) are counted while they stream, by Hono's bodyLimit.
  const limitBody = (c: Context<Env>, next: () => Promise<void>) => {
    const incoming = c.env?.incoming;
    const length = incoming?.headers["content-length"];
    if (typeof length === "string" && incoming?.headers["transfer-encoding"] === undefined) {
      if (Number(length) > config.BODY_LIMIT_BYTES) throw tooLarge();
      return next();
    }
    return streamedBodyLimit(c, next);
  };
  const timeoutProblem = () =>
    problem(503, {
      slug: "request-timeout",
      title: "Request timed out",
      detail: "The request took too long to process; it is safe to retry idempotent requests.",
      headers: { "Retry-After": "1" },
    });

  app.use("/v1/*", async (c, next) => {
    const authorization = requestHeader(c, "authorization");
    let token: string | undefined;
    if (authorization && authorization.length > 7 && authorization.slice(0, 7).toLowerCase() === "bearer ") {
      token = authorization.slice(7).trim();
    }
    // A cached valid key is limited per key; anything else (no key, unknown key, first sight of a key)
    // first spends a token of the client IP's budget, so floods of random keys cannot reach the database.
    let principal = token ? keys.peek(token) : undefined;
    if (!principal) {
      const decision = limiter.consume(`ip:${clientIp(c)}`);
      if (!decision.allowed) {
        metrics.rateLimited.inc({ scope: "ip" });
        throw problem(429, {
          detail: "Too many requests from this address; retry after the delay in Retry-After.",
          headers: rateLimitHeaders(decision),
        });
      }
      if (token && principal === undefined) principal = await keys.verify(token);
    }
    if (!principal) {
      throw problem(401, {
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
    const decision = limiter.consume(`key:${principal.id}`);
    if (!decision.allowed) {
      metrics.rateLimited.inc({ scope: "key" });
      throw problem(429, {
        detail: "Rate limit exceeded for this API key.",
        headers: rateLimitHeaders(decision),
      });
    }
    // Reads need `read`; everything else (POST, PATCH, DELETE) needs `write`.
    const method = c.req.method;
    const scope: Scope = method === "GET" || method === "HEAD" ? "read" : "write";
    if (!principal.scopes.includes(scope)) {
      throw problem(403, {
        detail: `This API key lacks the "${scope}" scope.`,
        headers: rateLimitHeaders(decision),
      });
    }
    c.set("principal", principal);
    // Allowed: the same headers as rateLimitHeaders() (no Retry-After), set straight on the Node response
    // when there is one, without a header record and a pair list per request.
    const outgoing = c.env?.outgoing;
    const preset = outgoing !== undefined && !outgoing.headersSent;
    if (preset) {
      outgoing.setHeader("Cache-Control", "no-store");
      outgoing.setHeader("RateLimit-Limit", String(decision.limit));
      outgoing.setHeader("RateLimit-Remaining", String(decision.remaining));
      outgoing.setHeader("RateLimit-Reset", String(decision.resetSeconds));
    }

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timeoutProblem()), config.REQUEST_TIMEOUT_MS);
    });
    try {
      const work = method === "POST" || method === "PATCH" || method === "PUT" ? limitBody(c, next) : next();
      await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
    if (!preset) {
      const out = c.res.headers;
      const headers = rateLimitHeaders(decision);
      for (const name in headers) out.set(name, headers[name]!);
      if (!out.has("Cache-Control")) out.set("Cache-Control", "no-store");
    }
  });

  const notFound = (id: string) => problem(404, { detail: `Task ${id} does not exist.` });
  const preconditionFailed = () =>
    problem(412, {
      detail: "The task was modified since you read it: GET it again and retry with the new ETag.",
    });
  const requireIfMatch = (header: string | undefined) => {
    if (header === undefined || header.trim() === "") {
      throw problem(428, {
        detail:
          'Send If-Match with the ETag you read (e.g. If-Match: "3"), or If-Match: * to skip the check.',
      });
    }
    return parseIfMatch(header);
  };

  // ---- Routes ----
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An API key (`npm run apikey -- create`), scopes read and/or write.",
  });

  const listRoute = createRoute({
    method: "get",
    path: "/v1/tasks",
    tags: ["tasks"],
    summary: "List tasks (cursor-paginated, oldest first)",
    security,
    request: { query: ListQuerySchema },
    responses: {
      200: { description: "A page of tasks", content: { "application/json": { schema: TaskListSchema } } },
      ...errorResponses(400, 401, 403, 429, 503),
    },
  });
  openapiRoute(listRoute, async (c) => {
    const { limit, status, cursor } = c.req.valid("query");
    let after: Cursor | undefined;
    if (cursor !== undefined) {
      after = decodeCursor(cursor);
      if (!after) {
        throw problem(400, {
          slug: "validation-error",
          title: "Validation failed",
          detail: "The cursor is not one this API issued.",
          errors: [{ in: "query", name: "cursor", reason: "invalid cursor" }],
        });
      }
    }
    const rows = await tasks.list({ limit: limit + 1, status, after });
    const page = rows.length > limit ? rows.slice(0, limit) : rows;
    const nextCursor = rows.length > limit ? encodeCursor(page[page.length - 1]!) : null;
    return c.json({ data: page.map(toApiTask), nextCursor }, 200);
  });

  const getRoute = createRoute({
    method: "get",
    path: "/v1/tasks/{id}",
    tags: ["tasks"],
    summary: "Get a task",
    security,
    request: { params: IdParamSchema },
    responses: {
      200: {
        description: "The task; ETag carries its version",
        headers: { ETag: { schema: { type: "string" } } },
        content: { "application/json": { schema: TaskSchema } },
      },
      ...errorResponses(400, 401, 403, 404, 429, 503),
    },
  });
  openapiRoute(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    const row = await tasks.get(id);
    if (!row) throw notFound(id);
    return jsonResponse(toApiTask(row), 200, {
      etag: etagOf(row.version),
    }) as never;
  });

  const createTaskRoute = createRoute({
    method: "post",
    path: "/v1/tasks",
    tags: ["tasks"],
    summary: "Create a task (retry-safe with Idempotency-Key)",
    security,
    request: {
      headers: CreateHeadersSchema,
      body: { required: true, content: { "application/json": { schema: CreateTaskSchema } } },
    },
    responses: {
      201: {
        description: "Created (or the original response, replayed, with Idempotent-Replayed: true)",
        headers: { ETag: { schema: { type: "string" } }, Location: { schema: { type: "string" } } },
        content: { "application/json": { schema: TaskSchema } },
      },
      ...errorResponses(400, 401, 403, 413, 415, 422, 429, 503),
    },
  });
  openapiRoute(createTaskRoute, async (c) => {
    const input = c.req.valid("json");
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    if (idempotencyKey === undefined) {
      const row = await tasks.create(input);
      metrics.tasksCreated.inc();
      if (row.status === "done") metrics.tasksCompleted.inc();
      return jsonResponse(toApiTask(row), 201, {
        etag: etagOf(row.version),
        location: `/v1/tasks/${row.id}`,
      }) as never;
    }
    const principal = c.get("principal");
    const requestHash = createHash("sha256")
      .update("POST /v1/tasks\n")
      .update(JSON.stringify(input))
      .digest("hex");
    const outcome = await db.run("task_create_idempotent", (sql) =>
      sql.begin(async (tx) => {
        // Claim the key. A concurrent duplicate blocks on the primary key until this transaction ends,
        // then finds the committed record below: it never creates a second task.
        const claimed = await tx`
          insert into idempotency_keys (api_key_id, key, request_hash, status_code, response_body)
          values (${principal.id}, ${idempotencyKey}, ${requestHash}, 0, '')
          on conflict (api_key_id, key) do update
            set request_hash = excluded.request_hash, status_code = 0, response_body = '',
                etag = null, location = null, created_at = now()
            where idempotency_keys.created_at < now() - make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})
          returning 1`;
        if (claimed.length === 0) {
          const [existing] = await tx<
            {
              request_hash: string;
              status_code: number;
              response_body: string;
              etag: string | null;
              location: string | null;
            }[]
          >`select request_hash, status_code, response_body, etag, location from idempotency_keys
            where api_key_id = ${principal.id} and key = ${idempotencyKey}`;
          if (!existing || existing.request_hash !== requestHash) return { kind: "mismatch" as const };
          return { kind: "replay" as const, stored: existing };
        }
        const [row] = await TaskRepository.insertQuery(tx, input);
        const body = JSON.stringify(toApiTask(row!));
        const etag = etagOf(row!.version);
        const location = `/v1/tasks/${row!.id}`;
        await tx`
          update idempotency_keys set status_code = 201, response_body = ${body}, etag = ${etag}, location = ${location}
          where api_key_id = ${principal.id} and key = ${idempotencyKey}`;
        return { kind: "created" as const, row: row!, body, etag, location };
      }),
    );
    if (outcome.kind === "mismatch") {
      throw problem(422, {
        slug: "idempotency-key-reused",
        title: "Idempotency-Key reused with a different request",
        detail:
          "This Idempotency-Key was already used with a different body; use a new key for a new request.",
      });
    }
    if (outcome.kind === "replay") {
      const { stored } = outcome;
      const headers: Record<string, string> = {
        "Content-Type": JSON_CONTENT_TYPE,
        "Idempotent-Replayed": "true",
      };
      if (stored.etag) headers.ETag = stored.etag;
      if (stored.location) headers.Location = stored.location;
      return c.body(stored.response_body, stored.status_code as 201, headers) as never;
    }
    metrics.tasksCreated.inc();
    if (outcome.row.status === "done") metrics.tasksCompleted.inc();
    return c.body(outcome.body, 201, {
      "Content-Type": JSON_CONTENT_TYPE,
      ETag: outcome.etag,
      Location: outcome.location,
    }) as never;
  });

  const updateRoute = createRoute({
    method: "patch",
    path: "/v1/tasks/{id}",
    tags: ["tasks"],
    summary: "Update a task (If-Match required)",
    security,
    request: {
      params: IdParamSchema,
      headers: IfMatchHeadersSchema,
      body: { required: true, content: { "application/json": { schema: UpdateTaskSchema } } },
    },
    responses: {
      200: {
        description: "The updated task with its new ETag",
        headers: { ETag: { schema: { type: "string" } } },
        content: { "application/json": { schema: TaskSchema } },
      },
      ...errorResponses(400, 401, 403, 404, 412, 413, 415, 428, 429, 503),
    },
  });
  openapiRoute(updateRoute, async (c) => {
    const { id } = c.req.valid("param");
    const versions = requireIfMatch(c.req.valid("header")["if-match"]);
    const patch = c.req.valid("json");
    const result = await tasks.update(id, patch, versions);
    if (result.kind === "not_found") throw notFound(id);
    if (result.kind === "precondition_failed") throw preconditionFailed();
    const row = result.value;
    if (row.status === "done" && row.previous_status !== "done") metrics.tasksCompleted.inc();
    return jsonResponse(toApiTask(row), 200, {
      etag: etagOf(row.version),
    }) as never;
  });

  const deleteRoute = createRoute({
    method: "delete",
    path: "/v1/tasks/{id}",
    tags: ["tasks"],
    summary: "Delete a task (If-Match required)",
    security,
    request: { params: IdParamSchema, headers: IfMatchHeadersSchema },
    responses: {
      204: { description: "Deleted" },
      ...errorResponses(400, 401, 403, 404, 412, 428, 429, 503),
    },
  });
  openapiRoute(deleteRoute, async (c) => {
    const { id } = c.req.valid("param");
    const versions = requireIfMatch(c.req.valid("header")["if-match"]);
    const result = await tasks.delete(id, versions);
    if (result.kind === "not_found") throw notFound(id);
    if (result.kind === "precondition_failed") throw preconditionFailed();
    metrics.tasksDeleted.inc();
    return c.body(null, 204);
  });

  // ---- Docs ----
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "twincloud task API",
      version: "1.0.0",
      description:
        "Errors are RFC 9457 application/problem+json. PATCH and DELETE require If-Match (428 without it, 412 when stale).",
    },
  });
  app.get("/docs", swaggerUI({ url: "/openapi.json", title: "twincloud API" }));

  // ---- Errors ----
  // 404, or 405 + Allow when the path exists with other methods (computed only on this cold path).
  let routeTable: { pattern: RegExp; methods: Set<string> }[] | undefined;
  const allowedMethods = (path: string): string[] => {
    if (!routeTable) {
      const byPath = new Map<string, Set<string>>();
      for (const route of app.routes) {
        if (route.method === "ALL") continue;
        const methods = byPath.get(route.path) ?? new Set<string>();
        methods.add(route.method);
        if (route.method === "GET") methods.add("HEAD");
        byPath.set(route.path, methods);
      }
      routeTable = [...byPath].map(([routePath, methods]) => ({
        pattern: new RegExp(
          `^${routePath
            .split("/")
            .map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
            .join("/")}$`,
        ),
        methods,
      }));
    }
    const allowed = new Set<string>();
    for (const { pattern, methods } of routeTable)
      if (pattern.test(path)) for (const m of methods) allowed.add(m);
    return [...allowed];
  };

  app.notFound((c) => {
    const context = { requestId: c.get("requestId"), instance: c.req.path };
    const methods = allowedMethods(c.req.path);
    if (methods.length > 0 && !methods.includes(c.req.method)) {
      const allow = methods.join(", ");
      return problemResponse(makeProblem(405, { detail: `Allowed methods: ${allow}.` }), {
        ...context,
        headers: { Allow: allow },
      });
    }
    return problemResponse(makeProblem(404, { detail: "No such resource." }), context);
  });

  app.onError((error, c) => {
    const context = { requestId: c.get("requestId"), instance: c.req.path };
    if (error instanceof ProblemError) {
      return problemResponse(error.problem, { ...context, headers: error.headers });
    }
    if (error instanceof HTTPException) {
      const status = error.status;
      if (status === 415) {
        return problemResponse(makeProblem(415, { detail: "Send the body as application/json." }), context);
      }
      if (status === 400) {
        return problemResponse(
          makeProblem(400, {
            slug: "malformed-body",
            title: "Malformed request body",
            detail: "The request body is not valid JSON.",
          }),
          context,
        );
      }
      if (status === 413) {
        return problemResponse(makeProblem(413), context);
      }
      if (status < 500) {
        return problemResponse({ ...makeProblem(400), status, title: "Request rejected" }, context);
      }
    }
    const failure = classifyDatabaseError(error);
    if (failure) {
      logger.warn(
        { requestId: context.requestId, failure, code: (error as { code?: string }).code },
        "database",
      );
      return problemResponse(
        makeProblem(503, {
          slug: failure === "unavailable" ? "database-unavailable" : "database-busy",
          detail: "The database is temporarily unavailable; retry shortly.",
        }),
        { ...context, headers: { "Retry-After": failure === "unavailable" ? "5" : "1" } },
      );
    }
    logger.error({ requestId: context.requestId, err: error }, "unhandled error");
    return problemResponse(makeProblem(500, { detail: "An unexpected error occurred." }), context);
  });

  return app;
}
