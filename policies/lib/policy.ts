/**
 * Small toolkit the rules are written with. Every rule is still a plain `@pulumi/policy` policy object
 * (name, description, enforcementLevel, configSchema, validateResource / validateStack): `defineResourcePolicy`
 * only adds the type filter, the environment lookup and config defaults in one place.
 *
 * Unknown values: the engine wraps `props` in a proxy that throws `UnknownValueError` when a rule reads a
 * value that is unknown during `pulumi preview`; the engine reports that as an advisory "can't run policy
 * during preview" and runs the rule for real at `pulumi up`, where every input is known. Rules therefore
 * read only the fields they need (so an unknown elsewhere does not hide a violation) and never catch
 * `UnknownValueError` except where noted.
 */
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { TIERS, type Tier } from "../../infra/spec.js";

// biome-ignore lint/suspicious/noExplicitAny: resource props are untyped provider inputs/outputs.
export type Props = Record<string, any>;
export type { Tier };
export { TIERS };

/** Fallback when nothing tells us the environment: the strictest tier, so an unlabelled stack is not waved through. */
export const DEFAULT_ENVIRONMENT: Tier = "prod";

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

/** True for the engine's (and our evaluator's) unknown-value error, without importing the class twice. */
export function isUnknownValueError(error: unknown): boolean {
  return error instanceof Error && error.constructor.name === "UnknownValueError";
}

/** Runs `read`; an unknown value (preview) reads as `undefined` instead of aborting the rule. */
export function tryRead<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (isUnknownValueError(error)) return undefined;
    throw error;
  }
}

/** The stack name inside a URN: urn:pulumi:<stack>::<project>::<type>::<name>. */
export function stackOfUrn(urn: string): string | undefined {
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
 * 2. the resource's `environment` tag (every resource of this program carries it, from infra/spec.ts);
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

/** Config properties every policy accepts. */
const commonSchema: PolicyConfigSchema["properties"] = {
  environment: {
    type: "string",
    enum: [...TIERS],
    description:
      "Override the environment this policy assumes (default: the resource's environment tag, then the stack tag, then the stack name).",
  },
};

const environmentsSchema: PolicyConfigSchema["properties"] = {
  environments: {
    type: "array",
    items: { type: "string", enum: [...TIERS] },
    description: "Environments in which this policy applies; elsewhere it reports not-applicable.",
  },
};

export interface RuleContext<C> {
  env: Tier;
  config: C & { environment?: Tier; environments?: Tier[] };
  args: ResourceValidationArgs;
}

export interface ResourceRuleSpec<C extends object> {
  name: string;
  description: string;
  enforcementLevel?: EnforcementLevel;
  /** Resource type tokens the rule inspects, e.g. aws:rds/instance:Instance, or a predicate over type + config. */
  types: readonly string[] | ((type: string, config: C) => boolean);
  /** Environments the rule applies in by default (all when omitted); tunable with config `environments`. */
  environments?: readonly Tier[];
  /** Extra config properties (JSON schema) and their defaults. */
  config?: { schema: PolicyConfigSchema["properties"]; defaults: C };
  validate: (props: Props, ctx: RuleContext<C>, report: ReportViolation) => void;
}

/** What every rule's config accepts: the common keys, `environments` when the rule scopes itself, its own. */
function configSchemaOf(spec: {
  environments?: readonly Tier[];
  config?: { schema: PolicyConfigSchema["properties"] };
}): PolicyConfigSchema {
  return {
    properties: {
      ...commonSchema,
      ...(spec.environments ? environmentsSchema : {}),
      ...(spec.config?.schema ?? {}),
    },
  };
}

/** The rule's defaults overlaid with the policy-pack config the engine passes. */
function effectiveConfig(
  spec: { environments?: readonly Tier[]; config?: { defaults: object } },
  fromPack: object,
): Record<string, unknown> {
  return {
    ...(spec.config?.defaults ?? {}),
    ...(spec.environments ? { environments: [...spec.environments] } : {}),
    ...fromPack,
  };
}

export function defineResourcePolicy<C extends object = Record<string, never>>(
  spec: ResourceRuleSpec<C>,
): ResourceValidationPolicy {
  return {
    name: spec.name,
    description: spec.description,
    enforcementLevel: spec.enforcementLevel ?? "mandatory",
    configSchema: configSchemaOf(spec),
    validateResource: (args, report) => {
      const config = effectiveConfig(spec, args.getConfig<object>()) as RuleContext<C>["config"];
      const applies =
        typeof spec.types === "function" ? spec.types(args.type, config) : spec.types.includes(args.type);
      if (!applies) {
        args.notApplicable(
          typeof spec.types === "function"
            ? "resource type not inspected"
            : `applies to ${spec.types.join(", ")}`,
        );
      }
      const env = resolveEnvironment({
        config,
        props: args.props,
        ...(args.provider ? { provider: args.provider } : {}),
        stackTags: args.stackTags,
        urn: args.urn,
      });
      if (config.environments && !config.environments.includes(env)) {
        args.notApplicable(`applies only in ${config.environments.join(", ")} (this is ${env})`);
      }
      spec.validate(args.props, { env, config, args }, report);
    },
  };
}

export interface StackRuleContext<C> {
  env: Tier;
  config: C & { environment?: Tier; environments?: Tier[] };
  args: StackValidationArgs;
}

export interface StackRuleSpec<C extends object> {
  name: string;
  description: string;
  enforcementLevel?: EnforcementLevel;
  environments?: readonly Tier[];
  config?: { schema: PolicyConfigSchema["properties"]; defaults: C };
  validate: (resources: PolicyResource[], ctx: StackRuleContext<C>, report: ReportViolation) => void;
}

export function defineStackPolicy<C extends object = Record<string, never>>(
  spec: StackRuleSpec<C>,
): StackValidationPolicy {
  return {
    name: spec.name,
    description: spec.description,
    enforcementLevel: spec.enforcementLevel ?? "mandatory",
    configSchema: configSchemaOf(spec),
    validateStack: (args, report) => {
      const config = effectiveConfig(spec, args.getConfig<object>()) as StackRuleContext<C>["config"];
      const env = resolveStackEnvironment(args.resources, config, args.stackTags);
      if (config.environments && !config.environments.includes(env)) {
        args.notApplicable(`applies only in ${config.environments.join(", ")} (this is ${env})`);
      }
      spec.validate(args.resources, { env, config, args }, report);
    },
  };
}

/**
 * Runs `check` for each item; an unknown value in one item (preview) does not stop the others. When some
 * item could not be checked, the first unknown-value error is re-thrown at the end so the engine still
 * reports "can't run policy during preview" (advisory) instead of passing silently; violations found in
 * the other items have already been reported and keep their own enforcement level.
 */
export function eachKnown<T>(items: Iterable<T>, check: (item: T) => void): void {
  let deferred: unknown;
  for (const item of items) {
    try {
      check(item);
    } catch (error) {
      if (!isUnknownValueError(error)) throw error;
      deferred ??= error;
    }
  }
  if (deferred) throw deferred;
}

// ---------------------------------------------------------------------------------------------------------
// Value helpers

export function asArray(value: unknown): Props[] {
  return Array.isArray(value) ? value : [];
}

export function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

/** Parses a JSON string (e.g. ECS containerDefinitions); objects/arrays pass through. */
export function parseJson(value: unknown): unknown {
  if (typeof value === "string") {
    try {
      return JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return value;
}

/** Builds a case-insensitive regex from config; an invalid pattern falls back to the default. */
export function secretNameRegex(pattern: string | undefined, fallback: string): RegExp {
  try {
    return new RegExp(pattern ?? fallback, "i");
  } catch {
    return new RegExp(fallback, "i");
  }
}

export function findResource(
  resources: PolicyResource[],
  urn: string | undefined,
): PolicyResource | undefined {
  return urn ? resources.find((r) => r.urn === urn) : undefined;
}
