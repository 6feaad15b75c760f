/**
 * tools/deploy/migrate.sh (the deploy's phase 2, docs/database-identity.md#the-deploy-pipeline), run with stand-in
 * `aws` and `az` CLIs that record their calls: it runs the migrator the stack output `migration` names, waits,
 * and fails the deploy unless the migrator succeeded, within the timeout.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { MigrationTarget } from "../../infra/outputs.js";

const SCRIPT = fileURLToPath(new URL("../../tools/deploy/migrate.sh", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "migrate-script-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const AWS_TARGET: MigrationTarget = {
  cloud: "aws",
  cluster: "twincloud-dev-cluster-1a2b3c4",
  taskDefinitionArn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/twincloud-dev-migrate:7",
  containerName: "migrate",
  subnetIds: ["subnet-prv-a", "subnet-prv-b"],
  securityGroupIds: ["sg-service"],
};
const AZURE_TARGET: MigrationTarget = {
  cloud: "azure",
  resourceGroup: "rg-twincloud-staging",
  jobName: "twincloud-staging-migrate",
};
const TASK = "arn:aws:ecs:eu-west-1:123456789012:task/twincloud-dev-cluster-1a2b3c4/0123456789abcdef";

interface Behaviour {
  /** aws: the migrator container's exit code as describe-tasks prints it ("None": it never ran). */
  exitCode?: string;
  /** aws: `aws ecs wait tasks-stopped` never returns. */
  hang?: boolean;
  /** aws: run-task started nothing. */
  noTask?: boolean;
  /** azure: the execution's statuses, one per poll (the last one repeats). */
  statuses?: string[];
}

let runs = 0;
function run(target: unknown, behaviour: Behaviour = {}, timeoutSeconds = 5) {
  const dir = join(work, String(runs++));
  spawnSync("mkdir", ["-p", dir]);
  const calls = join(dir, "calls");
  writeFileSync(calls, "");
  writeFileSync(join(dir, "polls"), "0");
  const statuses = (behaviour.statuses ?? ["Succeeded"]).join(" ");
  const aws = [
    "#!/usr/bin/env bash",
    `echo "aws $*" >> "${calls}"`,
    'case "$1 $2" in',
    `  "ecs run-task") echo "${behaviour.noTask ? "None" : TASK}" ;;`,
    `  "ecs wait") ${behaviour.hang ? "sleep 30" : "true"} ;;`,
    '  "ecs describe-tasks")',
    '    if [[ "$*" == *stoppedReason* ]]; then echo "Essential container in task exited"; else',
    `    echo "${behaviour.exitCode ?? "0"}"; fi ;;`,
    '  "ecs stop-task") echo "{}" ;;',
    "  *) exit 2 ;;",
    "esac",
  ].join("\n");
  const az = [
    "#!/usr/bin/env bash",
    `echo "az $*" >> "${calls}"`,
    'case "$2 $3" in',
    '  "job start") echo "twincloud-staging-migrate-x1y2z3" ;;',
    '  "job execution")',
    `    n=$(cat "${dir}/polls"); echo $((n + 1)) > "${dir}/polls"`,
    `    s=(${statuses}); i=$(( n < \${#s[@]} ? n : \${#s[@]} - 1 )); echo "\${s[$i]}" ;;`,
    '  "job stop") echo "{}" ;;',
    "  *) exit 2 ;;",
    "esac",
  ].join("\n");
  writeFileSync(join(dir, "aws"), aws, { mode: 0o755 });
  writeFileSync(join(dir, "az"), az, { mode: 0o755 });
  const result = spawnSync("bash", [SCRIPT], {
    env: {
      PATH: `${dir}:${process.env.PATH ?? ""}`,
      MIGRATION_TARGET: typeof target === "string" ? target : JSON.stringify(target),
      MIGRATION_TIMEOUT_SECONDS: String(timeoutSeconds),
      MIGRATION_POLL_SECONDS: "0",
      GITHUB_RUN_ID: "4242",
    },
    encoding: "utf8",
    timeout: 60_000,
  });
  return {
    code: result.status,
    out: `${result.stdout}${result.stderr}`,
    calls: readFileSync(calls, "utf8").trim().split("\n").filter(Boolean),
  };
}

describe("AWS: aws ecs run-task, wait, then the container's exit code", () => {
  it("runs the output's task definition on Fargate in its private subnets and groups, and passes on exit code 0", () => {
    const { code, out, calls } = run(AWS_TARGET);
    expect(code, out).toBe(0);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toBe(
      `aws ecs run-task --cluster ${AWS_TARGET.cluster} --task-definition ${AWS_TARGET.taskDefinitionArn} --launch-type FARGATE --network-configuration {"awsvpcConfiguration":{"subnets":["subnet-prv-a","subnet-prv-b"],"securityGroups":["sg-service"],"assignPublicIp":"DISABLED"}} --started-by deploy-4242 --query tasks[0].taskArn --output text`,
    );
    expect(calls[1]).toBe(`aws ecs wait tasks-stopped --cluster ${AWS_TARGET.cluster} --tasks ${TASK}`);
    expect(calls[2]).toBe(
      `aws ecs describe-tasks --cluster ${AWS_TARGET.cluster} --tasks ${TASK} --query tasks[0].containers[?name=='migrate'].exitCode | [0] --output text`,
    );
    expect(out).toContain("container migrate exited 0");
  });

  it.each([
    ["1", "a failed migration"],
    ["137", "a killed container"],
    ["None", "a container that never ran (image pull, secret)"],
  ])("fails the deploy on exit code %s (%s), saying why and where the log is", (exitCode) => {
    const { code, out } = run(AWS_TARGET, { exitCode });
    expect(code).toBe(1);
    expect(out).toMatch(
      new RegExp(
        `::error::migration: container migrate of task .* exited with ${exitCode} \\(Essential container in task exited\\)`,
      ),
    );
    expect(out).toContain("stream prefix migrate/");
  });

  it("stops the task and fails when it does not stop within the timeout", () => {
    const started = Date.now();
    const { code, out, calls } = run(AWS_TARGET, { hang: true }, 1);
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(calls.at(-1)).toBe(
      `aws ecs stop-task --cluster ${AWS_TARGET.cluster} --task ${TASK} --reason deploy: migration timed out`,
    );
    expect(out).toMatch(/did not stop within 1 s/);
  });

  it("fails when run-task starts nothing", () => {
    const { code, out, calls } = run(AWS_TARGET, { noTask: true });
    expect(code).toBe(1);
    expect(out).toMatch(/started no task/);
    expect(calls).toHaveLength(1);
  });
});

describe("Azure: az containerapp job start, then the execution's status", () => {
  it("starts the output's job and passes once the execution succeeded", () => {
    const { code, out, calls } = run(AZURE_TARGET, { statuses: ["Running", "Running", "Succeeded"] });
    expect(code, out).toBe(0);
    expect(calls[0]).toBe(
      `az containerapp job start --name ${AZURE_TARGET.jobName} --resource-group ${AZURE_TARGET.resourceGroup} --query name --output tsv`,
    );
    const show = `az containerapp job execution show --name ${AZURE_TARGET.jobName} --resource-group ${AZURE_TARGET.resourceGroup} --job-execution-name twincloud-staging-migrate-x1y2z3 --query properties.status --output tsv`;
    expect(calls.slice(1)).toEqual([show, show, show]);
  });

  it.each(["Failed", "Stopped", "Degraded"])("fails the deploy when the execution is %s", (status) => {
    const { code, out, calls } = run(AZURE_TARGET, { statuses: ["Processing", status] });
    expect(code).toBe(1);
    expect(out).toMatch(
      new RegExp(`::error::migration: execution twincloud-staging-migrate-x1y2z3 of job .* is ${status}`),
    );
    expect(calls.some((c) => c.includes("job stop"))).toBe(false);
  });

  it("stops the execution and fails when it has not finished within the timeout", () => {
    const { code, out, calls } = run(AZURE_TARGET, { statuses: ["Running"] }, 1);
    expect(code).toBe(1);
    expect(calls.at(-1)).toBe(
      `az containerapp job stop --name ${AZURE_TARGET.jobName} --resource-group ${AZURE_TARGET.resourceGroup} --job-execution-name twincloud-staging-migrate-x1y2z3`,
    );
    expect(out).toMatch(/did not finish within 1 s \(last status Running; stopped it\)/);
  });
});

describe("the stack output", () => {
  it.each([
    ["no output", ""],
    ["no cloud", { cluster: "c" }],
    ["another cloud", { cloud: "gcp" }],
    ["an Azure job without a name (a placeholder)", { ...AZURE_TARGET, jobName: "" }],
    ["an AWS target without subnets", { ...AWS_TARGET, subnetIds: [] }],
    ["an AWS target without a task definition", { ...AWS_TARGET, taskDefinitionArn: "" }],
  ])("refuses %s, running nothing", (_what, target) => {
    const { code, out, calls } = run(target);
    expect(code).not.toBe(0);
    expect(out).toMatch(/migration|MIGRATION_TARGET/);
    expect(calls).toEqual([]);
  });
});
