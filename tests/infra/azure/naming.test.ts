// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/** infra/azure/naming.ts: names that fit Azure's rules, for the migrator's identity and job too, and the address plan. */
import { describe, expect, it } from "vitest";
import {
  addressPlan,
  alphanumeric,
  hyphenated,
  resourceNames,
  uniqueNames,
} from "../../../infra/azure/naming.js";
import { buildServiceSpec, type Tier } from "../../../infra/spec/index.js";
import { ASSUMED_ALERT_EMAIL } from "../../../tools/stacks/assumptions.js";
import { useAzureStacks } from "../../support/azure-stack.js";

const run = useAzureStacks();
const spec = (stack: Tier, extra: Record<string, string> = {}) =>
  buildServiceSpec({ cloud: "azure", alertEmail: ASSUMED_ALERT_EMAIL, ...extra }, { stack });

describe("Azure names", () => {
  it("fits Azure's length and character rules, even for long stack names", () => {
    const long = buildServiceSpec(
      { cloud: "azure", environment: "dev" },
      { stack: "feature-Very_Long-branch-name-2026-11" },
    );
    for (const s of [spec("dev"), spec("prod"), long]) {
      const u = uniqueNames(s, "a1b2c3");
      expect(u.keyVault).toMatch(/^[a-z](?!.*--)[a-z0-9-]{1,22}[a-z0-9]$/);
      expect(u.registry).toMatch(/^[a-z0-9]{5,50}$/);
      expect(u.databaseServer).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
      const n = resourceNames(s);
      expect(n.app.length).toBeLessThanOrEqual(32);
      expect(n.app).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
      expect(n.actionGroupShortName.length).toBeLessThanOrEqual(12);
    }
    expect(hyphenated("--A__b--", 10)).toBe("a-b");
    expect(alphanumeric("Twin-Cloud_1", 50)).toBe("twincloud1");
  });
});

describe("Azure stacks across tiers", () => {
  it("name the migrator's identity as a valid role (≤ 63) and its job as a valid job (≤ 32), even for long stack names", () => {
    for (const name of ["twincloud-prod", `twincloud-${"very-long-feature-branch-".repeat(4)}x`]) {
      const names = resourceNames({ ...run("prod").spec, name });
      expect(names.migratorIdentity.length, name).toBeLessThanOrEqual(63);
      expect(names.migratorIdentity, name).toMatch(/^id-[a-z0-9-]+-migrator$/);
      expect(names.migratorIdentity, name).not.toMatch(/--/);
      expect(names.migratorJob.length, name).toBeLessThanOrEqual(32);
      expect(names.migratorJob, name).toMatch(/^[a-z][a-z0-9-]*-migrate$/);
      expect(names.migratorJob, name).not.toMatch(/--/);
    }
  });
});

describe("address plan", () => {
  it("carves the apps, database and endpoints subnets out of the VNet CIDR", () => {
    expect(addressPlan("10.20.0.0/16")).toEqual({
      vnet: "10.20.0.0/16",
      apps: "10.20.0.0/23",
      database: "10.20.2.0/24",
      endpoints: "10.20.3.0/24",
    });
    expect(() => addressPlan("10.20.0.0/24")).toThrow(/\/20/);
    expect(() => addressPlan("10.20.1.0/16")).toThrow(/aligned/);
  });
});
