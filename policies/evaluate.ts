/**
 * Runs the pack's policies offline over captured resources the way the Pulumi engine does, without the CLI
 * or the gRPC server: used by the tests and the offline plan.
 *
 * Engine behaviour reproduced (see @pulumi/policy server.js):
 * - enforcement level: the policy's entry in the policy-pack config (a level string or `{ enforcementLevel }`)
 *   → the config's `all` → the policy's own level → the pack's level → advisory; `disabled` policies are
 *   skipped; `remediate` reports as mandatory;
 * - `getConfig()` returns the policy's config entry without `enforcementLevel`;
 * - resource policies see each resource's inputs (`props`) and options; stack policies see every resource
 *   (outputs when given, else inputs) with options, parent, dependencies and property dependencies resolved
 *   to resource objects;
 * - props are wrapped in the engine's unknown-checking proxy: reading an unknown (preview) value makes the
 *   policy report an advisory "can't run policy during preview" violation; `notApplicable()` skips.
 */
import { readFileSync } from "node:fs";
import type {
  EnforcementLevel,
  Policies,
  PolicyPackConfig,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { unknownCheckingProxy } from "@pulumi/policy";
import type { Tier } from "./lib/environment.js";
import { isUnknownValueError } from "./lib/values.js";
import { PACK_ENFORCEMENT_LEVEL, policies as packPolicies } from "./pack.js";
import { pulumi } from "./types.js";

export interface EvaluatedResource {
  type: string;
  name: string;
  urn: string;
  /** Inputs: what resource policies see. */
  props: Record<string, unknown>;
  /** Outputs: what stack policies see (defaults to `props`). Include `id` so references can be resolved. */
  outputs?: Record<string, unknown>;
  opts?: Partial<PolicyResourceOptions> & { provider?: string };
  parent?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
}

export interface EvaluateOptions {
  environment: Tier;
  /** A policy-pack config (same shape as policies/config/<env>.json); defaults to that file. */
  config?: PolicyPackConfig | Record<string, unknown>;
  /** Stack tags; defaults to { environment } (as if `pulumi stack tag set environment <env>`). */
  stackTags?: Record<string, string>;
  /** Policies to run; defaults to the pack's. */
  policies?: Policies;
  packEnforcementLevel?: EnforcementLevel;
}

export interface Violation {
  policyName: string;
  enforcementLevel: "advisory" | "mandatory";
  /** The resource in violation; for a stack-level violation, the stack resource (or a placeholder). */
  resource: { type: string; name: string; urn: string };
  message: string;
}

/** Reads policies/config/<environment>.json, the file passed to the CLI with --policy-pack-config. */
export function loadPolicyConfig(environment: Tier): PolicyPackConfig {
  const url = new URL(`./config/${environment}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as PolicyPackConfig;
}

type AnyConfig = Record<string, unknown>;

export function resolveEnforcementLevel(
  policy: { name: string; enforcementLevel?: EnforcementLevel },
  config: AnyConfig,
  packLevel: EnforcementLevel = PACK_ENFORCEMENT_LEVEL,
): EnforcementLevel {
  const entry = config[policy.name];
  const fromEntry =
    typeof entry === "string"
      ? entry
      : entry && typeof entry === "object"
        ? (entry as { enforcementLevel?: string }).enforcementLevel
        : undefined;
  const all =
    typeof config.all === "string"
      ? config.all
      : (config.all as { enforcementLevel?: string })?.enforcementLevel;
  return (fromEntry ?? all ?? policy.enforcementLevel ?? packLevel ?? "advisory") as EnforcementLevel;
}

function policyConfig(name: string, config: AnyConfig): Record<string, unknown> {
  const entry = config[name];
  if (!entry || typeof entry !== "object") return {};
  const { enforcementLevel: _ignored, ...rest } = entry as Record<string, unknown>;
  return rest;
}

/** Pulumi's serialized-secret signature: the engine hands policies the plaintext, so unwrap it here too. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SECRET_SIG_KEY] === SECRET_SIG) return unwrapSecrets(obj.value);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

const wrap = (props: Record<string, unknown>) =>
  unknownCheckingProxy(unwrapSecrets(props) as Record<string, unknown>) as Record<string, unknown>;

class NotApplicable extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? "not applicable");
  }
}
const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};

const isType = () => {
  throw new Error("evaluatePolicies: rules compare type tokens, not classes (isType/asType unsupported)");
};

function options(r: EvaluatedResource): PolicyResourceOptions {
  return {
    protect: r.opts?.protect ?? false,
    ignoreChanges: r.opts?.ignoreChanges ?? [],
    aliases: r.opts?.aliases ?? [],
    customTimeouts: r.opts?.customTimeouts ?? { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: r.opts?.additionalSecretOutputs ?? [],
    ...(r.opts?.deleteBeforeReplace !== undefined ? { deleteBeforeReplace: r.opts.deleteBeforeReplace } : {}),
    ...(r.parent ? { parent: r.parent } : {}),
  };
}

function isResourcePolicy(p: Policies[number]): p is ResourceValidationPolicy {
  return (p as StackValidationPolicy).validateStack === undefined;
}

export function evaluatePolicies(resources: EvaluatedResource[], options_: EvaluateOptions): Violation[] {
  const config = (options_.config ?? loadPolicyConfig(options_.environment)) as AnyConfig;
  const stackTags: ReadonlyMap<string, string> = new Map(
    Object.entries(options_.stackTags ?? { environment: options_.environment }),
  );
  const policies = options_.policies ?? packPolicies;
  const violations: Violation[] = [];
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const stackResource = resources.find((r) => r.type === pulumi.Stack);
  const stackRef = stackResource
    ? { type: stackResource.type, name: stackResource.name, urn: stackResource.urn }
    : { type: pulumi.Stack, name: "stack", urn: "" };

  const inputs = new Map(resources.map((r) => [r.urn, wrap(r.props)]));
  const outputs = new Map(resources.map((r) => [r.urn, wrap(r.outputs ?? r.props)]));
  const providerOf = (r: EvaluatedResource) => {
    const ref = r.opts?.provider;
    if (!ref) return undefined;
    const urn = ref.includes("::") ? ref.slice(0, ref.lastIndexOf("::")) : ref;
    const p = byUrn.get(urn);
    return p ? { type: p.type, name: p.name, urn: p.urn, props: inputs.get(p.urn)! } : undefined;
  };
  /** What resource and stack policies both see of a resource, with `props` its inputs or its outputs. */
  const seen = (r: EvaluatedResource, props: Record<string, unknown>) => {
    const provider = providerOf(r);
    return {
      type: r.type,
      props,
      urn: r.urn,
      name: r.name,
      opts: options(r),
      ...(provider ? { provider } : {}),
      isType,
      asType: isType,
    };
  };

  for (const policy of policies) {
    let level = resolveEnforcementLevel(policy, config, options_.packEnforcementLevel);
    if (level === "disabled") continue;
    if (level === "remediate") level = "mandatory";
    const enforcementLevel = level as Violation["enforcementLevel"];
    const getConfig = <T extends object>() => policyConfig(policy.name, config) as T;
    const unknownViolation = (resource: Violation["resource"], error: Error) =>
      violations.push({
        policyName: policy.name,
        enforcementLevel: "advisory",
        resource,
        message: `can't run policy '${policy.name}' during preview: ${error.message}`,
      });

    if (isResourcePolicy(policy)) {
      const validations = policy.validateResource
        ? Array.isArray(policy.validateResource)
          ? policy.validateResource
          : [policy.validateResource]
        : [];
      for (const r of resources) {
        const ref = { type: r.type, name: r.name, urn: r.urn };
        for (const validate of validations) {
          const args = {
            ...seen(r, inputs.get(r.urn)!),
            stackTags,
            getConfig,
            notApplicable,
          } as unknown as ResourceValidationArgs;
          try {
            validate(args, (message) =>
              violations.push({ policyName: policy.name, enforcementLevel, resource: ref, message }),
            );
          } catch (error) {
            if (error instanceof NotApplicable) continue;
            if (isUnknownValueError(error)) unknownViolation(ref, error as Error);
            else
              throw new Error(`policy ${policy.name} failed on ${r.urn}: ${(error as Error).message}`, {
                cause: error,
              });
          }
        }
      }
    } else {
      const policyResources = new Map<string, PolicyResource>();
      for (const r of resources) {
        policyResources.set(r.urn, {
          ...seen(r, outputs.get(r.urn)!),
          dependencies: [],
          propertyDependencies: {},
        } as unknown as PolicyResource);
      }
      for (const r of resources) {
        const pr = policyResources.get(r.urn)!;
        const parent = r.parent ? policyResources.get(r.parent) : undefined;
        if (parent) pr.parent = parent;
        const known = (urns: string[]) =>
          urns.map((d) => policyResources.get(d)).filter((d): d is PolicyResource => d !== undefined);
        pr.dependencies = known(r.dependencies ?? []);
        for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
          pr.propertyDependencies[k] = known(urns);
        }
      }
      const args = {
        resources: [...policyResources.values()],
        getConfig,
        stackTags,
        notApplicable,
      } as StackValidationArgs;
      try {
        policy.validateStack(args, (message, urn) => {
          const target = urn ? byUrn.get(urn) : undefined;
          violations.push({
            policyName: policy.name,
            enforcementLevel,
            resource: target ? { type: target.type, name: target.name, urn: target.urn } : stackRef,
            message,
          });
        });
      } catch (error) {
        if (error instanceof NotApplicable) continue;
        if (isUnknownValueError(error)) unknownViolation(stackRef, error as Error);
        else
          throw new Error(`stack policy ${policy.name} failed: ${(error as Error).message}`, {
            cause: error,
          });
      }
    }
  }
  return violations;
}
