/**
 * The API image: built from the repository's Dockerfile for linux/amd64, pushed to a private ECR repository
 * (scan on push, immutable tags, lifecycle policy) and deployed by digest.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../spec.js";
import { tagsFor } from "./common.js";

export interface ApiImage {
  repository: aws.ecr.Repository;
  /** `<repositoryUrl>@sha256:...`: what the task definition runs, so any content change rolls out. */
  imageDigest: pulumi.Output<string>;
}

/** Paths never part of a build context, whatever .dockerignore says. */
const ALWAYS_IGNORED = [".git", "node_modules"];

/** Minimal .dockerignore matcher: `*`, `**`, `?`, leading `!` negation, directory prefixes. */
export function dockerignoreMatcher(patterns: string[]): (path: string) => boolean {
  const rules = patterns
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      const body = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, "").replace(/^\.\//, "");
      const regex = body
        .split("/")
        .map((part) =>
          part === "**"
            ? ".*"
            : part
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")
                .replace(/\?/g, "[^/]"),
        )
        .join("/")
        .replace(/\.\*\//g, "(?:.*/)?");
      return { negate, re: new RegExp(`^${regex}(?:/.*)?$`) };
    });
  return (path) => {
    let ignored = false;
    for (const rule of rules) if (rule.re.test(path)) ignored = !rule.negate;
    return ignored;
  };
}

/**
 * A digest of the build context as Docker sees it (files not excluded by .dockerignore, plus the
 * Dockerfile), so the image tag changes exactly when the image content can change. ECR tags are immutable:
 * a fixed tag could never be pushed twice.
 */
export function buildContextHash(contextDir: string, dockerfile: string): string {
  const root = resolve(contextDir);
  const ignorePath = join(root, ".dockerignore");
  const patterns = existsSync(ignorePath) ? readFileSync(ignorePath, "utf8").split("\n") : [];
  const ignored = dockerignoreMatcher(patterns);
  // An ignored directory is still walked when a `!pattern` may re-include something below it.
  const reincluded = patterns
    .map((p) => p.trim())
    .filter((p) => p.startsWith("!"))
    .map((p) => p.slice(1).replace(/^\/+/, ""));
  const mayReinclude = (dir: string) => reincluded.some((p) => p.startsWith(`${dir}/`) || p.startsWith("**"));
  const hash = createHash("sha256");
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = join(dir, entry.name);
      const rel = relative(root, full).split(sep).join("/");
      if (ALWAYS_IGNORED.includes(rel)) continue;
      if (entry.isDirectory()) {
        if (!ignored(rel) || mayReinclude(rel)) walk(full);
      } else if (entry.isFile() && !ignored(rel)) {
        hash.update(`${rel}\0${statSync(full).mode & 0o111 ? "x" : "-"}\0`);
        hash.update(readFileSync(full));
        hash.update("\0");
      }
    }
  };
  if (existsSync(root)) walk(root);
  const dockerfilePath = join(root, dockerfile);
  hash.update(`dockerfile\0${existsSync(dockerfilePath) ? readFileSync(dockerfilePath, "utf8") : ""}`);
  return hash.digest("hex");
}

export function createImage(spec: ServiceSpec): ApiImage {
  const repository = new aws.ecr.Repository(spec.image.repositoryName, {
    name: spec.image.repositoryName,
    imageTagMutability: "IMMUTABLE",
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfigurations: [{ encryptionType: "AES256" }],
    // Non-prod stacks can be destroyed with their images; prod keeps them (destroy needs an explicit step).
    forceDelete: !spec.operations.protectStatefulResources,
    tags: tagsFor(spec, spec.image.repositoryName),
  });

  new aws.ecr.LifecyclePolicy(`${spec.image.repositoryName}-lifecycle`, {
    repository: repository.name,
    policy: JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          description: "Expire untagged layers/manifests after 14 days",
          selection: {
            tagStatus: "untagged",
            countType: "sinceImagePushed",
            countUnit: "days",
            countNumber: 14,
          },
          action: { type: "expire" },
        },
        {
          rulePriority: 2,
          description: "Keep the 30 most recent images (rollback window)",
          selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 },
          action: { type: "expire" },
        },
      ],
    }),
  });

  const pinned = spec.image.digest;
  if (pinned) {
    // Rollback path: run an image pushed by an earlier `pulumi up`, without building. It must come from this
    // stack's repository (the execution role may pull from nowhere else).
    const imageDigest = repository.repositoryUrl.apply((url) => {
      if (!pinned.startsWith(`${url}@sha256:`)) {
        throw new pulumi.RunError(
          `twincloud:imageDigest: expected an image of this stack's repository, ${url}@sha256:<64 hex>; got ${pinned}`,
        );
      }
      return pinned;
    });
    return { repository, imageDigest };
  }

  const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId });
  const tag = `ctx-${buildContextHash(spec.image.context, spec.image.dockerfile).slice(0, 20)}`;
  const image = new docker.Image(`${spec.name}-api-image`, {
    imageName: pulumi.interpolate`${repository.repositoryUrl}:${tag}`,
    build: {
      context: spec.image.context,
      dockerfile: spec.image.dockerfile,
      platform: spec.image.platform,
      args: { BUILDKIT_INLINE_CACHE: "1" },
    },
    registry: {
      server: repository.repositoryUrl,
      username: auth.userName,
      password: pulumi.secret(auth.password),
    },
  });

  return { repository, imageDigest: image.repoDigest };
}
