/** infra/aws/secrets.ts: the bootstrap key's secret reaches the API only through `secrets`, per shipped stack. */
import { describe, expect, it } from "vitest";
import { SECRET_ENV_VARS } from "../../../api/config.js";
import { policyOf, T, useAwsStacks } from "../../support/aws-stack.js";
import { STACKS } from "../../support/rendered.js";

const stackRun = useAwsStacks();

describe.each(STACKS)("AWS stack %s", (stack) => {
  it("keeps secrets out of the plain environment: the bootstrap key only through `secrets`, no database password", () => {
    const { containers, one, spec } = stackRun(stack);
    const secretArn = (one(T.db).state.masterUserSecrets as { secretArn: string }[])[0]?.secretArn;
    expect(secretArn).toMatch(/^arn:aws:secretsmanager:/);
    const bootstrapArn = String(
      one("aws:secretsmanager/secret:Secret", `${spec.name}-bootstrap-api-key`).state.arn,
    );
    const bootstrapVersion = String(
      one("aws:secretsmanager/secretVersion:SecretVersion", `${spec.name}-bootstrap-api-key`).state.versionId,
    );
    for (const container of containers()) {
      for (const variable of container.environment ?? []) {
        expect(SECRET_ENV_VARS as readonly string[]).not.toContain(variable.name);
        expect(variable.value).not.toMatch(/password|mock-ecr/i);
      }
    }
    const api = containers().find((c) => c.name === "api");
    // No DATABASE_PASSWORD, nothing from the master secret: the API signs IAM tokens.
    expect(api?.secrets).toEqual([
      { name: "BOOTSTRAP_API_KEY", valueFrom: `${bootstrapArn}:::${bootstrapVersion}` },
    ]);
    expect(JSON.stringify(containers())).not.toContain(secretArn);
    // The API's execution role reads exactly that secret; its task role reads none.
    const secretStatements = policyOf(stackRun(stack), `${spec.name}-task-execution`).Statement.filter((s) =>
      JSON.stringify(s.Action).includes("secretsmanager"),
    );
    expect(secretStatements).toEqual([
      {
        Sid: "BootstrapKeySecret",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: bootstrapArn,
      },
    ]);
    expect(JSON.stringify(policyOf(stackRun(stack), `${spec.name}-task`))).not.toContain("secretsmanager");
    expect(JSON.stringify(one(T.db).props)).not.toMatch(/"password"/);
    expect(one(T.db).props.manageMasterUserPassword).toBe(true);
  });
});
