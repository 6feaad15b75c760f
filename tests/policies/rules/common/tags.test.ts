// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/common/tags.ts: required tags on every taggable type. */
import { describe, expect, it } from "vitest";
import { awsStack, byPolicy, find, firewall, res, run, tags } from "../../fixtures.js";
import { blocksEach } from "../mutations.js";

blocksEach("common/tags", [
  [
    "missing managed-by tag",
    "aws",
    "repo",
    (p) => void (p.tags = { ...tags("prod"), "managed-by": "" }),
    "required-tags",
  ],
  ["no tags at all", "aws", "logs", (p) => void delete p.tags, "required-tags"],
]);

describe("edge cases", () => {
  it("types without tags in their schema (SG rules, firewall rules) need no tags", () => {
    const v = run([...awsStack("prod"), firewall("10.0.0.1", "10.0.0.1")]);
    expect(byPolicy(v, "required-tags")).toEqual([]);
  });

  it("AWS provider defaultTags count as the resource's tags", () => {
    const provider = res("pulumi:providers:aws", "aws", {
      region: "eu-west-1",
      defaultTags: { tags: tags("prod") },
    });
    const repo = find(awsStack("prod"), "repo");
    delete repo.props.tags;
    repo.opts = { provider: `${provider.urn}::provider-id` };
    expect(byPolicy(run([provider, repo]), "required-tags")).toEqual([]);
    repo.opts = {};
    expect(byPolicy(run([provider, repo]), "required-tags")).toHaveLength(1);
  });
});

describe("required tags during preview", () => {
  it("an unknown tag map is a can't-run advisory, not a missing-tag violation", () => {
    const stack = awsStack("prod");
    find(stack, "repo").props.tags = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff";
    const v = byPolicy(run(stack), "required-tags");
    expect(v.map((x) => x.enforcementLevel)).toEqual(["advisory"]);
  });
});
