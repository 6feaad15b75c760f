import { describe, expect, it } from "vitest";
import {
  decodeCursor,
  encodeCursor,
  etagOf,
  parseIfMatch,
} from "../../../../api/routes/tasks/tasks.codecs.js";

describe("If-Match", () => {
  it("accepts strong tags, a list, or * (any version)", () => {
    expect(parseIfMatch(etagOf(3))).toEqual([3]);
    expect(parseIfMatch('"3", "4"')).toEqual([3, 4]);
    expect(parseIfMatch('"3", *')).toBeUndefined();
  });

  it("never matches weak or malformed tags", () => {
    expect(parseIfMatch('W/"3"')).toEqual([]);
    expect(parseIfMatch("3")).toEqual([]);
    expect(parseIfMatch('"1234567890"')).toEqual([]);
  });
});

describe("cursor", () => {
  it("round-trips (createdAt ms, id)", () => {
    const row = {
      created_at: new Date("2026-11-25T01:02:03.456Z"),
      id: "0192f5a4-7c1e-7000-8000-000000000000",
    };
    expect(decodeCursor(encodeCursor(row))).toEqual({ createdAt: row.created_at, id: row.id });
  });

  it("refuses cursors this API did not issue", () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    for (const cursor of [
      "not base64!",
      encode({ a: 1 }),
      encode([1, "not-a-uuid"]),
      encode([-1, "0192f5a4-7c1e-7000-8000-000000000000"]),
      encode([1.5, "0192f5a4-7c1e-7000-8000-000000000000"]),
      encode([1, "0192f5a4-7c1e-7000-8000-000000000000", 3]),
      encode([253402300800000, "0192f5a4-7c1e-7000-8000-000000000000"]), // year 10000
      encode([8.64e15, "0192f5a4-7c1e-7000-8000-000000000000"]),
    ]) {
      expect(decodeCursor(cursor)).toBeUndefined();
    }
  });
});
