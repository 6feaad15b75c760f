/** The Pulumi program: config → cloud-neutral spec → the chosen cloud's rendering. */
import type { StackOutputs } from "./outputs.js";
import { loadServiceSpec } from "./stack-config.js";

export async function program(): Promise<StackOutputs> {
  const spec = loadServiceSpec();
  if (spec.cloud === "aws") {
    const { deployAws } = await import("./aws/index.js");
    return deployAws(spec);
  }
  const { deployAzure } = await import("./azure/index.js");
  return deployAzure(spec);
}
