// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/aws/ecs.ts: containers of task definitions, services, clusters. */
import { describe, expect, it } from "vitest";
import { awsStack, byPolicy, find, type Props, run } from "../../fixtures.js";
import { blocksEach } from "../mutations.js";

/** Replaces the task definition's containers. */
const containers =
  (...defs: Props[]) =>
  (p: Props) =>
    void (p.containerDefinitions = JSON.stringify(defs));

blocksEach("aws/ecs", [
  [
    "privileged container",
    "aws",
    "task",
    containers({ name: "api", privileged: true, readonlyRootFilesystem: true }),
    "aws-ecs-no-privileged-containers",
  ],
  [
    "writable root filesystem",
    "aws",
    "task",
    containers({ name: "api" }),
    "aws-ecs-readonly-root-filesystem",
  ],
  [
    "plaintext DATABASE_PASSWORD env var",
    "aws",
    "task",
    containers({
      name: "api",
      readonlyRootFilesystem: true,
      environment: [{ name: "DATABASE_PASSWORD", value: "x" }],
    }),
    "aws-ecs-no-plaintext-secrets",
  ],
  [
    "plaintext api_token env var (case-insensitive)",
    "aws",
    "task",
    containers({
      name: "api",
      readonlyRootFilesystem: true,
      environment: [{ name: "stripe_api_token", value: "x" }],
    }),
    "aws-ecs-no-plaintext-secrets",
  ],
  [
    "service with public IP",
    "aws",
    "service",
    (p) => void ((p.networkConfiguration as Props).assignPublicIp = true),
    "aws-ecs-service-no-public-ip",
  ],
  [
    "cluster without Container Insights",
    "aws",
    "cluster",
    (p) => void delete p.settings,
    "aws-ecs-container-insights",
  ],
]);

describe("edge cases", () => {
  it("containerDefinitions that is not JSON is reported, not a crash", () => {
    const stack = awsStack("prod");
    find(stack, "task").props.containerDefinitions = "not json";
    expect(byPolicy(run(stack), "aws-ecs-readonly-root-filesystem")).toHaveLength(1);
  });
});
