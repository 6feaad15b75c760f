/**
 * The shipped stacks rendered under Pulumi mocks: the real program (infra/program.ts) with
 * `stackConfig(stack, cloud)`, rendered once per test run. The first test file that asks for a stack renders
 * it and writes the capture (plain JSON, which a capture survives unchanged) to the run's cache directory
 * (tests/support/render-cache.ts); every other file reads it back. Runs with other config (a domain, a
 * preview, a pinned digest) call `runUnderMocks` themselves.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, inject } from "vitest";
import type { StackOutputs } from "../../infra/outputs.js";
import type { Cloud, ServiceSpec, Tier } from "../../infra/spec/index.js";
import type { CapturedResource, MockRunResult } from "../../tools/mock/run.js";
import { plain, specOfConfig, stackConfig } from "./stacks.js";

export const STACKS = ["dev", "staging", "prod"] as const satisfies readonly Tier[];

/** One shipped stack rendered on one cloud, with the lookups every infra test uses. */
export interface StackRun {
  stack: Tier;
  cloud: Cloud;
  spec: ServiceSpec;
  config: Record<string, string>;
  result: MockRunResult<StackOutputs>;
  all(type: string): CapturedResource[];
  /** The single resource of a type (and name); throws unless there is exactly one. */
  one(type: string, name?: string): CapturedResource;
  /** Plain (secret-unwrapped) inputs of `one(type, name)`. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read deep into captured inputs
  props(type: string, name?: string): any;
}

export function stackRunOf(
  stack: Tier,
  cloud: Cloud,
  result: MockRunResult<StackOutputs>,
  /** The configuration the run rendered, when not the shipped stack file's (e.g. with a secret on top). */
  config: Record<string, string> = stackConfig(stack, cloud),
): StackRun {
  const all = (type: string) => result.resources.filter((r) => r.type === type);
  const one = (type: string, name?: string) => {
    const found = all(type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ""}, found ${found.length}`);
    return found[0] as CapturedResource;
  };
  return {
    stack,
    cloud,
    spec: specOfConfig(stack, config),
    config,
    result,
    all,
    one,
    props: (type, name) => plain(one(type, name).props),
  };
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * The program run under mocks with `config`, one run at a time (the Pulumi runtime is process-global). The
 * program and the mock runner are loaded here, not above: a file that only reads cached stacks does not load
 * the Pulumi runtime (about 2 s per file).
 */
function runProgram(stack: Tier, config: Record<string, string>): Promise<MockRunResult<StackOutputs>> {
  const run = queue.then(async () => {
    const [{ program }, { runUnderMocks }] = await Promise.all([
      import("../../infra/program.js"),
      import("../../tools/mock/run.js"),
    ]);
    return runUnderMocks<StackOutputs>(program, { stack, config });
  });
  queue = run.catch(() => undefined);
  return run;
}

const memo = new Map<string, Promise<StackRun>>();

async function capture(stack: Tier, cloud: Cloud): Promise<MockRunResult<StackOutputs>> {
  const dir = inject("renderCacheDir");
  const file = dir ? join(dir, `${cloud}-${stack}.json`) : undefined;
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
  const result = await runProgram(stack, stackConfig(stack, cloud));
  if (file) {
    // Another file may be rendering the same stack: write aside and rename, so a reader never sees half.
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, JSON.stringify(result));
    renameSync(partial, file);
  }
  return result;
}

/** The shipped `stack` rendered on `cloud`, once per test run. */
export function renderStack(stack: Tier, cloud: Cloud): Promise<StackRun> {
  const key = `${cloud}/${stack}`;
  let run = memo.get(key);
  if (!run) {
    run = capture(stack, cloud).then((result) => stackRunOf(stack, cloud, result));
    memo.set(key, run);
  }
  return run;
}

/**
 * The resources of the shipped `stack` on `cloud` with `extra` config on top: the shared rendering when there
 * is none, else a run of its own (memoized per file, loading the program only then).
 */
const withExtra = new Map<string, Promise<CapturedResource[]>>();
export function renderedResources(
  stack: Tier,
  cloud: Cloud,
  extra: Record<string, string> = {},
): Promise<CapturedResource[]> {
  if (Object.keys(extra).length === 0) return renderStack(stack, cloud).then((run) => run.result.resources);
  const key = `${cloud}/${stack}:${JSON.stringify(extra)}`;
  let resources = withExtra.get(key);
  if (!resources) {
    resources = runProgram(stack, { ...stackConfig(stack, cloud), ...extra }).then((r) => r.resources);
    withExtra.set(key, resources);
  }
  return resources;
}

/** The captured resources of one type. */
export const byType = (resources: CapturedResource[], type: string): CapturedResource[] =>
  resources.filter((r) => r.type === type);

/** The single captured resource of one type (an assertion: exactly one). */
export function one(resources: CapturedResource[], type: string): CapturedResource {
  const found = byType(resources, type);
  expect(found, type).toHaveLength(1);
  return found[0] as CapturedResource;
}

/**
 * Renders `stacks` on `cloud` before the file's tests (a `beforeAll` of the calling file) and returns the
 * lookup its tests use.
 */
export function useStacks(cloud: Cloud, stacks: readonly Tier[] = STACKS): (stack: Tier) => StackRun {
  const runs = new Map<Tier, StackRun>();
  beforeAll(async () => {
    for (const stack of stacks) runs.set(stack, await renderStack(stack, cloud));
  }, 240_000);
  return (stack) => {
    const run = runs.get(stack);
    if (!run) throw new Error(`stack ${stack} did not render on ${cloud}`);
    return run;
  };
}
