import type { StackOutputs } from "../outputs.js";
import type { ServiceSpec } from "../spec.js";

/** Renders the service spec on azure. Not built yet: see the azure issue. */
export function deployAzure(_spec: ServiceSpec): StackOutputs {
  throw new Error("the azure rendering is not implemented yet");
}
