/**
 * The AWS stacks as the infra tests read them: the type tokens they look up, the two task definitions'
 * containers, role policies and the CA file both tasks verify the database against. The rendering itself is
 * tests/support/rendered.ts (once per test run).
 */

import { expect } from "vitest";
import { AWS_RDS_CA_BUNDLE } from "../../api/db/rds-ca.js";
import type { Tier } from "../../infra/spec/index.js";
import type { CapturedResource } from "../../tools/mock/run.js";
import { byType, renderedResources, STACKS, type StackRun, useStacks } from "./rendered.js";

export const T = {
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  waf: "aws:wafv2/webAcl:WebAcl",
  wafAssociation: "aws:wafv2/webAclAssociation:WebAclAssociation",
  bucket: "aws:s3/bucket:Bucket",
  db: "aws:rds/instance:Instance",
  parameterGroup: "aws:rds/parameterGroup:ParameterGroup",
  vpc: "awsx:ec2:Vpc",
  service: "aws:ecs/service:Service",
  cluster: "aws:ecs/cluster:Cluster",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  backupVault: "aws:backup/vault:Vault",
  backupPlan: "aws:backup/plan:Plan",
  backupSelection: "aws:backup/selection:Selection",
  backupReplication: "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
  provider: "pulumi:providers:aws",
  repository: "aws:ecr/repository:Repository",
  image: "docker:index/image:Image",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  eventRule: "aws:cloudwatch/eventRule:EventRule",
  eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
  kmsKey: "aws:kms/key:Key",
  stateMachine: "aws:sfn/stateMachine:StateMachine",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
} as const;

export interface ContainerDefinition {
  name: string;
  image: string;
  user?: string;
  essential?: boolean;
  command?: string[];
  privileged?: boolean;
  readonlyRootFilesystem?: boolean;
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
  portMappings?: { containerPort: number }[];
  mountPoints?: { sourceVolume: string; containerPath: string; readOnly: boolean }[];
  healthCheck?: { command: string[] };
  stopTimeout?: number;
  logConfiguration?: { logDriver: string; options: Record<string, string> };
}

export interface AwsStackRun extends StackRun {
  /** The API task definition's containers. */
  containers(): ContainerDefinition[];
  /** The migrator task definition's containers. */
  migratorContainers(): ContainerDefinition[];
}

export function awsStackRun(run: StackRun): AwsStackRun {
  const containersOf = (family: string) =>
    JSON.parse(String(run.one(T.taskDefinition, family).props.containerDefinitions)) as ContainerDefinition[];
  return {
    ...run,
    containers: () => containersOf(`${run.spec.name}-api`),
    migratorContainers: () => containersOf(`${run.spec.name}-migrate`),
  };
}

/** The shipped stack's resources on AWS, or with `extra` config on top. */
export const captureAws = (tier: Tier, extra: Record<string, string> = {}): Promise<CapturedResource[]> =>
  renderedResources(tier, "aws", extra);

/** The API task definition's containers (the migrator's task definition, `<name>-migrate`, has one). */
export const apiContainersOf = (resources: CapturedResource[]): ContainerDefinition[] =>
  JSON.parse(
    String(
      byType(resources, T.taskDefinition).find((t) => t.name.endsWith("-api"))?.props.containerDefinitions,
    ),
  );

/** The shipped stacks on AWS, rendered before the calling file's tests. */
export function useAwsStacks(stacks: readonly Tier[] = STACKS): (stack: Tier) => AwsStackRun {
  const run = useStacks("aws", stacks);
  return (stack) => awsStackRun(run(stack));
}

/** The stack's alert topic (with cloud metrics there is also a us-east-1 one, for the uptime alarm). */
export function alertTopic(run: StackRun): CapturedResource {
  const topics = run.all(T.topic).filter((t) => t.name === `${run.spec.name}-alerts`);
  expect(topics).toHaveLength(1);
  return topics[0] as CapturedResource;
}

/** The CA file both AWS tasks verify the database against: the bundle `npm run build` writes, under /app. */
export const CA_FILE = `/app/${AWS_RDS_CA_BUNDLE}`;

/** A container's plain environment as a map. */
export const envOf = (container: ContainerDefinition | undefined): Record<string, string> =>
  Object.fromEntries((container?.environment ?? []).map((v) => [v.name, v.value]));

/** The policy document of the role policy named `name`. */
export function policyOf(run: StackRun, name: string): { Statement: Record<string, unknown>[] } {
  return JSON.parse(String(run.one(T.rolePolicy, name).props.policy));
}

/** Every role policy's document. */
export function rolePolicies(
  run: StackRun,
): { Statement: { Sid?: string; Action: unknown; Resource: unknown }[] }[] {
  return run.all(T.rolePolicy).map((p) => JSON.parse(String(p.props.policy)));
}
