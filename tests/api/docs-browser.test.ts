/**
 * /docs in a real browser: headless Chromium (Debian's `chromium`, which .ci/run installs; without it this test
 * fails, it never skips) loads the page from a running API on 127.0.0.1 and renders Swagger UI from the API's
 * own assets, under the page's CSP, with no request leaving the machine: the rendered DOM lists every task
 * operation of the document, and the browser reports no CSP violation and no failed load.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "./helpers.js";

const CHROMIUM = ["chromium", "chromium-browser", "google-chrome"].find(
  (bin) => spawnSync(bin, ["--version"], { stdio: "ignore" }).status === 0,
);

let api: TestApi;
let profile: string;
beforeAll(async () => {
  api = await startTestApi();
  profile = mkdtempSync(join(tmpdir(), "twincloud-chromium-"));
});
afterAll(async () => {
  await api?.close();
  rmSync(profile, { recursive: true, force: true });
});

/** Runs headless Chromium on `url` with extra flags; resolves with its stdout and stderr. */
function chromium(url: string, flags: string[]): Promise<{ stdout: string; stderr: string }> {
  if (!CHROMIUM) {
    throw new Error(
      "chromium not found on PATH: apt-get install -y chromium (.ci/run does); this test never skips",
    );
  }
  const args = [
    "--headless",
    "--no-sandbox", // CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    `--user-data-dir=${profile}`,
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=20000",
    ...flags,
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`chromium exited ${code}:\n${stderr.slice(-4000)}`));
    });
  });
}

describe("/docs in headless Chromium", () => {
  it("renders Swagger UI from the API's own assets and lists every task operation", async () => {
    const doc = (await (await api.fetch("/openapi.json", { key: null })).json()) as {
      paths: Record<string, Record<string, { operationId: string; summary: string }>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ path, method, ...operation })),
    );
    expect(operations).toHaveLength(5);

    const { stdout: dom, stderr } = await chromium(`${api.url}/docs`, ["--dump-dom"]);
    // Swagger UI renders one block per operation, with its method, path and summary.
    for (const { method, path, summary, operationId } of operations) {
      expect(dom, `${operationId} not rendered`).toContain(`id="operations-tasks-${operationId}"`);
      expect(dom).toContain(`data-path="${path}"`);
      expect(dom).toContain(summary.replaceAll("&", "&amp;"));
      expect(dom.toLowerCase()).toContain(`opblock-${method}`);
    }
    expect(dom).toContain("twincloud task API");
    // Nothing refused by the CSP, nothing that failed to load (a CDN URL would fail here: no network).
    expect(stderr).not.toMatch(/Content Security Policy|Refused to|net::ERR_|Failed to load/i);
  }, 120_000);

  it("serves the assets pinned, with long cache headers and their content types", async () => {
    const page = await api.fetch("/docs", { key: null });
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self';/);
    expect(page.headers.get("content-security-policy")).not.toMatch(/unsafe-inline|https:/);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls).toHaveLength(4);
    for (const url of urls) {
      expect(url).toMatch(/^\/docs\/assets\/[0-9a-f]{12}\//);
      const res = await api.fetch(url, { key: null, headers: { "accept-encoding": "br" } });
      expect(res.status, url).toBe(200);
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      const type = res.headers.get("content-type");
      if (url.endsWith(".js")) expect(type).toBe("text/javascript; charset=utf-8");
      if (url.endsWith(".css")) expect(type).toBe("text/css; charset=utf-8");
      if (url.endsWith(".png")) expect(type).toBe("image/png");
      if (!url.endsWith(".png")) expect(res.headers.get("content-encoding")).toBe("br");
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const stale = await api.fetch("/docs/assets/000000000000/swagger-ui-bundle.js", { key: null });
    expect(stale.status).toBe(404);
    const unknown = await api.fetch(urls[0]!.replace(/[^/]+$/, "package.json"), { key: null });
    expect(unknown.status).toBe(404);
  });
});
