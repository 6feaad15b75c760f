/**
 * Small toolkit the rules are written with. Every rule is still a plain `@pulumi/policy` policy object
 * (name, description, enforcementLevel, configSchema, validateResource / validateStack): `defineResourcePolicy`
 * and `defineStackPolicy` only add the type filter, the environment lookup and config defaults in one place.
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
import { aws, azure } from "../types.js";
import { resolveEnvironment, resolveStackEnvironment, TIERS, type Tier } from "./environment.js";
import type { Props } from "./values.js";

type SchemaProperties = PolicyConfigSchema["properties"];

/** A config key holding a list (of `items` type), for rules' config schemas. */
export function listOf(items: "string" | "integer", description: string): SchemaProperties[string] {
  return { type: "array", items: { type: items }, description };
}

/** Config properties every policy accepts. */
const commonSchema: SchemaProperties = {
  environment: {
    type: "string",
    enum: [...TIERS],
    description:
      "Override the environment this policy assumes (default: the resource's environment tag, then the stack tag, then the stack name).",
  },
};

const environmentsSchema: SchemaProperties = {
  environments: {
    type: "array",
    items: { type: "string", enum: [...TIERS] },
    description: "Environments in which this policy applies; elsewhere it reports not-applicable.",
  },
};

/** What resource and stack rules declare alike. */
interface RuleSpec<C extends object> {
  name: string;
  description: string;
  enforcementLevel?: EnforcementLevel;
  /** Environments the rule applies in by default (all when omitted); tunable with config `environments`. */
  environments?: readonly Tier[];
  /** Extra config properties (JSON schema) and their defaults. */
  config?: { schema: SchemaProperties; defaults: C };
}

type RuleConfig<C> = C & { environment?: Tier; environments?: Tier[] };

export interface RuleContext<C> {
  env: Tier;
  config: RuleConfig<C>;
  args: ResourceValidationArgs;
}

export interface ResourceRuleSpec<C extends object> extends RuleSpec<C> {
  /** Resource type tokens the rule inspects (from policies/types.ts), or a predicate over type + config. */
  types: readonly string[] | ((type: string, config: C) => boolean);
  validate: (props: Props, ctx: RuleContext<C>, report: ReportViolation) => void;
}

export interface StackRuleContext<C> {
  env: Tier;
  config: RuleConfig<C>;
  args: StackValidationArgs;
}

export interface StackRuleSpec<C extends object> extends RuleSpec<C> {
  validate: (resources: PolicyResource[], ctx: StackRuleContext<C>, report: ReportViolation) => void;
}

/** The policy object's metadata: mandatory unless the rule says otherwise; the config schema it accepts. */
function metadata(spec: RuleSpec<object>) {
  return {
    name: spec.name,
    description: spec.description,
    enforcementLevel: spec.enforcementLevel ?? "mandatory",
    configSchema: {
      properties: {
        ...commonSchema,
        ...(spec.environments ? environmentsSchema : {}),
        ...(spec.config?.schema ?? {}),
      },
    } satisfies PolicyConfigSchema,
  };
}

/** The rule's defaults overlaid with the policy-pack config the engine passes. */
function effectiveConfig<C>(spec: RuleSpec<object>, fromPack: object): RuleConfig<C> {
  return {
    ...(spec.config?.defaults ?? {}),
    ...(spec.environments ? { environments: [...spec.environments] } : {}),
    ...fromPack,
  } as RuleConfig<C>;
}

/** Not applicable outside the rule's `environments`. */
function scopeToEnvironments(
  config: RuleConfig<unknown>,
  env: Tier,
  notApplicable: (reason?: string) => void,
): void {
  if (config.environments && !config.environments.includes(env)) {
    notApplicable(`applies only in ${config.environments.join(", ")} (this is ${env})`);
  }
}

/**
 * The types the deploy pipeline's first phase leaves out (`pulumi up --exclude` of the API service / app with
 * `--exclude-dependents`, docs/database-identity.md): the API resource and what depends on it (the scaling target
 * and policies, the alarms, the dashboard; Azure: the alerts and the availability test). Only these may be exempt.
 * tests/policies/left-out.test.ts keeps the list equal to what the program's phase 1 leaves out.
 */
export const LEFT_OUT_BY_PHASE_ONE: readonly string[] = [
  aws.ecs.Service,
  aws.appautoscaling.Target,
  aws.appautoscaling.Policy,
  aws.cloudwatch.MetricAlarm,
  aws.cloudwatch.Dashboard,
  azure.app.ContainerApp,
  azure.monitor.MetricAlert,
  azure.monitor.ScheduledQueryRule,
  azure.applicationinsights.WebTest,
];

/**
 * A resource the operation leaves out and has not created yet. On a new stack, `pulumi up --exclude` hands the
 * policies such a resource with no inputs at all (the engine skips the provider's Check and uses the missing old
 * inputs; nothing else in the request says it is left out) and, to stack policies, its dependencies. Nothing to
 * judge until it exists: the full `pulumi up` after it checks it like any other.
 *
 * Not any resource without inputs: one the program declares with none is judged like the rest. So only the
 * types phase 1 can leave out are exempt, and for those the absence of inputs is the phase-1 case: all but two
 * have required inputs (the SDK will not construct them without), and the two without (the ECS service, the
 * metric alarm) reach the engine's policies with at least the provider's autonamed `name`.
 */
export function notYetCreated(type: string, props: Props): boolean {
  return Object.keys(props).length === 0 && LEFT_OUT_BY_PHASE_ONE.includes(type);
}

export function defineResourcePolicy<C extends object = Record<string, never>>(
  spec: ResourceRuleSpec<C>,
): ResourceValidationPolicy {
  return {
    ...metadata(spec),
    validateResource: (args, report) => {
      if (notYetCreated(args.type, args.props))
        args.notApplicable("no inputs: left out of this operation (--exclude) and not created yet");
      const config = effectiveConfig<C>(spec, args.getConfig<object>());
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
      scopeToEnvironments(config, env, (reason) => args.notApplicable(reason));
      spec.validate(args.props, { env, config, args }, report);
    },
  };
}

/** The `validate` of a rule that is one condition and one fix: reports `fix` when `violated(props)`. */
export function reportIf(
  violated: (props: Props) => boolean,
  fix: string,
): (props: Props, ctx: unknown, report: ReportViolation) => void {
  return (props, _ctx, report) => {
    if (violated(props)) report(fix);
  };
}

export function defineStackPolicy<C extends object = Record<string, never>>(
  spec: StackRuleSpec<C>,
): StackValidationPolicy {
  return {
    ...metadata(spec),
    validateStack: (args, report) => {
      const config = effectiveConfig<C>(spec, args.getConfig<object>());
      const env = resolveStackEnvironment(args.resources, config, args.stackTags);
      scopeToEnvironments(config, env, (reason) => args.notApplicable(reason));
      spec.validate(args.resources, { env, config, args }, report);
    },
  };
}
