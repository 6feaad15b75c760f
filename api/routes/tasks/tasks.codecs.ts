import type { Cursor, TaskRow } from "../../db/tasks.js";

/** A task row as the API shows it (camelCase, ISO timestamps). */
export function toApiTask(row: TaskRow) {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    dueDate: row.due_date ? row.due_date.toISOString() : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    version: row.version,
  };
}

/**
 * The instants the API stores and shows: 0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z. Inside it
 * every instant has exactly one canonical form, `Date.prototype.toISOString()`'s `YYYY-MM-DDTHH:mm:ss.sssZ`
 * (four-digit year, UTC, milliseconds), which PostgreSQL's timestamptz(3) stores exactly and which
 * db/timestamps.ts parses back exactly. Outside it PostgreSQL or JavaScript would need a year 0, a sign or a
 * fifth digit (and postgres.js's `new Date()` used to crash or shift years 0-99 by 1900/2000).
 */
export const INSTANT_MIN_MS = utcMs(1, 1, 1, 0, 0, 0, 0);
export const INSTANT_MAX_MS = utcMs(9999, 12, 31, 23, 59, 59, 999);

/** Date.UTC without its two-digit-year rule (years 0-99 are not 1900-1999). */
function utcMs(year: number, month: number, day: number, h: number, m: number, s: number, ms: number) {
  const date = new Date(Date.UTC(2000, month - 1, day, h, m, s, ms));
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

/**
 * RFC 3339 `date-time` (T and Z in either case, an offset up to ±23:59, no leap second), with at most
 * millisecond precision: digits after the third fractional one must be 0, since timestamptz(3) would round
 * them away (and round 9999-12-31T23:59:59.9995Z into year 10000).
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3})0{0,6})?([Zz]|([+-])(\d{2}):(\d{2}))$/;
/** The same grammar, for the OpenAPI document (`pattern`). */
export const DUE_DATE_PATTERN = RFC3339;

export type DueDateParse = { ok: true; ms: number } | { ok: false; reason: "format" | "range" };

/** A `dueDate` → its UTC instant (epoch ms), or why it is refused. */
export function parseDueDate(value: string): DueDateParse {
  const match = RFC3339.exec(value);
  if (!match) return { ok: false, reason: "format" };
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = match[7] ?? "";
  const ms = fraction === "" ? 0 : Number(fraction.padEnd(3, "0"));
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) {
    return { ok: false, reason: "format" };
  }
  const local = utcMs(year, month, day, hour, minute, second, ms);
  if (day < 1 || new Date(local).getUTCDate() !== day) return { ok: false, reason: "format" };
  let offsetMinutes = 0;
  if (match[9]) {
    const offsetHours = Number(match[10]);
    const offsetMins = Number(match[11]);
    if (offsetHours > 23 || offsetMins > 59) return { ok: false, reason: "format" };
    offsetMinutes = (match[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const instant = local - offsetMinutes * 60_000;
  if (instant < INSTANT_MIN_MS || instant > INSTANT_MAX_MS) return { ok: false, reason: "range" };
  return { ok: true, ms: instant };
}

/** An accepted `dueDate` in the canonical form the API stores and answers (`YYYY-MM-DDTHH:mm:ss.sssZ`). */
export function canonicalDueDate(value: string): string {
  const parsed = parseDueDate(value);
  if (!parsed.ok) throw new Error("canonicalDueDate: value was not validated");
  return new Date(parsed.ms).toISOString();
}

/** The strong ETag of a task version. */
export const etagOf = (version: number) => `"${version}"`;

/**
 * If-Match → the versions it accepts: `undefined` for `*`, else the list (possibly empty: nothing can
 * match). Weak tags never match (RFC 9110 §13.1.1 uses the strong comparison).
 */
export function parseIfMatch(header: string): number[] | undefined {
  const versions: number[] = [];
  for (const part of header.split(",")) {
    const tag = part.trim();
    if (tag === "*") return undefined;
    const match = /^"(\d{1,9})"$/.exec(tag);
    if (match) versions.push(Number(match[1]));
  }
  return versions;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The opaque `nextCursor`: base64url of `[createdAt ms, id]`. */
export function encodeCursor(row: Pick<TaskRow, "created_at" | "id">): string {
  return Buffer.from(JSON.stringify([row.created_at.getTime(), row.id])).toString("base64url");
}

/**
 * A cursor this API could have issued, or undefined for anything else: exactly two fields, a whole number of
 * milliseconds from 1970 up to the last instant PostgreSQL and the API both represent (INSTANT_MAX_MS; a
 * larger one used to reach the database as a year PostgreSQL refuses: a 500), and a UUID.
 */
export function decodeCursor(cursor: string): Cursor | undefined {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [ms, id] = value as [unknown, unknown];
    if (typeof ms !== "number" || !Number.isInteger(ms) || ms < 0 || ms > INSTANT_MAX_MS) return undefined;
    if (typeof id !== "string" || !UUID.test(id)) return undefined;
    return { createdAt: new Date(ms), id };
  } catch {
    return undefined;
  }
}
