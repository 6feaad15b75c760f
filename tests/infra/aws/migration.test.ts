/**
 * infra/aws/migration.ts: the migrator's task definition and the `migration` output the deploy pipeline runs
 * it with, per shipped stack under mocks.
 */
import { describe, expect, it } from "vitest";
import { apiEnvironmentSchema } from "../../../api/config.js";
import { apiRoleEnvironmentSchema } from "../../../api/db/roles.js";
import type { MigrationTarget } from "../../../infra/outputs.js";
import { fakeId } from "../../../tools/mock/fake-id.js";
import { CA_FILE, envOf, T, useAwsStacks } from "../../support/aws-stack.js";
import { STACKS } from "../../support/rendered.js";

const stackRun = useAwsStacks();

describe.each(STACKS)("AWS stack %s", (stack) => {
  it("returns the migration the pipeline runs: the migrator's task definition in the private subnets", () => {
    const { result, one, all, spec } = stackRun(stack);
    const migrator = one(T.taskDefinition, `${spec.name}-migrate`);
    // The API tasks' group: the only one the database admits (tests of the chain below).
    const group = all(T.sg).find((g) => g.name === `${spec.name}-service`)!;
    expect(result.outputs.migration).toEqual({
      cloud: "aws",
      cluster: one(T.cluster).state.name,
      taskDefinitionArn: migrator.state.arn,
      containerName: "migrate",
      // The service's private subnets.
      subnetIds: (one(T.service).props.networkConfiguration as { subnets: string[] }).subnets,
      securityGroupIds: [fakeId(group)],
    });
    // Resolved under the mocks: the plain value the pipeline reads with `pulumi stack output migration`.
    const migration = result.outputs.migration as unknown as Extract<MigrationTarget, { cloud: "aws" }>;
    expect(migration.subnetIds.length).toBe(spec.network.availabilityZones);
    for (const subnet of migration.subnetIds) expect(subnet).toMatch(/^subnet-prv/);
    expect(migration.taskDefinitionArn).toMatch(
      /^arn:aws:ecs:eu-west-1:\d{12}:task-definition\/.+-migrate:\d+$/,
    );
  });

  it("defines the migrator: the same image and user, spec.migration's command, env and size, the master password", () => {
    const { migratorContainers, containers, one, spec } = stackRun(stack);
    const task = one(T.taskDefinition, `${spec.name}-migrate`);
    expect(task.props).toMatchObject({
      family: `${spec.name}-migrate`,
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: String(spec.migration.cpu),
      memory: String(spec.migration.memoryMiB),
    });
    // It calls no AWS API: no task role.
    expect(task.props.taskRoleArn).toBeUndefined();
    const [migrate, ...others] = migratorContainers();
    expect(others).toEqual([]);
    const api = containers().find((c) => c.name === "api")!;
    expect(migrate).toMatchObject({
      name: "migrate",
      essential: true,
      image: api.image,
      user: api.user,
      privileged: false,
      readonlyRootFilesystem: true,
      command: ["dist/api/cli/migrate.js"],
    });
    expect(migrate!.command).toEqual([...spec.migration.command]);
    const secretArn = (one(T.db).state.masterUserSecrets as { secretArn: string }[])[0]!.secretArn;
    expect(migrate!.secrets).toEqual([{ name: "DATABASE_PASSWORD", valueFrom: `${secretArn}:password::` }]);
    const env = envOf(migrate);
    expect(env).toEqual({
      ...spec.migration.environment,
      DATABASE_HOST: one(T.db).state.address,
      DATABASE_AUTH: "password",
      DATABASE_API_AUTH: "aws-iam",
      DATABASE_CA_FILE: CA_FILE,
    });
    // The administrator migrates and creates the API's role for IAM authentication, verifying the server.
    expect(env).toMatchObject({
      DATABASE_USER: one(T.db).props.username,
      DATABASE_API_ROLE: spec.database.apiRole,
      DATABASE_SSL: "verify-full",
    });
    // Both of the migrator's schemas accept it (api/config.ts, api/db/roles.ts).
    const withSecret = { ...env, DATABASE_PASSWORD: "dummy-master-password-0123456789" };
    const config = apiEnvironmentSchema.safeParse(withSecret);
    expect(config.success, JSON.stringify(config.error?.issues)).toBe(true);
    const roles = apiRoleEnvironmentSchema.safeParse(withSecret);
    expect(roles.success, JSON.stringify(roles.error?.issues)).toBe(true);
    expect(roles.data).toMatchObject({
      DATABASE_API_ROLE: spec.database.apiRole,
      DATABASE_API_AUTH: "aws-iam",
    });
    // Its own log stream prefix in the API's log group.
    expect(migrate!.logConfiguration).toMatchObject({
      logDriver: "awslogs",
      options: {
        "awslogs-group": one(T.logGroup, `${spec.name}-api-logs`).state.name,
        "awslogs-region": "eu-west-1",
        "awslogs-stream-prefix": "migrate",
      },
    });
  });
});
