import type { OpenAPIHono, RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Context, Handler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError, ZodType } from "zod";
import { type AppEnv, requestHeader } from "./node.js";
import { type InvalidParam, problem } from "./problem.js";

export type ValidationTarget = "query" | "param" | "header" | "json";

/** Same pattern as @hono/zod-openapi's media-type gate (a JSON type, optionally with parameters). */
const JSON_CONTENT_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

const unsupportedMediaType = () => new HTTPException(415, { message: "Unsupported Media Type" });

/**
 * Like `router.openapi(route, handler)`: the route goes into the OpenAPI document from the same zod schemas,
 * and `c.req.valid()` is typed and filled the same way, but the request is validated in one step
 * (`compileRequestValidator` below) instead of zod-openapi's chain of async validator middlewares.
 */
export function openapiRoute<R extends RouteConfig>(
  router: OpenAPIHono<AppEnv>,
  route: R,
  handler: RouteHandler<R, AppEnv>,
): void {
  router.openAPIRegistry.registerPath(route);
  const validate = compileRequestValidator(route, requestHeader, failValidation);
  const path = route.path.replaceAll(/\/{(.+?)}/g, "/:$1");
  router.on(route.method, path, async (c, next) => {
    const pending = validate(c);
    if (pending) await pending;
    return (handler as unknown as Handler<AppEnv>)(c, next);
  });
}

const TARGET_NAMES: Record<string, string> = {
  json: "body",
  query: "query",
  param: "path",
  header: "header",
};

/** 400 `validation-error` listing every bad field of the request part. */
function failValidation(target: ValidationTarget, error: ZodError): never {
  const where = TARGET_NAMES[target] ?? target;
  throw problem(400, {
    slug: "validation-error",
    title: "Validation failed",
    detail: `The request ${where} is invalid.`,
    errors: zodErrors(error, where),
  });
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

/**
 * One validation step per route, doing what `OpenAPIHono.openapi()` installs as a chain of middlewares (one
 * async zod-validator per request part, a media-type gate, `safeParseAsync` each, the request headers copied
 * into a record): the same order (query, path, headers, media type, JSON body), the same schemas, the same
 * outcomes (the failure callback for an invalid part, 415 for a body that is not JSON, 400 for malformed
 * JSON), with synchronous parses and only the declared headers read. On the API's hottest routes that chain
 * was the largest cost the bare baseline does not pay (docs/benchmark.md). Only the shapes this API declares
 * are supported (query, path, headers, a required JSON body); anything else is refused when the route is
 * registered, so a new kind of route cannot silently skip validation.
 */
export function compileRequestValidator<C extends Context>(
  route: RouteConfig,
  readHeader: (c: C, lowerCaseName: string) => string | undefined,
  fail: (target: ValidationTarget, error: ZodError) => never,
): (c: C) => undefined | Promise<void> {
  const request = route.request ?? {};
  const { query, params, headers, body, cookies } = request;
  const where = `${route.method.toUpperCase()} ${route.path}`;
  if (cookies) throw new Error(`${where}: cookie parameters are not supported by compileRequestValidator`);
  const check = (c: C, target: ValidationTarget, schema: ZodType, value: unknown) => {
    const result = schema.safeParse(value);
    if (!result.success) fail(target, result.error);
    c.req.addValidatedData(target, result.data as object);
  };

  const steps: ((c: C) => void)[] = [];
  if (query) {
    const schema = query as ZodType;
    steps.push((c) => {
      const value: Record<string, string | string[]> = {};
      for (const [name, values] of Object.entries(c.req.queries())) {
        value[name] = values.length === 1 ? values[0]! : values;
      }
      check(c, "query", schema, value);
    });
  }
  if (params) {
    const schema = params as ZodType;
    steps.push((c) => check(c, "param", schema, c.req.param()));
  }
  if (headers) {
    if (!("shape" in headers)) throw new Error(`${where}: request.headers must be a zod object`);
    const schema = headers as ZodType;
    const names = Object.keys(headers.shape as object).map((key) => [key, key.toLowerCase()] as const);
    steps.push((c) => {
      const value: Record<string, string> = {};
      for (const [key, lower] of names) {
        const header = readHeader(c, lower);
        if (header !== undefined) value[key] = header;
      }
      check(c, "header", schema, value);
    });
  }

  let jsonSchema: ZodType | undefined;
  if (body) {
    const mediaTypes = Object.keys(body.content);
    const media = body.content["application/json"];
    const json = media && "schema" in media ? media.schema : undefined;
    if (mediaTypes.length !== 1 || !json || body.required !== true || !("safeParse" in json)) {
      throw new Error(`${where}: only a required application/json body with a zod schema is supported`);
    }
    jsonSchema = json as ZodType;
  }

  if (!jsonSchema) {
    return (c) => {
      for (const step of steps) step(c);
      return undefined;
    };
  }
  const bodySchema = jsonSchema;
  return async (c) => {
    for (const step of steps) step(c);
    const contentEncoding = readHeader(c, "content-encoding");
    if (contentEncoding !== undefined && !isIdentity(contentEncoding)) throw unsupportedContentEncoding();
    const contentType = readHeader(c, "content-type");
    let value: unknown = {};
    if (contentType) {
      if (!JSON_CONTENT_TYPE.test(contentType)) throw unsupportedMediaType();
      value = parseJsonBody(await receiveBody(c));
    } else if (await hasBody(c, readHeader)) {
      throw unsupportedMediaType();
    }
    check(c, "json", bodySchema, value);
  };
}

/** `Content-Encoding` values that leave the body as sent: none but identity (RFC 9110 §8.4.1). */
function isIdentity(header: string): boolean {
  for (const coding of header.split(",")) {
    const name = coding.trim().toLowerCase();
    if (name !== "" && name !== "identity") return false;
  }
  return true;
}

/** RFC 9110 §15.5.16: a content coding the server does not decode is a 415 naming what it accepts. */
const unsupportedContentEncoding = () =>
  problem(415, {
    slug: "unsupported-content-encoding",
    title: "Unsupported Content-Encoding",
    detail: "Send the body without a content coding (Content-Encoding: identity or none).",
    headers: { "Accept-Encoding": "identity" },
  });

const malformedBody = (detail: string) =>
  problem(400, { slug: "malformed-body", title: "Malformed request body", detail });

/** Strict UTF-8: invalid sequences throw instead of becoming U+FFFD (RFC 8259 §8.1: JSON text is UTF-8). */
const UTF8 = new TextDecoder("utf-8", { fatal: true });
/** A JSON escape of a UTF-16 surrogate (\uD800-\uDFFF): only then can a parsed string hold a lone one. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * The body's bytes → its JSON value, refusing (400 `malformed-body`) invalid UTF-8, invalid JSON, and strings
 * (values or names) with an escaped lone surrogate (`"\ud800"`: not Unicode text, RFC 8259 §8.2; PostgreSQL
 * would have stored U+FFFD instead). `c.req.json()` decodes leniently, replacing both with U+FFFD.
 */
function parseJsonBody(bytes: ArrayBuffer): unknown {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw malformedBody("The request body is not valid UTF-8.");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformedBody("The request body is not valid JSON.");
  }
  if (SURROGATE_ESCAPE.test(text) && hasLoneSurrogate(value)) {
    throw malformedBody(
      'The request body has a string with an unpaired surrogate escape (e.g. "\\ud800"), which is not Unicode text.',
    );
  }
  return value;
}

/** Iterative (a 64 KiB body can nest thousands of arrays deep: recursion would overflow the stack, a 500). */
function hasLoneSurrogate(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === "string") {
      if (!value.isWellFormed()) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (!key.isWellFormed()) return true;
        pending.push(item);
      }
    }
  }
  return false;
}

/**
 * Reads the whole body, flagging the context (`receivingBody`) while it waits for the client: the request
 * deadline (middleware/request-limits.ts) then answers 408, a client fault, instead of 503.
 */
async function receiveBody(c: Context): Promise<ArrayBuffer> {
  c.set("receivingBody", true);
  try {
    return await c.req.arrayBuffer();
  } catch {
    // The client went away or sent a broken chunked body: nothing usable arrived.
    throw malformedBody("The request body could not be read completely.");
  } finally {
    c.set("receivingBody", false);
  }
}

/** A body without a Content-Type is refused (415) unless it is empty. */
async function hasBody<C extends Context>(
  c: C,
  readHeader: (c: C, lowerCaseName: string) => string | undefined,
): Promise<boolean> {
  const length = readHeader(c, "content-length");
  if (length !== undefined && readHeader(c, "transfer-encoding") === undefined) return Number(length) > 0;
  return (await c.req.arrayBuffer()).byteLength > 0;
}
