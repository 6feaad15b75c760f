import type { Sql, TransactionSql } from "postgres";
import type { Database } from "./database.js";
import {
  type IdempotencyClaim,
  type IdempotentOutcome,
  type RecordedResponse,
  runIdempotent,
} from "./idempotency.js";

export const TASK_STATUSES = ["todo", "in_progress", "done"] as const;
export const TASK_PRIORITIES = ["low", "medium", "high"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

export interface TaskRow {
  id: string;
  title: string;
  description: string | null;
  status: TaskStatus;
  priority: TaskPriority;
  due_date: Date | null;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export interface NewTask {
  title: string;
  description?: string | null | undefined;
  status?: TaskStatus | undefined;
  priority?: TaskPriority | undefined;
  dueDate?: string | null | undefined;
}

export type TaskPatch = Partial<{
  title: string;
  description: string | null;
  status: TaskStatus;
  priority: TaskPriority;
  dueDate: string | null;
}>;

export interface Cursor {
  createdAt: Date;
  id: string;
}

/** The versions If-Match accepts; undefined means `If-Match: *` (any current version). */
export type Precondition = number[] | undefined;

export type MutationResult<T> =
  | { kind: "ok"; value: T }
  | { kind: "not_found" }
  | { kind: "precondition_failed" };

export class TaskRepository {
  constructor(private readonly db: Database) {}

  get(id: string): Promise<TaskRow | undefined> {
    return this.db.run("task_get", async (sql) => {
      const rows = await sql<TaskRow[]>`
        select id, title, description, status, priority, due_date, created_at, updated_at, version
        from tasks where id = ${id}`;
      return rows[0];
    });
  }

  /**
   * Keyset page in (created_at, id) order: a row-value comparison on the index, so rows inserted while a
   * client walks the pages never shift the ones it has not seen yet (no repeats, no skips).
   */
  list(options: {
    limit: number;
    status?: TaskStatus | undefined;
    after?: Cursor | undefined;
  }): Promise<TaskRow[]> {
    const { limit, status, after } = options;
    // One static statement per filter combination (same column list as get): no fragment building per
    // request, and each is prepared once per connection.
    return this.db.run("task_list", (sql) => {
      if (after && status) {
        return sql<TaskRow[]>`
          select id, title, description, status, priority, due_date, created_at, updated_at, version from tasks
          where status = ${status} and (created_at, id) > (${after.createdAt}, ${after.id}::uuid)
          order by created_at, id limit ${limit}`;
      }
      if (after) {
        return sql<TaskRow[]>`
          select id, title, description, status, priority, due_date, created_at, updated_at, version from tasks
          where (created_at, id) > (${after.createdAt}, ${after.id}::uuid)
          order by created_at, id limit ${limit}`;
      }
      if (status) {
        return sql<TaskRow[]>`
          select id, title, description, status, priority, due_date, created_at, updated_at, version from tasks
          where status = ${status}
          order by created_at, id limit ${limit}`;
      }
      return sql<
        TaskRow[]
      >`select id, title, description, status, priority, due_date, created_at, updated_at, version from tasks order by created_at, id limit ${limit}`;
    });
  }

  static #insert(sql: Sql | TransactionSql, task: NewTask) {
    return sql<TaskRow[]>`
      insert into tasks (title, description, status, priority, due_date)
      values (${task.title}, ${task.description ?? null}, ${task.status ?? "todo"},
              ${task.priority ?? "medium"}, ${task.dueDate ?? null})
      returning id, title, description, status, priority, due_date, created_at, updated_at, version`;
  }

  async create(task: NewTask): Promise<TaskRow> {
    // A plain INSERT waits on no lock: one auto-commit statement when it cannot outlive its request, else
    // the guarded transaction without the statement_timeout statement (Database.write).
    const rows = await this.db.write("task_create", (tx) => TaskRepository.#insert(tx, task), {
      boundStatements: false,
      single: true,
    });
    return rows[0]!;
  }

  /** Creates the task once per Idempotency-Key (db/idempotency.ts), recording the response `render` makes. */
  createIdempotent(
    task: NewTask,
    claim: IdempotencyClaim,
    render: (row: TaskRow) => RecordedResponse,
  ): Promise<IdempotentOutcome<TaskRow>> {
    return runIdempotent(this.db, "task_create_idempotent", claim, async (tx) => {
      const [row] = await TaskRepository.#insert(tx, task);
      return { value: row!, response: render(row!) };
    });
  }

  /**
   * The version check lives in the UPDATE's WHERE clause: of N concurrent PATCHes carrying the same
   * ETag, the first to lock the row wins and the others re-evaluate the WHERE against the new version
   * and update nothing (→ 412). `previous_status` feeds the tasks_completed_total counter.
   */
  update(
    id: string,
    patch: TaskPatch,
    expectedVersion: Precondition,
  ): Promise<MutationResult<TaskRow & { previous_status: TaskStatus }>> {
    return this.db.write("task_update", async (sql) => {
      const set: Record<string, string | null> = {};
      if (patch.title !== undefined) set.title = patch.title;
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.status !== undefined) set.status = patch.status;
      if (patch.priority !== undefined) set.priority = patch.priority;
      if (patch.dueDate !== undefined) set.due_date = patch.dueDate;
      const columns = Object.keys(set);
      if (columns.length === 0) throw new Error("empty patch");
      const versionFilter =
        expectedVersion === undefined ? sql`` : sql`and t.version = any(${expectedVersion}::int[])`;
      const rows = await sql<(TaskRow & { previous_status: TaskStatus })[]>`
        with old as (select id, status from tasks where id = ${id} for update)
        update tasks t
        set ${sql(set, columns)}, updated_at = now(), version = t.version + 1
        from old
        where t.id = old.id ${versionFilter}
        returning t.id, t.title, t.description, t.status, t.priority, t.due_date, t.created_at,
                  t.updated_at, t.version, old.status as previous_status`;
      if (rows[0]) return { kind: "ok", value: rows[0] };
      const exists = await sql`select 1 from tasks where id = ${id}`;
      return exists.length > 0 ? { kind: "precondition_failed" } : { kind: "not_found" };
    });
  }

  delete(id: string, expectedVersion: Precondition): Promise<MutationResult<null>> {
    return this.db.write("task_delete", async (sql) => {
      const versionFilter =
        expectedVersion === undefined ? sql`` : sql`and version = any(${expectedVersion}::int[])`;
      const rows = await sql`delete from tasks where id = ${id} ${versionFilter} returning id`;
      if (rows.length > 0) return { kind: "ok", value: null };
      const exists = await sql`select 1 from tasks where id = ${id}`;
      return exists.length > 0 ? { kind: "precondition_failed" } : { kind: "not_found" };
    });
  }
}
