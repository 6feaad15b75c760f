/** infra/azure/sizes.ts: memory as Container Apps quantities. */
import { describe, expect, it } from "vitest";
import { memoryQuantity } from "../../../infra/azure/sizes.js";

describe("sizes", () => {
  it("renders memory as Container Apps quantities", () => {
    expect([512, 1024, 2048, 4096].map(memoryQuantity)).toEqual(["0.5Gi", "1Gi", "2Gi", "4Gi"]);
  });
});
