/**
 * The contract: every operation in the served OpenAPI document, sent good and bad input, answers only what the
 * document says it answers. Each response is checked against the document itself (not against a copy of the
 * API's constants): its status is documented for that operation, its content type is the documented one, its
 * body validates against the documented schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses), and every header
 * the document marks required is present and matches its schema. Every documented status but 500 and 503 (a bug,
 * an outage: resilience.test.ts and timeouts.test.ts cause those) is reached by at least one request here, so
 * the document promises nothing the API never does.
 */
import { connect } from "node:net";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, startTestApi, type TestApi } from "./helpers.js";

// ajv-formats is CommonJS: under ESM its function is the default export's default.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Json = Record<string, unknown>;
interface Operation {
  operationId: string;
  responses: Record<string, Json>;
}
interface Sent {
  operationId: string;
  status: number;
}

const BODY_LIMIT = 4096;
const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

let api: TestApi;
let limited: TestApi;
let doc: Json;
let operations: Map<string, Operation>;
const validators = new Map<string, ValidateFunction>();
const seen: Sent[] = [];

beforeAll(async () => {
  [api, limited] = await Promise.all([
    startTestApi({ env: { BODY_LIMIT_BYTES: String(BODY_LIMIT) } }),
    startTestApi({ env: { RATE_LIMIT_PER_MINUTE: "1" } }),
  ]);
  doc = (await (await api.fetch("/openapi.json", { key: null })).json()) as Json;
  operations = new Map();
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
    for (const [method, operation] of Object.entries(item)) {
      operations.set(operation.operationId, { ...operation, path, method } as Operation);
    }
  }
});
afterAll(async () => {
  await Promise.all([api?.close(), limited?.close()]);
});

/** `#/components/...` → the object it points at. */
function resolve<T = Json>(value: Json): T {
  let current = value;
  while (typeof current.$ref === "string") {
    current = (current.$ref as string)
      .slice(2)
      .split("/")
      .reduce<Json>((node, key) => node[key] as Json, doc);
  }
  return current as T;
}

/** A JSON Schema from the document, with its `#/components/schemas/X` references moved to `$defs`. */
function validatorFor(schema: Json): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    const rewrite = (text: string) => JSON.parse(text.replaceAll('"#/components/schemas/', '"#/$defs/'));
    const defs = rewrite(JSON.stringify((doc.components as Json).schemas));
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    ajv.addVocabulary(["example"]);
    addFormats(ajv);
    validate = ajv.compile({ ...rewrite(key), $defs: defs });
    validators.set(key, validate);
  }
  return validate;
}

/** Checks one response against the operation's documented response for its status; returns the parsed body. */
async function conforms(operationId: string, res: Response): Promise<unknown> {
  const operation = operations.get(operationId);
  if (!operation) throw new Error(`${operationId} is not in the document`);
  const where = `${operationId} → ${res.status}`;
  const documented = operation.responses[String(res.status)];
  const text = await res.text();
  expect(documented, `${where} is not documented: ${text}`).toBeDefined();
  seen.push({ operationId, status: res.status });
  const response = resolve<{ headers?: Record<string, Json>; content?: Record<string, { schema: Json }> }>(
    documented!,
  );

  for (const [name, ref] of Object.entries(response.headers ?? {})) {
    const header = resolve<{ required?: boolean; schema: Json }>(ref);
    const value = res.headers.get(name);
    if (value === null) {
      expect(header.required, `${where}: required header ${name} is missing`).not.toBe(true);
      continue;
    }
    const parsed = header.schema.type === "integer" && /^\d+$/.test(value) ? Number(value) : value;
    const validate = validatorFor(header.schema);
    expect(validate(parsed), `${where}: header ${name}: ${value} ${JSON.stringify(validate.errors)}`).toBe(
      true,
    );
  }

  const mediaTypes = Object.keys(response.content ?? {});
  if (mediaTypes.length === 0) {
    expect(text, `${where}: documented without a body`).toBe("");
    return undefined;
  }
  const contentType = res.headers.get("content-type")?.split(";")[0]?.trim();
  expect(mediaTypes, `${where}: content type ${contentType}`).toContain(contentType);
  const body = JSON.parse(text) as unknown;
  const validate = validatorFor(response.content![contentType!]!.schema);
  expect(validate(body), `${where}: ${text}\n${JSON.stringify(validate.errors)}`).toBe(true);
  return body;
}

const call = async (operationId: string, path: string, init: Parameters<TestApi["fetch"]>[1] = {}) =>
  conforms(operationId, await api.fetch(path, init));

describe("every operation answers as documented", () => {
  it("listTasks: pages, filters, and refuses bad queries, cursors and keys", async () => {
    for (let i = 0; i < 3; i++) await createTask(api, { title: `list ${i}` });
    const page = (await call("listTasks", "/v1/tasks?limit=2", { key: api.keys.read })) as {
      nextCursor: string;
    };
    await call("listTasks", `/v1/tasks?limit=2&cursor=${encodeURIComponent(page.nextCursor)}`);
    await call("listTasks", "/v1/tasks?status=done");
    for (const query of ["limit=0", "limit=abc", "status=nope", "cursor=not-a-cursor", "limit=101"]) {
      await call("listTasks", `/v1/tasks?${query}`);
    }
    await call("listTasks", "/v1/tasks", { key: null });
    await call("listTasks", "/v1/tasks", { key: "tc_not-a-key" });
    await call("listTasks", "/v1/tasks", { key: api.keys.write });
  });

  it("getTask: the task with its ETag, 404, and a malformed id", async () => {
    const { body } = await createTask(api);
    await call("getTask", `/v1/tasks/${body.id}`, { key: api.keys.read });
    await call("getTask", `/v1/tasks/${UNKNOWN_ID}`);
    await call("getTask", "/v1/tasks/not-a-uuid");
    await call("getTask", `/v1/tasks/${body.id}`, { key: null });
    await call("getTask", `/v1/tasks/${body.id}`, { key: api.keys.write });
  });

  it("createTask: created, replayed, and every way a body or key is refused", async () => {
    const full = {
      title: "Write the runbook",
      description: "failover",
      status: "in_progress",
      priority: "high",
      dueDate: "2026-12-31T17:00:00+02:00",
    };
    await call("createTask", "/v1/tasks", { method: "POST", json: full });
    const idempotent = {
      method: "POST",
      json: { title: "once" },
      headers: { "Idempotency-Key": "contract-1" },
    };
    await call("createTask", "/v1/tasks", idempotent);
    const replay = await api.fetch("/v1/tasks", idempotent);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    await conforms("createTask", replay);
    await call("createTask", "/v1/tasks", { ...idempotent, json: { title: "another" } });
    for (const json of [{}, { title: "" }, { title: "x", extra: 1 }, { title: "x", priority: "urgent" }]) {
      await call("createTask", "/v1/tasks", { method: "POST", json });
    }
    await call("createTask", "/v1/tasks", {
      method: "POST",
      json: { title: "x" },
      headers: { "Idempotency-Key": "é" },
    });
    const raw = (body: string, type: string) => ({ method: "POST", body, headers: { "content-type": type } });
    await call("createTask", "/v1/tasks", raw("{not json", "application/json"));
    await call("createTask", "/v1/tasks", raw("title=x", "text/plain"));
    await call(
      "createTask",
      "/v1/tasks",
      raw(JSON.stringify({ title: "x".repeat(BODY_LIMIT) }), "application/json"),
    );
    await call("createTask", "/v1/tasks", { method: "POST", json: { title: "x" }, key: null });
    await call("createTask", "/v1/tasks", { method: "POST", json: { title: "x" }, key: api.keys.read });
  });

  it("updateTask: If-Match required (428), stale (412), current or * (200), and bad bodies", async () => {
    const { body, etag } = await createTask(api);
    const path = `/v1/tasks/${body.id}`;
    await call("updateTask", path, { method: "PATCH", json: { title: "no If-Match" } });
    await call("updateTask", path, {
      method: "PATCH",
      json: { title: "stale" },
      headers: { "If-Match": '"9"' },
    });
    await call("updateTask", path, {
      method: "PATCH",
      json: { status: "done" },
      headers: { "If-Match": etag },
    });
    await call("updateTask", path, {
      method: "PATCH",
      json: { priority: "low" },
      headers: { "If-Match": "*" },
    });
    for (const json of [{}, { title: null }, { status: "later" }]) {
      await call("updateTask", path, { method: "PATCH", json, headers: { "If-Match": "*" } });
    }
    await call("updateTask", path, {
      method: "PATCH",
      body: "status=done",
      headers: { "If-Match": "*", "content-type": "text/plain" },
    });
    await call("updateTask", path, {
      method: "PATCH",
      json: { description: "x".repeat(BODY_LIMIT) },
      headers: { "If-Match": "*" },
    });
    await call("updateTask", `/v1/tasks/${UNKNOWN_ID}`, {
      method: "PATCH",
      json: { title: "x" },
      headers: { "If-Match": "*" },
    });
    await call("updateTask", "/v1/tasks/nope", {
      method: "PATCH",
      json: { title: "x" },
      headers: { "If-Match": "*" },
    });
    await call("updateTask", path, { method: "PATCH", json: { title: "x" }, key: null });
    await call("updateTask", path, { method: "PATCH", json: { title: "x" }, key: api.keys.read });
  });

  it("deleteTask: If-Match required (428), stale (412), deleted (204), then 404", async () => {
    const { body, etag } = await createTask(api);
    const path = `/v1/tasks/${body.id}`;
    await call("deleteTask", path, { method: "DELETE" });
    await call("deleteTask", path, { method: "DELETE", headers: { "If-Match": '"9"' } });
    await call("deleteTask", path, { method: "DELETE", key: null });
    await call("deleteTask", path, { method: "DELETE", key: api.keys.read });
    await call("deleteTask", "/v1/tasks/nope", { method: "DELETE", headers: { "If-Match": "*" } });
    await call("deleteTask", path, { method: "DELETE", headers: { "If-Match": etag } });
    await call("deleteTask", path, { method: "DELETE", headers: { "If-Match": etag } });
  });

  it("every operation: 429 with Retry-After once the key's budget is spent", async () => {
    const { etag, body } = await createTask(limited); // spends the budget of 1
    const path = `/v1/tasks/${body.id}`;
    const send = async (operationId: string, url: string, init: Parameters<TestApi["fetch"]>[1] = {}) =>
      conforms(operationId, await limited.fetch(url, init));
    await send("listTasks", "/v1/tasks");
    await send("getTask", path);
    await send("createTask", "/v1/tasks", { method: "POST", json: { title: "x" } });
    await send("updateTask", path, { method: "PATCH", json: { title: "x" }, headers: { "If-Match": etag } });
    await send("deleteTask", path, { method: "DELETE", headers: { "If-Match": etag } });
    expect(seen.filter((s) => s.status === 429)).toHaveLength(5);
  });

  it("every operation: 406 when Accept excludes JSON; bodies: 415 for a Content-Encoding, 408 when too slow", async () => {
    const { body, etag } = await createTask(api);
    const path = `/v1/tasks/${body.id}`;
    const accept = { accept: "text/html" };
    await call("listTasks", "/v1/tasks", { headers: accept });
    await call("getTask", path, { headers: accept });
    await call("createTask", "/v1/tasks", { method: "POST", json: { title: "x" }, headers: accept });
    await call("updateTask", path, {
      method: "PATCH",
      json: { title: "x" },
      headers: { ...accept, "If-Match": etag },
    });
    await call("deleteTask", path, { method: "DELETE", headers: { ...accept, "If-Match": etag } });
    const gzip = { "content-encoding": "gzip" };
    await call("createTask", "/v1/tasks", { method: "POST", json: { title: "x" }, headers: gzip });
    await call("updateTask", path, {
      method: "PATCH",
      json: { title: "x" },
      headers: { ...gzip, "If-Match": etag },
    });

    const slow = await startTestApi({ env: { REQUEST_TIMEOUT_MS: "500" } });
    try {
      for (const [operationId, method, url] of [
        ["createTask", "POST", "/v1/tasks"],
        ["updateTask", "PATCH", path],
      ] as const) {
        const head =
          `${method} ${url} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${slow.keys.rw}\r\n` +
          `If-Match: *\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"title":`;
        await conforms(operationId, await rawExchange(slow.url, head));
      }
    } finally {
      await slow.close();
    }
  });

  it("reaches every documented status of every operation (but 500 and 503)", () => {
    for (const [operationId, operation] of operations) {
      const documented = Object.keys(operation.responses)
        .map(Number)
        .filter((status) => status !== 500 && status !== 503);
      const reached = new Set(seen.filter((s) => s.operationId === operationId).map((s) => s.status));
      expect(
        documented.filter((status) => !reached.has(status)),
        `${operationId}: documented statuses no request here reached`,
      ).toEqual([]);
    }
  });
});

/** Sends `request` on a raw socket and never finishes its body; the answer (HTTP/1.1, one response) as a Response. */
function rawExchange(baseUrl: string, request: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const [statusLine = "", ...lines] = text.slice(0, split).split("\r\n");
      const headers = new Headers();
      for (const line of lines)
        headers.append(line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trim());
      let body = text.slice(split + 4);
      if (headers.get("transfer-encoding") === "chunked") {
        let decoded = "";
        for (let rest = body; ; ) {
          const eol = rest.indexOf("\r\n");
          const size = Number.parseInt(rest.slice(0, eol), 16);
          if (!size) break;
          decoded += rest.slice(eol + 2, eol + 2 + size);
          rest = rest.slice(eol + 4 + size);
        }
        body = decoded;
      }
      headers.delete("transfer-encoding");
      resolve(new Response(body, { status: Number(statusLine.split(" ")[1]), headers }));
    });
    socket.write(request);
  });
}
