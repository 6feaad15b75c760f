/**
 * IAM: the trust policy helper every AWS role uses, the API's two roles and the migrator's execution role.
 * The API's execution role is what the ECS agent uses for its tasks (pull this repository's image, write this
 * log group, read exactly the secrets the task definition names: the bootstrap key, and the Sentry DSN when
 * set; never the database's master secret); its task role is the API's own identity: `rds-db:connect` as
 * exactly its database role (IAM database authentication: no password), X-Ray and ECS Exec only when
 * enabled. The migrator's execution role is the only one that may read the RDS-managed master secret.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../spec/index.js";
import type { Database } from "./database.js";
import type { ApiImage } from "./registry.js";
import type { BootstrapKeySecret, SentryDsnSecret } from "./secrets.js";
import { tagsFor } from "./tags.js";

/** Trust policy letting one AWS service principal assume a role. */
export function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

/** The ECS agent's image pull and log writing, narrowed to this repository and log group. */
function pullAndLogStatements(image: ApiImage, logGroup: aws.cloudwatch.LogGroup) {
  return [
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
  ];
}

/**
 * An ECS task execution role `name` (the role and its one inline policy share the name): the image pull and
 * log writing of this repository and log group, then reading exactly `secrets` (statement id to secret ARN, in
 * order): the secrets that task's definition names.
 */
function createExecutionRole(
  spec: ServiceSpec,
  name: string,
  description: string,
  secrets: Record<string, pulumi.Input<string>>,
  image: ApiImage,
  logGroup: aws.cloudwatch.LogGroup,
  opts: pulumi.ComponentResourceOptions,
): aws.iam.Role {
  const role = new aws.iam.Role(
    name,
    { description, assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"), tags: tagsFor(spec, name) },
    opts,
  );
  new aws.iam.RolePolicy(
    name,
    {
      role: role.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          ...pullAndLogStatements(image, logGroup),
          ...Object.entries(secrets).map(([Sid, Resource]) => ({
            Sid,
            Effect: "Allow",
            Action: "secretsmanager:GetSecretValue",
            Resource,
          })),
        ],
      }),
    },
    opts,
  );
  return role;
}

/**
 * The IAM resource of `rds-db:connect` as one database user: `arn:aws:rds-db:<region>:<account>:dbuser:
 * <DbiResourceId>/<user>` (the instance's resource id, not its name).
 */
export function rdsDbUserArn(
  region: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
  resourceId: pulumi.Input<string>,
  user: string,
): pulumi.Output<string> {
  return pulumi.interpolate`arn:aws:rds-db:${region}:${accountId}:dbuser:${resourceId}/${user}`;
}

export function createTaskRoles(
  spec: ServiceSpec,
  image: ApiImage,
  database: Database,
  bootstrapKey: BootstrapKeySecret,
  logGroup: aws.cloudwatch.LogGroup,
  opts: pulumi.ComponentResourceOptions,
  /** With error tracking on: the Sentry DSN's secret, the second one the task definition names. */
  sentryDsn?: SentryDsnSecret,
) {
  // AmazonECSTaskExecutionRolePolicy narrowed to this repository and log group, plus exactly the secrets of
  // the API's `secrets`: the bootstrap key (and the Sentry DSN with error tracking). Not the database's master
  // secret: the API has no database password. Encrypted with the aws/secretsmanager key, usable through
  // Secrets Manager without a kms:Decrypt grant.
  const executionRole = createExecutionRole(
    spec,
    `${spec.name}-task-execution`,
    `ECS agent for ${spec.name}'s API: pull the image, write logs, read the bootstrap key secret`,
    { BootstrapKeySecret: bootstrapKey.arn, ...(sentryDsn ? { SentryDsnSecret: sentryDsn.arn } : {}) },
    image,
    logGroup,
    opts,
  );

  const taskRole = new aws.iam.Role(
    `${spec.name}-task`,
    {
      description: `The ${spec.name} API's own identity`,
      assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"),
      tags: tagsFor(spec, `${spec.name}-task`),
    },
    opts,
  );
  const caller = aws.getCallerIdentityOutput({});
  const region = aws.getRegionOutput({}).region;
  const statements: Record<string, unknown>[] = [
    {
      // IAM database authentication: the API signs a token per connection as its own role, and only that.
      Sid: "RdsIamConnect",
      Effect: "Allow",
      Action: "rds-db:connect",
      Resource: rdsDbUserArn(region, caller.accountId, database.resourceId, spec.database.apiRole),
    },
  ];
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
  new aws.iam.RolePolicy(
    `${spec.name}-task`,
    {
      role: taskRole.id,
      policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }),
    },
    opts,
  );
  return { executionRole, taskRole };
}

/**
 * The migrator task's execution role: pull the image, write its log stream, and read the RDS-managed master
 * secret, which ECS hands the migrator as DATABASE_PASSWORD at each run (so a rotation needs nothing else).
 * The only role that may read that secret. The migrator needs no task role: it calls no AWS API.
 */
export function createMigratorExecutionRole(
  spec: ServiceSpec,
  image: ApiImage,
  database: Database,
  logGroup: aws.cloudwatch.LogGroup,
  opts: pulumi.ComponentResourceOptions,
): aws.iam.Role {
  return createExecutionRole(
    spec,
    `${spec.name}-migrator-execution`,
    `ECS agent for ${spec.name}'s migrator: pull the image, write logs, read the database master secret`,
    { DatabaseMasterSecret: database.masterSecretArn },
    image,
    logGroup,
    opts,
  );
}
