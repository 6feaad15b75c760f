/**
 * The answers Hono never sees: requests Node's HTTP parser rejects (`clientError`: malformed, headers too
 * large, a request that took too long), requests the adapter cannot turn into a URL, and HTTP/1.1 requests
 * without `Host`. Each still gets a problem+json body, the security headers and an `X-Request-Id` (always
 * generated: the request's own headers were not parsed, or not trusted), wherever the socket still allows an
 * answer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { requestIdFrom, SECURITY_HEADERS } from "../middleware/request-context.js";
import type { Logger } from "../observability/logger.js";
import { makeProblem, type Problem } from "./problem.js";

type Status = 400 | 408 | 413 | 431 | 500;

const REASONS: Record<Status, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
};

/** Node's parser error code → the status and the detail we answer with. */
function classify(code: string | undefined): { status: Status; detail: string } {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return { status: 431, detail: "The request's headers are too large." };
    case "ERR_HTTP_REQUEST_TIMEOUT":
    case "ERR_HTTP_HEADERS_TIMEOUT":
      return { status: 408, detail: "The request was not received in time." };
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return { status: 413, detail: "The request's chunk extensions are too large." };
    default:
      return { status: 400, detail: "The request is not valid HTTP/1.1." };
  }
}

function problemBody(status: Status, detail: string, requestId: string): string {
  // 431 is not among the statuses the app itself answers (problem.ts); same shape, its own type.
  const problem: Problem =
    status === 431
      ? {
          type: "urn:twincloud:problem:request-header-fields-too-large",
          title: REASONS[431],
          status,
          detail,
        }
      : makeProblem(status, { detail });
  if (status === 408) problem.title = REASONS[408];
  return JSON.stringify({ ...problem, requestId });
}

function headerPairs(requestId: string, length: number): [string, string][] {
  return [
    ...SECURITY_HEADERS.map(([name, value]) => [name, value] as [string, string]),
    ["Content-Type", "application/problem+json"],
    ["Cache-Control", "no-store"],
    ["X-Request-Id", requestId],
    ["Content-Length", String(length)],
    ["Connection", "close"],
  ];
}

/**
 * `server.on("clientError", …)`: Node's own answer is an empty 400/408/431; this one carries a problem body
 * and a request id. A reset connection, or one already answering a response, is only closed.
 */
export function clientErrorHandler(
  logger: Logger,
): (error: Error & { code?: string }, socket: Duplex) => void {
  return (error, socket) => {
    const inProgress = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || inProgress?.headersSent) {
      socket.destroy();
      return;
    }
    const { status, detail } = classify(error.code);
    const requestId = requestIdFrom(undefined);
    const body = problemBody(status, detail, requestId);
    const head = headerPairs(requestId, Buffer.byteLength(body))
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    socket.end(`HTTP/1.1 ${status} ${REASONS[status]}\r\n${head}\r\n${body}`);
    logger.info({ requestId, status, code: error.code }, "client error");
  };
}

/** For @hono/node-server's `errorHandler`: a request it could not build (bad Host, bad URL) → 400 problem. */
export function adapterErrorResponse(error: unknown): Response {
  const isRequestError = error instanceof Error && error.name === "RequestError";
  const status: Status = isRequestError ? 400 : 500;
  const requestId = requestIdFrom(undefined);
  const body = problemBody(
    status,
    isRequestError ? "The request's Host or target is not valid." : "An unexpected error occurred.",
    requestId,
  );
  return new Response(body, { status, headers: headerPairs(requestId, Buffer.byteLength(body)) });
}

/**
 * HTTP/1.1 requires `Host` (RFC 9112 §3.2): answered 400 here, with a body, instead of by Node (empty). An
 * HTTP/1.0 request may omit it (a readiness probe often does) and is served. True when it answered.
 */
export function rejectMissingHost(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.headers.host !== undefined || req.httpVersion !== "1.1") return false;
  const requestId = requestIdFrom(undefined);
  const body = problemBody(400, "HTTP/1.1 requests must carry a Host header.", requestId);
  res.writeHead(400, headerPairs(requestId, Buffer.byteLength(body)).flat());
  res.end(body);
  return true;
}
