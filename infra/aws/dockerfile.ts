/**
 * What the task definition must agree on with the root Dockerfile (another engineer owns it): the runtime
 * user and the health-check command. Read from the Dockerfile when present, with safe defaults otherwise.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** Well-known non-root users of the Node base images. */
const KNOWN_USERS: Record<string, string> = { node: "1000:1000", nonroot: "65532:65532" };
export const DEFAULT_CONTAINER_USER = "1000:1000";
/** The API's exec-form health-check script (api/healthcheck.ts, compiled by tsconfig.build.json). */
const HEALTHCHECK_SCRIPT = "dist/api/healthcheck.js";

export interface DockerfileFacts {
  /** Numeric uid:gid of the final stage (never root). */
  user: string;
  /** Exec-form health-check command (without the leading "CMD"). */
  healthCheck: string[];
}

/** The instructions of the final stage (after the last FROM), continuation lines joined. */
function finalStage(text: string): string[] {
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((l) => l.trim());
  const lastFrom = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  return lines.slice(Math.max(lastFrom, 0)).filter((l) => l && !l.startsWith("#"));
}

export function parseDockerfile(text: string | undefined): DockerfileFacts {
  const stage = text ? finalStage(text) : [];
  const from = stage.find((l) => /^FROM\s/i.test(l)) ?? "";
  const distroless = /distroless/i.test(from);

  let user = distroless ? (KNOWN_USERS.nonroot ?? DEFAULT_CONTAINER_USER) : DEFAULT_CONTAINER_USER;
  if (/:nonroot\b|-nonroot\b/.test(from)) user = KNOWN_USERS.nonroot ?? user;
  const userLine = [...stage].reverse().find((l) => /^USER\s/i.test(l));
  if (userLine) {
    const value = userLine.replace(/^USER\s+/i, "").trim();
    const [name = "", group] = value.split(":");
    if (/^\d+$/.test(name) && name !== "0") user = `${name}:${group && /^\d+$/.test(group) ? group : name}`;
    else if (KNOWN_USERS[name]) user = KNOWN_USERS[name];
  }

  let healthCheck: string[] | undefined;
  const healthLine = [...stage].reverse().find((l) => /^HEALTHCHECK\s/i.test(l));
  const exec = healthLine?.match(/\sCMD\s+(\[.*\])\s*$/i)?.[1];
  if (exec) {
    try {
      const parsed: unknown = JSON.parse(exec);
      if (Array.isArray(parsed) && parsed.every((p) => typeof p === "string")) healthCheck = parsed;
    } catch {
      // not exec form: fall through to the default
    }
  }
  // Distroless images have no shell and no `node` on PATH: call the binary by its path.
  healthCheck ??= [distroless ? "/nodejs/bin/node" : "node", HEALTHCHECK_SCRIPT];
  return { user, healthCheck };
}

export function readDockerfile(context: string, dockerfile: string): DockerfileFacts {
  const path = join(resolve(context), dockerfile);
  return parseDockerfile(existsSync(path) ? readFileSync(path, "utf8") : undefined);
}
