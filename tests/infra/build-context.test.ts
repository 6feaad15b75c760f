/** infra/build-context.ts: docker.Image's paths follow the working directory the engine starts the program in. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPaths, PROJECT_ROOT } from "../../infra/build-context.js";
import { buildServiceSpec } from "../../infra/spec/index.js";
import { assumedOperatorValues } from "../../tools/stacks/assumptions.js";

const spec = buildServiceSpec({ cloud: "aws", ...assumedOperatorValues() }, { stack: "dev" });

describe("buildPaths", () => {
  it("is the project root from the root (tests, the offline plan)", () => {
    expect(buildPaths(spec, PROJECT_ROOT)).toMatchObject({ context: ".", dockerfile: "Dockerfile" });
  });

  it("points back to the root from infra/, where the engine starts the program and the plugins", () => {
    expect(buildPaths(spec, join(PROJECT_ROOT, "infra"))).toMatchObject({
      context: "..",
      dockerfile: join("..", "Dockerfile"),
      absolute: { context: join(PROJECT_ROOT, "."), dockerfile: join(PROJECT_ROOT, "Dockerfile") },
    });
  });
});
