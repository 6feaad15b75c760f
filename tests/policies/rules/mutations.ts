/**
 * The mutation table every rules test file is built on: one mutation of the compliant prod fixture per
 * violation, each of which the named policy must report, mandatory (prod config), with a message that says
 * what to change.
 */
import { describe, expect, it } from "vitest";
import type { EvaluatedResource } from "../../../policies/evaluate.js";
import { RULE_MODULES } from "../../../policies/pack.js";
import { awsStack, azureStack, byPolicy, find, type Props, refresh, run } from "../fixtures.js";

/** [title, cloud, resource name, mutation of its props, policy that must report it (mandatory in prod)]. */
export type Mutation = [
  title: string,
  cloud: "aws" | "azure",
  resource: string,
  mutate: (props: Props, all: EvaluatedResource[]) => void,
  policy: string,
];

/**
 * Registers one test per mutation, and one that every policy of the rules module `path` (policies/rules/
 * <path>.ts) has a mutation here, except those `advisoryByDesign` (tested on their own), and that every
 * mutation names a policy of that module (so each case lives in the test file mirroring its rule).
 */
export function blocksEach(path: string, mutations: Mutation[], advisoryByDesign: string[] = []): void {
  const names = (RULE_MODULES[path]?.policies ?? []).map((p) => p.name);
  describe("each rule blocks its violation (prod config: mandatory)", () => {
    it(`covers every policy in policies/rules/${path}.ts`, () => {
      expect(names).not.toEqual([]);
      const covered = new Set(mutations.map((m) => m[4]));
      expect(names.filter((n) => !covered.has(n) && !advisoryByDesign.includes(n))).toEqual([]);
      expect([...covered].filter((n) => !names.includes(n))).toEqual([]);
    });

    for (const [title, cloud, name, mutate, policy] of mutations) {
      it(`${cloud}: ${title} → ${policy}`, () => {
        const stack = structuredClone(cloud === "aws" ? awsStack("prod") : azureStack("prod"));
        const target = find(stack, name);
        mutate(target.props, stack);
        if (title.includes("not protected")) target.opts = { protect: false };
        const violations = byPolicy(run(refresh(stack)), policy);
        expect(violations.length, `expected ${policy} to report`).toBeGreaterThan(0);
        expect(violations.every((v) => v.enforcementLevel === "mandatory")).toBe(true);
        expect(violations[0]!.message.length).toBeGreaterThan(20);
      });
    }
  });
}
