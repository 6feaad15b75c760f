import { createRoute } from "@hono/zod-openapi";
import { makeProblem, ProblemSchema } from "../../http/problem.js";
import {
  CreateHeadersSchema,
  CreateTaskSchema,
  IdParamSchema,
  IfMatchHeadersSchema,
  ListQuerySchema,
  TaskListSchema,
  TaskSchema,
  UpdateTaskSchema,
} from "./tasks.schemas.js";

const problemContent = { "application/problem+json": { schema: ProblemSchema } } as const;
const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: makeProblem(status as 400).title, content: problemContent },
    ]),
  );
const security = [{ bearerAuth: [] }];

/** The bearer scheme the routes' `security` refers to. */
export const bearerAuth = {
  type: "http",
  scheme: "bearer",
  description: "An API key (`npm run apikey -- create`), scopes read and/or write.",
} as const;

export const list = createRoute({
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

export const get = createRoute({
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

export const create = createRoute({
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

export const update = createRoute({
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

export const remove = createRoute({
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
