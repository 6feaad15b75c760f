/**
 * infra/aws/identity.ts: the API's execution and task roles and the migrator's execution role, per shipped
 * stack under mocks: who may read which secret, IAM database authentication as exactly the API's role, X-Ray
 * and ECS Exec only where enabled, no wildcard that has a narrower form.
 */
import { describe, expect, it } from "vitest";
import { program } from "../../../infra/program.js";
import { fakeId } from "../../../tools/mock/fake-id.js";
import { runUnderMocks } from "../../../tools/mock/run.js";
import { policyOf, rolePolicies, T, useAwsStacks } from "../../support/aws-stack.js";
import { STACKS } from "../../support/rendered.js";

const stackRun = useAwsStacks();

describe.each(STACKS)("AWS stack %s", (stack) => {
  it("lets only the migrator's execution role read the database's master secret", () => {
    const { all, one, spec } = stackRun(stack);
    const secretArn = (one(T.db).state.masterUserSecrets as { secretArn: string }[])[0]!.secretArn;
    const readers = all(T.rolePolicy).filter((p) => String(p.props.policy).includes(secretArn));
    expect(readers.map((p) => p.name)).toEqual([`${spec.name}-migrator-execution`]);
    const migratorRole = one(T.role, `${spec.name}-migrator-execution`);
    expect(readers[0]!.props.role).toBe(fakeId(migratorRole));
    expect(policyOf(stackRun(stack), `${spec.name}-migrator-execution`).Statement).toEqual([
      expect.objectContaining({ Sid: "EcrAuth" }),
      expect.objectContaining({ Sid: "EcrPull", Resource: one(T.repository).state.arn }),
      expect.objectContaining({
        Sid: "Logs",
        Resource: `${one(T.logGroup, `${spec.name}-api-logs`).state.arn}:*`,
      }),
      {
        Sid: "DatabaseMasterSecret",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: secretArn,
      },
    ]);
    // Which role is whose: the migrator's task definition runs with it, the API's never does.
    expect(one(T.taskDefinition, `${spec.name}-migrate`).props.executionRoleArn).toBe(migratorRole.state.arn);
    const apiTask = one(T.taskDefinition, `${spec.name}-api`).props;
    expect([apiTask.executionRoleArn, apiTask.taskRoleArn]).not.toContain(migratorRole.state.arn);
  });

  it("grants the task role only what the tier uses (ECS Exec channels outside prod)", () => {
    const { all, spec } = stackRun(stack);
    const taskPolicy = all(T.rolePolicy).find((p) => p.name === `${spec.name}-task`);
    const actions = taskPolicy ? JSON.stringify(JSON.parse(String(taskPolicy.props.policy))) : "";
    expect(actions.includes("ssmmessages:")).toBe(spec.operations.execEnabled);
    expect(actions.includes("xray:")).toBe(spec.tracing.enabled);
    // Wildcard resources only for actions that have no resource-level permissions.
    const wildcardAllowed = /^(ecr:GetAuthorizationToken|xray:[A-Za-z]+|ssmmessages:[A-Za-z]+)$/;
    for (const policy of rolePolicies(stackRun(stack))) {
      for (const statement of policy.Statement) {
        const actions = ([] as unknown[]).concat(statement.Action).map(String);
        for (const action of actions) expect(action).not.toMatch(/\*$/);
        if (statement.Resource === "*") for (const action of actions) expect(action).toMatch(wildcardAllowed);
      }
    }
  });

  it("lets the task role rds-db:connect as exactly the API's database user of this instance", () => {
    const { one, spec } = stackRun(stack);
    const db = one(T.db);
    expect(db.state.resourceId).toMatch(/^db-[A-Z0-9]+$/);
    const connect = policyOf(stackRun(stack), `${spec.name}-task`).Statement.filter((s) =>
      JSON.stringify(s.Action).includes("rds-db:"),
    );
    expect(connect).toEqual([
      {
        Sid: "RdsIamConnect",
        Effect: "Allow",
        Action: "rds-db:connect",
        Resource: `arn:aws:rds-db:eu-west-1:123456789012:dbuser:${db.state.resourceId}/${spec.database.apiRole}`,
      },
    ]);
    // No other role may connect with IAM.
    const others = rolePolicies(stackRun(stack)).filter((p) => JSON.stringify(p).includes("rds-db:"));
    expect(others).toHaveLength(1);
    // And the instance accepts IAM tokens, with its certificate from the CA whose root the image ships.
    expect(db.props).toMatchObject({
      iamDatabaseAuthenticationEnabled: true,
      caCertIdentifier: "rds-ca-rsa2048-g1",
    });
  });
});

describe("tracing under mocks", () => {
  it("grants X-Ray to the task role only when tracing is enabled", async () => {
    const result = await runUnderMocks(program, {
      stack: "dev",
      config: { "twincloud:cloud": "aws", "aws:region": "eu-west-1", "twincloud:tracing": "true" },
    });
    const taskPolicy = result.resources.find(
      (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "twincloud-dev-task",
    );
    expect(String(taskPolicy?.props.policy)).toMatch(/xray:PutTraceSegments/);
    const task = result.resources.find(
      (r) => r.name === "twincloud-dev-api" && r.type === "aws:ecs/taskDefinition:TaskDefinition",
    );
    const names = (JSON.parse(String(task?.props.containerDefinitions)) as { name: string }[]).map(
      (c) => c.name,
    );
    expect(names).toEqual(["api", "init-tmp", "otel-collector"]);
  });
});
