/**
 * IAM: the trust policy helper every AWS role uses, and the API's two roles. The execution role is what the
 * ECS agent uses (pull this repository's image, write this log group, read exactly the two secrets the task
 * definition names); the task role is the API's own identity (X-Ray and ECS Exec only when enabled).
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

export function createTaskRoles(
  spec: ServiceSpec,
  image: ApiImage,
  database: Database,
  bootstrapKey: BootstrapKeySecret,
  logGroup: aws.cloudwatch.LogGroup,
  opts: pulumi.ComponentResourceOptions,
  /** With error tracking on: the Sentry DSN's secret, the third one the task definition names. */
  sentryDsn?: SentryDsnSecret,
) {
  const executionRole = new aws.iam.Role(
    `${spec.name}-task-execution`,
    {
      description: `ECS agent for ${spec.name}: pull the image, write logs, read the database and bootstrap key secrets`,
      assumeRolePolicy: assumeRolePolicy("ecs-tasks.amazonaws.com"),
      tags: tagsFor(spec, `${spec.name}-task-execution`),
    },
    opts,
  );
  // AmazonECSTaskExecutionRolePolicy narrowed to this repository and log group, plus exactly two secrets (the
  // API's `secrets`; three with error tracking: the Sentry DSN). Both are encrypted with the aws/secretsmanager key, usable through Secrets Manager
  // without a kms:Decrypt grant.
  new aws.iam.RolePolicy(
    `${spec.name}-task-execution`,
    {
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
          ...(sentryDsn
            ? [
                {
                  Sid: "SentryDsnSecret",
                  Effect: "Allow",
                  Action: "secretsmanager:GetSecretValue",
                  Resource: sentryDsn.arn,
                },
              ]
            : []),
        ],
      }),
    },
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
    new aws.iam.RolePolicy(
      `${spec.name}-task`,
      {
        role: taskRole.id,
        policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
      },
      opts,
    );
  }
  return { executionRole, taskRole };
}
