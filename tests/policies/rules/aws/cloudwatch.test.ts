// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/aws/cloudwatch.ts: log retention. */
import { blocksEach } from "../mutations.js";

blocksEach("aws/cloudwatch", [
  ["log group kept forever", "aws", "logs", (p) => void delete p.retentionInDays, "aws-log-group-retention"],
  ["log group retention 0", "aws", "logs", (p) => void (p.retentionInDays = 0), "aws-log-group-retention"],
]);
