/**
 * Compute: an ECS cluster with Container Insights, the Fargate task definition (read-only, non-root API
 * container; database password and bootstrap API key from Secrets Manager only), the service in the private
 * subnets behind the ALB with circuit-breaker rollback, and target-tracking autoscaling on CPU and ALB
 * requests per target.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../spec.js";
import type { BootstrapKeySecret } from "./bootstrap-key.js";
import { assumeRolePolicy, tagsFor } from "./common.js";
import { API_CONTAINER, containerDefinitions, taskVolumes } from "./containers.js";
import type { Database } from "./database.js";
import { readDockerfile } from "./dockerfile.js";
import type { ApiImage } from "./image.js";
import type { Ingress } from "./loadbalancer.js";
import type { Network } from "./network.js";

export interface Compute {
  cluster: aws.ecs.Cluster;
  service: aws.ecs.Service;
  taskDefinition: aws.ecs.TaskDefinition;
  logGroup: aws.cloudwatch.LogGroup;
}

/** Fargate CPU units from vCPU (1 vCPU = 1024 units). */
export function cpuUnits(vcpu: number): number {
  return Math.round(vcpu * 1024);
}

function createRoles(
  spec: ServiceSpec,
  image: ApiImage,
  database: Database,
  bootstrapKey: BootstrapKeySecret,
  logGroup: aws.cloudwatch.LogGroup,
) {
  const executionRole = new aws.iam.Role(`${spec.name}-task-execution`, {
    description: `ECS agent for ${spec.name}: pull the image, write logs, read the database and bootstrap key secrets`,
    assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"),
    tags: tagsFor(spec, `${spec.name}-task-execution`),
  });
  // AmazonECSTaskExecutionRolePolicy narrowed to this repository and log group, plus exactly two secrets (the
  // API's `secrets`). Both are encrypted with the aws/secretsmanager key, usable through Secrets Manager
  // without a kms:Decrypt grant.
  new aws.iam.RolePolicy(`${spec.name}-task-execution`, {
    role: executionRole.id,
    policy: pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "EcrPull",
          Effect: "Allow",
          Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
          Resource: image.repository.arn,
        },
        {
          Sid: "Logs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: pulumi.interpolate`${logGroup.arn}:*`,
        },
        {
          Sid: "DatabaseSecret",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: database.masterSecretArn,
        },
        {
          Sid: "BootstrapKeySecret",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: bootstrapKey.arn,
        },
      ],
    }),
  });

  const taskRole = new aws.iam.Role(`${spec.name}-task`, {
    description: `The ${spec.name} API's own identity`,
    assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"),
    tags: tagsFor(spec, `${spec.name}-task`),
  });
  const statements: Record<string, unknown>[] = [];
  if (spec.tracing.enabled) {
    statements.push({
      Sid: "XRay",
      Effect: "Allow",
      Action: [
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
      ],
      Resource: "*",
    });
  }
  if (spec.operations.execEnabled) {
    statements.push({
      Sid: "EcsExec",
      Effect: "Allow",
      Action: [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ],
      Resource: "*",
    });
  }
  if (statements.length > 0) {
    new aws.iam.RolePolicy(`${spec.name}-task`, {
      role: taskRole.id,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });
  }
  return { executionRole, taskRole };
}

export function createCompute(
  spec: ServiceSpec,
  network: Network,
  ingress: Ingress,
  image: ApiImage,
  database: Database,
  bootstrapKey: BootstrapKeySecret,
): Compute {
  const cluster = new aws.ecs.Cluster(`${spec.name}-cluster`, {
    settings: [{ name: "containerInsights", value: "enhanced" }],
    // ECS Exec's default ("DEFAULT") copies session output into the task's awslogs group, and an Exec session
    // is where `apikey create` prints a new key: never log sessions. Who opened one stays in CloudTrail
    // (ecs:ExecuteCommand).
    configuration: { executeCommandConfiguration: { logging: "NONE" } },
    tags: tagsFor(spec, `${spec.name}-cluster`),
  });

  const logGroup = new aws.cloudwatch.LogGroup(`${spec.name}-api-logs`, {
    name: `/ecs/${spec.name}/api`,
    retentionInDays: spec.logs.retentionDays,
    tags: tagsFor(spec, `/ecs/${spec.name}/api`),
  });

  const { executionRole, taskRole } = createRoles(spec, image, database, bootstrapKey, logGroup);
  const region = aws.getRegionOutput({}).region;
  const dockerfile = readDockerfile(spec.image.context, spec.image.dockerfile);

  const taskDefinition = new aws.ecs.TaskDefinition(`${spec.name}-api`, {
    family: `${spec.name}-api`,
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    cpu: String(cpuUnits(spec.container.cpu)),
    memory: String(spec.container.memoryMiB),
    runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
    executionRoleArn: executionRole.arn,
    taskRoleArn: taskRole.arn,
    volumes: taskVolumes(spec),
    containerDefinitions: pulumi
      .all([
        image.imageDigest,
        database.address,
        database.masterSecretArn,
        bootstrapKey.arn,
        bootstrapKey.versionId,
        logGroup.name,
        region,
      ])
      .apply(
        ([
          imageRef,
          databaseHost,
          databaseSecretArn,
          bootstrapKeySecretArn,
          bootstrapKeyVersionId,
          logGroupName,
          regionName,
        ]) =>
          JSON.stringify(
            containerDefinitions(spec, {
              image: imageRef,
              databaseHost,
              databaseSecretArn,
              bootstrapKeySecretArn,
              bootstrapKeyVersionId,
              logGroupName,
              region: regionName,
              dockerfile,
            }),
          ),
      ),
    tags: tagsFor(spec, `${spec.name}-api`),
  });

  const service = new aws.ecs.Service(
    `${spec.name}-api`,
    {
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      desiredCount: spec.scaling.minReplicas,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriodSeconds: 60,
      enableExecuteCommand: spec.operations.execEnabled,
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      availabilityZoneRebalancing: "ENABLED",
      networkConfiguration: {
        subnets: network.privateSubnetIds,
        securityGroups: [network.serviceSecurityGroup.id],
        assignPublicIp: false,
      },
      loadBalancers: [
        {
          targetGroupArn: ingress.targetGroup.arn,
          containerName: API_CONTAINER,
          containerPort: spec.container.port,
        },
      ],
      waitForSteadyState: true,
      tags: tagsFor(spec, `${spec.name}-api`),
    },
    // desiredCount belongs to autoscaling once the service exists.
    { dependsOn: [ingress.forwardingListener], ignoreChanges: ["desiredCount"] },
  );

  createAutoscaling(spec, cluster, service, ingress);
  redeployOnPasswordRotation(spec, cluster, service, database);
  return { cluster, service, taskDefinition, logGroup };
}

/**
 * RDS rotates the managed master password (every 7 days by default), but ECS hands a task its secrets once,
 * at start: a task started before a rotation keeps its open connections and fails to open new ones (pool
 * growth, the 30-minute connection lifetime). So when the secret's AWSCURRENT label moves, EventBridge starts
 * a one-step Step Functions workflow that forces a new deployment: fresh tasks read the new password, the
 * old ones drain, the circuit breaker guards it like any deployment. No code to ship: the workflow calls
 * ecs:UpdateService through Step Functions' SDK integration, and each role can do exactly one thing.
 */
function redeployOnPasswordRotation(
  spec: ServiceSpec,
  cluster: aws.ecs.Cluster,
  service: aws.ecs.Service,
  database: Database,
): void {
  const name = `${spec.name}-redeploy-on-rotation`;
  /** A role one service principal assumes to do exactly one action on one resource. */
  const singlePurposeRole = (
    suffix: string,
    principal: string,
    description: string,
    statement: { Sid: string; Action: string; Resource: pulumi.Input<string> },
  ) => {
    const role = new aws.iam.Role(`${name}-${suffix}`, {
      description,
      assumeRolePolicy: assumeRolePolicy(principal),
      tags: tagsFor(spec, `${name}-${suffix}`),
    });
    new aws.iam.RolePolicy(`${name}-${suffix}`, {
      role: role.id,
      policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...statement }] }),
    });
    return role;
  };
  const workflowRole = singlePurposeRole(
    "workflow",
    "states.amazonaws.com",
    `Forces a new deployment of ${spec.name}'s API after its database password rotates`,
    { Sid: "ForceNewDeployment", Action: "ecs:UpdateService", Resource: service.arn },
  );
  const workflow = new aws.sfn.StateMachine(
    name,
    {
      name,
      type: "STANDARD",
      roleArn: workflowRole.arn,
      definition: pulumi.jsonStringify({
        Comment: `Replace ${spec.name}'s API tasks so they read the rotated database password`,
        StartAt: "ForceNewDeployment",
        States: {
          ForceNewDeployment: {
            Type: "Task",
            Resource: "arn:aws:states:::aws-sdk:ecs:updateService",
            Parameters: { Cluster: cluster.arn, Service: service.name, ForceNewDeployment: true },
            // A deployment already in progress or a throttle: try again, for up to ~15 minutes.
            Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 30, MaxAttempts: 5, BackoffRate: 2 }],
            End: true,
          },
        },
      }),
      tags: tagsFor(spec, name),
    },
    { dependsOn: [service] },
  );

  const rule = new aws.cloudwatch.EventRule(name, {
    name,
    description: `The database password of ${spec.name} rotated: replace the API's tasks`,
    eventPattern: pulumi.jsonStringify({
      source: ["aws.secretsmanager"],
      "detail-type": ["Secret Label Updated"],
      resources: [database.masterSecretArn],
      detail: { labelUpdated: ["AWSCURRENT"] },
    }),
    tags: tagsFor(spec, name),
  });
  const eventsRole = singlePurposeRole("events", "events.amazonaws.com", `Lets EventBridge start ${name}`, {
    Sid: "StartWorkflow",
    Action: "states:StartExecution",
    Resource: workflow.arn,
  });
  new aws.cloudwatch.EventTarget(name, { rule: rule.name, arn: workflow.arn, roleArn: eventsRole.arn });
}

function createAutoscaling(
  spec: ServiceSpec,
  cluster: aws.ecs.Cluster,
  service: aws.ecs.Service,
  ingress: Ingress,
) {
  const target = new aws.appautoscaling.Target(`${spec.name}-api`, {
    serviceNamespace: "ecs",
    scalableDimension: "ecs:service:DesiredCount",
    resourceId: pulumi.interpolate`service/${cluster.name}/${service.name}`,
    minCapacity: spec.scaling.minReplicas,
    maxCapacity: spec.scaling.maxReplicas,
    tags: tagsFor(spec, `${spec.name}-api`),
  });
  const trackingPolicy = (
    suffix: string,
    targetValue: number,
    predefinedMetricType: string,
    resourceLabel?: pulumi.Input<string>,
  ) =>
    new aws.appautoscaling.Policy(`${spec.name}-api-${suffix}`, {
      policyType: "TargetTrackingScaling",
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue,
        predefinedMetricSpecification: {
          predefinedMetricType,
          ...(resourceLabel ? { resourceLabel } : {}),
        },
        scaleOutCooldown: spec.scaling.scaleOutCooldownSeconds,
        scaleInCooldown: spec.scaling.scaleInCooldownSeconds,
      },
    });
  trackingPolicy("cpu", spec.scaling.cpuTargetPercent, "ECSServiceAverageCPUUtilization");
  trackingPolicy(
    "requests",
    spec.scaling.requestsPerReplicaPerMinute,
    "ALBRequestCountPerTarget",
    pulumi.interpolate`${ingress.loadBalancer.arnSuffix}/${ingress.targetGroup.arnSuffix}`,
  );
}
