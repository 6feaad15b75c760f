/**
 * Signals that fail loudly, on the AWS program of every tier under mocks: the EventBridge → encrypted SNS
 * path has the key and topic permissions AWS documents (no condition keys EventBridge does not send to
 * KMS), every EventBridge rule has a FailedInvocations alarm whose action does not depend only on the topic,
 * and no alarm pages merely because it is new and has no datapoints yet.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { awsAlarms, awsEventRules } from "../../infra/aws/monitoring/alarms.js";
import { type ServiceSpec, TIERS, type Tier } from "../../infra/spec/index.js";
import type { CapturedResource } from "../../tools/mock/run.js";
import { captureStack, type StackCapture } from "../observability/stack-captures.js";
import { specOfConfig } from "../support/stacks.js";

const T = {
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  topic: "aws:sns/topic:Topic",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  key: "aws:kms/key:Key",
} as const;

/**
 * Global condition keys that the SNS developer guide says a KMS key policy must not require for
 * EventBridge-to-encrypted topics ("Adding the aws:SourceAccount, aws:SourceArn, and aws:SourceOrgID to a
 * AWS KMS policy is not supported for EventBridge-to-encrypted topics"; aws:SourceOrgPaths is their
 * sibling). Compared case-insensitively: IAM condition keys are.
 */
const NOT_SENT_TO_KMS_BY_EVENTBRIDGE = [
  "aws:sourceaccount",
  "aws:sourcearn",
  "aws:sourceorgid",
  "aws:sourceorgpaths",
];

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const statementsOf = (policy: unknown): Statement[] =>
  (JSON.parse(String(policy)) as { Statement: Statement[] }).Statement;
const conditionKeys = (st: Statement) =>
  Object.values(st.Condition ?? {}).flatMap((byKey) => Object.keys(byKey).map((k) => k.toLowerCase()));
const forService = (st: Statement, service: string) =>
  JSON.stringify(st.Principal ?? null) === JSON.stringify({ Service: service });

const specOf = (capture: StackCapture): ServiceSpec => specOfConfig(capture.stack, capture.config);

const captures = new Map<Tier, StackCapture>();
beforeAll(async () => {
  for (const tier of TIERS) captures.set(tier, await captureStack(tier, "aws"));
}, 300_000);

describe.each(TIERS)("AWS %s", (tier) => {
  const capture = () => {
    const c = captures.get(tier);
    if (!c) throw new Error(`${tier} did not run`);
    if (c.error) throw c.error;
    return c;
  };
  const all = (type: string): CapturedResource[] => capture().resources.filter((r) => r.type === type);
  // The stack's alert topic (with cloud metrics there is also a us-east-1 one, for the uptime alarm).
  const topic = () => {
    const topics = all(T.topic).filter((t) => t.name === `${specOf(capture()).name}-alerts`);
    expect(topics).toHaveLength(1);
    return topics[0]!;
  };

  it("lets EventBridge use the topic's key with no condition key it does not send, and publish only from our rules", () => {
    const snsTargets = all(T.target).filter((t) => t.props.arn === topic().state.arn);
    const key = all(T.key).find((k) => k.state.arn === topic().props.kmsMasterKeyId);
    expect(key, "the topic is encrypted with a key of this stack").toBeDefined();
    const keyStatements = statementsOf(key!.props.policy).filter((st) =>
      forService(st, "events.amazonaws.com"),
    );
    if (snsTargets.length === 0) {
      // Nothing on EventBridge publishes here: no grant either.
      expect(keyStatements).toEqual([]);
      return;
    }
    expect(keyStatements).toHaveLength(1);
    const [grant] = keyStatements;
    expect(grant).toMatchObject({ Effect: "Allow", Resource: "*" });
    expect([grant!.Action].flat().sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
    expect(conditionKeys(grant!).filter((k) => NOT_SENT_TO_KMS_BY_EVENTBRIDGE.includes(k))).toEqual([]);

    // The topic policy is where the rule is pinned: EventBridge sends aws:SourceArn with sns:Publish.
    const topicStatements = statementsOf(all(T.topicPolicy)[0]?.props.policy).filter(
      (st) => st.Effect === "Allow" && forService(st, "events.amazonaws.com"),
    );
    const rules = all(T.rule);
    for (const target of snsTargets) {
      const rule = rules.find((r) => r.state.name === target.props.rule);
      expect(rule, String(target.props.rule)).toBeDefined();
      // A RoleArn on an SNS target can make delivery to a KMS-encrypted topic fail (EventBridge user guide).
      expect(target.props.roleArn, String(target.props.rule)).toBeUndefined();
      expect(topicStatements).toContainEqual(
        expect.objectContaining({
          Action: "sns:Publish",
          Condition: { ArnEquals: { "aws:SourceArn": rule!.state.arn } },
        }),
      );
    }
    // Every EventBridge grant on the topic is pinned to a rule.
    for (const st of topicStatements) expect(conditionKeys(st)).toEqual(["aws:sourcearn"]);
  });

  // The SNS guide recommends aws:SourceAccount / aws:SourceArn on service grants, EventBridge excepted. That
  // CloudWatch sends aws:SourceAccount on its KMS calls is not verifiable offline: the first alarm of a real
  // deploy shows it (alarm history: "Failed to execute action ... AWSKMS ... AccessDeniedException" if not).
  it("keeps the CloudWatch grant on the key pinned to the account, and only that", () => {
    const key = all(T.key).find((k) => k.state.arn === topic().props.kmsMasterKeyId);
    const grants = statementsOf(key!.props.policy).filter((st) => forService(st, "cloudwatch.amazonaws.com"));
    expect(grants).toHaveLength(1);
    expect(conditionKeys(grants[0]!)).toEqual(["aws:sourceaccount"]);
  });

  it("alarms on FailedInvocations of every EventBridge rule, to the topic and to OpsCenter", () => {
    const spec = specOf(capture());
    const rules = all(T.rule);
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
    expect(all(T.rule).filter((r) => String(r.props.eventPattern).includes("aws.secretsmanager"))).toEqual(
      [],
    );
  });

  it("does not page a new alarm that has no datapoints yet", () => {
    const spec = specOf(capture());
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
