/**
 * The shipped stack files (`Pulumi.<stack>.yaml`) as the offline tools read them: flat `ns:key` config, and
 * the cloud a stack ships on.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { CLOUDS, type Cloud, PROJECT_NAME } from "../../infra/spec/constants.js";
import { type AssumedConfig, PROVIDER_DEFAULTS, withAssumedOperatorValues } from "./assumptions.js";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A stack file that is missing or names no cloud. */
export class StackFileError extends Error {
  override name = "StackFileError";
}

/** `Pulumi.<stack>.yaml` → flat `{ "ns:key": "value" }` (secure values become a placeholder). */
export function readStackConfig(stack: string, root = REPO_ROOT): Record<string, string> {
  const file = `${root}Pulumi.${stack}.yaml`;
  if (!existsSync(file)) throw new StackFileError(`no stack file Pulumi.${stack}.yaml in ${root}`);
  const doc = parseYaml(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
    const full = key.includes(":") ? key : `${PROJECT_NAME}:${key}`;
    if (value && typeof value === "object" && "secure" in value)
      config[full] = "offline-plan-placeholder-secret";
    else config[full] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
}

/**
 * `Pulumi.<stack>.yaml` rendered on `cloud` as the plan and the tests render it: the provider defaults, the
 * file, the cloud, `overrides`, then the operator values the file leaves to the operator (assumed, and said so;
 * rendering a cloud the stack does not ship on is a what-if).
 */
export function renderedStackConfig(
  stack: string,
  cloud: Cloud,
  options: { root?: string; overrides?: Record<string, string> } = {},
): AssumedConfig {
  const own = readStackConfig(stack, options.root);
  const config = { ...PROVIDER_DEFAULTS, ...own, [`${PROJECT_NAME}:cloud`]: cloud, ...options.overrides };
  return withAssumedOperatorValues(stack, config, own[`${PROJECT_NAME}:cloud`]);
}

const isCloud = (value: string | undefined): value is Cloud =>
  (CLOUDS as readonly (string | undefined)[]).includes(value);

/** The cloud a stack file names, or undefined when it names none (then no rendering is called what-if). */
export function ownCloudOf(stack: string): Cloud | undefined {
  const cloud = readStackConfig(stack)[`${PROJECT_NAME}:cloud`];
  return isCloud(cloud) ? cloud : undefined;
}

export function stackCloud(stack: string, root = REPO_ROOT): Cloud {
  const cloud = readStackConfig(stack, root)[`${PROJECT_NAME}:cloud`];
  if (!isCloud(cloud)) {
    throw new StackFileError(
      `Pulumi.${stack}.yaml: ${PROJECT_NAME}:cloud must be ${CLOUDS.join(" or ")} (got ${cloud})`,
    );
  }
  return cloud;
}
