/**
 * Where the API image is built from, for both clouds. The spec names the build context and the Dockerfile
 * relative to the project root (where Pulumi.yaml and the Dockerfile are). The engine starts the program and
 * the provider plugins in the directory of Pulumi.yaml's `main` (infra/), not the project root (pulumi's
 * `getPwdMain`), and pulumi-docker resolves a relative `dockerfile` against its own working directory (an
 * absolute one is refused): so the paths handed to `docker.Image` are relative to the working directory,
 * and what the program reads itself (the Dockerfile's facts, the content hash) is read from the root.
 */
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServiceSpec } from "./spec/index.js";

/** The project root: the directory above infra/ (resolved from this module, whatever the working directory). */
export const PROJECT_ROOT = fileURLToPath(new URL("../", import.meta.url));

export interface BuildPaths {
  /** Absolute paths, for what the program reads itself. */
  absolute: { context: string; dockerfile: string };
  /** `docker.Image` `build.context` / `build.dockerfile`: relative to the working directory. */
  context: string;
  dockerfile: string;
}

export function buildPaths(spec: ServiceSpec, cwd = process.cwd()): BuildPaths {
  const context = resolve(PROJECT_ROOT, spec.image.context);
  const dockerfile = resolve(PROJECT_ROOT, spec.image.dockerfile);
  return {
    absolute: { context, dockerfile },
    context: relative(cwd, context) || ".",
    dockerfile: relative(cwd, dockerfile) || join(".", spec.image.dockerfile),
  };
}
