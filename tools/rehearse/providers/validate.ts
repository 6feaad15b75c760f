/**
 * Checks a resource's inputs against its schema (sdk-schema.ts) the way the real providers' Check does:
 * unknown property names refused (with the nearest declared name suggested), required properties missing
 * refused, types and closed enums checked. Unknown values (preview) pass, secrets are checked inside.
 */
import type { Properties, ResourceSchema, SchemaType } from "./sdk-schema.js";
import {
  ARCHIVE_SIG,
  ASSET_SIG,
  isPlainObject,
  isUnknown,
  OUTPUT_SIG,
  type Props,
  RESOURCE_SIG,
  SECRET_SIG,
  signature,
  type Value,
} from "./values.js";

export interface Failure {
  property: string;
  reason: string;
}

function distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] ?? 0;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j] ?? 0;
      d[j] = Math.min((d[j] ?? 0) + 1, (d[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length] ?? 0;
}

function suggestion(name: string, candidates: string[]): string {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const dist = distance(name.toLowerCase(), c.toLowerCase());
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3))
    ? `; did you mean "${best}"?`
    : "";
}

const describe = (t: SchemaType): string => {
  switch (t.k) {
    case "array":
      return `list of ${describe(t.of)}`;
    case "map":
      return `map of ${describe(t.of)}`;
    case "object":
      return `object (${t.ref})`;
    case "enum":
      return `one of ${t.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "union":
      return t.of.map(describe).join(" or ");
    default:
      return t.k;
  }
};

const kindOf = (v: Value): string => (Array.isArray(v) ? "list" : v === null ? "null" : typeof v);

/** Property names every provider accepts besides the declared ones (engine/bridge bookkeeping). */
const RESERVED = (name: string) => name.startsWith("__");

export function checkProperties(
  props: Props,
  decl: Properties,
  schema: ResourceSchema,
  prefix: string,
  failures: Failure[],
): void {
  const names = Object.keys(decl);
  for (const [name, value] of Object.entries(props)) {
    if (RESERVED(name)) continue;
    const d = decl[name];
    const path = prefix ? `${prefix}.${name}` : name;
    if (!d) {
      failures.push({
        property: path,
        reason: `unknown property "${name}": ${schema.token} has no input named so in ${schema.sdk}@${schema.version}${suggestion(name, names)}`,
      });
      continue;
    }
    if (value === null || value === undefined) continue;
    checkValue(value, d.type, schema, path, failures);
  }
  for (const [name, d] of Object.entries(decl)) {
    if (!d.required) continue;
    const v = props[name];
    if (v === undefined || v === null) {
      failures.push({
        property: prefix ? `${prefix}.${name}` : name,
        reason: `missing required property "${name}" (${schema.token}, ${schema.sdk}@${schema.version})`,
      });
    }
  }
}

export function checkValue(
  value: Value,
  type: SchemaType,
  schema: ResourceSchema,
  path: string,
  failures: Failure[],
): void {
  if (value === null || value === undefined || isUnknown(value)) return;
  const sig = signature(value);
  if (sig === SECRET_SIG || sig === OUTPUT_SIG) {
    checkValue((value as Props).value, type, schema, path, failures);
    return;
  }
  if (sig === RESOURCE_SIG) return; // a resource reference: the engine resolves it to an id or URN
  const bad = () =>
    failures.push({
      property: path,
      reason: `expected ${describe(type)}, got ${kindOf(value)} ${JSON.stringify(value)?.slice(0, 80)}`,
    });
  switch (type.k) {
    case "any":
      return;
    case "string":
      // The bridged providers coerce numbers and booleans to strings; nothing else.
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return;
      return void bad();
    case "number":
      if (typeof value === "number") return;
      if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return;
      return void bad();
    case "boolean":
      if (typeof value === "boolean") return;
      if (value === "true" || value === "false") return;
      return void bad();
    case "asset":
      return void (sig === ASSET_SIG ? undefined : bad());
    case "archive":
      return void (sig === ARCHIVE_SIG ? undefined : bad());
    case "enum":
      if (type.values.includes(value as string)) return;
      // Azure Resource Manager compares enum values case-insensitively.
      if (
        schema.token.startsWith("azure-native:") &&
        typeof value === "string" &&
        type.values.some((v) => typeof v === "string" && v.toLowerCase() === value.toLowerCase())
      ) {
        return;
      }
      failures.push({
        property: path,
        reason: `${JSON.stringify(value)} is not a valid value of ${type.name}: expected ${describe(type)}`,
      });
      return;
    case "array":
      if (!Array.isArray(value)) return void bad();
      value.forEach((e, i) => {
        checkValue(e, type.of, schema, `${path}[${i}]`, failures);
      });
      return;
    case "map":
      if (!isPlainObject(value) || sig !== undefined) return void bad();
      for (const [k, v] of Object.entries(value)) checkValue(v, type.of, schema, `${path}.${k}`, failures);
      return;
    case "object": {
      if (!isPlainObject(value) || sig !== undefined) return void bad();
      const decl = schema.objects[type.ref];
      if (!decl) return;
      checkProperties(value, decl, schema, path, failures);
      return;
    }
    case "union": {
      for (const alt of type.of) {
        const trial: Failure[] = [];
        checkValue(value, alt, schema, path, trial);
        if (trial.length === 0) return;
      }
      bad();
      return;
    }
  }
}

/** All the failures of one resource's inputs. */
export function checkInputs(inputs: Props, schema: ResourceSchema): Failure[] {
  const failures: Failure[] = [];
  checkProperties(inputs, schema.inputs, schema, "", failures);
  return failures;
}
