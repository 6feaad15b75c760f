/**
 * How stack policies follow references between resources (security-group ids, subnet ids, parameter-group
 * names): by the target's id / arn / name, then by the engine's property dependencies, then by plain
 * dependencies. Stack policies see outputs, which carry the physical id (the evaluator adds the mocks' id).
 */
import type { PolicyResource } from "@pulumi/policy";
import { UNKNOWN_REF } from "./network.js";
import { tryRead } from "./values.js";

function idOf(r: PolicyResource): unknown {
  return tryRead(() => r.props.id);
}

/**
 * Finds the resource of `type` that `owner.props[prop]` (value `ref`) points to: by id / arn / name, then by
 * the engine's propertyDependencies for `prop`, then (when `allowDependencyFallback`) by the owner's only
 * dependency of that type.
 */
export function resolve(
  resources: PolicyResource[],
  type: string,
  ref: unknown,
  owner: PolicyResource,
  prop: string,
  allowDependencyFallback = true,
): PolicyResource | undefined {
  const candidates = resources.filter((r) => r.type === type);
  if (ref !== undefined && ref !== UNKNOWN_REF) {
    const byValue = candidates.find(
      (c) => idOf(c) === ref || tryRead(() => c.props.arn) === ref || tryRead(() => c.props.name) === ref,
    );
    if (byValue) return byValue;
  }
  const propDeps = (owner.propertyDependencies?.[prop] ?? []).filter((d) => d.type === type);
  if (propDeps.length === 1) return propDeps[0];
  if (!allowDependencyFallback) return undefined;
  const deps = (owner.dependencies ?? []).filter((d) => d.type === type);
  return deps.length === 1 ? deps[0] : undefined;
}

/** Every resource of `type` that the references `refs` (one property of `owner`) point to. */
export function resolveAll(
  resources: PolicyResource[],
  type: string,
  refs: unknown[],
  owner: PolicyResource,
  prop: string,
): PolicyResource[] {
  const found = refs
    .map((ref) => resolve(resources, type, ref, owner, prop, refs.length === 1))
    .filter((r): r is PolicyResource => r !== undefined);
  if (found.length === 0 && refs.length > 0) {
    // Ids not exposed (or unknown): fall back to the dependencies behind the property.
    const propDeps = (owner.propertyDependencies?.[prop] ?? []).filter((d) => d.type === type);
    if (propDeps.length > 0) return propDeps;
    return (owner.dependencies ?? []).filter((d) => d.type === type);
  }
  return [...new Set(found)];
}
