/**
 * infra/aws/compute.ts: the API's task definition and the ECS service, per shipped stack under mocks: an
 * environment the API's own config schema accepts, a read-only non-root container, rollback and autoscaling.
 */
import { describe, expect, it } from "vitest";
import { apiEnvironmentSchema, DEFAULT_METRICS_PORT, DEFAULT_PORT } from "../../../api/config.js";
import { CA_FILE, type ContainerDefinition, envOf, T, useAwsStacks } from "../../support/aws-stack.js";
import { STACKS } from "../../support/rendered.js";

const stackRun = useAwsStacks();

describe.each(STACKS)("AWS stack %s", (stack) => {
  it("gives the API an environment (plus its secrets) that satisfies apiEnvironmentSchema: IAM auth, verify-full", () => {
    const { containers, one, spec } = stackRun(stack);
    const api = containers().find((c) => c.name === "api");
    const env = envOf(api);
    for (const secret of api?.secrets ?? [])
      env[secret.name] = "dummy-secret-value-for-the-schema-check-0123456789";
    const parsed = apiEnvironmentSchema.safeParse(env);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(env.DATABASE_HOST).toBe(one(T.db).state.address);
    expect(env).toMatchObject({
      PORT: String(DEFAULT_PORT),
      DATABASE_PORT: "5432",
      // The least-privilege role, never the administrator (the RDS master user).
      DATABASE_USER: spec.database.apiRole,
      DATABASE_AUTH: "aws-iam",
      AWS_REGION: "eu-west-1",
      DATABASE_SSL: "verify-full",
      DATABASE_CA_FILE: CA_FILE,
      MIGRATE_ON_START: "false",
    });
    expect(env.DATABASE_USER).not.toBe(one(T.db).props.username);
    expect(env.DATABASE_PASSWORD).toBeUndefined();
  });

  it("runs the API container read-only, non-root, unprivileged, with the spec's ports, stop timeout and logs", () => {
    const { containers, one, spec } = stackRun(stack);
    const api = containers().find((c) => c.name === "api") as ContainerDefinition;
    expect(api).toMatchObject({
      readonlyRootFilesystem: true,
      privileged: false,
      stopTimeout: spec.container.stopTimeoutSeconds,
    });
    expect(api.user).toMatch(/^[1-9]\d*:\d+$/);
    expect(api.portMappings?.map((p) => p.containerPort)).toEqual([DEFAULT_PORT, DEFAULT_METRICS_PORT]);
    expect(api.mountPoints).toEqual(
      expect.arrayContaining([{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }]),
    );
    expect(api.healthCheck?.command[0]).toBe("CMD");
    expect(api.healthCheck?.command.join(" ")).toMatch(/healthcheck\.js/);
    const logGroup = one(T.logGroup, `${spec.name}-api-logs`);
    expect(logGroup.props.retentionInDays).toBe(spec.logs.retentionDays);
    expect(api.logConfiguration).toMatchObject({
      logDriver: "awslogs",
      options: { "awslogs-group": logGroup.state.name, "awslogs-region": "eu-west-1" },
    });
    const task = one(T.taskDefinition, `${spec.name}-api`);
    expect(task.props).toMatchObject({
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: String(spec.container.cpu * 1024),
      memory: String(spec.container.memoryMiB),
    });
    expect(one(T.cluster).props.settings).toEqual([{ name: "containerInsights", value: "enhanced" }]);
  });

  it("runs the service with rollback, zero-downtime deploys, autoscaling-owned desired count", () => {
    const { one, all, spec } = stackRun(stack);
    const service = one(T.service);
    expect(service.props).toMatchObject({
      launchType: "FARGATE",
      desiredCount: spec.scaling.minReplicas,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      enableExecuteCommand: stack !== "prod",
      propagateTags: "SERVICE",
    });
    expect(service.opts.ignoreChanges).toEqual(["desiredCount"]);
    const listener = all(T.listener).find((l) => JSON.stringify(l.props.defaultActions).includes("forward"));
    expect(service.dependencies).toContain(listener?.urn);

    expect(one(T.scalingTarget).props).toMatchObject({
      minCapacity: spec.scaling.minReplicas,
      maxCapacity: spec.scaling.maxReplicas,
      scalableDimension: "ecs:service:DesiredCount",
    });
    const policies = all(T.scalingPolicy).map(
      (p) => p.props.targetTrackingScalingPolicyConfiguration as Record<string, unknown>,
    );
    expect(policies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          targetValue: spec.scaling.cpuTargetPercent,
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          scaleOutCooldown: spec.scaling.scaleOutCooldownSeconds,
          scaleInCooldown: spec.scaling.scaleInCooldownSeconds,
        }),
        expect.objectContaining({
          targetValue: spec.scaling.requestsPerReplicaPerMinute,
          predefinedMetricSpecification: {
            predefinedMetricType: "ALBRequestCountPerTarget",
            resourceLabel: `${one(T.alb).state.arnSuffix}/${one(T.targetGroup).state.arnSuffix}`,
          },
        }),
      ]),
    );
    expect(policies).toHaveLength(2);
  });
});
