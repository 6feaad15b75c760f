/** Both clouds, a stack policy: the policy config passed with --policy-pack-config is the stack's own. */
import type { Policies, StackValidationPolicy } from "@pulumi/policy";
import { isTier, resolveStackEnvironment, TIERS, type Tier, tagsOf } from "../../lib/environment.js";

/** Written by hand, not with defineStackPolicy: it judges the config itself, so it takes no `environment`. */
const environmentConfigMatch: StackValidationPolicy = {
  name: "environment-config-match",
  description:
    "The policy-pack config passed with --policy-pack-config was written for this stack's environment (its environment tag).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      expectedEnvironment: {
        type: "string",
        enum: [...TIERS],
        description: "The environment this config file is for (set in policies/config/<env>.json).",
      },
    },
  },
  validateStack: (args, report) => {
    const { expectedEnvironment } = args.getConfig<{ expectedEnvironment?: Tier }>();
    if (!isTier(expectedEnvironment)) args.notApplicable("no expectedEnvironment configured");
    const tagged = new Set<string>();
    for (const r of args.resources) {
      const env = tagsOf(r.props)?.environment;
      if (env && env !== expectedEnvironment) tagged.add(env);
    }
    const actual = resolveStackEnvironment(args.resources, {}, args.stackTags);
    if (tagged.size > 0 || actual !== expectedEnvironment) {
      const found = [...new Set([...tagged, actual])].filter((e) => e !== expectedEnvironment);
      report(
        `This stack is ${found.join("/")} but the policy config is for ${expectedEnvironment}: pass --policy-pack-config policies/config/${found[0]}.json.`,
      );
    }
  },
};

export const policies: Policies = [environmentConfigMatch];
