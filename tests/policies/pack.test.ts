/**
 * The pack as a whole: the compliant fixtures pass with no violation at all; the pack is exactly its rules
 * modules (one per service area under policies/rules/, each mirrored by tests/policies/rules/<area>.test.ts);
 * docs/policies.md lists exactly the pack's rules.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Tier } from "../../policies/lib/environment.js";
import { policies, RULE_MODULES } from "../../policies/pack.js";
import { awsStack, azureStack, find, refresh, run, summary } from "./fixtures.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TIERS: Tier[] = ["dev", "staging", "prod"];

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

describe("compliant fixtures", () => {
  for (const env of TIERS) {
    it(`AWS ${env}: no violation`, () => {
      expect(summary(run(awsStack(env), { environment: env }))).toEqual([]);
    });
    it(`Azure ${env}: no violation`, () => {
      expect(summary(run(azureStack(env), { environment: env }))).toEqual([]);
    });
  }
});

describe("a resource left out of the operation before it exists (pulumi up --exclude)", () => {
  // The deploy pipeline's first phase on a new stack excludes the API service / app (docs/database-identity.md):
  // the engine hands the policies that resource with no inputs at all. Judged once it exists, not before.
  it("is not judged while it has no inputs, and is once it has them", () => {
    for (const [cloud, stack, name] of [
      ["aws", awsStack("prod"), "service"],
      ["azure", azureStack("prod"), "api"],
    ] as const) {
      const target = find(stack, name);
      target.props = {};
      target.outputs = {};
      // What the engine still hands over: its dependencies (the service's security group among them).
      if (cloud === "aws") target.dependencies = [find(stack, "svc-sg").urn, find(stack, "cluster").urn];
      // Neither by resource policies nor by the stack policies that would read its inputs
      // (prod-high-availability, network-reachability).
      expect(summary(run(stack)), cloud).toEqual([]);
      // The same resource registered with inputs is judged as ever (here: no tags, one replica).
      target.props = cloud === "aws" ? { desiredCount: 1 } : { template: { scale: { minReplicas: 1 } } };
      const judged = run(refresh(stack)).filter((v) => v.resource.name === name);
      expect(new Set(judged.map((v) => v.policyName)), cloud).toEqual(
        new Set(["required-tags", "prod-high-availability"]),
      );
    }
  });
});

describe("the pack's layout", () => {
  it("every file under policies/rules/ is a rules module of the pack, and only those", () => {
    const files = filesUnder("policies/rules").map((f) => f.replace(/^policies\/rules\/|\.ts$/g, ""));
    expect(files.sort()).toEqual(Object.keys(RULE_MODULES).sort());
  });

  it("each rules module is mirrored by a test file that runs its mutations", () => {
    const tests = filesUnder("tests/policies/rules")
      .filter((f) => f.endsWith(".test.ts"))
      .map((f) => f.replace(/^tests\/policies\/rules\/|\.test\.ts$/g, ""));
    expect(tests.sort()).toEqual(Object.keys(RULE_MODULES).sort());
    for (const path of Object.keys(RULE_MODULES)) {
      const test = readFileSync(join(ROOT, `tests/policies/rules/${path}.test.ts`), "utf8");
      expect(test, path).toMatch(new RegExp(`blocksEach\\(\\s*"${path}"`));
    }
  });

  it("the pack is exactly the modules' policies, each name once", () => {
    const fromModules = Object.values(RULE_MODULES).flatMap((m) => m.policies.map((p) => p.name));
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...fromModules].sort());
  });

  it("the pack imports only pure leaves of the program (spec, sizes, the API's config), never a tool", () => {
    const allowed = /^(policies\/|infra\/spec\/|infra\/(aws|azure)\/sizes\.ts$|api\/config\.ts$)/;
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(join(ROOT, file), "utf8");
      for (const [, spec] of text.matchAll(/^(?:import|export)[^"']*from\s+["'](\.[^"']+)["']/gm)) {
        const target = relative(ROOT, join(ROOT, file, "..", spec!)).replace(/\.js$/, ".ts");
        if (target.endsWith(".ts")) visit(target);
      }
    };
    visit("policies/pack.ts");
    expect([...seen].filter((f) => !allowed.test(f))).toEqual([]);
    expect([...seen]).toContain("infra/spec/constants.ts");
  });

  it("no source file in policies/ is over 450 lines", () => {
    const long = filesUnder("policies")
      .filter((f) => /\.(ts|cjs)$/.test(f))
      .filter((f) => readFileSync(join(ROOT, f), "utf8").split("\n").length > 450);
    expect(long).toEqual([]);
  });
});

describe("docs/policies.md", () => {
  it("its rule tables list exactly the pack's policies", () => {
    const doc = readFileSync(join(ROOT, "docs/policies.md"), "utf8");
    const rules = doc.slice(doc.indexOf("\n## Rules"), doc.indexOf("\n## ", doc.indexOf("\n## Rules") + 1));
    const listed = [...rules.matchAll(/^\| `([a-z0-9-]+)`/gm)].map((m) => m[1]);
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed.sort()).toEqual(policies.map((p) => p.name).sort());
  });
});
