/**
 * What the task definition must agree on with the root Dockerfile (another engineer owns it): the runtime
 * user and the health-check command. Read from the Dockerfile's final stage when present (the one parser,
 * ../dockerfile.ts), with safe defaults otherwise.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { finalStage, healthcheckCommand, lastOf, parseDockerfile } from "../dockerfile.js";

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

/** The facts of a Dockerfile's text (undefined: no Dockerfile, the defaults). Throws when it does not parse. */
export function dockerfileFacts(text: string | undefined): DockerfileFacts {
  const stage = text === undefined ? undefined : finalStage(parseDockerfile(text));
  const base = stage?.base ?? "";
  const distroless = /distroless/i.test(base);

  let user = distroless ? (KNOWN_USERS.nonroot ?? DEFAULT_CONTAINER_USER) : DEFAULT_CONTAINER_USER;
  if (/:nonroot\b|-nonroot\b/.test(base)) user = KNOWN_USERS.nonroot ?? user;
  const userLine = stage && lastOf(stage, "USER");
  if (userLine) {
    const [name = "", group] = userLine.args.split(":");
    if (/^\d+$/.test(name) && name !== "0") user = `${name}:${group && /^\d+$/.test(group) ? group : name}`;
    else if (KNOWN_USERS[name]) user = KNOWN_USERS[name];
  }

  const healthLine = stage && lastOf(stage, "HEALTHCHECK");
  // Distroless images have no shell and no `node` on PATH: call the binary by its path.
  const healthCheck = (healthLine && healthcheckCommand(healthLine).argv) ?? [
    distroless ? "/nodejs/bin/node" : "node",
    HEALTHCHECK_SCRIPT,
  ];
  return { user, healthCheck };
}

export function readDockerfile(context: string, dockerfile: string): DockerfileFacts {
  const path = join(resolve(context), dockerfile);
  return dockerfileFacts(existsSync(path) ? readFileSync(path, "utf8") : undefined);
}
