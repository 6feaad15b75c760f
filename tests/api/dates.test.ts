import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSTANT_MAX_MS, INSTANT_MIN_MS, parseDueDate } from "../../api/routes/tasks/tasks.codecs.js";
import { expectProblem, startTestApi, type TestApi } from "./helpers.js";

/**
 * dueDate: every value the schema accepts reads back as its UTC instant in the canonical
 * `YYYY-MM-DDTHH:mm:ss.sssZ`; every value whose instant falls outside 0001-01-01T00:00:00Z ..
 * 9999-12-31T23:59:59.999Z is a 400 naming the field. Against the real database (the driver's timestamptz
 * parsing was the bug).
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ env: { RATE_LIMIT_PER_MINUTE: "1000000" } });
});
afterAll(async () => {
  await api?.close();
});

/** In-process through the full stack (no sockets): fast enough for a few hundred database round trips. */
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await api.server.app.request(path, {
    method,
    headers: { authorization: `Bearer ${api.keys.rw}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> };
}

async function roundTrip(dueDate: string): Promise<{ created: unknown; read: unknown }> {
  const created = await call("POST", "/v1/tasks", { title: "dated", dueDate });
  if (created.status !== 201)
    throw new Error(`create ${dueDate}: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.id as string;
  const read = await call("GET", `/v1/tasks/${id}`);
  if (read.status !== 200) throw new Error(`get ${dueDate}: ${read.status} ${JSON.stringify(read.body)}`);
  return { created: created.body.dueDate, read: read.body.dueDate };
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** An instant written as local time at `offsetMinutes` (RFC 3339), when its local year has four digits. */
function format(ms: number, offsetMinutes: number, fractionDigits: number): string | undefined {
  const local = new Date(ms + offsetMinutes * 60_000);
  const year = local.getUTCFullYear();
  if (year < 1 || year > 9999) return undefined;
  const millis = `.${pad(local.getUTCMilliseconds(), 3)}`;
  const frac =
    fractionDigits === 0 ? "" : millis.slice(0, fractionDigits + 1).padEnd(fractionDigits + 1, "0");
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const offset =
    offsetMinutes === 0 && fractionDigits % 2 === 0
      ? "Z"
      : `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
  return (
    `${pad(year, 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}T` +
    `${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}${frac}${offset}`
  );
}

describe("dueDate round trip", () => {
  it("reads back years 0001-0099 and the range's ends unchanged (no two-digit-year shift, no 500)", async () => {
    for (const [sent, expected] of [
      ["0042-03-01T00:00:00Z", "0042-03-01T00:00:00.000Z"],
      ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"],
      ["0001-01-01T00:00:00-01:00", "0001-01-01T01:00:00.000Z"],
      ["0099-12-31T23:59:59.999+00:00", "0099-12-31T23:59:59.999Z"],
      ["9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"],
      ["9999-12-31T23:59:59+15:00", "9999-12-31T08:59:59.000Z"],
      ["2026-06-30t12:00:00.5z", "2026-06-30T12:00:00.500Z"],
      ["2026-06-30T12:00:00.123000+05:30", "2026-06-30T06:30:00.123Z"],
      ["2024-02-29T00:00:00-23:59", "2024-02-29T23:59:00.000Z"],
    ] as const) {
      const { created, read } = await roundTrip(sent);
      expect({ sent, created, read }).toEqual({ sent, created: expected, read: expected });
    }
  });

  it("refuses instants outside 0001..9999 UTC, sub-millisecond precision and impossible dates: 400 naming dueDate", async () => {
    for (const dueDate of [
      "0001-01-01T00:00:00+01:00",
      "9999-12-31T23:59:59-15:00",
      "9999-12-31T23:59:59.999-00:01",
      "0000-12-31T23:00:00Z",
      "10000-01-01T00:00:00Z",
      "2026-01-01T00:00:00.0001Z",
      "2026-01-01T00:00:00.1234Z",
      "2026-02-30T00:00:00Z",
      "2025-02-29T00:00:00Z",
      "2026-01-01T24:00:00Z",
      "2026-01-01T23:59:60Z",
      "2026-01-01T00:00:00+24:00",
      "2026-01-01T00:00:00",
      "2026-01-01",
      "+002026-01-01T00:00:00Z",
    ]) {
      const res = await api.fetch("/v1/tasks", { method: "POST", json: { title: "out of range", dueDate } });
      const problem = await expectProblem(res, 400);
      expect(problem.errors, dueDate).toEqual([expect.objectContaining({ in: "body", name: "dueDate" })]);
    }
    const [row] = await api.sql`select count(*)::int as n from tasks where title = 'out of range'`;
    expect(row!.n).toBe(0);
  });

  it("PATCH stores the same canonical instant", async () => {
    const created = await call("POST", "/v1/tasks", { title: "patched date" });
    const id = created.body.id as string;
    const patched = await call(
      "PATCH",
      `/v1/tasks/${id}`,
      { dueDate: "0007-07-07T07:07:07.7-07:00" },
      { "if-match": "*" },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.dueDate).toBe("0007-07-07T14:07:07.700Z");
    expect((await call("GET", `/v1/tasks/${id}`)).body.dueDate).toBe("0007-07-07T14:07:07.700Z");
    const refused = await call(
      "PATCH",
      `/v1/tasks/${id}`,
      { dueDate: "0001-01-01T00:00:00+00:01" },
      { "if-match": "*" },
    );
    expect(refused.status).toBe(400);
  });

  it("property: any accepted value, at any offset and precision, reads back as its canonical UTC instant", async () => {
    const accepted = fc
      .record({
        ms: fc.integer({ min: INSTANT_MIN_MS, max: INSTANT_MAX_MS }),
        offset: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        digits: fc.constantFrom(0, 1, 2, 3, 6, 9),
      })
      .map(({ ms, offset, digits }) => {
        // Fewer than 3 fraction digits can only carry instants that are multiples of 10 or 100 ms.
        const unit = digits === 0 ? 1000 : digits === 1 ? 100 : digits === 2 ? 10 : 1;
        const rounded = Math.max(INSTANT_MIN_MS, Math.floor(ms / unit) * unit);
        return { ms: rounded, text: format(rounded, offset, digits) };
      })
      .filter((v): v is { ms: number; text: string } => v.text !== undefined);
    await fc.assert(
      fc.asyncProperty(accepted, async ({ ms, text }) => {
        expect(parseDueDate(text)).toEqual({ ok: true, ms });
        const { created, read } = await roundTrip(text);
        const canonical = new Date(ms).toISOString();
        expect({ text, created, read }).toEqual({ text, created: canonical, read: canonical });
      }),
      { numRuns: 150 },
    );
  });

  it("property: a well-formed value whose UTC instant is outside the range is a 400", async () => {
    const outside = fc
      .record({
        ms: fc.oneof(
          fc.integer({ min: INSTANT_MIN_MS - 24 * 3_600_000, max: INSTANT_MIN_MS - 1 }),
          fc.integer({ min: INSTANT_MAX_MS + 1, max: INSTANT_MAX_MS + 24 * 3_600_000 }),
        ),
        offset: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
      })
      .map(({ ms, offset }) => format(ms, offset, 3))
      .filter((text): text is string => text !== undefined);
    await fc.assert(
      fc.asyncProperty(outside, async (text) => {
        expect(parseDueDate(text)).toEqual({ ok: false, reason: "range" });
        const res = await call("POST", "/v1/tasks", { title: "outside", dueDate: text });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([expect.objectContaining({ name: "dueDate" })]);
      }),
      { numRuns: 100 },
    );
  });
});

describe("timestamptz parsing (db/timestamps.ts) against PostgreSQL", () => {
  it("parses every session time zone's output exactly, BC and five-digit years included", async () => {
    // The API's own pool (createSql: the custom parser); SET LOCAL keeps the zone inside the transaction.
    await api.server.sql.begin(async (sql) => {
      for (const zone of [
        "UTC",
        "Europe/Amsterdam",
        "Asia/Kolkata",
        "America/St_Johns",
        "Pacific/Kiritimati",
      ]) {
        await sql.unsafe(`set local time zone '${zone}'`);
        for (const literal of [
          "0001-01-01 00:00:00+00",
          "0042-03-01 12:34:56.789+00",
          "0099-12-31 23:59:59.999+00",
          "0100-01-01 00:00:00+00",
          "1900-01-01 00:00:00+00",
          "2026-12-06 01:02:03.004+00",
          "9999-12-31 23:59:59.999+00",
          "10000-01-01 00:00:00+00",
          "0001-12-31 23:00:00+00 BC",
        ]) {
          const [row] = await sql<{ at: Date; epoch: string }[]>`
            select ${literal}::text::timestamptz as at,
                   (extract(epoch from ${literal}::text::timestamptz) * 1000)::bigint::text as epoch`;
          expect({ zone, literal, ms: row!.at.getTime() }).toEqual({ zone, literal, ms: Number(row!.epoch) });
        }
      }
    });
  });
});
