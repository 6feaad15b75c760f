/**
 * The pack's contents, importable without starting anything: `index.ts` wraps this in
 * `new PolicyPack(...)` for the CLI, and `evaluate.ts` runs the very same policy objects offline.
 */
import type { EnforcementLevel, Policies, StackValidationPolicy } from "@pulumi/policy";
import * as cloudwatch from "./rules/aws/cloudwatch.js";
import * as ecr from "./rules/aws/ecr.js";
import * as ecs from "./rules/aws/ecs.js";
import * as lb from "./rules/aws/lb.js";
import * as awsNetwork from "./rules/aws/network.js";
import * as rds from "./rules/aws/rds.js";
import * as containerapps from "./rules/azure/containerapps.js";
import * as keyvault from "./rules/azure/keyvault.js";
import * as postgres from "./rules/azure/postgres.js";
import * as registry from "./rules/azure/registry.js";
import * as availability from "./rules/common/availability.js";
import * as configMatch from "./rules/common/config-match.js";
import * as cost from "./rules/common/cost.js";
import * as reachability from "./rules/common/reachability.js";
import * as stateful from "./rules/common/stateful.js";
import * as tags from "./rules/common/tags.js";

export const PACK_NAME = "twincloud-security";

/** Pack-level default; each policy sets its own level and the per-environment config files override it. */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "advisory";

/** Every rules module by its path under rules/ (tests/policies/rules/<path>.test.ts mirrors each). */
export const RULE_MODULES: Readonly<Record<string, { policies: Policies }>> = {
  "aws/rds": rds,
  "aws/lb": lb,
  "aws/network": awsNetwork,
  "aws/ecr": ecr,
  "aws/ecs": ecs,
  "aws/cloudwatch": cloudwatch,
  "azure/containerapps": containerapps,
  "azure/postgres": postgres,
  "azure/registry": registry,
  "azure/keyvault": keyvault,
  "common/tags": tags,
  "common/cost": cost,
  "common/stateful": stateful,
  "common/reachability": reachability,
  "common/availability": availability,
  "common/config-match": configMatch,
};

const isStackPolicy = (p: Policies[number]): p is StackValidationPolicy => "validateStack" in p;
const all = Object.values(RULE_MODULES).flatMap((m) => m.policies);

/** Resource policies, then stack policies: the order the engine runs them in. */
export const policies: Policies = [...all.filter((p) => !isStackPolicy(p)), ...all.filter(isStackPolicy)];

export const packArgs = {
  description:
    "twincloud: blocks insecure configurations on AWS (ECS Fargate + ALB + RDS) and Azure (Container Apps + PostgreSQL Flexible Server).",
  displayName: "twincloud security",
  enforcementLevel: PACK_ENFORCEMENT_LEVEL,
  policies,
};
