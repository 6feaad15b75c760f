import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi, UUID_RE } from "../helpers.js";

/** What Node's parser and the adapter answer on their own, over raw sockets: each must be traceable. */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

/** Sends `raw` and reads until the server closes (or `ms` passes). */
function exchange(raw: string | Buffer, ms = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(api.server.port, "127.0.0.1");
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, ms);
    socket.on("data", (d) => {
      text += d.toString("latin1");
    });
    socket.on("end", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    });
    socket.on("error", (e) => {
      clearTimeout(timer);
      if (text) resolve(text);
      else reject(e);
    });
    socket.write(raw);
  });
}

function parse(text: string) {
  const [head = "", ...rest] = text.split("\r\n\r\n");
  const [statusLine = "", ...lines] = head.split("\r\n");
  const headers = new Map(
    lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
  );
  return { status: Number(statusLine.split(" ")[1]), statusLine, headers, body: rest.join("\r\n\r\n") };
}

function expectTraceableProblem(text: string, status: number) {
  const res = parse(text);
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(res.headers.get("x-request-id")).toMatch(UUID_RE);
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  const body = JSON.parse(res.body.replace(/^[0-9a-f]+\r\n/, "").replace(/\r\n0\r\n\r\n$/, "")) as {
    status: number;
    type: string;
    requestId: string;
  };
  expect(body.status).toBe(status);
  expect(body.type).toMatch(/^urn:twincloud:problem:/);
  expect(body.requestId).toBe(res.headers.get("x-request-id"));
  return res;
}

describe("answers produced below Hono", () => {
  it("a malformed request line is a 400 problem with a request id", async () => {
    expectTraceableProblem(await exchange("GET /v1/tasks HTTP/1.1 garbage\r\n\r\n"), 400);
    expectTraceableProblem(await exchange("NOT A REQUEST\r\n\r\n"), 400);
  });

  it("a malformed header or body framing is a 400 problem", async () => {
    expectTraceableProblem(await exchange("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"), 400);
    expectTraceableProblem(
      await exchange(
        "POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
      ),
      400,
    );
  });

  it("oversized headers are a 431 problem", async () => {
    const huge = `GET /v1/tasks HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`;
    const res = expectTraceableProblem(await exchange(huge), 431);
    expect(res.headers.get("connection")).toBe("close");
  });

  it("HTTP/1.1 without Host is a 400 problem; HTTP/1.0 without Host is served", async () => {
    expectTraceableProblem(await exchange("GET /health/ready HTTP/1.1\r\n\r\n"), 400);
    const ready = parse(await exchange("GET /health/ready HTTP/1.0\r\n\r\n"));
    expect(ready.status).toBe(200);
    expect(ready.headers.get("x-request-id")).toMatch(UUID_RE);
    expect(JSON.parse(ready.body)).toEqual({ status: "ready" });
    const live = parse(await exchange("GET /health/live HTTP/1.0\r\n\r\n"));
    expect(live.status).toBe(200);
    expect(JSON.parse(live.body)).toEqual({ status: "ok" });
  });

  it("a Host the adapter cannot turn into a URL is a 400 problem", async () => {
    expectTraceableProblem(await exchange("GET /v1/tasks HTTP/1.1\r\nHost: exa mple.com:99999\r\n\r\n"), 400);
  });
});
