/** CloudWatch Logs: nothing is kept forever. */
import type { Policies } from "@pulumi/policy";
import { defineResourcePolicy, reportIf } from "../../lib/policy.js";
import { asNumber } from "../../lib/values.js";
import { aws } from "../../types.js";

const logGroupRetention = defineResourcePolicy({
  name: "aws-log-group-retention",
  description: "CloudWatch log groups have a finite retention.",
  types: [aws.cloudwatch.LogGroup],
  validate: reportIf((props) => {
    const days = asNumber(props.retentionInDays);
    return days === undefined || days <= 0;
  }, "Set `retentionInDays` (e.g. from the spec's logs.retentionDays) on the log group; 0/missing keeps logs forever."),
});

export const policies: Policies = [logGroupRetention];
