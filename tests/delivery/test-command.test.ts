import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/**
 * CI runs the README's test command (`npm test`) and judges from what it printed whether tests ran. A run that
 * ended with the rehearsals' own summary was once taken for a run that executed no test: vitest's summary of
 * files and tests must be the last thing `npm test` prints.
 */
const scripts = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    scripts: Record<string, string>;
  }
).scripts;
const steps = (scripts.test ?? "").split("&&").map((step) => step.trim());

describe("npm test", () => {
  it("ends with vitest, so its summary of files and tests closes the run", () => {
    expect(steps.at(-1)).toBe("vitest run");
  });

  it("still runs lint, the type check and the real-engine rehearsals before it", () => {
    expect(steps.slice(0, -1)).toEqual([
      "npm run lint",
      "npm run typecheck",
      "npm run rehearse:all -- --what-if",
    ]);
  });

  it("is the command the README and .ci/run name", () => {
    expect(readFileSync(new URL("../../README.md", import.meta.url), "utf8")).toMatch(/^npm test\s/m);
    expect(
      readFileSync(new URL("../../.ci/run", import.meta.url), "utf8")
        .trimEnd()
        .split("\n")
        .at(-1),
    ).toBe("npm test");
  });
});
