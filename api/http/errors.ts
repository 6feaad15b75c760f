import type { ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { classifyDatabaseError } from "../db/client.js";
import type { Logger } from "../observability/logger.js";
import { makeProblem, ProblemError, problemResponse } from "./problem.js";

/**
 * Every error as problem+json: a thrown ProblemError as it is; Hono's own HTTP exceptions (415 and malformed
 * JSON from request validation, 413) with the API's wording; a database that cannot be reached or is busy as
 * a 503 with Retry-After; anything else is a bug: logged with its stack, answered as a 500 without it.
 */
export function errorHandler(logger: Logger): ErrorHandler {
  return (error, c) => {
    const context = { requestId: c.get("requestId"), instance: c.req.path };
    // First: a ProblemError is an HTTPException too.
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
  };
}

/**
 * 404, or 405 + Allow when the path exists with other methods. The method table is built from the app's
 * routes on the first miss (a cold path), after every route is registered.
 */
export function notFoundHandler(routes: () => readonly { method: string; path: string }[]): NotFoundHandler {
  let table: { pattern: RegExp; methods: Set<string> }[] | undefined;
  const allowedMethods = (path: string): string[] => {
    table ??= methodTable(routes());
    const allowed = new Set<string>();
    for (const { pattern, methods } of table) if (pattern.test(path)) for (const m of methods) allowed.add(m);
    return [...allowed];
  };
  return (c) => {
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
  };
}

/** Route pattern → the methods it answers (GET implies HEAD); middleware entries (method ALL) skipped. */
function methodTable(routes: readonly { method: string; path: string }[]) {
  const byPath = new Map<string, Set<string>>();
  for (const route of routes) {
    if (route.method === "ALL") continue;
    const methods = byPath.get(route.path) ?? new Set<string>();
    methods.add(route.method);
    if (route.method === "GET") methods.add("HEAD");
    byPath.set(route.path, methods);
  }
  return [...byPath].map(([routePath, methods]) => ({
    pattern: new RegExp(
      `^${routePath
        .split("/")
        .map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
        .join("/")}$`,
    ),
    methods,
  }));
}
