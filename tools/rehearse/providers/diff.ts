/**
 * Diff: one resource's old and new inputs compared key by key (secrets unwrapped, JSON documents by content, an
 * unknown is a change), with the replacement table (replacements.ts `replaceOnChanges`) applied and the nested
 * inputs a provider ignores left out. Used by the gRPC service's Diff and DiffConfig (server.ts).
 */
import { replaceOnChanges } from "./replacements.js";
import { getPath, isPlainObject, type Props, reveal, sameValue, type Value } from "./values.js";

export interface DiffResult {
  changes: boolean;
  diffs: string[];
  replaces: string[];
  detailed: Record<string, { kind: string }>;
}

/**
 * Nested inputs a provider's Diff does not count as changes. pulumi-docker v4 provider.go `diffUpdates`:
 * "only register a diff on "server" field, but not on "username" or "password", as they can change
 * frequently and should not trigger a rebuild" (the Azure program's ACR token is unknown on every preview).
 */
export const DIFF_IGNORED: Readonly<Record<string, readonly string[]>> = {
  "docker:index/image:Image": ["registry.username", "registry.password"],
};

function withoutPaths(value: Value, key: string, paths: readonly string[]): Value {
  const sub = paths.filter((p) => p.startsWith(`${key}.`)).map((p) => p.slice(key.length + 1));
  const v = reveal(value);
  if (sub.length === 0 || !isPlainObject(v)) return value;
  const copy: Props = { ...v };
  for (const p of sub) if (!p.includes(".")) delete copy[p];
  return copy;
}

/** Diff of one resource's old and new inputs, with the replacement table applied. */
export function diffInputs(type: string, oldInputs: Props, news: Props, ignore: string[] = []): DiffResult {
  const replacePaths = replaceOnChanges(type);
  const keys = new Set([...Object.keys(oldInputs), ...Object.keys(news)]);
  const diffs: string[] = [];
  const replaces = new Set<string>();
  const detailed: Record<string, { kind: string }> = {};
  for (const key of [...keys].sort()) {
    if (key.startsWith("__") || ignore.includes(key)) continue;
    const o = oldInputs[key];
    const n = news[key];
    const ignored = DIFF_IGNORED[type] ?? [];
    if (sameValue(withoutPaths(o, key, ignored), withoutPaths(n, key, ignored))) continue;
    diffs.push(key);
    const nested = replacePaths.filter((p) => p.startsWith(`${key}.`));
    let replace = replacePaths.includes(key);
    const replacedPaths: string[] = [];
    for (const p of nested) {
      const po = getPath(oldInputs, p);
      const pn = getPath(news, p);
      if (!sameValue(po, pn) && !(po === undefined && pn === undefined)) {
        replace = true;
        replacedPaths.push(p);
      }
    }
    const absentOld = o === undefined || o === null;
    const absentNew = n === undefined || n === null;
    const base = absentOld ? "ADD" : absentNew ? "DELETE" : "UPDATE";
    if (replace) replaces.add(key);
    if (replacedPaths.length > 0) {
      for (const p of replacedPaths) detailed[p] = { kind: `${base}_REPLACE` };
    } else {
      detailed[key] = { kind: replace ? `${base}_REPLACE` : base };
    }
  }
  return { changes: diffs.length > 0, diffs, replaces: [...replaces], detailed };
}
