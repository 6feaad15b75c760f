/**
 * Adapts resources captured by `runUnderMocks` (run.ts) to the evaluator's input: inputs
 * for resource policies, mocked outputs plus the mock's fake `id` for stack policies (the engine's outputs
 * carry the physical id, which stack policies use to resolve references between resources).
 */

import type { EvaluatedResource } from "../../policies/evaluate.js";
import { type CapturedResource, fakeId } from "./run.js";

export function fromCaptured(resources: CapturedResource[]): EvaluatedResource[] {
  return resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: r.props,
    outputs: r.custom ? { id: fakeId(r), ...r.state } : r.state,
    opts: {
      protect: r.opts.protect,
      ignoreChanges: r.opts.ignoreChanges,
      deleteBeforeReplace: r.opts.deleteBeforeReplace,
      ...(r.opts.provider ? { provider: r.opts.provider } : {}),
    },
    ...(r.parent ? { parent: r.parent } : {}),
    dependencies: r.dependencies,
  }));
}
