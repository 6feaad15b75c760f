/**
 * How a policy learns the environment it judges (the same under the CLI and the offline evaluator), and
 * per-environment values. Tiers come from the spec (infra/spec/constants.ts), a pure module of the program.
 */
import { TIERS, type Tier } from "../../infra/spec/constants.js";
import { type Props, tryRead } from "./values.js";

export type { Tier };
export { TIERS };

/** Fallback when nothing tells us the environment: the strictest tier, so an unlabelled stack is not waved through. */
const DEFAULT_ENVIRONMENT: Tier = "prod";

/** A value either for every environment or per environment ({ dev, staging, prod }). */
export type PerEnv<T> = T | Partial<Record<Tier, T>>;

export function forEnv<T>(value: PerEnv<T> | undefined, env: Tier, fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "object" && !Array.isArray(value) && TIERS.some((t) => t in (value as object))) {
    const v = (value as Partial<Record<Tier, T>>)[env];
    return v === undefined ? fallback : v;
  }
  return value as T;
}

export function isTier(value: unknown): value is Tier {
  return typeof value === "string" && (TIERS as readonly string[]).includes(value);
}

/** The stack name inside a URN: urn:pulumi:<stack>::<project>::<type>::<name>. */
function stackOfUrn(urn: string): string | undefined {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn);
  return match?.[1];
}

/** Tags on a resource: AWS/Azure `tags`, plus the AWS provider's `defaultTags` when the resource inherits them. */
export function tagsOf(props: Props, provider?: { props: Props }): Record<string, string> | undefined {
  const own = tryRead(() => plainObject(props.tags));
  const defaults = tryRead(() => plainObject(provider?.props?.defaultTags?.tags));
  if (!own && !defaults) return undefined;
  return { ...(defaults ?? {}), ...(own ?? {}) };
}

function plainObject(value: unknown): Record<string, string> | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  if (typeof value === "string") return undefined;
  const out: Record<string, string> = {};
  for (const key of Object.keys(value)) {
    const v = tryRead(() => (value as Record<string, unknown>)[key]);
    if (typeof v === "string") out[key] = v;
  }
  return out;
}

export interface EnvironmentSources {
  config?: { environment?: unknown };
  props?: Props;
  provider?: { props: Props };
  stackTags?: ReadonlyMap<string, string>;
  urn?: string;
}

/**
 * How a policy learns the environment (the same with the real CLI and in the evaluator):
 * 1. the policy's own config `environment` (an explicit override in the policy-pack config file);
 * 2. the resource's `environment` tag (every resource of this program carries it, from the spec's tags);
 * 3. the stack tag `environment` (`pulumi stack tag set environment prod`);
 * 4. the stack name in the URN when it is a tier (dev, staging, prod);
 * 5. otherwise prod, the strictest tier.
 */
export function resolveEnvironment(sources: EnvironmentSources): Tier {
  const fromConfig = sources.config?.environment;
  if (isTier(fromConfig)) return fromConfig;
  if (sources.props) {
    const tag = tagsOf(sources.props, sources.provider)?.environment;
    if (isTier(tag)) return tag;
  }
  const stackTag = sources.stackTags?.get("environment");
  if (isTier(stackTag)) return stackTag;
  const stack = sources.urn ? stackOfUrn(sources.urn) : undefined;
  if (isTier(stack)) return stack;
  return DEFAULT_ENVIRONMENT;
}

/** The environment of a whole stack: the majority `environment` tag, else the stack-level sources. */
export function resolveStackEnvironment(
  resources: { props: Props; urn: string }[],
  config: { environment?: unknown },
  stackTags?: ReadonlyMap<string, string>,
): Tier {
  if (isTier(config.environment)) return config.environment;
  const counts = new Map<Tier, number>();
  for (const r of resources) {
    const tag = tagsOf(r.props)?.environment;
    if (isTier(tag)) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
  if (best) return best[0];
  return resolveEnvironment({ stackTags, urn: resources[0]?.urn ?? "" });
}
