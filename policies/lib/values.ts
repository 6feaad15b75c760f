/**
 * Reading resource properties safely. The engine wraps `props` in a proxy that throws `UnknownValueError`
 * when a rule reads a value that is unknown during `pulumi preview`; the engine reports that as an advisory
 * "can't run policy during preview" and runs the rule for real at `pulumi up`, where every input is known.
 * Rules therefore read only the fields they need (so an unknown elsewhere does not hide a violation) and
 * never catch `UnknownValueError` except through the helpers below.
 */

// biome-ignore lint/suspicious/noExplicitAny: resource props are untyped provider inputs/outputs.
export type Props = Record<string, any>;

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
