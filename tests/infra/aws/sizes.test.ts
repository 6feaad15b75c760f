/** infra/aws/sizes.ts: spec sizes as Fargate CPU units. */
import { describe, expect, it } from "vitest";
import { cpuUnits } from "../../../infra/aws/sizes.js";

describe("sizes", () => {
  it("converts vCPU to Fargate CPU units", () => {
    expect([0.25, 0.5, 1, 2, 4].map(cpuUnits)).toEqual([256, 512, 1024, 2048, 4096]);
  });
});
