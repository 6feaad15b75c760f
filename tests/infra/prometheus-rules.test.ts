/** infra/prometheus-rules.ts: Prometheus durations as Azure takes them. */
import { describe, expect, it } from "vitest";
import { durationSeconds, isoDuration } from "../../infra/prometheus-rules.js";

describe("durations as Azure takes them", () => {
  it("converts Prometheus durations to ISO 8601", () => {
    expect(isoDuration(durationSeconds("2m"))).toBe("PT2M");
    expect(isoDuration(durationSeconds("1h"))).toBe("PT1H");
    expect(isoDuration(durationSeconds("1h30m"))).toBe("PT1H30M");
    expect(isoDuration(durationSeconds("3d"))).toBe("P3D");
    expect(isoDuration(durationSeconds("30s"))).toBe("PT30S");
    expect(() => durationSeconds("2 minutes")).toThrow();
  });
});
