// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/aws/ecr.ts: scan on push, immutable tags. */
import { blocksEach } from "../mutations.js";

blocksEach("aws/ecr", [
  [
    "ECR no scan on push",
    "aws",
    "repo",
    (p) => void delete p.imageScanningConfiguration,
    "aws-ecr-scan-on-push",
  ],
  [
    "ECR mutable tags",
    "aws",
    "repo",
    (p) => void (p.imageTagMutability = "MUTABLE"),
    "aws-ecr-immutable-tags",
  ],
]);
