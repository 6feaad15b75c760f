/**
 * Global setup: a directory for one test run's rendered stacks (tests/support/rendered.ts). Rendering a
 * shipped stack under mocks costs about a third of a second, and a dozen infra test files read the same six,
 * so the first file that needs a stack renders it and the others read it back. Emptied when watch mode
 * re-runs (the source may have changed) and removed at the end of the run.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    renderCacheDir: string;
  }
}

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "twincloud-renders-"));
  project.provide("renderCacheDir", dir);
  project.onTestsRerun(() => {
    for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { force: true });
  });
  return () => rmSync(dir, { recursive: true, force: true });
}
