/**
 * Node fast paths. Under @hono/node-server, read the already-parsed IncomingMessage headers instead of making
 * Hono materialise a WHATWG Headers object, and write fixed response headers with ServerResponse.setHeader
 * (Node merges them into writeHead, where the response's own headers take precedence). Under `app.request()`
 * (tests: no Node bindings) every helper falls back to the portable APIs or reports that it could not help.
 */
import type { Context } from "hono";

/** Set by @hono/node-server; absent under app.request() in tests. */
export interface NodeBindings {
  incoming?: {
    socket?: { remoteAddress?: string };
    /** True once the whole request message (body included) has been received. */
    complete?: boolean;
    headers: Record<string, string | string[] | undefined>;
  };
  outgoing?: { setHeader(name: string, value: string): unknown; headersSent: boolean };
}

/** The app's Hono environment; its Variables are declared by the middleware that sets them. */
export type AppEnv = { Bindings: NodeBindings };

/** A request header by lower-case name. */
export function requestHeader(c: Context<AppEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * Sets fixed response headers on the Node response before the handler runs; false when there is none (or
 * its headers are already sent), and the caller sets them on `c.res` afterwards instead.
 */
export function presetHeaders(c: Context<AppEnv>, pairs: readonly (readonly [string, string])[]): boolean {
  const outgoing = c.env?.outgoing;
  if (!outgoing || outgoing.headersSent) return false;
  for (const [name, value] of pairs) outgoing.setHeader(name, value);
  return true;
}

/**
 * The request's Content-Length when it has one and no Transfer-Encoding (every non-chunked request under
 * Node: its parser has already validated the length and refused it alongside Transfer-Encoding); undefined
 * for chunked bodies and under app.request(). A body limit on it is one comparison, and the body stays on
 * @hono/node-server's direct-read path (Hono's bodyLimit wraps it in a web ReadableStream: ~14 % of a
 * create's CPU).
 */
export function declaredContentLength(c: Context<AppEnv>): number | undefined {
  const headers = c.env?.incoming?.headers;
  const length = headers?.["content-length"];
  if (typeof length !== "string" || headers?.["transfer-encoding"] !== undefined) return undefined;
  return Number(length);
}

export const JSON_CONTENT_TYPE = "application/json";

/**
 * A JSON response whose headers stay a plain record. Hono's c.json() turns two or more headers into a
 * WHATWG Headers object, which @hono/node-server then iterates back into a record (slow); a plain record
 * takes node-server's fast path. Pass `headers` names lower-case. Headers middleware set through `c.res`
 * before the handler are still merged by Hono's `c.res` setter, exactly as for c.json().
 */
export function jsonResponse(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": JSON_CONTENT_TYPE, ...headers },
  });
}
