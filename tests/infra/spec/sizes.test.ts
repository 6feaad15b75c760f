/** infra/spec/sizes.ts: database sizes named once and mapped by each cloud. */
import { describe, expect, it } from "vitest";
import { RDS_INSTANCE_CLASSES } from "../../../infra/aws/sizes.js";
import { FLEXIBLE_SERVER_SKUS } from "../../../infra/azure/sizes.js";
import { DATABASE_SIZES, type DatabaseSize } from "../../../infra/spec/index.js";

describe("database sizes", () => {
  it("are named once and mapped by each cloud; a burstable size is Burstable on Azure", () => {
    for (const size of Object.keys(DATABASE_SIZES) as DatabaseSize[]) {
      expect(RDS_INSTANCE_CLASSES[size]).toMatch(/^db\.[a-z0-9]+\.[a-z0-9]+$/);
      expect(FLEXIBLE_SERVER_SKUS[size].tier === "Burstable").toBe(DATABASE_SIZES[size].burstable);
    }
  });
});
