import type { StackOutputs } from "../outputs.js";
import type { ServiceSpec } from "../spec.js";

/** Renders the service spec on aws. Not built yet: see the aws issue. */
export function deployAws(_spec: ServiceSpec): StackOutputs {
  throw new Error("the aws rendering is not implemented yet");
}
