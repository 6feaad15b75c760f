/**
 * infra/aws/registry.ts: the ECR repository and the image built into it, per shipped stack under mocks; a
 * pinned digest deployed without building. Issue 11, point 5: the image tag is the same on every machine for
 * the same content (two checkouts made under umask 022 and 002 agree), changes with any build input, and the
 * program pushes only tags ECR does not hold yet (the Docker provider itself would re-push: its context digest
 * includes full file modes).
 */

import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildContextHash, dockerignoreMatcher, imageTag } from "../../../infra/aws/registry.js";
import type { StackOutputs } from "../../../infra/outputs.js";
import { program } from "../../../infra/program.js";
import { buildServiceSpec } from "../../../infra/spec/index.js";
import { MOCK_ACCOUNT_ID } from "../../../tools/mock/aws.js";
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

const scratch = mkdtempSync(join(tmpdir(), "twincloud-image-push-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes a small build context: an allowlist .dockerignore, a Dockerfile, sources, an ignored directory. */
function writeContext(dir: string): void {
  mkdirSync(join(dir, "api", "routes"), { recursive: true });
  mkdirSync(join(dir, "docs"), { recursive: true });
  writeFileSync(join(dir, ".dockerignore"), "*\n!api\n!package.json\n**/*.test.ts\n");
  writeFileSync(join(dir, "Dockerfile"), "FROM node:24-slim\nCOPY api ./api\n");
  writeFileSync(join(dir, "package.json"), '{"name":"x"}\n');
  writeFileSync(join(dir, "api", "main.ts"), "export const main = 1;\n");
  writeFileSync(join(dir, "api", "B.ts"), "export const b = 1;\n");
  writeFileSync(join(dir, "api", "_a.ts"), "export const a = 1;\n");
  writeFileSync(join(dir, "api", "routes", "items.ts"), "export const items = [];\n");
  writeFileSync(join(dir, "api", "main.test.ts"), "test\n");
  writeFileSync(join(dir, "api", "start.sh"), "#!/bin/sh\nexec node main.js\n");
  chmodSync(join(dir, "api", "start.sh"), 0o755);
  writeFileSync(join(dir, "docs", "notes.md"), "# notes\n");
}

/** Every file and directory below `dir`, relative. */
function walk(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    return e.isDirectory() ? [relative(root, full), ...walk(full, root)] : [relative(root, full)];
  });
}

/**
 * A second checkout of the same commit as another machine makes it: Git restores content and the exec bit
 * only; read/write bits come from that machine's umask (002: group-writable), mtimes from the checkout time.
 */
function checkoutWithUmask002(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
  for (const rel of walk(to)) {
    const full = join(to, rel);
    const stat = statSync(full);
    const exec = stat.isDirectory() || (stat.mode & 0o111) !== 0;
    chmodSync(full, exec ? 0o775 : 0o664);
    utimesSync(full, new Date("2030-01-01T00:00:00Z"), new Date("2030-01-01T00:00:00Z"));
  }
}

/**
 * The Docker provider's per-file entry in its `contextDigest` (pulumi-docker v4.6.2 provider/provider.go
 * `hashPath`): relative name, Go's `fs.FileMode.String()`, sha256 of the content. Enough to show that the
 * provider's view differs between the two checkouts while the tag does not.
 */
function providerFileEntry(root: string, rel: string): string {
  const mode = statSync(join(root, rel)).mode & 0o777;
  const rwx = "rwxrwxrwx"
    .split("")
    .map((c, i) => (mode & (1 << (8 - i)) ? c : "-"))
    .join("");
  const content = createHash("sha256")
    .update(readFileSync(join(root, rel)))
    .digest("hex");
  return `${rel}-${rwx}${content}`;
}

describe("AWS image tag: machine-independent, content-addressed", () => {
  const a = join(scratch, "checkout-a");
  const b = join(scratch, "checkout-b");
  const previousUmask = process.umask(0o022);
  mkdirSync(a);
  writeContext(a);
  process.umask(previousUmask);
  checkoutWithUmask002(a, b);

  it("is the same for two checkouts made with umask 022 (0644) and 002 (0664), other paths and mtimes", () => {
    expect(statSync(join(a, "api", "main.ts")).mode & 0o777).toBe(0o644);
    expect(statSync(join(b, "api", "main.ts")).mode & 0o777).toBe(0o664);
    expect(statSync(join(b, "api", "start.sh")).mode & 0o777).toBe(0o775);
    expect(buildContextHash(b, "Dockerfile")).toBe(buildContextHash(a, "Dockerfile"));
    expect(buildContextHash(a, "Dockerfile")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("differs where the Docker provider's own context digest differs (why the provider is not trusted)", () => {
    // Same content, but the provider hashes `-rw-r--r--` on one machine and `-rw-rw-r--` on the other: its
    // Diff reports a change and its Update pushes again, with the tag we give it.
    expect(providerFileEntry(a, "api/main.ts")).not.toBe(providerFileEntry(b, "api/main.ts"));
  });

  it("changes when a file the image is built from changes, and only then", () => {
    const c = join(scratch, "checkout-c");
    cpSync(a, c, { recursive: true });
    const base = buildContextHash(c, "Dockerfile");
    writeFileSync(join(c, "docs", "notes.md"), "# other notes\n"); // ignored by .dockerignore
    writeFileSync(join(c, "api", "main.test.ts"), "other test\n"); // ignored by **/*.test.ts
    expect(buildContextHash(c, "Dockerfile")).toBe(base);

    writeFileSync(join(c, "api", "routes", "items.ts"), "export const items = [1];\n");
    const content = buildContextHash(c, "Dockerfile");
    expect(content).not.toBe(base);

    chmodSync(join(c, "api", "main.ts"), 0o755); // the exec bit is content: Git records it
    const exec = buildContextHash(c, "Dockerfile");
    expect(exec).not.toBe(content);

    writeFileSync(join(c, "api", "new.ts"), "export {};\n");
    const added = buildContextHash(c, "Dockerfile");
    expect(added).not.toBe(exec);

    writeFileSync(join(c, "Dockerfile"), "FROM node:24-slim\nCOPY api ./api\nUSER 1000\n");
    const dockerfile = buildContextHash(c, "Dockerfile");
    expect(dockerfile).not.toBe(added);

    symlinkSync("main.ts", join(c, "api", "link.ts"));
    const link = buildContextHash(c, "Dockerfile");
    expect(link).not.toBe(dockerfile);
    rmSync(join(c, "api", "link.ts"));
    symlinkSync("B.ts", join(c, "api", "link.ts"));
    expect(buildContextHash(c, "Dockerfile")).not.toBe(link);
  });

  it("changes with the platform and the build args, which change the image without touching a file", () => {
    const plain = buildContextHash(a, "Dockerfile", { platform: "linux/amd64", args: { X: "1" } });
    expect(buildContextHash(a, "Dockerfile", { platform: "linux/arm64", args: { X: "1" } })).not.toBe(plain);
    expect(buildContextHash(a, "Dockerfile", { platform: "linux/amd64", args: { X: "2" } })).not.toBe(plain);
    expect(buildContextHash(a, "Dockerfile", { args: { X: "1" }, platform: "linux/amd64" })).toBe(plain);
  });

  it("honours <Dockerfile>.dockerignore before .dockerignore, as Docker and the provider do", () => {
    const d = join(scratch, "checkout-d");
    cpSync(a, d, { recursive: true });
    const base = buildContextHash(d, "Dockerfile");
    writeFileSync(join(d, "Dockerfile.dockerignore"), "*\n!api\n!package.json\n!docs\n");
    const withDocs = buildContextHash(d, "Dockerfile");
    expect(withDocs).not.toBe(base);
    writeFileSync(join(d, "docs", "notes.md"), "# changed\n");
    expect(buildContextHash(d, "Dockerfile")).not.toBe(withDocs);
  });

  it("is the same for this repository and a umask-002 copy of it (the real .dockerignore and Dockerfile)", () => {
    const copy = join(scratch, "repository-copy");
    const skip = new Set(["node_modules", ".git", "coverage", ".data", "dist"]);
    cpSync(".", copy, {
      recursive: true,
      filter: (src) => {
        return !skip.has(relative(".", src).split(sep)[0] ?? "");
      },
    });
    for (const rel of walk(copy)) {
      const full = join(copy, rel);
      const stat = statSync(full);
      chmodSync(full, stat.isDirectory() || (stat.mode & 0o111) !== 0 ? 0o775 : 0o664);
    }
    expect(readdirSync(copy)).not.toContain("node_modules");
    const inputs = { platform: "linux/amd64", args: { BUILDKIT_INLINE_CACHE: "1" } };
    expect(buildContextHash(copy, "Dockerfile", inputs)).toBe(buildContextHash(".", "Dockerfile", inputs));
    writeFileSync(
      join(copy, "api", "app.ts"),
      `${readFileSync(join(copy, "api", "app.ts"), "utf8")}\n// changed\n`,
    );
    expect(buildContextHash(copy, "Dockerfile", inputs)).not.toBe(
      buildContextHash(".", "Dockerfile", inputs),
    );
  });

  it("tags the repository's own context as ctx-<20 hex>, identically on every call", () => {
    const spec = buildServiceSpec({ cloud: "aws" }, { stack: "dev", awsRegion: "eu-west-1" });
    expect(imageTag(spec)).toMatch(/^ctx-[0-9a-f]{20}$/);
    expect(imageTag(spec)).toBe(imageTag(spec));
  });
});

describe("AWS push under mocks: only tags ECR does not hold", () => {
  const config = { "twincloud:cloud": "aws", "aws:region": "eu-west-1" };
  const spec = buildServiceSpec({ cloud: "aws" }, { stack: "dev", awsRegion: "eu-west-1" });
  const repositoryUrl = `${MOCK_ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/${spec.image.repositoryName}`;
  const tag = imageTag(spec);

  it("builds and pushes <repository>:<content tag> when ECR has no such tag (a first deploy)", async () => {
    const lookups: Record<string, unknown>[] = [];
    const result = await runUnderMocks<StackOutputs>(program, {
      stack: "dev",
      config,
      invokes: {
        "aws:ecr/getImage:getImage": (inputs) => {
          lookups.push(inputs);
          return { repositoryName: inputs.repositoryName, imageTags: [] };
        },
      },
    });
    expect(lookups).toEqual([{ repositoryName: spec.image.repositoryName, imageTag: tag }]);
    const images = result.resources.filter((r) => r.type === "docker:index/image:Image");
    expect(images).toHaveLength(1);
    expect(images[0]?.props.imageName).toBe(`${repositoryUrl}:${tag}`);
    expect(String(result.outputs.imageDigest)).toMatch(new RegExp(`^${repositoryUrl}@sha256:[0-9a-f]{64}$`));
  });

  it("deploys the digest ECR holds for the tag and builds nothing when the content was pushed before", async () => {
    const digest = `sha256:${"c".repeat(64)}`;
    const result = await runUnderMocks<StackOutputs>(program, {
      stack: "dev",
      config,
      invokes: {
        "aws:ecr/getImage:getImage": (inputs) => ({
          repositoryName: inputs.repositoryName,
          imageTag: inputs.imageTag,
          imageTags: [inputs.imageTag],
          imageDigest: digest,
        }),
      },
    });
    expect(result.resources.some((r) => r.type === "docker:index/image:Image")).toBe(false);
    expect(result.outputs.imageDigest).toBe(`${repositoryUrl}@${digest}`);
    const task = result.resources.find(
      (r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === "twincloud-dev-api",
    );
    const api = (
      JSON.parse(String(task?.props.containerDefinitions)) as { name: string; image: string }[]
    ).find((c) => c.name === "api");
    expect(api?.image).toBe(`${repositoryUrl}@${digest}`);
  });

  it("builds when the lookup fails (e.g. the repository does not exist yet)", async () => {
    const result = await runUnderMocks<StackOutputs>(program, {
      stack: "dev",
      config,
      invokes: {
        "aws:ecr/getImage:getImage": () => {
          throw new Error("no matching ECR Image found");
        },
      },
    });
    expect(result.resources.filter((r) => r.type === "docker:index/image:Image")).toHaveLength(1);
  });
});
