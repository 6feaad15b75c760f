/** The Pulumi program: config → cloud-neutral spec → the chosen cloud's renderer. */
import type { StackOutputs } from "./outputs.js";
import type { Cloud, ServiceSpec } from "./spec/index.js";
import { loadServiceSpec } from "./stack-config.js";

/** Renders the spec on one cloud: declares its resources and returns the stack outputs. */
export type Renderer = (spec: ServiceSpec) => Promise<StackOutputs>;

/**
 * One renderer per cloud. Exhaustive: a cloud added to `CLOUDS` fails to compile until it has an entry, and a
 * new cloud is its folder (the same file names as infra/aws/ and infra/azure/) plus this entry. Loaded on
 * demand: each cloud's SDK takes seconds to import, and a stack renders one cloud.
 */
export const RENDERERS: Record<Cloud, () => Promise<Renderer>> = {
  aws: async () => (await import("./aws/index.js")).renderAws,
  azure: async () => (await import("./azure/index.js")).renderAzure,
};

export async function program(): Promise<StackOutputs> {
  const spec = loadServiceSpec();
  const render = await RENDERERS[spec.cloud]();
  return render(spec);
}
