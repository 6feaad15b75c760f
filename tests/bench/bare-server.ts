/**
 * The benchmark's baseline: Hono on @hono/node-server with postgres.js and NO middleware (no auth, rate
 * limiting, validation, request ids, security headers, metrics, logging, compression, timeouts), running the
 * same SQL as the API for the same four routes and answering the same JSON shapes. Whatever the full API
 * costs on top of this is what its production features cost.
 *
 * Standalone on purpose (imports packages only, erasable TypeScript only): the benchmark transpiles it to
 * plain JavaScript, so, like the built API, it runs with no tsx loader and no type stripping in the process
 * whose CPU and memory are measured. By hand: `node tests/bench/bare-server.ts` (Node's type stripping).
 *
 * Environment: DATABASE_URL (required), PORT (default 3100), HOST (default 127.0.0.1), DATABASE_POOL_MAX
 * (default 10, the API's default). Prints `listening <port>` on stdout when ready; exits on SIGTERM.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import postgres from "postgres";

interface TaskRow {
  id: string;
  title: string;
  description: string | null;
  status: string;
  priority: string;
  due_date: Date | null;
  created_at: Date;
  updated_at: Date;
  version: number;
}

const COLUMNS = "id, title, description, status, priority, due_date, created_at, updated_at, version";

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write("DATABASE_URL is required\n");
  process.exit(1);
}
const sql = postgres(url, {
  max: Number(process.env.DATABASE_POOL_MAX ?? 10),
  prepare: true,
  idle_timeout: 60,
  onnotice: () => {},
});

const toTask = (row: TaskRow) => ({
  id: row.id,
  title: row.title,
  description: row.description,
  status: row.status,
  priority: row.priority,
  dueDate: row.due_date ? row.due_date.toISOString() : null,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  version: row.version,
});

const app = new Hono();

app.get("/health/live", (c) => c.json({ status: "ok" }));

app.get("/v1/tasks", async (c) => {
  const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 20) || 20, 1), 100);
  // Like the API: one row more than the page, to know whether there is a next page.
  const rows = await sql<TaskRow[]>`
    select ${sql.unsafe(COLUMNS)} from tasks
    where true
    order by created_at, id
    limit ${limit + 1}`;
  const page = rows.length > limit ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? Buffer.from(JSON.stringify([last.created_at.getTime(), last.id])).toString("base64url")
      : null;
  return c.json({ data: page.map(toTask), nextCursor });
});

app.get("/v1/tasks/:id", async (c) => {
  const [row] = await sql<
    TaskRow[]
  >`select ${sql.unsafe(COLUMNS)} from tasks where id = ${c.req.param("id")}`;
  if (!row) return c.json({ title: "Not Found" }, 404);
  return c.json(toTask(row), 200, { ETag: `"${row.version}"` });
});

app.post("/v1/tasks", async (c) => {
  const body = await c.req.json<{
    title: string;
    description?: string;
    status?: string;
    priority?: string;
  }>();
  const [row] = await sql<TaskRow[]>`
    insert into tasks (title, description, status, priority, due_date)
    values (${body.title}, ${body.description ?? null}, ${body.status ?? "todo"}, ${body.priority ?? "medium"}, ${null})
    returning ${sql.unsafe(COLUMNS)}`;
  return c.json(toTask(row!), 201, { ETag: `"${row!.version}"`, Location: `/v1/tasks/${row!.id}` });
});

const server = serve(
  { fetch: app.fetch, port: Number(process.env.PORT ?? 3100), hostname: process.env.HOST ?? "127.0.0.1" },
  (info) => process.stdout.write(`listening ${info.port}\n`),
);

process.once("SIGTERM", () => {
  server.close();
  void sql.end({ timeout: 2 }).finally(() => process.exit(0));
});
