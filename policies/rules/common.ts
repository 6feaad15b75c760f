/** Policies for both clouds: required tags, cost guards, protected stateful resources. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { SECRET_ENV_VARS } from "../../api/config.js";
import { DATABASE_SIZES, TASK_SIZES, type Tier } from "../../infra/spec.js";
import { asArray, asNumber, defineResourcePolicy, forEnv, type PerEnv, tagsOf } from "../lib/policy.js";
import taggableTypes from "../taggable/taggable-types.json" with { type: "json" };

/** Secret-looking environment variable names (case-insensitive); tunable as `secretNamePattern`. */
export const DEFAULT_SECRET_NAME_PATTERN = `PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|CONNECTION_?STRING|DATABASE_URL|${SECRET_ENV_VARS.join("|")}`;

export const REQUIRED_TAGS = ["project", "environment", "stack", "managed-by"];

/**
 * Types whose input schema has `tags`, generated from the installed providers (policies/taggable). A
 * resource of one of these types must carry the required tags; resources of other types cannot be tagged.
 */
export const TAGGABLE_TYPES: ReadonlySet<string> = new Set(
  Object.values(taggableTypes as Record<string, string[]>).flat(),
);

/** Taggable in the schema, but rule-like children of a tagged parent: not required to carry tags. */
export const DEFAULT_TAG_IGNORE_TYPES = [
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
];

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
      requiredTags: {
        type: "array",
        items: { type: "string" },
        description: "Tag keys every taggable resource carries.",
      },
      ignoreTypes: {
        type: "array",
        items: { type: "string" },
        description: "Taggable types exempt from the rule.",
      },
      extraTaggableTypes: {
        type: "array",
        items: { type: "string" },
        description: "Types to treat as taggable in addition to the generated list.",
      },
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
// --- Cost guards -------------------------------------------------------------------------------------------

export interface TaskSize {
  cpu: number;
  memoryMiB: number;
}
const sizesUpTo = (maxCpu: number): TaskSize[] =>
  TASK_SIZES.filter((s) => s.cpu <= maxCpu).map((s) => ({ cpu: s.cpu, memoryMiB: s.memoryMiB }));

export const DEFAULT_MAX_REPLICAS: Record<Tier, number> = { dev: 4, staging: 10, prod: 30 };
export const DEFAULT_TASK_SIZES: Record<Tier, TaskSize[]> = {
  dev: sizesUpTo(0.5),
  staging: sizesUpTo(2),
  prod: sizesUpTo(4),
};
export const DEFAULT_AWS_DB_CLASSES: Record<Tier, string[]> = {
  dev: [DATABASE_SIZES.small.awsInstanceClass, DATABASE_SIZES.medium.awsInstanceClass],
  staging: [
    DATABASE_SIZES.small.awsInstanceClass,
    DATABASE_SIZES.medium.awsInstanceClass,
    DATABASE_SIZES.large.awsInstanceClass,
  ],
  prod: [
    DATABASE_SIZES.large.awsInstanceClass,
    "db.m7g.xlarge",
    "db.m7g.2xlarge",
    "db.r7g.large",
    "db.r7g.xlarge",
  ],
};
export const DEFAULT_AZURE_DB_SKUS: Record<Tier, string[]> = {
  dev: [DATABASE_SIZES.small.azureSku.name, DATABASE_SIZES.medium.azureSku.name],
  staging: [
    DATABASE_SIZES.small.azureSku.name,
    DATABASE_SIZES.medium.azureSku.name,
    DATABASE_SIZES.large.azureSku.name,
  ],
  prod: [
    DATABASE_SIZES.large.azureSku.name,
    "Standard_D4ds_v5",
    "Standard_D8ds_v5",
    "Standard_E2ds_v5",
    "Standard_E4ds_v5",
  ],
};

const perEnvSchema = (description: string) => ({
  description: `${description} A value for every environment, or an object { dev, staging, prod }.`,
});

const costMaxReplicas = defineResourcePolicy<{ maxReplicas: PerEnv<number> }>({
  name: "cost-max-replicas",
  description: "Autoscaling never goes above the environment's maximum replica count.",
  types: ["aws:appautoscaling/target:Target", "aws:ecs/service:Service", "azure-native:app:ContainerApp"],
  config: {
    schema: { maxReplicas: perEnvSchema("Maximum replicas.") },
    defaults: { maxReplicas: DEFAULT_MAX_REPLICAS },
  },
  validate: (props, { env, config, args }, report) => {
    const max = forEnv(config.maxReplicas, env, DEFAULT_MAX_REPLICAS[env]);
    const [field, value] =
      args.type === "aws:appautoscaling/target:Target"
        ? ["maxCapacity", asNumber(props.maxCapacity)]
        : args.type === "aws:ecs/service:Service"
          ? ["desiredCount", asNumber(props.desiredCount)]
          : ["template.scale.maxReplicas", asNumber(props.template?.scale?.maxReplicas)];
    if (value !== undefined && value > max) {
      report(
        `Lower \`${field}\` from ${value} to at most ${max} (${env}), or raise cost-max-replicas.maxReplicas.`,
      );
    }
  },
});

const costDatabaseSize = defineResourcePolicy<{
  awsInstanceClasses: PerEnv<string[]>;
  azureSkus: PerEnv<string[]>;
}>({
  name: "cost-database-size",
  description: "Databases use an instance class / SKU allowed for the environment.",
  types: ["aws:rds/instance:Instance", "azure-native:dbforpostgresql:Server"],
  config: {
    schema: {
      awsInstanceClasses: perEnvSchema("Allowed RDS instance classes."),
      azureSkus: perEnvSchema("Allowed Flexible Server SKU names."),
    },
    defaults: { awsInstanceClasses: DEFAULT_AWS_DB_CLASSES, azureSkus: DEFAULT_AZURE_DB_SKUS },
  },
  validate: (props, { env, config, args }, report) => {
    if (args.type === "aws:rds/instance:Instance") {
      const allowed = forEnv(config.awsInstanceClasses, env, DEFAULT_AWS_DB_CLASSES[env]);
      const cls = props.instanceClass;
      if (!allowed.includes(String(cls))) {
        report(
          `Use an allowed ${env} instance class (${allowed.join(", ")}) instead of "${cls}" (spec dbSize).`,
        );
      }
    } else {
      const allowed = forEnv(config.azureSkus, env, DEFAULT_AZURE_DB_SKUS[env]);
      const sku = props.sku?.name;
      if (!allowed.includes(String(sku))) {
        report(`Use an allowed ${env} SKU (${allowed.join(", ")}) instead of "${sku}" (spec dbSize).`);
      }
    }
  },
});

/** Parses Container Apps memory ("0.5Gi", "1Gi", "512Mi") into MiB. */
export function memoryToMiB(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  const match = /^\s*([\d.]+)\s*(Gi|Mi|G|M)?\s*$/i.exec(String(value ?? ""));
  if (!match?.[1]) return undefined;
  const n = Number(match[1]);
  const unit = (match[2] ?? "Mi").toLowerCase();
  return unit.startsWith("g") ? n * 1024 : n;
}

const costTaskSize = defineResourcePolicy<{ taskSizes: PerEnv<TaskSize[]> }>({
  name: "cost-task-size",
  description: "Tasks / container apps use a cpu/memory size allowed for the environment.",
  types: ["aws:ecs/taskDefinition:TaskDefinition", "azure-native:app:ContainerApp"],
  config: {
    schema: { taskSizes: perEnvSchema("Allowed { cpu (vCPU), memoryMiB } pairs.") },
    defaults: { taskSizes: DEFAULT_TASK_SIZES },
  },
  validate: (props, { env, config, args }, report) => {
    const allowed = forEnv(config.taskSizes, env, DEFAULT_TASK_SIZES[env]);
    let cpu: number | undefined;
    let memoryMiB: number | undefined;
    if (args.type === "aws:ecs/taskDefinition:TaskDefinition") {
      const units = asNumber(props.cpu);
      cpu = units === undefined ? undefined : units / 1024;
      memoryMiB = asNumber(props.memory);
    } else {
      const containers = asArray(props.template?.containers);
      cpu = containers.reduce((sum: number, c) => sum + (asNumber(c?.resources?.cpu) ?? 0), 0);
      memoryMiB = containers.reduce((sum: number, c) => sum + (memoryToMiB(c?.resources?.memory) ?? 0), 0);
      if (containers.length === 0) return;
    }
    if (cpu === undefined || memoryMiB === undefined) {
      report(`Set the task's cpu and memory explicitly to one of the ${env} sizes.`);
      return;
    }
    if (!allowed.some((s) => s.cpu === cpu && s.memoryMiB === memoryMiB)) {
      report(
        `Use an allowed ${env} size instead of ${cpu} vCPU / ${memoryMiB} MiB: ${allowed.map((s) => `${s.cpu} vCPU/${s.memoryMiB} MiB`).join(", ")}.`,
      );
    }
  },
});

// --- Stateful resources are protected in prod -------------------------------------------------------------

export const STATEFUL_TYPES = [
  "aws:rds/instance:Instance",
  "aws:backup/vault:Vault",
  "azure-native:dbforpostgresql:Server",
  "azure-native:keyvault:Vault",
];

/**
 * A resource policy rather than a stack policy on purpose: resource policies see `opts.protect` too (the
 * engine passes resource options to both), and a resource policy blocks before the resource is created or
 * updated, whereas a stack policy only runs after `pulumi up` has applied every change.
 */
const statefulProtected = defineResourcePolicy<{ types: string[] }>({
  name: "stateful-resources-protected",
  description: "Stateful resources (databases, key vaults, backup vaults) are `protect`ed in production.",
  types: STATEFUL_TYPES,
  environments: ["prod"],
  validate: (_props, { args }, report) => {
    if (!args.opts?.protect) {
      report(
        "Create this resource with `{ protect: true }` (spec.operations.protectStatefulResources) so `pulumi destroy` / a replace cannot delete it.",
      );
    }
  },
});

export const commonPolicies: ResourceValidationPolicy[] = [
  requiredTags,
  costMaxReplicas,
  costDatabaseSize,
  costTaskSize,
  statefulProtected,
];
