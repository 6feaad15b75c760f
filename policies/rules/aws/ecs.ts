/** ECS: task definitions' containers, services' network placement, clusters' Container Insights. */
import type { Policies } from "@pulumi/policy";
import { defineResourcePolicy, reportIf } from "../../lib/policy.js";
import { secretNameConfig, secretNameRegex } from "../../lib/secrets.js";
import { asArray, isTrue, type Props, parseJson } from "../../lib/values.js";
import { aws } from "../../types.js";

/** `containerDefinitions` is a JSON string on the resource: its parsed containers, or none. */
function containersOf(props: Props): Props[] {
  const parsed = parseJson(props.containerDefinitions);
  return Array.isArray(parsed) ? parsed : [];
}

const noPrivileged = defineResourcePolicy({
  name: "aws-ecs-no-privileged-containers",
  description: "ECS containers never run privileged.",
  types: [aws.ecs.TaskDefinition],
  validate: (props, _ctx, report) => {
    for (const c of containersOf(props)) {
      if (c.privileged === true) report(`Remove \`privileged: true\` from container "${c.name}".`);
    }
  },
});

const readonlyRoot = defineResourcePolicy({
  name: "aws-ecs-readonly-root-filesystem",
  description: "ECS containers run with a read-only root filesystem.",
  types: [aws.ecs.TaskDefinition],
  validate: (props, _ctx, report) => {
    const containers = containersOf(props);
    if (containers.length === 0) {
      report("`containerDefinitions` is not a JSON array of containers: set it with JSON.stringify([...]).");
    }
    for (const c of containers) {
      if (c.readonlyRootFilesystem !== true) {
        report(
          `Set \`readonlyRootFilesystem: true\` on container "${c.name}" (mount a volume for any writable path such as /tmp).`,
        );
      }
    }
  },
});

const noPlaintextSecrets = defineResourcePolicy<{ secretNamePattern: string }>({
  name: "aws-ecs-no-plaintext-secrets",
  description: "Secret-looking variables reach ECS containers through `secrets`, never plain `environment`.",
  types: [aws.ecs.TaskDefinition],
  config: secretNameConfig("variable names"),
  validate: (props, { config }, report) => {
    const pattern = secretNameRegex(config.secretNamePattern);
    for (const c of containersOf(props)) {
      for (const variable of asArray(c.environment)) {
        if (typeof variable?.name === "string" && pattern.test(variable.name)) {
          report(
            `Container "${c.name}" sets ${variable.name} as a plain environment variable: move it to \`secrets: [{ name: "${variable.name}", valueFrom: <Secrets Manager / SSM ARN> }]\`.`,
          );
        }
      }
    }
  },
});

const serviceNoPublicIp = defineResourcePolicy({
  name: "aws-ecs-service-no-public-ip",
  description: "ECS services run in private subnets without public IPs.",
  types: [aws.ecs.Service],
  validate: reportIf(
    (props) => isTrue(props.networkConfiguration?.assignPublicIp),
    "Set `networkConfiguration.assignPublicIp: false` and use private subnets (egress through NAT / VPC endpoints).",
  ),
});

const containerInsights = defineResourcePolicy({
  name: "aws-ecs-container-insights",
  description: "ECS clusters enable Container Insights.",
  types: [aws.ecs.Cluster],
  validate: reportIf((props) => {
    const setting = asArray(props.settings).find((s) => s?.name === "containerInsights");
    return !setting || !["enabled", "enhanced"].includes(String(setting.value));
  }, 'Add `settings: [{ name: "containerInsights", value: "enabled" }]` to the cluster.'),
});

export const policies: Policies = [
  noPrivileged,
  readonlyRoot,
  noPlaintextSecrets,
  serviceNoPublicIp,
  containerInsights,
];
