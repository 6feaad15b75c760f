/**
 * Pulumi's wire encoding of property values inside a protobuf Struct (see @pulumi/pulumi runtime/rpc.js):
 * unknowns are a sentinel string, secrets/assets/archives/resource references are objects tagged with a
 * signature key. Helpers to recognise, unwrap and compare them.
 */
import { createHash } from "node:crypto";

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

export type Value = unknown;
export type Props = Record<string, Value>;

export function isPlainObject(v: Value): v is Props {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function signature(v: Value): string | undefined {
  return isPlainObject(v) && typeof v[SIG_KEY] === "string" ? (v[SIG_KEY] as string) : undefined;
}

export function isUnknown(v: Value): boolean {
  if (v === UNKNOWN) return true;
  return signature(v) === OUTPUT_SIG && !("value" in (v as Props));
}

export function isSecret(v: Value): boolean {
  return signature(v) === SECRET_SIG;
}

/** A value with secret (and output-value) wrappers removed, deeply. */
export function reveal(v: Value): Value {
  const sig = signature(v);
  if (sig === SECRET_SIG || sig === OUTPUT_SIG) return reveal((v as Props).value);
  if (Array.isArray(v)) return v.map(reveal);
  if (isPlainObject(v) && sig === undefined) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
  }
  return v;
}

/** A value, revealed, as a non-empty string; else `fallback`. */
export function str(v: Value, fallback = ""): string {
  const r = reveal(v);
  return typeof r === "string" && r.length > 0 ? r : fallback;
}

/** True when the value is or contains an unknown. */
export function containsUnknown(v: Value): boolean {
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (isPlainObject(v)) return Object.values(v).some(containsUnknown);
  return false;
}

/** JSON documents (IAM policies, container definitions) compare by content, as the providers normalise them. */
function canonicalJsonString(s: string): string | undefined {
  const t = s.trim();
  if (!(t.startsWith("{") || t.startsWith("["))) return undefined;
  try {
    return JSON.stringify(sortKeys(JSON.parse(t)));
  } catch {
    return undefined;
  }
}

function sortKeys(v: Value): Value {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isPlainObject(v)) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k])]),
    );
  }
  return v;
}

/** Deep equality of two input values, secrets unwrapped; an unknown never equals anything. */
export function sameValue(a: Value, b: Value): boolean {
  if (isUnknown(a) || isUnknown(b)) return false;
  const x = reveal(a);
  const y = reveal(b);
  if (x === y) return true;
  if (x === undefined || x === null) return y === undefined || y === null;
  if (y === undefined || y === null) return false;
  if (typeof x === "string" && typeof y === "string") {
    const cx = canonicalJsonString(x);
    return cx !== undefined && cx === canonicalJsonString(y);
  }
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    return x.every((e, i) => sameValue(e, y[i]));
  }
  if (isPlainObject(x) && isPlainObject(y)) {
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    for (const k of keys) if (!sameValue(x[k], y[k])) return false;
    return true;
  }
  return false;
}

/** Deterministic hex of any length from a seed. */
export function hex(seed: string, length = 64): string {
  let out = "";
  for (let i = 0; out.length < length; i++) out += createHash("sha256").update(`${seed}:${i}`).digest("hex");
  return out.slice(0, length);
}

/** A stable GUID from a seed. */
export function guid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The value at a dotted path (`a.b.c`), secrets unwrapped on the way. */
export function getPath(v: Value, path: string): Value {
  let cur: Value = v;
  for (const part of path.split(".")) {
    const r = reveal(cur);
    if (!isPlainObject(r)) return undefined;
    cur = r[part];
  }
  return cur;
}

/** `urn:pulumi:stack::project::type::name` → name (the last segment), and the type. */
export function urnParts(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const name = parts[parts.length - 1] ?? urn;
  const qualified = parts[parts.length - 2] ?? "";
  const type = qualified.split("$").pop() ?? qualified;
  return { type, name };
}
