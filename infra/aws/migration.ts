/**
 * The migrator (docs/database-identity.md): an ECS task definition of the API's image that applies the
 * migrations and creates and grants the API's least-privilege role, as the database administrator. Nothing
 * runs it on its own: the deploy pipeline registers it with a targeted `pulumi up`, runs it once with
 * `aws ecs run-task` (the stack output `migration`: cluster, task definition, container, private subnets and
 * the API tasks' security group), waits for it to stop, fails the deploy on a non-zero exit code, and only then
 * runs the full `pulumi up` that gives the service its new API task definition. The Azure counterpart is a
 * Container Apps Job (infra/azure/migration.ts).
 *
 * Network: the migrator runs in the API tasks' security group, the one group the database admits (the policy
 * `network-reachability` holds that chain: internet → ALB → service → database); it listens on nothing, so
 * the load balancer's rule into that group reaches no migrator.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildPaths } from "../build-context.js";
import type { MigrationTarget } from "../outputs.js";
import type { ServiceSpec } from "../spec/index.js";
import { MIGRATOR_CONTAINER, migratorContainerDefinitions } from "./containers.js";
import type { Database } from "./database.js";
import { readDockerfile } from "./dockerfile.js";
import { createMigratorExecutionRole } from "./identity.js";
import type { Network } from "./network.js";
import type { ApiImage } from "./registry.js";
import { tagsFor } from "./tags.js";

export interface MigrationArgs {
  spec: ServiceSpec;
  network: Network;
  image: ApiImage;
  database: Database;
  /** The API's log group: the migrator writes its own stream prefix (`migrate/...`) there. */
  logGroup: aws.cloudwatch.LogGroup;
  cluster: aws.ecs.Cluster;
}

export interface Migration {
  taskDefinition: aws.ecs.TaskDefinition;
  /** The only role that may read the database's master secret. */
  executionRole: aws.iam.Role;
  /** The stack output `migration`. */
  target: pulumi.Output<MigrationTarget>;
}

/** The migrator's task definition (its own family, container and log stream prefix) and execution role. */
export function createMigration(args: MigrationArgs, opts: pulumi.ComponentResourceOptions): Migration {
  const { spec, network, image, database, logGroup, cluster } = args;
  const dockerfile = readDockerfile(buildPaths(spec).absolute.context, spec.image.dockerfile);
  const region = aws.getRegionOutput({}).region;
  const executionRole = createMigratorExecutionRole(spec, image, database, logGroup, opts);
  const family = `${spec.name}-migrate`;
  const taskDefinition = new aws.ecs.TaskDefinition(
    family,
    {
      family,
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: String(spec.migration.cpu),
      memory: String(spec.migration.memoryMiB),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: executionRole.arn,
      containerDefinitions: pulumi
        .all([image.imageDigest, database.address, database.masterSecretArn, logGroup.name, region])
        .apply(([imageRef, databaseHost, databaseSecretArn, logGroupName, regionName]) =>
          JSON.stringify(
            migratorContainerDefinitions(spec, {
              image: imageRef,
              databaseHost,
              databaseSecretArn,
              logGroupName,
              region: regionName,
              dockerfile,
            }),
          ),
        ),
      tags: tagsFor(spec, family),
    },
    opts,
  );
  const target = pulumi
    .all([cluster.name, taskDefinition.arn, network.privateSubnetIds, network.serviceSecurityGroup.id])
    .apply(
      ([clusterName, taskDefinitionArn, subnetIds, securityGroupId]): MigrationTarget => ({
        cloud: "aws",
        cluster: clusterName,
        taskDefinitionArn,
        containerName: MIGRATOR_CONTAINER,
        subnetIds,
        securityGroupIds: [securityGroupId],
      }),
    );
  return { taskDefinition, executionRole, target };
}
