import { createHash } from "node:crypto";
import type { RouteHandler } from "@hono/zod-openapi";
import type { Cursor, TaskRepository } from "../../db/tasks.js";
import { type AppEnv, JSON_CONTENT_TYPE, jsonResponse } from "../../http/node.js";
import { problem } from "../../http/problem.js";
import type { Metrics } from "../../observability/metrics.js";
import {
  canonicalDueDate,
  decodeCursor,
  encodeCursor,
  etagOf,
  parseIfMatch,
  toApiTask,
} from "./tasks.codecs.js";
import type * as routes from "./tasks.routes.js";

type Handler<R extends Exclude<keyof typeof routes, "bearerAuth">> = RouteHandler<(typeof routes)[R], AppEnv>;

const notFound = (id: string) => problem(404, { detail: `Task ${id} does not exist.` });
const preconditionFailed = () =>
  problem(412, {
    detail: "The task was modified since you read it: GET it again and retry with the new ETag.",
  });
const requireIfMatch = (header: string | undefined) => {
  if (header === undefined || header.trim() === "") {
    throw problem(428, {
      detail: 'Send If-Match with the ETag you read (e.g. If-Match: "3"), or If-Match: * to skip the check.',
    });
  }
  return parseIfMatch(header);
};

/** A validated body with its `dueDate` as the canonical UTC instant the database stores exactly. */
function withCanonicalDueDate<T extends { dueDate?: string | null | undefined }>(input: T): T {
  return typeof input.dueDate === "string" ? { ...input, dueDate: canonicalDueDate(input.dueDate) } : input;
}

export function createTaskHandlers(deps: { tasks: TaskRepository; metrics: Metrics }) {
  const { tasks, metrics } = deps;

  const list: Handler<"list"> = async (c) => {
    const { limit, status, cursor } = c.req.valid("query");
    let after: Cursor | undefined;
    if (cursor !== undefined) {
      after = decodeCursor(cursor);
      if (!after) {
        throw problem(400, {
          slug: "invalid-cursor",
          title: "Invalid cursor",
          detail: "The cursor is not one this API issued: pass `nextCursor` from a previous page unchanged.",
          errors: [{ in: "query", name: "cursor", reason: "invalid cursor" }],
        });
      }
    }
    const rows = await tasks.list({ limit: limit + 1, status, after });
    const page = rows.length > limit ? rows.slice(0, limit) : rows;
    const nextCursor = rows.length > limit ? encodeCursor(page[page.length - 1]!) : null;
    return c.json({ data: page.map(toApiTask), nextCursor }, 200);
  };

  const get: Handler<"get"> = async (c) => {
    const { id } = c.req.valid("param");
    const row = await tasks.get(id);
    if (!row) throw notFound(id);
    return jsonResponse(toApiTask(row), 200, { etag: etagOf(row.version) }) as never;
  };

  const create: Handler<"create"> = async (c) => {
    const input = c.req.valid("json");
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    if (idempotencyKey === undefined) {
      const row = await tasks.create(withCanonicalDueDate(input));
      metrics.tasksCreated.inc();
      if (row.status === "done") metrics.tasksCompleted.inc();
      return jsonResponse(toApiTask(row), 201, {
        etag: etagOf(row.version),
        location: `/v1/tasks/${row.id}`,
      }) as never;
    }
    const requestHash = createHash("sha256")
      .update("POST /v1/tasks\n")
      .update(JSON.stringify(input))
      .digest("hex");
    const claim = { apiKeyId: c.get("principal").id, key: idempotencyKey, requestHash };
    const outcome = await tasks.createIdempotent(withCanonicalDueDate(input), claim, (row) => ({
      status: 201,
      body: JSON.stringify(toApiTask(row)),
      etag: etagOf(row.version),
      location: `/v1/tasks/${row.id}`,
    }));
    if (outcome.kind === "mismatch") {
      throw problem(422, {
        slug: "idempotency-key-reused",
        title: "Idempotency-Key reused with a different request",
        detail:
          "This Idempotency-Key was already used with a different body; use a new key for a new request.",
      });
    }
    const { response } = outcome;
    const headers: Record<string, string> = { "Content-Type": JSON_CONTENT_TYPE };
    if (outcome.kind === "replay") headers["Idempotent-Replayed"] = "true";
    else {
      metrics.tasksCreated.inc();
      if (outcome.value.status === "done") metrics.tasksCompleted.inc();
    }
    if (response.etag) headers.ETag = response.etag;
    if (response.location) headers.Location = response.location;
    return c.body(response.body, response.status as 201, headers) as never;
  };

  const update: Handler<"update"> = async (c) => {
    const { id } = c.req.valid("param");
    const versions = requireIfMatch(c.req.valid("header")["if-match"]);
    const patch = withCanonicalDueDate(c.req.valid("json"));
    const result = await tasks.update(id, patch, versions);
    if (result.kind === "not_found") throw notFound(id);
    if (result.kind === "precondition_failed") throw preconditionFailed();
    const row = result.value;
    if (row.status === "done" && row.previous_status !== "done") metrics.tasksCompleted.inc();
    return jsonResponse(toApiTask(row), 200, { etag: etagOf(row.version) }) as never;
  };

  const remove: Handler<"remove"> = async (c) => {
    const { id } = c.req.valid("param");
    const versions = requireIfMatch(c.req.valid("header")["if-match"]);
    const result = await tasks.delete(id, versions);
    if (result.kind === "not_found") throw notFound(id);
    if (result.kind === "precondition_failed") throw preconditionFailed();
    metrics.tasksDeleted.inc();
    return c.body(null, 204);
  };

  return { list, get, create, update, remove };
}
