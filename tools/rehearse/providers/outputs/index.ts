/**
 * What Create/Update answer instead of a cloud: the id and computed outputs of a resource, from the table of
 * its package (aws.ts `AWS_OUTPUTS`, azure.ts `AZURE_OUTPUTS`, docker.ts `DOCKER_OUTPUTS`, random.ts
 * `RANDOM_OUTPUTS`, each keyed by type token). Everything derives from the type, the resource's name and its
 * inputs: two runs of the same program give the same outputs, and nothing here uses the network.
 */
import type { ProviderContext } from "../cloud.js";
import { hex } from "../values.js";
import { awsState } from "./aws-state.js";
import { azureState } from "./azure.js";
import type { CreateArgs, CreatedState } from "./common.js";
import { dockerState } from "./docker.js";
import { randomState } from "./random.js";

export type { CreateArgs, CreatedState } from "./common.js";

export function resourceState(ctx: ProviderContext, a: CreateArgs): CreatedState {
  switch (ctx.pkg) {
    case "aws":
      return awsState(ctx, a);
    case "azure-native":
      return azureState(ctx, a);
    case "docker":
    case "docker-build":
      return dockerState(a);
    case "random":
      return randomState(a);
    default:
      return { id: `${a.urnName}-${hex(`${a.type}::${a.urnName}`, 8)}`, outputs: {} };
  }
}
