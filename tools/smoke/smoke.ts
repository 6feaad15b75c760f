/**
 * Post-deploy smoke test: `npx tsx tools/smoke/smoke.ts --url https://api.example.com [--tasks-path /v1/tasks]`
 * with the API key in `SMOKE_API_KEY`: in the pipeline, the stack's secret output `bootstrapApiKey` (masked, never printed), or an optional override secret of the same name.
 *
 * Checks, in order: liveness, readiness (database reachable), an unauthenticated request is refused, then an
 * authenticated create → get → delete → get-is-404 round trip. Exits non-zero naming the failed check.
 * Each request has a timeout and the readiness check retries for a while (a fresh revision may still be
 * warming up); the whole run is bounded.
 */
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { HEALTH_PATHS } from "../../api/config.js";

export interface SmokeOptions {
  url: string;
  apiKey: string;
  tasksPath?: string;
  /** Readiness retries (one per `retryDelayMs`) before giving up. */
  readinessAttempts?: number;
  retryDelayMs?: number;
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

export interface SmokeCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export class SmokeError extends Error {
  constructor(readonly checks: SmokeCheck[]) {
    const failed = checks.find((c) => !c.ok);
    super(`smoke test failed at "${failed?.name}": ${failed?.detail}`);
    this.name = "SmokeError";
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSmoke(options: SmokeOptions): Promise<SmokeCheck[]> {
  const doFetch = options.fetch ?? fetch;
  const log = options.log ?? (() => {});
  const base = new URL(options.url);
  const tasksPath = options.tasksPath ?? "/v1/tasks";
  const timeout = options.requestTimeoutMs ?? 10_000;
  const checks: SmokeCheck[] = [];
  const auth = { authorization: `Bearer ${options.apiKey}` };

  const request = async (path: string, init: RequestInit = {}) => {
    const response = await doFetch(new URL(path, base), { ...init, signal: AbortSignal.timeout(timeout) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body, etag: response.headers.get("etag") };
  };
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    log(`${ok ? "ok  " : "FAIL"} ${name}: ${detail}`);
    if (!ok) throw new SmokeError(checks);
  };

  const live = await request(HEALTH_PATHS.live);
  check("liveness", live.status === 200, `GET ${HEALTH_PATHS.live} → ${live.status}`);

  const attempts = options.readinessAttempts ?? 30;
  let ready: { status: number } = { status: 0 };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    ready = await request(HEALTH_PATHS.ready).catch(() => ({ status: 0 }));
    if (ready.status === 200) break;
    if (attempt < attempts) await sleep(options.retryDelayMs ?? 5_000);
  }
  check("readiness", ready.status === 200, `GET ${HEALTH_PATHS.ready} → ${ready.status}`);

  const anonymous = await request(tasksPath);
  check("auth required", anonymous.status === 401, `GET ${tasksPath} without a key → ${anonymous.status}`);

  // A freshly generated or rotated bootstrap key becomes active when the first replica of the new revision
  // starts (Container Apps may answer from the old one for a while): retry 401 like readiness, nothing else.
  let authorized = { status: 0 };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    authorized = await request(tasksPath, { headers: auth }).catch(() => ({ status: 0 }));
    if (authorized.status !== 401 && authorized.status !== 0) break;
    if (attempt < attempts) await sleep(options.retryDelayMs ?? 5_000);
  }
  check("key accepted", authorized.status === 200, `GET ${tasksPath} with the key → ${authorized.status}`);

  const title = `smoke ${new Date().toISOString()}`;
  const created = await request(tasksPath, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json", "idempotency-key": randomUUID() },
    body: JSON.stringify({ title }),
  });
  const id = (created.body as { id?: unknown } | undefined)?.id;
  check(
    "create",
    created.status === 201 && typeof id === "string",
    `POST ${tasksPath} → ${created.status}${typeof id === "string" ? ` id ${id}` : ""}`,
  );
  const taskPath = `${tasksPath}/${encodeURIComponent(id as string)}`;

  const fetched = await request(taskPath, { headers: auth });
  check(
    "get",
    fetched.status === 200 && (fetched.body as { title?: unknown } | undefined)?.title === title,
    `GET ${taskPath} → ${fetched.status}`,
  );

  // Deletes are conditional (If-Match required): send the ETag the GET returned.
  const deleted = await request(taskPath, {
    method: "DELETE",
    headers: { ...auth, "if-match": fetched.etag ?? "*" },
  });
  check("delete", deleted.status === 204 || deleted.status === 200, `DELETE ${taskPath} → ${deleted.status}`);

  const gone = await request(taskPath, { headers: auth });
  check("gone", gone.status === 404, `GET ${taskPath} after delete → ${gone.status}`);
  return checks;
}

async function main(argv: string[]): Promise<number> {
  let values: { url?: string; "tasks-path"?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { url: { type: "string" }, "tasks-path": { type: "string" }, help: { type: "boolean" } },
      strict: true,
    }));
  } catch (error) {
    console.error(`smoke: ${(error as Error).message}`);
    return 2;
  }
  if (values.help) {
    console.log(
      "usage: tsx tools/smoke/smoke.ts --url <base url> [--tasks-path /v1/tasks]  (env SMOKE_API_KEY)",
    );
    return 0;
  }
  if (!values.url || !/^https?:\/\//.test(values.url)) {
    console.error("smoke: --url is required and must be an http(s) URL, e.g. --url https://api.example.com");
    return 2;
  }
  const apiKey = process.env.SMOKE_API_KEY;
  if (!apiKey) {
    console.error("smoke: SMOKE_API_KEY must be set (an API key with read and write scopes)");
    return 2;
  }
  try {
    await runSmoke({
      url: values.url,
      apiKey,
      ...(values["tasks-path"] ? { tasksPath: values["tasks-path"] } : {}),
      log: (line) => console.log(line),
    });
    console.log("smoke: all checks passed");
    return 0;
  } catch (error) {
    console.error(`smoke: ${(error as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
