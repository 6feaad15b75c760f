/**
 * infra/aws/registry.ts: the ECR repository and the image built into it (content-derived tag from the build
 * context), per shipped stack under mocks, and a pinned digest deployed without building.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildContextHash, dockerignoreMatcher } from "../../../infra/aws/registry.js";
import { program } from "../../../infra/program.js";
import { runUnderMocks } from "../../../tools/mock/run.js";
import { T, useAwsStacks } from "../../support/aws-stack.js";
import { STACKS } from "../../support/rendered.js";

const stackRun = useAwsStacks();

describe.each(STACKS)("AWS stack %s", (stack) => {
  it("builds the image for linux/amd64 from the root Dockerfile into an immutable, scanned ECR repository", () => {
    const { one, containers, result } = stackRun(stack);
    const repository = one(T.repository);
    expect(repository.props).toMatchObject({
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
    });
    expect(one("aws:ecr/lifecyclePolicy:LifecyclePolicy").props.policy).toBeTruthy();
    const image = one(T.image);
    expect(image.props.build).toMatchObject({
      context: ".",
      dockerfile: "Dockerfile",
      platform: "linux/amd64",
    });
    // A content-derived tag: immutable tags reject re-pushing a fixed one.
    expect(image.props.imageName).toMatch(/:ctx-[0-9a-f]{20}$/);
    // Registry credentials come from ECR's token and stay secret in state.
    expect(image.props.registry).toMatchObject({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: { username: "AWS", server: repository.state.repositoryUrl },
    });
    // The task runs the pushed digest, never a tag.
    const api = containers().find((c) => c.name === "api");
    expect(api?.image).toBe(result.outputs.imageDigest);
  });
});

describe("build context hash", () => {
  const dir = mkdtempSync(join(tmpdir(), "twincloud-ctx-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("follows .dockerignore allowlists, including re-included directories", () => {
    const ignored = dockerignoreMatcher(["*", "!api", "!package.json", "**/*.test.ts", "**/node_modules"]);
    expect(ignored("infra")).toBe(true);
    expect(ignored("infra/aws/index.ts")).toBe(true);
    expect(ignored("api")).toBe(false);
    expect(ignored("api/config.ts")).toBe(false);
    expect(ignored("api/config.test.ts")).toBe(true);
    expect(ignored("api/node_modules/x.js")).toBe(true);
    expect(ignored("package.json")).toBe(false);
  });

  it("changes when a build input changes and only then", () => {
    mkdirSync(join(dir, "api"));
    mkdirSync(join(dir, "infra"));
    writeFileSync(join(dir, ".dockerignore"), "*\n!api\n!Dockerfile\n");
    writeFileSync(join(dir, "Dockerfile"), "FROM scratch\n");
    writeFileSync(join(dir, "api", "main.ts"), "export {};\n");
    writeFileSync(join(dir, "infra", "index.ts"), "export {};\n");
    const first = buildContextHash(dir, "Dockerfile");
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(dir, "infra", "index.ts"), "export const changed = 1;\n");
    expect(buildContextHash(dir, "Dockerfile")).toBe(first);
    writeFileSync(join(dir, "api", "main.ts"), "export const changed = 1;\n");
    const second = buildContextHash(dir, "Dockerfile");
    expect(second).not.toBe(first);
    writeFileSync(join(dir, "Dockerfile"), "FROM scratch\nUSER 1000\n");
    expect(buildContextHash(dir, "Dockerfile")).not.toBe(second);
  });
});

describe("rollback by digest under mocks", () => {
  it("deploys twincloud:imageDigest without building when it names this stack's repository", async () => {
    const digest = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/twincloud-dev-api@sha256:${"a".repeat(64)}`;
    const result = await runUnderMocks(program, {
      stack: "dev",
      config: { "twincloud:cloud": "aws", "aws:region": "eu-west-1", "twincloud:imageDigest": digest },
    });
    expect(result.outputs.imageDigest).toBe(digest);
    expect(result.resources.some((r) => r.type === "docker:index/image:Image")).toBe(false);
    // The API and the migrator run that image.
    const tasks = result.resources.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition");
    expect(tasks.map((t) => t.name).sort()).toEqual(["twincloud-dev-api", "twincloud-dev-migrate"]);
    for (const task of tasks)
      expect((JSON.parse(String(task.props.containerDefinitions)) as { image: string }[])[0]?.image).toBe(
        digest,
      );
  });
});
