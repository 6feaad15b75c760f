import { describe, expect, it } from "vitest";
import { HEALTH_PATHS } from "../../../api/config.js";
import { runSmoke, SmokeError } from "../../../tools/smoke/smoke.js";

const KEY = "tc_smoke-test-key-0123456789abcdefghijklmnop";

/** An in-memory stand-in for the API's contract (no network): the routes the smoke test touches. */
function fakeApi(options: { anonymousAllowed?: boolean; readyAfter?: number; keyActiveAfter?: number } = {}) {
  const tasks = new Map<string, { id: string; title: string; version: number }>();
  let readyCalls = 0;
  let keyedCalls = 0;
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });
  const handler = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const method = init.method ?? "GET";
    const headers = new Headers(init.headers);
    if (url.pathname === HEALTH_PATHS.live) return json(200, { status: "ok" });
    if (url.pathname === HEALTH_PATHS.ready) {
      readyCalls++;
      return readyCalls > (options.readyAfter ?? 0) ? json(200, { status: "ok" }) : json(503, {});
    }
    if (!url.pathname.startsWith("/v1/tasks")) return json(404, {});
    if (!options.anonymousAllowed && headers.get("authorization") !== `Bearer ${KEY}`) return json(401, {});
    if (headers.get("authorization") && ++keyedCalls <= (options.keyActiveAfter ?? 0)) return json(401, {});
    const id = url.pathname.split("/")[3];
    if (!id && method === "GET") return json(200, { items: [...tasks.values()] });
    if (!id && method === "POST") {
      const body = JSON.parse(String(init.body)) as { title: string };
      const task = { id: `t${tasks.size + 1}`, title: body.title, version: 1 };
      tasks.set(task.id, task);
      return json(201, task, { etag: `"${task.version}"` });
    }
    const task = id ? tasks.get(id) : undefined;
    if (!task) return json(404, {});
    if (method === "GET") return json(200, task, { etag: `"${task.version}"` });
    if (method === "DELETE") {
      if (!headers.get("if-match")) return json(428, {});
      tasks.delete(task.id);
      return new Response(null, { status: 204 });
    }
    return json(405, {});
  };
  return handler as typeof fetch;
}

describe("smoke test script", () => {
  it("waits for a new bootstrap key to become active (401s while the new revision starts), then passes", async () => {
    const checks = await runSmoke({
      url: "https://api.example.test",
      apiKey: KEY,
      fetch: fakeApi({ keyActiveAfter: 3 }),
      retryDelayMs: 1,
    });
    expect(checks.find((c) => c.name === "key accepted")).toMatchObject({ ok: true });
    await expect(
      runSmoke({
        url: "https://api.example.test",
        apiKey: KEY,
        fetch: fakeApi({ keyActiveAfter: 100 }),
        retryDelayMs: 1,
        readinessAttempts: 5,
      }),
    ).rejects.toThrow(SmokeError);
  });

  it("passes against an API that honours the contract, retrying readiness", async () => {
    const lines: string[] = [];
    const checks = await runSmoke({
      url: "https://api.example.test",
      apiKey: KEY,
      fetch: fakeApi({ readyAfter: 2 }),
      retryDelayMs: 1,
      log: (l) => lines.push(l),
    });
    expect(checks.map((c) => c.name)).toEqual([
      "liveness",
      "readiness",
      "auth required",
      "key accepted",
      "create",
      "get",
      "delete",
      "gone",
    ]);
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(lines).toHaveLength(8);
  });

  it("fails, naming the check, when anonymous requests are accepted", async () => {
    await expect(
      runSmoke({ url: "https://api.example.test", apiKey: KEY, fetch: fakeApi({ anonymousAllowed: true }) }),
    ).rejects.toThrow(/smoke test failed at "auth required"/);
  });

  it("fails on readiness after the bounded retries", async () => {
    const error = await runSmoke({
      url: "https://api.example.test",
      apiKey: KEY,
      fetch: fakeApi({ readyAfter: 100 }),
      readinessAttempts: 3,
      retryDelayMs: 1,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmokeError);
    expect((error as SmokeError).checks.at(-1)).toMatchObject({ name: "readiness", ok: false });
  });

  it("fails on a wrong API key once the bounded retries are spent", async () => {
    await expect(
      runSmoke({
        url: "https://api.example.test",
        apiKey: "tc_wrong-key-000000000000000000",
        fetch: fakeApi(),
        readinessAttempts: 3,
        retryDelayMs: 1,
      }),
    ).rejects.toThrow(/"key accepted"/);
  });
});
