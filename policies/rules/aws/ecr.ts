/** ECR repositories: images scanned on push, tags immutable (deploys go by digest). */
import type { Policies } from "@pulumi/policy";
import { defineResourcePolicy, reportIf } from "../../lib/policy.js";
import { isTrue } from "../../lib/values.js";
import { aws } from "../../types.js";

const scanOnPush = defineResourcePolicy({
  name: "aws-ecr-scan-on-push",
  description: "ECR repositories scan images on push.",
  types: [aws.ecr.Repository],
  validate: reportIf(
    (props) => !isTrue(props.imageScanningConfiguration?.scanOnPush),
    "Set `imageScanningConfiguration: { scanOnPush: true }` on the repository.",
  ),
});

const immutableTags = defineResourcePolicy({
  name: "aws-ecr-immutable-tags",
  description: "ECR repositories have immutable tags.",
  types: [aws.ecr.Repository],
  validate: reportIf(
    (props) => props.imageTagMutability !== "IMMUTABLE",
    'Set `imageTagMutability: "IMMUTABLE"` on the repository (deploy by digest).',
  ),
});

export const policies: Policies = [scanOnPush, immutableTags];
