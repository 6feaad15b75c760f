/**
 * The parts of the OpenAPI document every operation shares: the document's head (info, servers, tags), the
 * response headers, one problem+json response per error status, and the links between task operations. Routes
 * refer to them with `$ref` (`problemResponses(...)`, `successHeaders(...)`, `linkRefs(...)`) and
 * `registerOpenApiComponents` puts them in the document once. The linters (`npm run lint:openapi`) refuse a
 * component nothing refers to, so a status enters `PROBLEM_RESPONSES` when an operation can answer it.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { makeProblem, ProblemSchema, type ProblemStatus } from "./problem.js";

export const OPENAPI_PATH = "/openapi.json";

type Registry = OpenAPIHono["openAPIRegistry"];
type OpenApiDocumentConfig = Parameters<OpenAPIHono["getOpenAPI31Document"]>[0];

export const OPENAPI_DOCUMENT: OpenApiDocumentConfig = {
  openapi: "3.1.0",
  info: {
    title: "twincloud task API",
    version: "1.0.0",
    description: [
      "A task tracker. Every error is RFC 9457 `application/problem+json` (`type` is",
      "`urn:twincloud:problem:<slug>`; validation errors list every bad field in `errors`).",
      "Every response carries `X-Request-Id` (a well-formed incoming `X-Request-Id`, `[A-Za-z0-9._:-]{1,128}`, is",
      "kept). Responses under `/v1` carry `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` once the",
      "API key is verified; a 429 adds `Retry-After`. `PATCH` and `DELETE` require `If-Match` (428 without it, 412",
      "when stale). A known path with a method it does not serve answers 405 with `Allow`; an unknown path 404.",
    ].join(" "),
    contact: { name: "twincloud API maintainers" },
    // OpenAPI 3.1's license `identifier` (an SPDX expression); the generator's config type is 3.0's.
    license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" } as { name: string },
  },
  // Relative: the document is served by the API it describes, on whatever origin the deployment gives it.
  servers: [{ url: "/", description: "The API that serves this document" }],
  tags: [{ name: "tasks", description: "Create, read, update and delete tasks." }],
};

const ref = (kind: "headers" | "responses" | "links" | "schemas", name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});

const integer = (description: string, required = true) => ({
  description,
  required,
  schema: { type: "integer" as const, minimum: 0 },
});

/** Response headers, by header name (also the component's name). */
const HEADERS = {
  "X-Request-Id": {
    description:
      "The request's id: a well-formed incoming X-Request-Id, else a new UUID. Quote it in reports.",
    required: true,
    schema: { type: "string" as const, pattern: "^[A-Za-z0-9._:-]{1,128}$" },
  },
  "RateLimit-Limit": integer("Requests allowed per minute for this API key (and per client address)."),
  "RateLimit-Remaining": integer("Requests left in the current window."),
  "RateLimit-Reset": integer("Seconds until the current window ends."),
  "Retry-After": integer("Seconds to wait before retrying."),
  ETag: {
    description: 'The task\'s version as a strong entity tag, e.g. "3": send it back in If-Match.',
    required: true,
    schema: { type: "string" as const, pattern: '^"[0-9]+"$' },
  },
  Location: {
    description: "The new task's URL, /v1/tasks/{id}.",
    required: true,
    schema: { type: "string" as const, format: "uri-reference" },
  },
  "Idempotent-Replayed": {
    description:
      "Present (true) when this is the stored response of an earlier request with the same Idempotency-Key.",
    required: false,
    schema: { type: "string" as const, enum: ["true"] },
  },
  "Accept-Encoding": {
    description:
      "identity: the only request content coding the API reads (on `unsupported-content-encoding`).",
    required: false,
    schema: { type: "string" as const },
  },
  "WWW-Authenticate": {
    description: 'Bearer realm="twincloud", with error="invalid_token" when a key was sent but is not valid.',
    required: true,
    schema: { type: "string" as const },
  },
};

export type HeaderName = keyof typeof HEADERS;

const RATE_LIMIT: HeaderName[] = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"];

/** `{ Name: { $ref } }` for a response's `headers`. */
function headerRefs(names: readonly HeaderName[]) {
  return Object.fromEntries([...new Set(names)].map((name) => [name, ref("headers", name)]));
}

/** The headers of a successful /v1 response: X-Request-Id, RateLimit-*, and `extra`. */
export function successHeaders(...extra: HeaderName[]) {
  return headerRefs(["X-Request-Id", ...RATE_LIMIT, ...extra]);
}

interface ProblemResponse {
  name: string;
  description: string;
  headers?: HeaderName[];
}

/** Every error status an operation can answer, with what causes it in this API. */
const PROBLEM_RESPONSES = {
  400: {
    name: "BadRequest",
    description:
      "The request is invalid: `validation-error` lists every bad field in `errors` (body, query, path or header), " +
      "`malformed-body` when the body is not JSON in UTF-8 (invalid JSON, invalid UTF-8, or an escaped lone " +
      'surrogate such as `"\\ud800"`), `invalid-cursor` for a `cursor` this API did not issue.',
  },
  401: {
    name: "Unauthorized",
    description: "No API key, or an unknown or revoked one.",
    headers: ["WWW-Authenticate"],
  },
  403: { name: "Forbidden", description: "The API key lacks the scope: read for GET, write otherwise." },
  404: { name: "NotFound", description: "No task with this id." },
  406: {
    name: "NotAcceptable",
    description:
      "The Accept header gives neither application/json nor application/problem+json a weight above 0 " +
      "(RFC 9110: no Accept, `*/*` and `application/*` are fine).",
  },
  408: {
    name: "RequestTimeout",
    description:
      "`body-timeout`: the request body did not arrive before the request deadline; the API closes the connection.",
  },
  412: {
    name: "PreconditionFailed",
    description:
      "If-Match does not match the task's current version: GET it again and retry with the new ETag.",
  },
  413: {
    name: "ContentTooLarge",
    description: "The request body is larger than the API accepts (64 KiB by default).",
  },
  415: {
    name: "UnsupportedMediaType",
    description:
      "`unsupported-media-type`: the request body is not application/json; `unsupported-content-encoding`: it has " +
      "a Content-Encoding other than identity (the answer then carries `Accept-Encoding: identity`).",
    headers: ["Accept-Encoding"],
  },
  422: {
    name: "UnprocessableContent",
    description: "`idempotency-key-reused`: this Idempotency-Key was used with a different body.",
  },
  428: {
    name: "PreconditionRequired",
    description:
      'If-Match is missing: send the ETag you read (If-Match: "3"), or If-Match: * to skip the check.',
  },
  429: {
    name: "TooManyRequests",
    description: "Rate limit exceeded for this API key or client address; retry after Retry-After seconds.",
    headers: ["Retry-After", ...RATE_LIMIT],
  },
  500: {
    name: "InternalServerError",
    description: "A bug: logged with its request id, answered without details.",
  },
  503: {
    name: "ServiceUnavailable",
    description:
      "`database-unavailable` or `database-busy` (nothing was changed), or `request-timeout` (the request took too " +
      "long; the change may still have been made: retry with If-Match or Idempotency-Key); retry after Retry-After.",
    headers: ["Retry-After"],
  },
} as const satisfies Partial<Record<ProblemStatus, ProblemResponse>>;

export type DocumentedProblem = keyof typeof PROBLEM_RESPONSES;

/** `{ status: { $ref } }` for a route's `responses`. */
export function problemResponses(...statuses: DocumentedProblem[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, ref("responses", PROBLEM_RESPONSES[status].name)]),
  );
}

/** Links from a response that carries a task (its id in the body, its version in ETag) to the operations on it. */
export const TASK_LINKS = {
  GetTask: {
    operationId: "getTask",
    parameters: { id: "$response.body#/id" },
    description: "Read the task back.",
  },
  UpdateTask: {
    operationId: "updateTask",
    parameters: { id: "$response.body#/id", "header.if-match": "$response.header.ETag" },
    description: "Update the task at the version this response carries.",
  },
  DeleteTask: {
    operationId: "deleteTask",
    parameters: { id: "$response.body#/id", "header.if-match": "$response.header.ETag" },
    description: "Delete the task at the version this response carries.",
  },
} as const;

export function linkRefs(...names: (keyof typeof TASK_LINKS)[]) {
  return Object.fromEntries(names.map((name) => [name, ref("links", name)]));
}

/** Puts the shared headers, problem responses, links and the Problem schema into the document's components. */
export function registerOpenApiComponents(registry: Registry): void {
  registry.register("Problem", ProblemSchema);
  for (const [name, header] of Object.entries(HEADERS)) registry.registerComponent("headers", name, header);
  for (const [status, response] of Object.entries(PROBLEM_RESPONSES) as [
    `${DocumentedProblem}`,
    ProblemResponse,
  ][]) {
    registry.registerComponent("responses", response.name, {
      description: `${makeProblem(Number(status) as DocumentedProblem).title}. ${response.description}`,
      headers: headerRefs(["X-Request-Id", ...(response.headers ?? [])]),
      content: { "application/problem+json": { schema: ref("schemas", "Problem") } },
    });
  }
  for (const [name, link] of Object.entries(TASK_LINKS)) registry.registerComponent("links", name, link);
}
