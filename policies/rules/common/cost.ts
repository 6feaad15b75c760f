/** Both clouds: cost guards on replicas, task sizes and database sizes, per environment. */
import type { Policies } from "@pulumi/policy";
import { RDS_INSTANCE_CLASSES as rds } from "../../../infra/aws/sizes.js";
import { COLLECTOR_SIDECAR, FLEXIBLE_SERVER_SKUS as sku } from "../../../infra/azure/sizes.js";
import { TASK_SIZES } from "../../../infra/spec/sizes.js";
import { forEnv, type PerEnv, type Tier } from "../../lib/environment.js";
import { defineResourcePolicy } from "../../lib/policy.js";
import { asArray, asNumber, type Props } from "../../lib/values.js";
import { aws, azure } from "../../types.js";

interface TaskSize {
  cpu: number;
  memoryMiB: number;
}
const sizesUpTo = (maxCpu: number): TaskSize[] =>
  TASK_SIZES.filter((s) => s.cpu <= maxCpu).map((s) => ({ cpu: s.cpu, memoryMiB: s.memoryMiB }));

const DEFAULT_MAX_REPLICAS: Record<Tier, number> = { dev: 4, staging: 10, prod: 30 };
const DEFAULT_TASK_SIZES: Record<Tier, TaskSize[]> = {
  dev: sizesUpTo(0.5),
  staging: sizesUpTo(2),
  prod: sizesUpTo(4),
};
const DEFAULT_AWS_DB_CLASSES: Record<Tier, string[]> = {
  dev: [rds.small, rds.medium],
  staging: [rds.small, rds.medium, rds.large],
  prod: [rds.large, "db.m7g.xlarge", "db.m7g.2xlarge", "db.r7g.large", "db.r7g.xlarge"],
};
const DEFAULT_AZURE_DB_SKUS: Record<Tier, string[]> = {
  dev: [sku.small.name, sku.medium.name],
  staging: [sku.small.name, sku.medium.name, sku.large.name],
  prod: [sku.large.name, "Standard_D4ds_v5", "Standard_D8ds_v5", "Standard_E2ds_v5", "Standard_E4ds_v5"],
};

const perEnvSchema = (description: string) => ({
  description: `${description} A value for every environment, or an object { dev, staging, prod }.`,
});

/** Where each type states its replica ceiling. */
const REPLICA_FIELDS: Record<string, [field: string, read: (props: Props) => unknown]> = {
  [aws.appautoscaling.Target]: ["maxCapacity", (p) => p.maxCapacity],
  [aws.ecs.Service]: ["desiredCount", (p) => p.desiredCount],
  [azure.app.ContainerApp]: ["template.scale.maxReplicas", (p) => p.template?.scale?.maxReplicas],
};

const maxReplicas = defineResourcePolicy<{ maxReplicas: PerEnv<number> }>({
  name: "cost-max-replicas",
  description: "Autoscaling never goes above the environment's maximum replica count.",
  types: Object.keys(REPLICA_FIELDS),
  config: {
    schema: { maxReplicas: perEnvSchema("Maximum replicas.") },
    defaults: { maxReplicas: DEFAULT_MAX_REPLICAS },
  },
  validate: (props, { env, config, args }, report) => {
    const max = forEnv(config.maxReplicas, env, DEFAULT_MAX_REPLICAS[env]);
    const [field, read] = REPLICA_FIELDS[args.type]!;
    const value = asNumber(read(props));
    if (value !== undefined && value > max) {
      report(
        `Lower \`${field}\` from ${value} to at most ${max} (${env}), or raise cost-max-replicas.maxReplicas.`,
      );
    }
  },
});

const databaseSize = defineResourcePolicy<{
  awsInstanceClasses: PerEnv<string[]>;
  azureSkus: PerEnv<string[]>;
}>({
  name: "cost-database-size",
  description: "Databases use an instance class / SKU allowed for the environment.",
  types: [aws.rds.Instance, azure.dbforpostgresql.Server],
  config: {
    schema: {
      awsInstanceClasses: perEnvSchema("Allowed RDS instance classes."),
      azureSkus: perEnvSchema("Allowed Flexible Server SKU names."),
    },
    defaults: { awsInstanceClasses: DEFAULT_AWS_DB_CLASSES, azureSkus: DEFAULT_AZURE_DB_SKUS },
  },
  validate: (props, { env, config, args }, report) => {
    if (args.type === aws.rds.Instance) {
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
function memoryToMiB(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  const match = /^\s*([\d.]+)\s*(Gi|Mi|G|M)?\s*$/i.exec(String(value ?? ""));
  if (!match?.[1]) return undefined;
  const n = Number(match[1]);
  const unit = (match[2] ?? "Mi").toLowerCase();
  return unit.startsWith("g") ? n * 1024 : n;
}

const taskSize = defineResourcePolicy<{ taskSizes: PerEnv<TaskSize[]> }>({
  name: "cost-task-size",
  description: "Tasks / container apps use a cpu/memory size allowed for the environment.",
  types: [aws.ecs.TaskDefinition, azure.app.ContainerApp],
  config: {
    schema: { taskSizes: perEnvSchema("Allowed { cpu (vCPU), memoryMiB } pairs.") },
    defaults: { taskSizes: DEFAULT_TASK_SIZES },
  },
  validate: (props, { env, config, args }, report) => {
    const allowed = forEnv(config.taskSizes, env, DEFAULT_TASK_SIZES[env]);
    let cpu: number | undefined;
    let memoryMiB: number | undefined;
    if (args.type === aws.ecs.TaskDefinition) {
      const units = asNumber(props.cpu);
      cpu = units === undefined ? undefined : units / 1024;
      memoryMiB = asNumber(props.memory);
    } else {
      // The metrics collector sidecar (exactly its fixed size) is accepted on top of the API's size.
      const containers = asArray(props.template?.containers).filter(
        (c) =>
          !(
            c?.name === COLLECTOR_SIDECAR.name &&
            asNumber(c?.resources?.cpu) === COLLECTOR_SIDECAR.cpu &&
            memoryToMiB(c?.resources?.memory) === COLLECTOR_SIDECAR.memoryMiB
          ),
      );
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

export const policies: Policies = [maxReplicas, databaseSize, taskSize];
