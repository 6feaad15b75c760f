import { z } from "@hono/zod-openapi";
import { TASK_PRIORITIES, TASK_STATUSES } from "../../db/tasks.js";

/** PostgreSQL text cannot hold NUL; other C0 controls (except tab/newline/CR) are rejected as noise. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
const NO_CONTROL_CHARS = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;
const CONTROL_MESSAGE = "must not contain control characters";

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** A real calendar instant (zod's ISO check accepts 2024-02-30, which PostgreSQL would reject). */
function isRealDateTime(value: string): boolean {
  const match = ISO_DATE_TIME.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return false;
  const offset = match[8]!;
  if (offset !== "Z" && (Number(offset.slice(1, 3)) > 15 || Number(offset.slice(4, 6)) > 59)) return false;
  return !Number.isNaN(Date.parse(value));
}

const text = (max: number) => z.string().max(max).regex(NO_CONTROL_CHARS, CONTROL_MESSAGE);

const Title = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200)
  .regex(NO_CONTROL_CHARS, CONTROL_MESSAGE)
  .openapi({ example: "Write the runbook" });
const Description = text(2000).openapi({ example: "Cover failover and restore." });
const Status = z.enum(TASK_STATUSES).openapi({ description: "Workflow state." });
const Priority = z.enum(TASK_PRIORITIES).openapi({ description: "low, medium (default) or high." });
const DueDate = z
  .string()
  .max(40)
  .refine(isRealDateTime, "must be an ISO 8601 date-time with offset, e.g. 2026-12-31T17:00:00Z")
  .openapi({ format: "date-time", example: "2026-12-31T17:00:00Z" });

export const TaskSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string().nullable(),
    status: Status,
    priority: Priority,
    dueDate: z.string().nullable().openapi({ format: "date-time" }),
    createdAt: z.string().openapi({ format: "date-time" }),
    updatedAt: z.string().openapi({ format: "date-time" }),
    version: z.number().int().positive().openapi({ description: "Also sent as the ETag header." }),
  })
  .openapi("Task");

export const CreateTaskSchema = z
  .strictObject({
    title: Title,
    description: Description.nullable().optional(),
    status: Status.optional(),
    priority: Priority.optional(),
    dueDate: DueDate.nullable().optional(),
  })
  .openapi("CreateTask");

export const UpdateTaskSchema = z
  .strictObject({
    title: Title.optional(),
    description: Description.nullable().optional(),
    status: Status.optional(),
    priority: Priority.optional(),
    dueDate: DueDate.nullable().optional(),
  })
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), {
    message: "at least one field is required",
  })
  .openapi("UpdateTask");

export const TaskListSchema = z
  .object({
    data: z.array(TaskSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass as `cursor` to get the next page; null on the last page." }),
  })
  .openapi("TaskList");

export const ListQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ param: { name: "limit", in: "query" }, example: 20 }),
  status: Status.optional().openapi({ param: { name: "status", in: "query" } }),
  cursor: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "Opaque cursor from `nextCursor`." }),
});

export const IdParamSchema = z.object({
  id: z
    .uuid()
    .openapi({ param: { name: "id", in: "path" }, example: "0192f5a4-7c1e-7000-8000-000000000000" }),
});

/** Printable ASCII, 1–255 characters (a UUID is a good choice). */
const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x20-\x7e]+$/, "must be 1-255 printable ASCII characters");

export const CreateHeadersSchema = z.object({
  "idempotency-key": IdempotencyKey.optional().openapi({
    param: { name: "idempotency-key", in: "header" },
    description:
      "Makes the POST safe to retry for 24 h: a retry with the same key and body returns the original response; the same key with another body is refused with 422.",
  }),
});

export const IfMatchHeadersSchema = z.object({
  "if-match": z
    .string()
    .max(1000)
    .optional()
    .openapi({
      param: { name: "if-match", in: "header", required: true },
      description: 'Required: the ETag from a previous response (e.g. "3"), or * to skip the version check.',
    }),
});
