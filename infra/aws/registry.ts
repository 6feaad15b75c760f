/**
 * The API image: built from the repository's Dockerfile for linux/amd64, pushed to a private ECR repository
 * (scan on push, immutable tags, lifecycle policy) and deployed by digest.
 *
 * Why a push can never hit an existing tag (docs/deploy-aws.md, "Image tags and pushes"):
 * - The tag is `ctx-<hash>` of what the image is built from: the build context as .dockerignore filters it
 *   (paths, contents, the exec bit, symlink targets), the Dockerfile, the platform and the build args. No
 *   other file mode, no mtime, no absolute path and no locale-dependent ordering enters it, so two checkouts
 *   of one commit (umask 022 or 002, laptop or CI) compute the same tag, and any change to the image's inputs
 *   gives a new one. The base images are pinned by digest in the Dockerfile, so the tag names the content.
 * - `docker.Image` (@pulumi/docker 4.6.2) cannot be trusted to leave an existing tag alone: its Check hashes
 *   the context itself with each file's full `fs.FileMode` (`-rw-rw-r--` ≠ `-rw-r--r--`, provider/provider.go
 *   `hashContext`) into the `build.contextDigest` input, its Diff reports any input change, and its Update
 *   builds and pushes unconditionally (provider/image.go `dockerBuild`, no "tag exists" check). The engine
 *   applies `ignoreChanges` *before* the provider's Check (pulumi/pulumi step_generator.go), which rewrites
 *   `contextDigest`, so `ignoreChanges` cannot hide it either. Another machine's umask, a revert to content
 *   pushed before, or an `up` interrupted after its push would all push an existing tag into an IMMUTABLE
 *   repository, which refuses it.
 * - So the program asks ECR first (`ecr.getImage` by tag) and declares the `docker.Image` only when the tag
 *   is not in the repository yet. When it is, nothing is built or pushed and the task runs that image's
 *   digest: the same content, whoever pushed it. The `docker.Image` resource therefore exists in the state
 *   only after the `up` that pushed; the next `up` drops it (its delete is a no-op in the provider).
 */
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { buildPaths } from "../build-context.js";
import { dockerignoreMatcher, dockerignorePatterns, mayReincludeBelow } from "../dockerignore.js";
import type { ServiceSpec } from "../spec/index.js";
import { tagsFor } from "./tags.js";

export interface ApiImage {
  repository: aws.ecr.Repository;
  /** `<repositoryUrl>@sha256:...`: what the task definition runs, so any content change rolls out. */
  imageDigest: pulumi.Output<string>;
}

// tests/infra/aws/registry.test.ts imports the matcher from here.
export { dockerignoreMatcher };

/** Paths never part of a build context, whatever .dockerignore says. */
const ALWAYS_IGNORED = [".git", "node_modules"];

/** What besides the context decides the image's content: part of the tag. */
export interface BuildInputs {
  platform?: string;
  args?: Record<string, string>;
  target?: string;
}

/** Byte-order comparison: `localeCompare` depends on the process locale (ICU, LANG) and differs per machine. */
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The ignore file Docker applies: `<Dockerfile>.dockerignore` next to the Dockerfile wins over the context's
 * `.dockerignore` (the same precedence as the provider's `getIgnorePatterns`).
 */
function ignorePatterns(root: string, dockerfilePath: string): string[] {
  for (const candidate of [`${dockerfilePath}.dockerignore`, join(root, ".dockerignore")]) {
    if (existsSync(candidate)) return dockerignorePatterns(readFileSync(candidate, "utf8"));
  }
  return [];
}

/**
 * A digest of everything the image is built from: the files of the build context that .dockerignore lets
 * through (relative path, content, exec bit; a symlink by its target), the Dockerfile's text and the build
 * inputs. Machine-independent by construction: the read/write bits (umask), owners, mtimes, the checkout's
 * absolute path and the locale's sort order never enter it. The exec bit does, because Git records it and it
 * changes what the image can run.
 */
export function buildContextHash(contextDir: string, dockerfile: string, inputs: BuildInputs = {}): string {
  const root = resolve(contextDir);
  const dockerfilePath = join(root, dockerfile);
  const patterns = ignorePatterns(root, dockerfilePath);
  const ignored = dockerignoreMatcher(patterns);
  // An ignored directory is still walked when a `!pattern` may re-include something below it.
  const mayReinclude = mayReincludeBelow(patterns);
  const hash = createHash("sha256");
  hash.update("twincloud-image-tag/v2\0");
  const walk = (dir: string): void => {
    const names = readdirSync(dir).sort(byCodeUnit);
    for (const name of names) {
      const full = join(dir, name);
      const rel = relative(root, full).split(sep).join("/");
      if (ALWAYS_IGNORED.includes(rel)) continue;
      const stat = lstatSync(full);
      if (stat.isDirectory()) {
        if (!ignored(rel) || mayReinclude(rel)) walk(full);
      } else if (ignored(rel)) {
        // not sent to the builder
      } else if (stat.isSymbolicLink()) {
        hash.update(`${rel}\0link\0${readlinkSync(full).split(sep).join("/")}\0`);
      } else if (stat.isFile()) {
        hash.update(`${rel}\0${stat.mode & 0o111 ? "x" : "-"}\0`);
        hash.update(readFileSync(full));
        hash.update("\0");
      }
    }
  };
  if (existsSync(root)) walk(root);
  hash.update(`dockerfile\0${existsSync(dockerfilePath) ? readFileSync(dockerfilePath, "utf8") : ""}\0`);
  const args = Object.entries(inputs.args ?? {}).sort(([a], [b]) => byCodeUnit(a, b));
  hash.update(JSON.stringify({ platform: inputs.platform ?? "", target: inputs.target ?? "", args }));
  return hash.digest("hex");
}

/** Build args of the API image (part of its tag). */
const BUILD_ARGS: Record<string, string> = { BUILDKIT_INLINE_CACHE: "1" };

/** `ctx-<20 hex>`: the image's tag, the same on every machine for the same inputs. */
export function imageTag(spec: ServiceSpec): string {
  const hash = buildContextHash(buildPaths(spec).absolute.context, spec.image.dockerfile, {
    platform: spec.image.platform,
    args: BUILD_ARGS,
  });
  return `ctx-${hash.slice(0, 20)}`;
}

/**
 * The digest (`sha256:<64 hex>`) of `repositoryName:tag` when ECR already holds that tag, otherwise
 * undefined. Before the first deploy the repository does not exist yet: ECR answers "not found" and the image
 * is built. Any other failure (throttling, a missing `ecr:DescribeImages` permission) is reported as a warning
 * and also leads to a build; if the tag did exist, the push is then refused loudly and a rerun fixes it.
 */
async function pushedImageDigest(repositoryName: string, tag: string): Promise<string | undefined> {
  try {
    const found = await aws.ecr.getImage({ repositoryName, imageTag: tag });
    const digest = found.imageDigest;
    return typeof digest === "string" && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!/not ?found|no matching|does not exist/i.test(message)) {
      await pulumi.log.warn(
        `Could not look up ${repositoryName}:${tag} in ECR (${message}); building and pushing it. If that tag exists already, ECR refuses the push (immutable tags): run \`pulumi up\` again.`,
      );
    }
    return undefined;
  }
}

/**
 * The digest ECR already holds for this stack's image content, asked before any resource is declared (a
 * component's constructor cannot wait); undefined when the stack deploys a pinned digest or must build.
 */
export async function lookupPushedImage(spec: ServiceSpec): Promise<ImageLookup | undefined> {
  if (spec.image.digest) return undefined;
  const tag = imageTag(spec);
  const pushedDigest = await pushedImageDigest(spec.image.repositoryName, tag);
  return { tag, ...(pushedDigest ? { pushedDigest } : {}) };
}

export interface ImageLookup {
  /** `imageTag(spec)`, hashed once. */
  tag: string;
  /** This content is in the repository already: build and push nothing, run this digest. */
  pushedDigest?: string;
}

export interface RegistryArgs {
  spec: ServiceSpec;
  /** `lookupPushedImage`'s answer (absent with a pinned `twincloud:imageDigest`). */
  lookup?: ImageLookup;
}

export function createRegistry(args: RegistryArgs, opts: pulumi.ComponentResourceOptions): ApiImage {
  const { spec } = args;
  const repository = new aws.ecr.Repository(
    spec.image.repositoryName,
    {
      name: spec.image.repositoryName,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: "AES256" }],
      // Non-prod stacks can be destroyed with their images; prod keeps them (destroy needs an explicit step).
      forceDelete: !spec.operations.protectStatefulResources,
      tags: tagsFor(spec, spec.image.repositoryName),
    },
    opts,
  );

  new aws.ecr.LifecyclePolicy(
    `${spec.image.repositoryName}-lifecycle`,
    {
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
    },
    opts,
  );

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

  const tag = args.lookup?.tag ?? imageTag(spec);
  const pushed = args.lookup?.pushedDigest;
  if (pushed) {
    // This content is in the repository already (pushed by this or another machine, or by an earlier
    // commit with the same content): run it, build and push nothing.
    return { repository, imageDigest: pulumi.interpolate`${repository.repositoryUrl}@${pushed}` };
  }

  const paths = buildPaths(spec);
  const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId });
  const image = new docker.Image(
    `${spec.name}-api-image`,
    {
      imageName: pulumi.interpolate`${repository.repositoryUrl}:${tag}`,
      build: {
        context: paths.context,
        dockerfile: paths.dockerfile,
        platform: spec.image.platform,
        args: BUILD_ARGS,
      },
      registry: {
        server: repository.repositoryUrl,
        username: auth.userName,
        password: pulumi.secret(auth.password),
      },
    },
    opts,
  );

  return { repository, imageDigest: image.repoDigest };
}
