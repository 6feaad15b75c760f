/**
 * infra/aws/monitoring/kms.ts: the alert topic's key, per shipped stack under mocks: EventBridge may use it
 * with no condition key it does not send (publishing is pinned to our rules on the topic), CloudWatch only
 * for this account.
 */
import { describe, expect, it } from "vitest";
import { TIERS } from "../../../../infra/spec/index.js";
import type { CapturedResource } from "../../../../tools/mock/run.js";
import { alertTopic, T, useAwsStacks } from "../../../support/aws-stack.js";

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

const stackRun = useAwsStacks(TIERS);

describe.each(TIERS)("AWS %s", (tier) => {
  const all = (type: string): CapturedResource[] => stackRun(tier).all(type);
  const topic = () => alertTopic(stackRun(tier));

  it("lets EventBridge use the topic's key with no condition key it does not send, and publish only from our rules", () => {
    const snsTargets = all(T.eventTarget).filter((t) => t.props.arn === topic().state.arn);
    const key = all(T.kmsKey).find((k) => k.state.arn === topic().props.kmsMasterKeyId);
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
    const rules = all(T.eventRule);
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
    const key = all(T.kmsKey).find((k) => k.state.arn === topic().props.kmsMasterKeyId);
    const grants = statementsOf(key!.props.policy).filter((st) => forService(st, "cloudwatch.amazonaws.com"));
    expect(grants).toHaveLength(1);
    expect(conditionKeys(grants[0]!)).toEqual(["aws:sourceaccount"]);
  });
});
