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

/** A cursor this API issued, or undefined for anything else. */
export function decodeCursor(cursor: string): Cursor | undefined {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [ms, id] = value as [unknown, unknown];
    if (typeof ms !== "number" || !Number.isSafeInteger(ms) || ms < 0 || ms > 8.64e15) return undefined;
    if (typeof id !== "string" || !UUID.test(id)) return undefined;
    return { createdAt: new Date(ms), id };
  } catch {
    return undefined;
  }
}
