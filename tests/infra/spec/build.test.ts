/** infra/spec/build.ts: `buildServiceSpec`'s tier defaults (infra/spec/tiers.ts) and what it derives from them. */
import { describe, expect, it } from "vitest";
import { DEFAULT_PORT, HEALTH_PATHS } from "../../../api/config.js";
import { buildServiceSpec } from "../../../infra/spec/index.js";
import { assumedOperatorValues } from "../../../tools/stacks/assumptions.js";

const OPERATOR = assumedOperatorValues("eu-west-1");

describe("buildServiceSpec tiers", () => {
  it("derives dev, staging and prod defaults", () => {
    const dev = buildServiceSpec({ cloud: "aws" }, { stack: "dev" });
    const staging = buildServiceSpec({ cloud: "aws" }, { stack: "staging" });
    const prod = buildServiceSpec({ cloud: "aws", ...OPERATOR }, { stack: "prod", awsRegion: "eu-west-1" });
    expect([dev, staging, prod].map((s) => s.network.availabilityZones)).toEqual([2, 2, 3]);
    expect([dev, staging, prod].map((s) => s.network.natGatewaysPerAz)).toEqual([false, false, true]);
    expect([dev, staging, prod].map((s) => s.ingress.waf.enabled)).toEqual([false, true, true]);
    expect([dev, staging, prod].map((s) => s.operations.execEnabled)).toEqual([true, true, false]);
    expect(prod.database).toMatchObject({
      highAvailability: true,
      deletionProtection: true,
      crossRegionBackup: { enabled: true },
    });
    expect(prod.perCloud.aws.drRegion).toBe("eu-central-1");
    expect(prod.ingress.httpsOnly).toBe(true);
    expect(dev.ingress.httpsOnly).toBe(false);
    expect(dev.container.port).toBe(DEFAULT_PORT);
    expect(dev.container.health.ready).toBe(HEALTH_PATHS.ready);
    expect(dev.container.stopTimeoutSeconds).toBeGreaterThan(dev.container.shutdownTimeoutSeconds);
  });

  it("caps V8's heap at 75 % of the task's memory, so the container keeps room for native memory", () => {
    const heapLimit = (raw: Record<string, string>) =>
      buildServiceSpec({ cloud: "aws", ...raw }, { stack: "dev", awsRegion: "eu-west-1" }).container
        .environment.NODE_OPTIONS;
    expect(heapLimit({})).toBe("--max-old-space-size=384"); // dev default: 512 MiB
    expect(heapLimit({ cpu: "1" })).toBe("--max-old-space-size=1536");
    expect(heapLimit({ memoryMiB: "8192" })).toBe("--max-old-space-size=6144");
  });

  it("lets an explicit environment override the stack name", () => {
    const spec = buildServiceSpec({ cloud: "aws", environment: "staging" }, { stack: "feature-x" });
    expect(spec.environment).toBe("staging");
    expect(spec.name).toBe("twincloud-feature-x");
  });
});
