import { z } from "@hono/zod-openapi";
import { TASK_PRIORITIES, TASK_STATUSES } from "../../db/tasks.js";
import { DUE_DATE_PATTERN, parseDueDate } from "./tasks.codecs.js";

/** PostgreSQL text cannot hold NUL; other C0 controls (except tab/newline/CR) are rejected as noise. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
const NO_CONTROL_CHARS = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;
const CONTROL_MESSAGE = "must not contain control characters";

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
const DUE_DATE_FORMAT =
  "must be an RFC 3339 date-time with offset, to the millisecond or coarser, e.g. 2026-12-31T17:00:00Z";
const DUE_DATE_RANGE = "must lie between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z (UTC)";
const DueDate = z
  .string()
  .max(40)
  .regex(DUE_DATE_PATTERN, DUE_DATE_FORMAT)
  .superRefine((value, ctx) => {
    const parsed = parseDueDate(value);
    if (parsed.ok || !DUE_DATE_PATTERN.test(value)) return; // the regex already reported a bad shape
    ctx.addIssue({ code: "custom", message: parsed.reason === "range" ? DUE_DATE_RANGE : DUE_DATE_FORMAT });
  })
  .openapi({
    format: "date-time",
    description:
      "RFC 3339 date-time with an offset (Z or ±hh:mm), at most millisecond precision (further digits must be 0), " +
      "a real calendar date, whose UTC instant lies between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z. " +
      "Read back as that instant in UTC, YYYY-MM-DDTHH:mm:ss.sssZ.",
    example: "2026-12-31T17:00:00Z",
  });

export const TaskSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string().nullable(),
    status: Status,
    priority: Priority,
    dueDate: z
      .string()
      .nullable()
      .openapi({ format: "date-time", description: "The UTC instant, YYYY-MM-DDTHH:mm:ss.sssZ." }),
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
  .openapi("UpdateTask", { minProperties: 1 });

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
      // Absent or empty, the API answers 428 (the handler's check), not a 400 from this schema.
      minLength: 1,
      description:
        'Required: the ETag from a previous response (e.g. "3"), or * to skip the version check. Absent or empty: 428.',
    }),
});
