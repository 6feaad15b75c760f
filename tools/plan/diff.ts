/** Two plans compared: resources added, removed and changed (by property), and policy verdicts that moved. */
import { type DestructiveChange, destructiveChanges } from "./destructive.js";
import {
  isPlainObject,
  PLAN_CLOUDS,
  PLAN_VERSION,
  type Plan,
  type PlanCloudName,
  type PlanResource,
  type PlanViolation,
} from "./model.js";

export interface PropertyChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface ResourceRef {
  urn: string;
  type: string;
  name: string;
}

export interface CloudDiff {
  cloud: PlanCloudName;
  added: ResourceRef[];
  removed: ResourceRef[];
  changed: (ResourceRef & { changes: PropertyChange[] })[];
  /** Policy verdict changes: violations that appear / disappear. */
  newViolations: PlanViolation[];
  resolvedViolations: PlanViolation[];
  /** Deletions, replacements and unprotections of protected or stateful resources (see `destructiveChanges`). */
  destructive: DestructiveChange[];
}

export interface PlanDiff {
  stack: string;
  baseStack: string;
  clouds: CloudDiff[];
  /** Clouds planned on one side only. */
  cloudsOnlyInBase: PlanCloudName[];
  cloudsOnlyInHead: PlanCloudName[];
}

/** Flatten to `path → JSON-encoded leaf`, arrays by index. Empty objects/arrays are leaves. */
function flatten(value: unknown, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  if (Array.isArray(value) && value.length > 0) {
    value.forEach((item, i) => {
      flatten(item, prefix ? `${prefix}.${i}` : String(i), out);
    });
  } else if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) {
    out[prefix] = JSON.stringify(value);
  }
  return out;
}

const ref = (r: PlanResource): ResourceRef => ({ urn: r.urn, type: r.type, name: r.name });
const violationKey = (v: PlanViolation) => `${v.policyName}|${v.resource ?? ""}|${v.message}`;

export function diffPlans(base: Plan, head: Plan): PlanDiff {
  const clouds: CloudDiff[] = [];
  for (const after of head.clouds) {
    const before = base.clouds.find((c) => c.cloud === after.cloud);
    if (!before) continue;
    // URNs embed the stack name: compare by type + name chain so a prod plan can be diffed against prod.
    const id = (r: PlanResource) => `${r.type}::${r.name}`;
    const beforeById = new Map(before.resources.map((r) => [id(r), r]));
    const afterById = new Map(after.resources.map((r) => [id(r), r]));
    const diff: CloudDiff = {
      cloud: after.cloud,
      added: [],
      removed: [],
      changed: [],
      newViolations: [],
      resolvedViolations: [],
      destructive: [],
    };
    for (const r of after.resources) if (!beforeById.has(id(r))) diff.added.push(ref(r));
    for (const r of before.resources) if (!afterById.has(id(r))) diff.removed.push(ref(r));
    for (const r of after.resources) {
      const old = beforeById.get(id(r));
      if (!old) continue;
      const a = flatten(old.props);
      const b = flatten(r.props);
      const changes: PropertyChange[] = [];
      for (const path of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        if (a[path] !== b[path]) {
          changes.push({
            path,
            before: a[path] === undefined ? undefined : JSON.parse(a[path]),
            after: b[path] === undefined ? undefined : JSON.parse(b[path]),
          });
        }
      }
      if (old.protect !== r.protect)
        changes.push({ path: "(protect)", before: old.protect, after: r.protect });
      if (changes.length > 0) diff.changed.push({ ...ref(r), changes });
    }
    const oldViolations = new Set(before.policy.violations.map(violationKey));
    const newViolations = new Set(after.policy.violations.map(violationKey));
    diff.newViolations = after.policy.violations.filter((v) => !oldViolations.has(violationKey(v)));
    diff.resolvedViolations = before.policy.violations.filter((v) => !newViolations.has(violationKey(v)));
    diff.destructive = destructiveChanges(before, after, diff);
    clouds.push(diff);
  }
  return {
    stack: head.stack,
    baseStack: base.stack,
    clouds,
    cloudsOnlyInBase: base.clouds
      .filter((c) => !head.clouds.some((h) => h.cloud === c.cloud))
      .map((c) => c.cloud),
    cloudsOnlyInHead: head.clouds
      .filter((c) => !base.clouds.some((b) => b.cloud === c.cloud))
      .map((c) => c.cloud),
  };
}

export function isEmptyDiff(diff: PlanDiff): boolean {
  return (
    diff.cloudsOnlyInBase.length === 0 &&
    diff.cloudsOnlyInHead.length === 0 &&
    diff.clouds.every(
      (c) =>
        c.added.length +
          c.removed.length +
          c.changed.length +
          c.newViolations.length +
          c.resolvedViolations.length ===
        0,
    )
  );
}

/** Validate a parsed `--format json` document before diffing against it. Throws naming what is wrong. */
export function parsePlanJson(text: string, source: string): Plan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${source}: not JSON (${(error as Error).message}); expected the output of --format json`,
    );
  }
  if (!isPlainObject(data) || data.version !== PLAN_VERSION || !Array.isArray(data.clouds)) {
    throw new Error(
      `${source}: not an offline plan (expected {"version": ${PLAN_VERSION}, "clouds": [...]}, the output of --format json)`,
    );
  }
  for (const cloud of data.clouds) {
    if (
      !isPlainObject(cloud) ||
      !PLAN_CLOUDS.includes(cloud.cloud as PlanCloudName) ||
      !Array.isArray(cloud.resources)
    ) {
      throw new Error(`${source}: every entry of "clouds" needs "cloud" (aws or azure) and "resources"`);
    }
  }
  return data as unknown as Plan;
}
