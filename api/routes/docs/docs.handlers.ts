import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, gzip as gzipCallback, constants as zlibConstants } from "node:zlib";
import type { Context, Handler } from "hono";
import { type Coding, chooseCoding } from "../../http/negotiation.js";
import { type AppEnv, requestHeader } from "../../http/node.js";
import { OPENAPI_PATH } from "../../http/openapi.js";

const require = createRequire(import.meta.url);
/** swagger-ui-dist, pinned in package.json: its files are served from here, never from a CDN. */
const DIST_DIR = dirname(require.resolve("swagger-ui-dist/package.json"));
const DIST_VERSION = (require("swagger-ui-dist/package.json") as { version: string }).version;

/**
 * Swagger UI's start-up, as a file of our own: the page runs no inline script, so its CSP is `script-src 'self'`.
 * No validator badge (it would call validator.swagger.io), no top bar (no standalone preset).
 */
const INIT_JS = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "${OPENAPI_PATH}",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
`;

const JS = "text/javascript; charset=utf-8";
/** What is served under /docs/assets/<build>/: our initializer and three files of the package. */
const ASSETS: Record<string, { type: string; source: string | { file: string } }> = {
  "init.js": { type: JS, source: INIT_JS },
  "swagger-ui-bundle.js": { type: JS, source: { file: "swagger-ui-bundle.js" } },
  "swagger-ui.css": { type: "text/css; charset=utf-8", source: { file: "swagger-ui.css" } },
  "favicon-32x32.png": { type: "image/png", source: { file: "favicon-32x32.png" } },
};

/** Changes whenever an asset can: a new swagger-ui-dist or a new initializer. URLs under it never change content. */
const DOCS_BUILD = createHash("sha256").update(DIST_VERSION).update(INIT_JS).digest("hex").slice(0, 12);
const ASSET_BASE = `/docs/assets/${DOCS_BUILD}`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>twincloud API</title>
<link rel="stylesheet" href="${ASSET_BASE}/swagger-ui.css">
<link rel="icon" type="image/png" href="${ASSET_BASE}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${ASSET_BASE}/swagger-ui-bundle.js"></script>
<script src="${ASSET_BASE}/init.js"></script>
</body>
</html>
`;

/** The page may change with a release: revalidate it. Its assets never change under their URL. */
const PAGE_CACHE = "no-cache";
const ASSET_CACHE = "public, max-age=31536000, immutable";
const COMPRESSIBLE = /javascript|css/;
const gzip = promisify(gzipCallback);
const brotli = promisify(brotliCompress);

/**
 * `/docs` (the page) and `/docs/assets/<build>/<file>` (Swagger UI from swagger-ui-dist, with long cache
 * headers). Files are read on first use and kept in memory with their br and gzip forms, each compressed once:
 * the bundle is 1.7 MB, and compressing it per request would cost ~70 ms of CPU on an unauthenticated path.
 */
export function createDocsHandlers() {
  const cache = new Map<string, Promise<Uint8Array>>();
  const body = (name: string, coding: Coding | "identity"): Promise<Uint8Array> => {
    const key = `${name}:${coding}`;
    let pending = cache.get(key);
    if (!pending) {
      const asset = ASSETS[name]!;
      pending =
        coding === "identity"
          ? typeof asset.source === "string"
            ? Promise.resolve(Buffer.from(asset.source))
            : readFile(join(DIST_DIR, asset.source.file))
          : body(name, "identity").then((raw) =>
              coding === "br"
                ? brotli(raw, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } })
                : gzip(raw, { level: 9 }),
            );
      pending.catch(() => cache.delete(key));
      cache.set(key, pending);
    }
    return pending;
  };

  const page: Handler<AppEnv> = () =>
    new Response(PAGE, {
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": PAGE_CACHE },
    });

  const asset: Handler<AppEnv> = async (c: Context<AppEnv>) => {
    const name = c.req.param("file") ?? "";
    if (c.req.param("build") !== DOCS_BUILD || !Object.hasOwn(ASSETS, name)) return c.notFound();
    const { type } = ASSETS[name]!;
    // The coding the compression middleware would choose (RFC 9110 weights), from the copy compressed once.
    const accept = COMPRESSIBLE.test(type) ? requestHeader(c, "accept-encoding") : undefined;
    const coding = (accept && chooseCoding(accept).coding) || "identity";
    const headers: Record<string, string> = { "content-type": type, "cache-control": ASSET_CACHE };
    if (COMPRESSIBLE.test(type)) headers.vary = "Accept-Encoding";
    if (coding !== "identity") headers["content-encoding"] = coding;
    return new Response(await body(name, coding), { headers });
  };

  return { page, asset };
}
