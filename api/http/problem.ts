/**
 * RFC 9457 problem details: every error the API returns is `application/problem+json` built here.
 * `detail` is always written by us, never copied from an exception, a driver or SQL.
 */
import { z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface InvalidParam {
  /** Where the bad value was: body, query, path or header. */
  in: string;
  /** JSON-pointer-like path of the field, e.g. `title` or `limit`. */
  name: string;
  reason: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: InvalidParam[];
}

const TYPES = {
  400: ["bad-request", "Bad Request"],
  401: ["unauthorized", "Unauthorized"],
  403: ["forbidden", "Forbidden"],
  404: ["not-found", "Not Found"],
  405: ["method-not-allowed", "Method Not Allowed"],
  406: ["not-acceptable", "Not Acceptable"],
  408: ["request-timeout", "Request Timeout"],
  409: ["conflict", "Conflict"],
  412: ["precondition-failed", "Precondition Failed"],
  413: ["payload-too-large", "Content Too Large"],
  415: ["unsupported-media-type", "Unsupported Media Type"],
  422: ["unprocessable-content", "Unprocessable Content"],
  428: ["precondition-required", "Precondition Required"],
  429: ["rate-limited", "Too Many Requests"],
  500: ["internal-error", "Internal Server Error"],
  503: ["service-unavailable", "Service Unavailable"],
  504: ["timeout", "Gateway Timeout"],
} as const satisfies Record<number, readonly [string, string]>;

export type ProblemStatus = keyof typeof TYPES;

function problemType(slug: string): string {
  return `urn:twincloud:problem:${slug}`;
}

export function makeProblem(
  status: ProblemStatus,
  options: { slug?: string; title?: string; detail?: string; errors?: InvalidParam[] } = {},
): Problem {
  const [defaultSlug, defaultTitle] = TYPES[status];
  const problem: Problem = {
    type: problemType(options.slug ?? defaultSlug),
    title: options.title ?? defaultTitle,
    status,
  };
  if (options.detail) problem.detail = options.detail;
  if (options.errors) problem.errors = options.errors;
  return problem;
}

export function problemResponse(
  problem: Problem,
  context: {
    requestId?: string | undefined;
    instance?: string | undefined;
    headers?: Record<string, string>;
  },
): Response {
  const body: Problem = { ...problem };
  if (context.instance) body.instance = context.instance;
  if (context.requestId) body.requestId = context.requestId;
  const headers = new Headers(context.headers);
  headers.set("content-type", PROBLEM_CONTENT_TYPE);
  headers.set("cache-control", "no-store");
  return new Response(JSON.stringify(body), { status: problem.status, headers });
}

/**
 * Thrown anywhere in a handler or middleware; the app's error handler renders it. An HTTPException, so Hono's
 * own middleware that takes one (the request deadline's `timeout`) can throw it too.
 */
export class ProblemError extends HTTPException {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.status as ContentfulStatusCode, { message: problem.title });
    this.name = "ProblemError";
  }
}

export const problem = (
  status: ProblemStatus,
  options: Parameters<typeof makeProblem>[1] & { headers?: Record<string, string> } = {},
) => new ProblemError(makeProblem(status, options), options.headers);

/** The OpenAPI schema of every error response. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ in: z.string(), name: z.string(), reason: z.string() })).optional(),
  })
  .openapi("Problem");
