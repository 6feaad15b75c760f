import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, expectProblem, startTestApi, type TestApi } from "./helpers.js";

/** Item 6 of issue 13: Accept, Accept-Encoding, Content-Encoding, UTF-8 bodies and slow bodies, end to end. */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ env: { RATE_LIMIT_PER_MINUTE: "1000000", REQUEST_TIMEOUT_MS: "1500" } });
  await Promise.all(
    Array.from({ length: 25 }, (_, i) =>
      createTask(api, { title: `bulk ${i}`, description: "z".repeat(200) }),
    ),
  );
});
afterAll(async () => {
  await api?.close();
});

const countTitle = async (title: string) =>
  ((await api.sql`select count(*)::int as n from tasks where title = ${title}`)[0] as { n: number }).n;

describe("Accept", () => {
  it("406 problem+json when Accept excludes JSON and problem+json, on every /v1 operation", async () => {
    const { body } = await createTask(api, { title: "negotiated" });
    for (const accept of [
      "text/html",
      "application/xml",
      "application/json;q=0, application/problem+json;q=0",
    ]) {
      for (const [method, path] of [
        ["GET", "/v1/tasks"],
        ["GET", `/v1/tasks/${body.id}`],
        ["POST", "/v1/tasks"],
        ["PATCH", `/v1/tasks/${body.id}`],
        ["DELETE", `/v1/tasks/${body.id}`],
      ] as const) {
        const withBody = method === "POST" || method === "PATCH";
        const res = await api.fetch(path, {
          method,
          headers: { accept, "if-match": "*" },
          ...(withBody ? { json: { title: "never stored" } } : {}),
        });
        const problem = await expectProblem(res, 406);
        expect(problem.type).toBe("urn:twincloud:problem:not-acceptable");
      }
    }
    expect(await countTitle("never stored")).toBe(0);
    expect((await api.fetch(`/v1/tasks/${body.id}`)).status).toBe(200);
  });

  it("wildcards, q-values and no Accept at all get JSON", async () => {
    for (const accept of [
      "*/*",
      "application/*",
      "application/json",
      "application/json; charset=utf-8",
      "text/html, application/json;q=0.1",
      "text/html, */*;q=0.1",
    ]) {
      const res = await api.fetch("/v1/tasks?limit=1", { headers: { accept } });
      expect(res.status, accept).toBe(200);
      expect(res.headers.get("content-type")).toContain("application/json");
    }
    const bare = await fetch(`${api.url}/v1/tasks?limit=1`, {
      headers: { authorization: `Bearer ${api.keys.rw}`, accept: "" },
    });
    expect(bare.status).toBe(200);
  });

  it("health, the OpenAPI document and the docs keep answering whatever Accept says", async () => {
    for (const path of ["/health/live", "/health/ready", "/health", "/openapi.json"]) {
      expect((await api.fetch(path, { key: null, headers: { accept: "text/html" } })).status, path).toBe(200);
    }
  });
});

describe("Accept-Encoding", () => {
  const list = (acceptEncoding: string) =>
    api.fetch("/v1/tasks?limit=50", { headers: { "accept-encoding": acceptEncoding } });

  it("q=0 is honoured: gzip;q=0 gets no gzip, the higher weight wins, br on a tie", async () => {
    const cases: [string, string | null][] = [
      ["gzip", "gzip"],
      ["gzip;q=0", null],
      ["gzip;q=0, br", "br"],
      ["br;q=0, gzip", "gzip"],
      ["br;q=0.2, gzip;q=0.8", "gzip"],
      ["gzip, br", "br"],
      ["*", "br"],
      ["*;q=0.5, br;q=0", "gzip"],
      ["deflate", null],
    ];
    for (const [acceptEncoding, expected] of cases) {
      const res = await list(acceptEncoding);
      expect({ acceptEncoding, coding: res.headers.get("content-encoding") }).toEqual({
        acceptEncoding,
        coding: expected,
      });
      expect(((await res.json()) as { data: unknown[] }).data.length).toBeGreaterThan(20);
    }
  });

  it("identity;q=0: a small response is compressed too when a coding is acceptable, else sent as is", async () => {
    const small = await api.fetch("/v1/tasks?limit=1", {
      headers: { "accept-encoding": "gzip, identity;q=0" },
    });
    expect(small.headers.get("content-encoding")).toBe("gzip");
    expect(((await small.json()) as { data: unknown[] }).data).toHaveLength(1);
    const none = await api.fetch("/v1/tasks?limit=1", { headers: { "accept-encoding": "identity;q=0" } });
    expect(none.status).toBe(200);
    expect(none.headers.get("content-encoding")).toBeNull();
  });
});

describe("request bodies", () => {
  it("415 with Accept-Encoding: identity for a Content-Encoding the API does not decode", async () => {
    const { body: task } = await createTask(api, { title: "encoded" });
    for (const [method, path] of [
      ["POST", "/v1/tasks"],
      ["PATCH", `/v1/tasks/${task.id}`],
    ] as const) {
      for (const coding of ["gzip", "br", "deflate", "identity, gzip"]) {
        const res = await api.fetch(path, {
          method,
          headers: { "content-type": "application/json", "content-encoding": coding, "if-match": "*" },
          body: gzipSync(JSON.stringify({ title: "compressed body" })),
        });
        const problem = await expectProblem(res, 415);
        expect(problem.type).toBe("urn:twincloud:problem:unsupported-content-encoding");
        expect(res.headers.get("accept-encoding")).toBe("identity");
      }
    }
    expect(await countTitle("compressed body")).toBe(0);
    const identity = await api.fetch("/v1/tasks", {
      method: "POST",
      headers: { "content-encoding": "identity" },
      json: { title: "identity body" },
    });
    expect(identity.status).toBe(201);
  });

  it("400 for invalid UTF-8 and for escaped lone surrogates, instead of storing U+FFFD", async () => {
    const bad: (string | Uint8Array)[] = [
      Buffer.concat([Buffer.from('{"title":"bad '), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
      Buffer.concat([Buffer.from('{"title":"cesu '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
      Buffer.concat([Buffer.from('{"title":"cut '), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]),
      '{"title":"lone \\ud800"}',
      '{"title":"lone low \\udc00 x"}',
      '{"title":"reversed \\ude00\\ud83d"}',
      '{"title":"in a description","description":"\\uD83D"}',
      '{"title":"in a name","\\udfff":1}',
      // Nested deeper than a recursive walk could go (still below the 64 KiB body limit).
      `{"title":"deep","description":${"[".repeat(30_000)}"\\ud800"${"]".repeat(30_000)}}`,
    ];
    for (const body of bad) {
      const res = await api.fetch("/v1/tasks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      const problem = await expectProblem(res, 400);
      expect(problem.type).toBe("urn:twincloud:problem:malformed-body");
    }
    const [row] =
      await api.sql`select count(*)::int as n from tasks where title like '%' || chr(65533) || '%'`;
    expect(row!.n).toBe(0);
    // A well-formed pair, escaped or not, is text.
    for (const body of ['{"title":"pair \\ud83d\\ude00"}', '{"title":"raw 😀"}']) {
      const res = await api.fetch("/v1/tasks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { title: string }).title).toMatch(/^(pair|raw) 😀$/);
    }
  });
});

/** A raw HTTP/1.1 exchange: `head` and the first part of the body, then silence; resolves with what came back. */
function slowRequest(
  head: string,
  firstPart: string,
): Promise<{ response: string; closed: boolean; ms: number }> {
  return new Promise((resolve, reject) => {
    const url = new URL(api.url);
    const socket = connect(Number(url.port), url.hostname);
    const start = performance.now();
    let response = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ response, closed: false, ms: performance.now() - start });
    }, 6_000);
    socket.on("data", (chunk) => {
      response += chunk.toString("utf8");
    });
    socket.on("end", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ response, closed: true, ms: performance.now() - start });
    });
    socket.on("error", reject);
    socket.write(head + firstPart);
  });
}

describe("slow request bodies", () => {
  const headers = (extra: string) =>
    `POST /v1/tasks HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${api.keys.rw}\r\n` +
    `Content-Type: application/json\r\n${extra}\r\n`;

  it("a body that does not arrive within the deadline is a 408 (Connection: close), not a 503", async () => {
    for (const [extra, part] of [
      ["Content-Length: 40\r\n", '{"title":"slow'],
      ["Transfer-Encoding: chunked\r\n", '8\r\n{"title"\r\n'],
    ] as const) {
      const { response, closed, ms } = await slowRequest(headers(extra), part);
      expect(response.split("\r\n")[0], extra).toBe("HTTP/1.1 408 Request Timeout");
      expect(response.toLowerCase()).toContain("connection: close");
      expect(response).toContain("application/problem+json");
      expect(response).toContain("urn:twincloud:problem:body-timeout");
      expect(closed).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(1_400);
      expect(ms).toBeLessThan(5_000);
    }
    const metrics = await (await fetch(api.server.metricsUrl)).text();
    expect(metrics).toContain('http_requests_total{method="POST",route="/v1/tasks",status="408"} 2');
    expect(metrics).not.toMatch(/http_requests_total\{method="POST",route="\/v1\/tasks",status="5\d\d"\}/);
  });
});
