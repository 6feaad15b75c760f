/**
 * The policy pack's contents, importable without starting anything: `index.ts` wraps this in
 * `new PolicyPack(...)` for the CLI, and `evaluate.ts` runs the very same policy objects offline.
 */
import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { awsPolicies } from "./rules/aws.js";
import { azurePolicies } from "./rules/azure.js";
import { commonPolicies } from "./rules/common.js";
import { stackPolicies } from "./rules/stack.js";

export const PACK_NAME = "twincloud-security";

/** Pack-level default; each policy sets its own level and the per-environment config files override it. */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "advisory";

export const policies: Policies = [...awsPolicies, ...azurePolicies, ...commonPolicies, ...stackPolicies];

export const packArgs = {
  description:
    "twincloud: blocks insecure configurations on AWS (ECS Fargate + ALB + RDS) and Azure (Container Apps + PostgreSQL Flexible Server).",
  displayName: "twincloud security",
  enforcementLevel: PACK_ENFORCEMENT_LEVEL,
  policies,
};
