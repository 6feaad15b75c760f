/**
 * Compute: an ECS cluster with Container Insights, the Fargate task definition (read-only, non-root API
 * container; no database password: IAM database authentication with the task role; the bootstrap API key
 * from Secrets Manager only), the service in the private subnets behind the ALB with circuit-breaker
 * rollback, and target-tracking autoscaling on CPU and ALB requests per target. The migrator's task
 * definition is migration.ts.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildPaths } from "../build-context.js";
import type { ServiceSpec } from "../spec/index.js";
import { API_CONTAINER, containerDefinitions, taskVolumes } from "./containers.js";
import type { Database } from "./database.js";
import { readDockerfile } from "./dockerfile.js";
import { createTaskRoles } from "./identity.js";
import type { Ingress } from "./ingress.js";
import { grantRemoteWrite, type PrometheusWorkspace } from "./monitoring/prometheus.js";
import type { Network } from "./network.js";
import type { ApiImage } from "./registry.js";
import type { BootstrapKeySecret, SentryDsnSecret } from "./secrets.js";
import { cpuUnits } from "./sizes.js";
import { tagsFor } from "./tags.js";

export interface Compute {
  cluster: aws.ecs.Cluster;
  service: aws.ecs.Service;
  taskDefinition: aws.ecs.TaskDefinition;
  logGroup: aws.cloudwatch.LogGroup;
}

export interface ComputeArgs {
  spec: ServiceSpec;
  network: Network;
  ingress: Ingress;
  image: ApiImage;
  database: Database;
  bootstrapKey: BootstrapKeySecret;
  /** With `spec.errorTracking`: the Sentry DSN's secret (infra/aws/secrets.ts). */
  sentryDsn?: SentryDsnSecret;
  /** With `spec.cloudMetrics`: the collector sidecar remote-writes here, the task role may do exactly that. */
  prometheus?: PrometheusWorkspace;
}

export function createCompute(args: ComputeArgs, opts: pulumi.ComponentResourceOptions): Compute {
  const { spec, network, ingress, image, database, bootstrapKey } = args;
  const cluster = new aws.ecs.Cluster(
    `${spec.name}-cluster`,
    {
      settings: [{ name: "containerInsights", value: "enhanced" }],
      // ECS Exec's default ("DEFAULT") copies session output into the task's awslogs group, and an Exec session
      // is where `apikey create` prints a new key: never log sessions. Who opened one stays in CloudTrail
      // (ecs:ExecuteCommand).
      configuration: { executeCommandConfiguration: { logging: "NONE" } },
      tags: tagsFor(spec, `${spec.name}-cluster`),
    },
    opts,
  );

  const logGroup = new aws.cloudwatch.LogGroup(
    `${spec.name}-api-logs`,
    {
      name: `/ecs/${spec.name}/api`,
      retentionInDays: spec.logs.retentionDays,
      tags: tagsFor(spec, `/ecs/${spec.name}/api`),
    },
    opts,
  );

  const { executionRole, taskRole } = createTaskRoles(
    spec,
    image,
    database,
    bootstrapKey,
    logGroup,
    opts,
    args.sentryDsn,
  );
  if (args.prometheus) grantRemoteWrite(spec, taskRole, args.prometheus, opts);
  const region = aws.getRegionOutput({}).region;
  const dockerfile = readDockerfile(buildPaths(spec).absolute.context, spec.image.dockerfile);

  const taskDefinition = new aws.ecs.TaskDefinition(
    `${spec.name}-api`,
    {
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
          // The secrets the task definition names by version (pulumi.all is typed up to eight elements).
          pulumi.all([
            bootstrapKey.arn,
            bootstrapKey.versionId,
            args.sentryDsn?.arn ?? "",
            args.sentryDsn?.versionId ?? "",
          ]),
          logGroup.name,
          region,
          args.prometheus?.remoteWriteUrl ?? "",
        ])
        .apply(
          ([
            imageRef,
            databaseHost,
            [bootstrapKeySecretArn, bootstrapKeyVersionId, sentryDsnSecretArn, sentryDsnVersionId],
            logGroupName,
            regionName,
            remoteWriteUrl,
          ]) =>
            JSON.stringify(
              containerDefinitions(spec, {
                image: imageRef,
                databaseHost,
                bootstrapKeySecretArn,
                bootstrapKeyVersionId,
                logGroupName,
                region: regionName,
                dockerfile,
                ...(sentryDsnSecretArn
                  ? { sentryDsn: { secretArn: sentryDsnSecretArn, versionId: sentryDsnVersionId } }
                  : {}),
                ...(remoteWriteUrl ? { remoteWriteUrl } : {}),
              }),
            ),
        ),
      tags: tagsFor(spec, `${spec.name}-api`),
    },
    opts,
  );

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
    { ...opts, dependsOn: [ingress.forwardingListener], ignoreChanges: ["desiredCount"] },
  );

  createAutoscaling(spec, cluster, service, ingress, opts);
  return { cluster, service, taskDefinition, logGroup };
}

function createAutoscaling(
  spec: ServiceSpec,
  cluster: aws.ecs.Cluster,
  service: aws.ecs.Service,
  ingress: Ingress,
  opts: pulumi.ComponentResourceOptions,
) {
  const target = new aws.appautoscaling.Target(
    `${spec.name}-api`,
    {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: pulumi.interpolate`service/${cluster.name}/${service.name}`,
      minCapacity: spec.scaling.minReplicas,
      maxCapacity: spec.scaling.maxReplicas,
      tags: tagsFor(spec, `${spec.name}-api`),
    },
    opts,
  );
  const trackingPolicy = (
    suffix: string,
    targetValue: number,
    predefinedMetricType: string,
    resourceLabel?: pulumi.Input<string>,
  ) =>
    new aws.appautoscaling.Policy(
      `${spec.name}-api-${suffix}`,
      {
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
      },
      opts,
    );
  trackingPolicy("cpu", spec.scaling.cpuTargetPercent, "ECSServiceAverageCPUUtilization");
  trackingPolicy(
    "requests",
    spec.scaling.requestsPerReplicaPerMinute,
    "ALBRequestCountPerTarget",
    pulumi.interpolate`${ingress.loadBalancer.arnSuffix}/${ingress.targetGroup.arnSuffix}`,
  );
}
