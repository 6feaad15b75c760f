/**
 * infra/aws/monitoring/alarms.ts: the alarms and EventBridge rules of every shipped stack under mocks (each
 * failure mode alarmed to the alert topic with a runbook anchor, FailedInvocations of every rule, no alarm
 * paging merely because it is new) and the alarm table itself.
 */
import { describe, expect, it } from "vitest";
import { awsAlarms, awsEventRules } from "../../../../infra/aws/monitoring/alarms.js";
import { approximateMaxConnections } from "../../../../infra/aws/sizes.js";
import { buildServiceSpec, TIERS } from "../../../../infra/spec/index.js";
import type { CapturedResource } from "../../../../tools/mock/run.js";
import { alertTopic, T, useAwsStacks } from "../../../support/aws-stack.js";
import { STACKS } from "../../../support/rendered.js";

const spec = (stack: string, extra: Record<string, string> = {}) =>
  buildServiceSpec({ cloud: "aws", ...extra }, { stack, awsRegion: "eu-west-1" });
const stackRun = useAwsStacks();

describe.each(STACKS)("AWS stack %s", (stack) => {
  it("pages the alert topic when a backup or cross-region copy of the database fails (prod)", () => {
    const { all, one, spec } = stackRun(stack);
    const rules = all(T.eventRule).filter((r) => r.props.name === `${spec.name}-backup-job-failed`);
    if (!spec.database.crossRegionBackup.enabled) {
      expect(rules).toHaveLength(0);
      // No topic policy unless a service besides CloudWatch publishes (AMP's alert manager, with cloud metrics).
      const policies = all(T.topicPolicy);
      expect(policies).toHaveLength(spec.cloudMetrics.enabled ? 1 : 0);
      for (const policy of policies)
        expect(String(policy.props.policy)).not.toContain("events.amazonaws.com");
      return;
    }
    expect(rules).toHaveLength(1);
    const rule = rules[0]!;
    expect(rule.props.description).toMatch(/docs\/runbook\.md#backup-job-failed$/);
    expect(JSON.parse(String(rule.props.eventPattern))).toEqual({
      source: ["aws.backup"],
      "detail-type": ["Backup Job State Change", "Copy Job State Change"],
      detail: { state: ["FAILED", "ABORTED", "EXPIRED"], resourceArn: [one(T.db).state.arn] },
    });
    const topic = one(T.topic, `${spec.name}-alerts`);
    const target = all(T.eventTarget).find((t) => t.props.rule === rule.state.name)!;
    expect(target.props).toMatchObject({ rule: rule.state.name, arn: topic.state.arn });
    expect(String((target.props.inputTransformer as { inputTemplate: string }).inputTemplate)).toMatch(
      /^".*<kind> <state> \(<reason>\).*"$/,
    );

    // Only this rule may publish besides the account's own principals (CloudWatch alarms), never over HTTP.
    const policy = JSON.parse(String(one(T.topicPolicy).props.policy)) as {
      Statement: { Sid: string; Effect: string; Principal: unknown; Condition?: unknown }[];
    };
    const bySid = Object.fromEntries(policy.Statement.map((st) => [st.Sid, st]));
    expect(bySid.AccountPrincipals?.Condition).toEqual({
      StringEquals: { "AWS:SourceOwner": expect.stringMatching(/^\d{12}$/) },
    });
    expect(bySid.BackupJobFailures).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Condition: { ArnEquals: { "aws:SourceArn": rule.state.arn } },
    });
    expect(bySid.DenyPlainHttp).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    // The topic is encrypted with our key: EventBridge needs to use it too.
    const key = all(T.kmsKey).find((k) => k.state.arn === topic.props.kmsMasterKeyId);
    const keyPolicy = JSON.parse(String(key?.props.policy)) as { Statement: { Principal: unknown }[] };
    expect(keyPolicy.Statement.map((st) => st.Principal)).toContainEqual({ Service: "events.amazonaws.com" });
  });

  it("alarms on every failure mode into an SNS topic, each with a runbook anchor", () => {
    const { all, one, spec } = stackRun(stack);
    const topic = one(T.topic, `${spec.name}-alerts`);
    expect(topic.props.kmsMasterKeyId).toBeTruthy();
    // An email subscription exactly when the stack has an alert address (prod must; dev and staging ship without).
    expect(
      all(T.subscription)
        .filter((s) => s.props.topic === topic.state.arn)
        .map((s) => s.props),
    ).toEqual(
      spec.alerts.email ? [expect.objectContaining({ protocol: "email", endpoint: spec.alerts.email })] : [],
    );
    // The uptime alarm lives in us-east-1 (Route 53's metrics) and notifies a topic there, same subscriber.
    const uptimeTopic = all(T.topic).find((t) => t.name === `${spec.name}-uptime-alerts`);
    expect(uptimeTopic !== undefined).toBe(spec.cloudMetrics.enabled);
    if (spec.environment === "prod") expect(spec.alerts.email).toBeTruthy();
    const alarms = all(T.alarm);
    const expected = awsAlarms(spec);
    expect(alarms.map((a) => a.props.name).sort()).toEqual(expected.map((a) => a.name).sort());
    for (const alarm of alarms) {
      // Alarms about the alert path itself also open an OpsItem (the FailedInvocations test below).
      const definition = expected.find((a) => a.name === alarm.props.name);
      const target = definition?.metricsRegion ? uptimeTopic : topic;
      expect(alarm.props.alarmActions).toEqual(
        definition?.opsItemFallback
          ? [target?.state.arn, expect.stringMatching(/:opsitem:/)]
          : [target?.state.arn],
      );
      expect(alarm.props.alarmDescription).toMatch(/docs\/runbook\.md#[a-z0-9-]+$/);
    }
    const byId = (id: string) => alarms.find((a) => a.props.name === `${spec.name}-${id}`)?.props ?? {};
    expect(byId("api-latency-p95")).toMatchObject({
      extendedStatistic: "p95",
      threshold: spec.alerts.latencyP95Ms / 1000,
    });
    expect(byId("api-5xx-rate")).toMatchObject({ threshold: spec.alerts.http5xxRatePercent });
    expect(JSON.stringify(byId("api-5xx-rate").metricQueries)).toMatch(
      /HTTPCode_Target_5XX_Count.*HTTPCode_ELB_5XX_Count.*RequestCount/,
    );
    expect(byId("api-unhealthy-targets")).toMatchObject({ metricName: "UnHealthyHostCount", threshold: 0 });
    expect(all("aws:cloudwatch/dashboard:Dashboard")).toHaveLength(1);
  });
});

describe.each(TIERS)("AWS %s", (tier) => {
  const all = (type: string): CapturedResource[] => stackRun(tier).all(type);
  const topic = () => alertTopic(stackRun(tier));

  it("alarms on FailedInvocations of every EventBridge rule, to the topic and to OpsCenter", () => {
    const spec = stackRun(tier).spec;
    const rules = all(T.eventRule);
    // The backup-failure rule exists where backups are copied to a second region (prod); dev and staging have none.
    expect(rules.length).toBe(spec.database.crossRegionBackup.enabled ? 1 : 0);
    // The table the alarms are built from names exactly the rules the program creates.
    expect(
      awsEventRules(spec)
        .map((r) => r.name)
        .sort(),
    ).toEqual(rules.map((r) => String(r.props.name)).sort());
    const alarms = all(T.alarm);
    for (const rule of rules) {
      const watching = alarms.filter(
        (a) =>
          a.props.namespace === "AWS/Events" &&
          a.props.metricName === "FailedInvocations" &&
          JSON.stringify(a.props.dimensions) === JSON.stringify({ RuleName: rule.props.name }),
      );
      expect(watching, String(rule.props.name)).toHaveLength(1);
      const alarm = watching[0]!.props;
      expect(alarm).toMatchObject({
        statistic: "Sum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        evaluationPeriods: 1,
        // FailedInvocations exists only when something failed: no data is healthy, and a new alarm is quiet.
        treatMissingData: "notBreaching",
        actionsEnabled: true,
      });
      // If the topic is what fails, a notification through it may not arrive: an OpsItem does not need it.
      expect(alarm.alarmActions).toEqual([
        topic().state.arn,
        expect.stringMatching(/^arn:aws:ssm:[a-z0-9-]+:\d{12}:opsitem:[1-4]#CATEGORY=Availability$/),
      ]);
      expect(alarm.alarmDescription).toMatch(/docs\/runbook\.md#[a-z-]+-undelivered$/);
    }
  });

  it("runs no Step Functions workflow and alarms on none: the rotation redeploy went with the API's password", () => {
    // The API authenticates with IAM tokens (no password to follow after a rotation); the migrator reads the
    // rotated master password when ECS starts it. So nothing is started when RDS rotates the secret.
    expect(all("aws:sfn/stateMachine:StateMachine")).toEqual([]);
    expect(all(T.alarm).filter((a) => a.props.namespace === "AWS/States")).toEqual([]);
    expect(
      all(T.eventRule).filter((r) => String(r.props.eventPattern).includes("aws.secretsmanager")),
    ).toEqual([]);
  });

  it("does not page a new alarm that has no datapoints yet", () => {
    const spec = stackRun(tier).spec;
    const alarms = all(T.alarm);
    // `breaching` turns "no datapoint yet" into ALARM: no alarm may use it.
    expect(alarms.filter((a) => a.props.treatMissingData === "breaching").map((a) => a.props.name)).toEqual(
      [],
    );
    // The running-tasks alarm: Container Insights publishes nothing when no task runs, so all-missing
    // (INSUFFICIENT_DATA, the state a new alarm starts in, acted on only when entered later) pages instead.
    const running = alarms.find((a) => a.props.name === `${spec.name}-api-running-tasks-low`)?.props;
    expect(running).toMatchObject({
      metricName: "RunningTaskCount",
      comparisonOperator: "LessThanThreshold",
      threshold: spec.scaling.minReplicas,
      treatMissingData: "missing",
      insufficientDataActions: [topic().state.arn],
    });
    // Only the alarms that say so page on INSUFFICIENT_DATA.
    const paging = awsAlarms(spec)
      .filter((a) => a.pageOnInsufficientData)
      .map((a) => a.name)
      .sort();
    expect(
      alarms
        .filter((a) => a.props.insufficientDataActions !== undefined)
        .map((a) => String(a.props.name))
        .sort(),
    ).toEqual(paging);
  });
});

describe("alarms", () => {
  it("have unique, stable ids used as runbook anchors and stack-prefixed names", () => {
    const alarms = awsAlarms(spec("dev"));
    const ids = alarms.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([
      "api-5xx-rate",
      "api-latency-p95",
      "api-unhealthy-targets",
      "api-running-tasks-low",
      "api-cpu-high",
      "api-memory-high",
      "db-cpu-high",
      "db-free-storage-low",
      "db-connections-high",
    ]);
    for (const alarm of alarms) {
      expect(alarm.name).toBe(`twincloud-dev-${alarm.id}`);
      expect(alarm.runbook).toBe(`docs/runbook.md#${alarm.id}`);
    }
  });

  it("keeps the connections threshold below the instance's max_connections", () => {
    expect(approximateMaxConnections("db.t4g.micro")).toBeLessThan(120);
    const dev = awsAlarms(spec("dev")).find((a) => a.id === "db-connections-high");
    expect(dev?.threshold).toBeLessThan(approximateMaxConnections("db.t4g.micro"));
  });
});
