/** Both clouds: every taggable resource carries the project's tags. */
import type { Policies } from "@pulumi/policy";
import { tagsOf } from "../../lib/environment.js";
import { defineResourcePolicy, listOf } from "../../lib/policy.js";
import taggableTypes from "../../taggable/taggable-types.json" with { type: "json" };
import { aws } from "../../types.js";

/** The keys of the spec's `tags` (infra/spec/build.ts). */
const REQUIRED_TAGS = ["project", "environment", "stack", "managed-by"];

/**
 * Types whose input schema has `tags`, generated from the installed providers (policies/taggable). A
 * resource of one of these types must carry the required tags; resources of other types cannot be tagged.
 */
const TAGGABLE_TYPES: ReadonlySet<string> = new Set(
  Object.values(taggableTypes as Record<string, string[]>).flat(),
);

/** Taggable in the schema, but rule-like children of a tagged parent: not required to carry tags. */
const DEFAULT_TAG_IGNORE_TYPES = [aws.vpc.SecurityGroupIngressRule, aws.vpc.SecurityGroupEgressRule];

const requiredTags = defineResourcePolicy<{
  requiredTags: string[];
  ignoreTypes: string[];
  extraTaggableTypes: string[];
}>({
  name: "required-tags",
  description:
    "Every taggable resource carries the project's tags (project, environment, stack, managed-by).",
  types: (type, config) =>
    !config.ignoreTypes.includes(type) &&
    (TAGGABLE_TYPES.has(type) || config.extraTaggableTypes.includes(type)),
  config: {
    schema: {
      requiredTags: listOf("string", "Tag keys every taggable resource carries."),
      ignoreTypes: listOf("string", "Taggable types exempt from the rule."),
      extraTaggableTypes: listOf("string", "Types to treat as taggable in addition to the generated list."),
    },
    defaults: { requiredTags: REQUIRED_TAGS, ignoreTypes: DEFAULT_TAG_IGNORE_TYPES, extraTaggableTypes: [] },
  },
  validate: (props, { config, args }, report) => {
    // Read the resource's own tags through the engine's proxy first: a tag map (or value) that is unknown
    // during preview must yield "can't run during preview", not a missing-tag violation.
    const own = props.tags as Record<string, unknown> | undefined;
    if (own && typeof own === "object") for (const key of config.requiredTags) void own[key];
    const tags = tagsOf(props, args.provider) ?? {};
    const missing = config.requiredTags.filter((key) => !tags[key] || String(tags[key]).trim() === "");
    if (missing.length > 0) {
      report(
        `Add the tag(s) ${missing.join(", ")} (use the spec's \`tags\`: { project, environment, stack, "managed-by" }) to this ${args.type}.`,
      );
    }
  },
});

export const policies: Policies = [requiredTags];
