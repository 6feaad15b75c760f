/** What every Azure module creates into: the stack's resource group, its location, and the spec. */
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../spec/index.js";

export interface GroupArgs {
  spec: ServiceSpec;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
}
