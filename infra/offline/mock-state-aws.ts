/** Mock answers for the AWS program: invokes it calls and the computed outputs of the resources it creates. */
import type * as pulumi from "@pulumi/pulumi";
import type { InvokeHandler } from "./mock-run.js";

export const mockInvokes: Record<string, InvokeHandler> = {};

export function mockResourceState(
  _args: pulumi.runtime.MockResourceArgs,
): Record<string, unknown> | undefined {
  return undefined;
}
