import { createRoute } from "@hono/zod-openapi";
import { linkRefs, problemResponses, successHeaders } from "../../http/openapi.js";
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
  operationId: "listTasks",
  tags: ["tasks"],
  summary: "List tasks (cursor-paginated, oldest first)",
  description:
    "Tasks in creation order, `limit` per page (1-100, default 20), optionally only one `status`. Pass " +
    "`nextCursor` as `cursor` for the next page: keyset pagination, so tasks created while you page never make " +
    "you see one twice or miss one. A cursor this API did not issue is a 400. Needs the read scope.",
  security,
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: "A page of tasks; `nextCursor` is null on the last page",
      headers: successHeaders(),
      content: { "application/json": { schema: TaskListSchema } },
    },
    ...problemResponses(400, 401, 403, 406, 429, 500, 503),
  },
});

export const get = createRoute({
  method: "get",
  path: "/v1/tasks/{id}",
  operationId: "getTask",
  tags: ["tasks"],
  summary: "Get a task",
  description:
    "The task, with its version as a strong `ETag` (send it in `If-Match` to update or delete). Needs the read scope.",
  security,
  request: { params: IdParamSchema },
  responses: {
    200: {
      description: "The task; ETag carries its version",
      headers: successHeaders("ETag"),
      links: linkRefs("UpdateTask", "DeleteTask"),
      content: { "application/json": { schema: TaskSchema } },
    },
    ...problemResponses(400, 401, 403, 404, 406, 429, 500, 503),
  },
});

export const create = createRoute({
  method: "post",
  path: "/v1/tasks",
  operationId: "createTask",
  tags: ["tasks"],
  summary: "Create a task (retry-safe with Idempotency-Key)",
  description:
    "Creates a task from a JSON body (unknown fields are refused). With `Idempotency-Key`, a retry with the same " +
    "key and body within 24 h returns the original response (with `Idempotent-Replayed: true`) and creates " +
    "nothing; the same key with another body is a 422. Needs the write scope.",
  security,
  request: {
    headers: CreateHeadersSchema,
    body: { required: true, content: { "application/json": { schema: CreateTaskSchema } } },
  },
  responses: {
    201: {
      description: "Created (or the original response, replayed, with Idempotent-Replayed: true)",
      headers: successHeaders("ETag", "Location", "Idempotent-Replayed"),
      links: linkRefs("GetTask", "UpdateTask", "DeleteTask"),
      content: { "application/json": { schema: TaskSchema } },
    },
    ...problemResponses(400, 401, 403, 406, 408, 413, 415, 422, 429, 500, 503),
  },
});

export const update = createRoute({
  method: "patch",
  path: "/v1/tasks/{id}",
  operationId: "updateTask",
  tags: ["tasks"],
  summary: "Update a task (If-Match required)",
  description:
    "Changes the fields present in the JSON body (at least one; null clears `description` or `dueDate`). " +
    "`If-Match` is required: without it 428, with a version that is no longer current 412 (nothing changed), " +
    "`*` skips the check. Of concurrent updates carrying the same ETag exactly one succeeds. Needs the write scope.",
  security,
  request: {
    params: IdParamSchema,
    headers: IfMatchHeadersSchema,
    body: { required: true, content: { "application/json": { schema: UpdateTaskSchema } } },
  },
  responses: {
    200: {
      description: "The updated task with its new ETag",
      headers: successHeaders("ETag"),
      links: linkRefs("GetTask", "UpdateTask", "DeleteTask"),
      content: { "application/json": { schema: TaskSchema } },
    },
    ...problemResponses(400, 401, 403, 404, 406, 408, 412, 413, 415, 428, 429, 500, 503),
  },
});

export const remove = createRoute({
  method: "delete",
  path: "/v1/tasks/{id}",
  operationId: "deleteTask",
  tags: ["tasks"],
  summary: "Delete a task (If-Match required)",
  description:
    "Deletes the task. `If-Match` is required: without it 428, with a version that is no longer current 412 " +
    "(nothing deleted), `*` skips the check. Needs the write scope.",
  security,
  request: { params: IdParamSchema, headers: IfMatchHeadersSchema },
  responses: {
    204: { description: "Deleted", headers: successHeaders() },
    ...problemResponses(400, 401, 403, 404, 406, 412, 428, 429, 500, 503),
  },
});
