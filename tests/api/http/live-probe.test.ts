import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLiveProbe } from "../../../api/http/live-probe.js";
import { createLogger } from "../../../api/observability/logger.js";
import { createMetrics } from "../../../api/observability/metrics.js";
import { startTestApi, type TestApi } from "../helpers.js";

/**
 * GET /health/live is answered ahead of Hono (api/http/live-probe.ts createLiveProbe). Probes must not be able to tell:
 * same status, body and headers as the routed handler, same request id rules, counted in the same metric.
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

/** Response headers minus those that differ per request or per transport. */
function comparable(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of res.headers) {
    if (["date", "connection", "keep-alive", "x-request-id"].includes(name)) continue;
    out[name] = value;
  }
  return out;
}

describe("liveness fast path", () => {
  it("answers exactly like the routed handler", async () => {
    for (const headers of [{}, { "Accept-Encoding": "gzip, br" }] as Record<string, string>[]) {
      // undici's fetch always sends Accept-Encoding; a raw request controls it.
      const fast = await rawGet(api.url, "/health/live", headers);
      const routed = await api.server.app.request("/health/live", { headers });
      expect(fast.status).toBe(200);
      expect(fast.status).toBe(routed.status);
      expect(await fast.text()).toBe(await routed.text());
      const routedHeaders = comparable(routed);
      // app.request() has no Node response to size the body: its content-length is added by Node.
      routedHeaders["content-length"] ??= String(JSON.stringify({ status: "ok" }).length);
      expect(comparable(fast)).toEqual(routedHeaders);
    }
  });

  it("keeps a valid incoming X-Request-Id and replaces an invalid one", async () => {
    const kept = await rawGet(api.url, "/health/live", { "X-Request-Id": "probe-123.a:b" });
    expect(kept.headers.get("x-request-id")).toBe("probe-123.a:b");
    const replaced = await rawGet(api.url, "/health/live", { "X-Request-Id": "bad id <script>" });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("counts probes in http_requests_total under the route pattern", async () => {
    const count = async () => {
      const text = await (await fetch(api.server.metricsUrl)).text();
      const line = text
        .split("\n")
        .find((l) => l.startsWith('http_requests_total{method="GET",route="/health/live",status="200"}'));
      return Number(line?.split(" ")[1] ?? 0);
    };
    const before = await count();
    for (let i = 0; i < 3; i++) await rawGet(api.url, "/health/live");
    expect((await count()) - before).toBe(3);
  });

  describe("hands everything else to the app", () => {
    let server: Server;
    let base: string;
    const lifecycle = { shuttingDown: false, startedAt: Date.now() };
    beforeAll(async () => {
      const probe = createLiveProbe({
        metrics: createMetrics(),
        lifecycle,
        logger: createLogger({ LOG_LEVEL: "info", NODE_ENV: "test" } as never),
        corsEnabled: true,
        tracing: false,
      });
      server = createServer((req, res) => {
        if (probe(req, res)) return;
        res.writeHead(299, { "x-fell-through": "1" });
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it("takes only a plain GET of the exact path", async () => {
      expect((await rawGet(base, "/health/live")).status).toBe(200);
      expect((await rawGet(base, "/health/live?verbose=1")).status).toBe(299);
      expect((await rawGet(base, "/health/live/")).status).toBe(299);
      expect((await rawGet(base, "/health/ready")).status).toBe(299);
      expect((await rawGet(base, "/health/live", {}, "HEAD")).status).toBe(299);
      // CORS is on: a browser's request needs the CORS middleware's headers.
      expect((await rawGet(base, "/health/live", { Origin: "https://app.example.com" })).status).toBe(299);
    });

    it("asks clients to close the connection once shutdown has begun", async () => {
      lifecycle.shuttingDown = true;
      try {
        const res = await rawGet(base, "/health/live");
        expect(res.status).toBe(200);
        expect(res.headers.get("connection")).toBe("close");
      } finally {
        lifecycle.shuttingDown = false;
      }
    });
  });
});

/** A request with exactly these headers (fetch would add Accept-Encoding and others). */
async function rawGet(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<Response> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const out = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(", ") : value);
        }
        const body = method === "HEAD" ? null : Buffer.concat(chunks);
        resolve(new Response(body, { status: res.statusCode!, headers: out }));
      });
    });
    req.on("error", reject);
    req.end();
  });
}
