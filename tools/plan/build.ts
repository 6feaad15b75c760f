/**
 * Captured resources (a mock run) → a plan: inputs sanitized (secrets never printed, values only the cloud
 * knows as `<computed>`), the curated key properties, and the policy verdict.
 */
import { PROJECT_NAME } from "../../infra/spec/constants.js";
import { KEY_PROPERTIES } from "./key-properties.js";
import {
  type CapturedLike,
  type CloudPlan,
  COMPUTED,
  formatValue,
  getPath,
  isPlainObject,
  PLAN_VERSION,
  type Plan,
  type PlanCloudName,
  type PlanResource,
  type PlanViolation,
  type PolicyVerdict,
  type PolicyViolationLike,
  SECRET,
} from "./model.js";

/** Pulumi's wire signature for secrets (`@pulumi/pulumi/runtime/rpc`): kept by the mock monitor. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** Property names whose values are never printed, secret-wrapped or not. */
const SECRET_NAME = /(password|secret|token|privatekey|connectionstring|apikey)$/i;

export interface BuildCloudPlanInput {
  cloud: PlanCloudName;
  environment: string;
  resources: CapturedLike[];
  outputs?: Record<string, unknown>;
  /** Undefined when the policies could not be evaluated; pass `policyError` then. */
  violations?: PolicyViolationLike[];
  policyError?: string;
  assumptions?: string[];
}

const isSecret = (value: unknown): boolean => isPlainObject(value) && value[SIG_KEY] === SECRET_SIG;

/**
 * Strings that only the (mocked) cloud knows: fake IDs and every output that is not an input of the same
 * resource, minus any string the program itself wrote somewhere (those are known before deploy).
 */
function collectComputedValues(resources: CapturedLike[]): Set<string> {
  const collect = (value: unknown, into: Set<string>) => {
    if (typeof value === "string") {
      if (value.length >= 4) into.add(value);
    } else if (Array.isArray(value)) {
      for (const item of value) collect(item, into);
    } else if (isPlainObject(value) && !isSecret(value)) {
      for (const item of Object.values(value)) collect(item, into);
    }
  };
  const known = new Set<string>();
  for (const resource of resources) collect(resource.props, known);
  const values = new Set<string>();
  for (const resource of resources) {
    values.add(`${resource.name}-id`); // tools/mock/run.ts fakeId
    for (const [key, value] of Object.entries(resource.state)) {
      if (!(key in resource.props)) collect(value, values);
    }
  }
  // A plain word both written by the program and echoed by a mock (a location, a project name) is known
  // before deploy; an ID-like value (ARN, resource ID, URL, host name, fake id) flowed from an output.
  for (const value of known) {
    if (!ID_LIKE.test(value)) values.delete(value);
  }
  return values;
}

const ID_LIKE = /[:/]|-id$|^[\w-]+(\.[\w-]+){2,}$/;

/** Computed values that may appear inside a longer string (an ARN in a policy document, an ID in a URL). */
const EMBEDDABLE = /^(arn:|https?:\/\/|\/subscriptions\/)|-id$/;

function makeSanitizer(computedValues: Set<string>) {
  // Long computed values may be embedded (an ARN inside a policy document, an ID inside a URL).
  const embeddable = [...computedValues].filter((v) => v.length >= 8 && EMBEDDABLE.test(v));
  // A key may embed a computed value too (Azure's `hidden-link:<component id>` tag of an availability test).
  const sanitizeKey = (key: string): string => {
    if (computedValues.has(key)) return COMPUTED;
    const inside = embeddable.find((v) => key.includes(v));
    return inside ? key.split(inside).join(COMPUTED) : key;
  };
  const sanitize = (value: unknown, key = ""): unknown => {
    if (isSecret(value)) return SECRET;
    if (value === undefined || value === null) return value;
    if (typeof value === "string") {
      if (SECRET_NAME.test(key) && value.length > 0) return SECRET;
      if (computedValues.has(value)) return COMPUTED;
      if (embeddable.some((v) => value.includes(v))) return COMPUTED;
      return value;
    }
    if (typeof value === "number" || typeof value === "boolean") return value;
    if (Array.isArray(value)) return value.map((item) => sanitize(item, key));
    if (isPlainObject(value)) {
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) {
        // Assets, archives, resource references: show what they are, not their internals.
        const urn = (value as { urn?: unknown }).urn;
        return typeof urn === "string" ? urn : `<${prototype?.constructor?.name ?? "object"}>`;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v !== undefined) out[sanitizeKey(k)] = sanitize(v, k);
      }
      return out;
    }
    return String(value);
  };
  return sanitize;
}

const FALLBACK_SKIP = new Set(["tags", "tagsAll", "name", "location", "resourceGroupName"]);

function keyProperties(
  type: string,
  props: Record<string, unknown>,
  state: Record<string, unknown>,
): Record<string, string> {
  const curated = KEY_PROPERTIES[type];
  const key: Record<string, string> = {};
  if (curated) {
    for (const path of curated) {
      const value = getPath(props, path);
      if (value !== undefined) key[path] = formatValue(value);
      else if (getPath(state, path) !== undefined) key[path] = COMPUTED; // an output only the cloud knows
    }
    return key;
  }
  for (const [name, value] of Object.entries(props)) {
    if (FALLBACK_SKIP.has(name) || value === undefined || value === null) continue;
    if (typeof value === "object" && !Array.isArray(value)) continue;
    key[name] = formatValue(value);
    if (Object.keys(key).length >= 5) break;
  }
  return key;
}

function describeResource(resource: unknown): string | undefined {
  if (resource === undefined || resource === null) return undefined;
  if (typeof resource === "string") return resource;
  if (isPlainObject(resource)) {
    if (typeof resource.urn === "string") return resource.urn;
    if (typeof resource.type === "string" && typeof resource.name === "string") {
      return `${resource.type}::${resource.name}`;
    }
  }
  return undefined;
}

function buildPolicyVerdict(violations: PolicyViolationLike[] | undefined, error?: string): PolicyVerdict {
  if (!violations) {
    return { evaluated: false, error: error ?? "not evaluated", violations: [], counts: {}, blocked: false };
  }
  const list: PlanViolation[] = violations.map((v) => {
    const resource = describeResource(v.resource);
    return {
      policyName: v.policyName,
      enforcementLevel: v.enforcementLevel,
      ...(resource ? { resource } : {}),
      message: v.message,
    };
  });
  const counts: Record<string, number> = {};
  for (const v of list) counts[v.enforcementLevel] = (counts[v.enforcementLevel] ?? 0) + 1;
  return { evaluated: true, violations: list, counts, blocked: (counts.mandatory ?? 0) > 0 };
}

export function buildCloudPlan(input: BuildCloudPlanInput): CloudPlan {
  const computedValues = collectComputedValues(input.resources);
  const sanitize = makeSanitizer(computedValues);
  const resources: PlanResource[] = input.resources.map((r) => {
    const props = sanitize(r.props) as Record<string, unknown>;
    const computed = Object.keys(r.state)
      .filter((k) => !(k in r.props))
      .sort();
    return {
      urn: r.urn,
      type: r.type,
      name: r.name,
      ...(r.parent ? { parent: r.parent } : {}),
      custom: r.custom ?? true,
      protect: r.opts?.protect ?? false,
      ...(r.opts?.aliases && r.opts.aliases.length > 0 ? { aliases: r.opts.aliases } : {}),
      props,
      key: keyProperties(r.type, props, r.state),
      computed,
    };
  });
  return {
    cloud: input.cloud,
    environment: input.environment,
    ...(input.assumptions && input.assumptions.length > 0 ? { assumptions: input.assumptions } : {}),
    resources,
    outputs: sanitize(input.outputs ?? {}) as Record<string, unknown>,
    policy: buildPolicyVerdict(input.violations, input.policyError),
  };
}

export function buildPlan(input: { project?: string; stack: string; clouds: CloudPlan[] }): Plan {
  return {
    version: PLAN_VERSION,
    project: input.project ?? PROJECT_NAME,
    stack: input.stack,
    clouds: input.clouds,
  };
}
