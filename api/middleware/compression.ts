import { promisify } from "node:util";
import { brotliCompress, gzip as gzipCallback, constants as zlibConstants } from "node:zlib";
import type { Context, MiddlewareHandler } from "hono";
import { chooseCoding } from "../http/negotiation.js";
import { type AppEnv, requestHeader } from "../http/node.js";

const COMPRESSION_THRESHOLD_BYTES = 2048;
const gzip = promisify(gzipCallback);
const brotli = promisify(brotliCompress);
/** Quality 4: most of brotli's gain for a fraction of the CPU of the default (11). */
const BROTLI_OPTIONS = { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } };

/**
 * br or gzip for JSON/text responses of at least 2 KB (long task lists, the OpenAPI document) when the
 * client's Accept-Encoding gives it a weight above 0 (RFC 9110 §12.5.3, api/http/negotiation.ts: the higher
 * weight wins, br on a tie, `gzip;q=0` is never gzip); below 2 KB too when the client excludes identity
 * (`identity;q=0`, `*;q=0`) and accepts br or gzip. With no acceptable coding the response stays identity (the
 * server may disregard the header, RFC 9110 §12.5.3). Responses carrying an ETag are left alone so the strong validators used by If-Match
 * stay byte-exact. Hand-written: `hono/compress` has no brotli, no size threshold without a Content-Length,
 * and compresses ETag responses, weakening their tag to W/ (which If-Match's strong comparison never matches).
 *
 * @example app.use("*", compression())
 */
export function compression(): MiddlewareHandler<AppEnv> {
  // Without Accept-Encoding (most API clients) no async frame is added to the request.
  return function compression(c, next) {
    if (!requestHeader(c, "accept-encoding")) return next();
    return next().then(() => compress(c));
  };
}

async function compress(c: Context<AppEnv>): Promise<void> {
  const accept = requestHeader(c, "accept-encoding") ?? "";
  if (c.req.method === "HEAD") return;
  const res = c.res;
  const type = res.headers.get("content-type") ?? "";
  if (!/json|text|javascript/.test(type) || res.headers.has("content-encoding") || res.headers.has("etag"))
    return;
  const { coding: encoding, required } = chooseCoding(accept);
  if (!encoding || !res.body) return;
  const body = Buffer.from(await res.arrayBuffer());
  const headers = new Headers(res.headers);
  headers.append("Vary", "Accept-Encoding");
  if (body.length < COMPRESSION_THRESHOLD_BYTES && !required) {
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
}
