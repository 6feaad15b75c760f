/**
 * The rehearsal's "cloud": what outlives one provider process. Only the image registry is remembered (pushes
 * by docker.Image, looked up by ecr.getImage), and only when the runner gives a directory for it in
 * TWINCLOUD_REHEARSAL_CLOUD_DIR (one per rehearsal); without it every registry is empty.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hex } from "./values.js";

interface PushedImage {
  host: string;
  repository: string;
  tag: string;
  digest: string;
}

function registryDir(): string | undefined {
  const dir = process.env.TWINCLOUD_REHEARSAL_CLOUD_DIR;
  return dir ? join(dir, "registry") : undefined;
}

/** `host/repo/path:tag` → parts (no tag: undefined). */
export function parseImageName(imageName: string): { host: string; repository: string; tag?: string } {
  const slash = imageName.indexOf("/");
  const host = slash > 0 ? imageName.slice(0, slash) : "docker.io";
  const rest = slash > 0 ? imageName.slice(slash + 1) : imageName;
  const at = rest.indexOf("@");
  const withoutDigest = at >= 0 ? rest.slice(0, at) : rest;
  const colon = withoutDigest.lastIndexOf(":");
  return colon > 0
    ? { host, repository: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) }
    : { host, repository: withoutDigest };
}

export function recordPush(imageName: string, digest: string): void {
  const dir = registryDir();
  if (!dir) return;
  const { host, repository, tag } = parseImageName(imageName);
  if (!tag) return;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${hex(`${host}/${repository}:${tag}`, 24)}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ host, repository, tag, digest } satisfies PushedImage));
  renameSync(tmp, file);
}

export function findPushed(host: string, repository: string, tag: string): PushedImage | undefined {
  const dir = registryDir();
  if (!dir || !existsSync(dir)) return undefined;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".json")) continue;
    try {
      const img = JSON.parse(readFileSync(join(dir, f), "utf8")) as PushedImage;
      if (img.host === host && img.repository === repository && img.tag === tag) return img;
    } catch {
      // a file being written: not there yet
    }
  }
  return undefined;
}
