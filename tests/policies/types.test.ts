/** Every type token in policies/types.ts is the token of the provider class it is named after. */
import * as awsSdk from "@pulumi/aws";
import * as azureSdk from "@pulumi/azure-native";
import { runtime } from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { aws, azure, pulumi } from "../../policies/types.js";

/** The `__pulumiType` of `sdk[namespace][className]` (internal in the typings, public at run time). */
function tokenOf(sdk: object, namespace: string, className: string): unknown {
  const ns = (sdk as Record<string, Record<string, { __pulumiType?: string }>>)[namespace];
  return ns?.[className]?.__pulumiType;
}

describe("type tokens", () => {
  for (const [cloud, tokens, sdk] of [
    ["aws", aws, awsSdk],
    ["azure", azure, azureSdk],
  ] as const) {
    for (const [namespace, classes] of Object.entries(tokens)) {
      for (const [className, token] of Object.entries(classes)) {
        it(`${cloud}.${namespace}.${className} is ${token}`, () => {
          expect(tokenOf(sdk, namespace, className)).toBe(token);
        });
      }
    }
  }

  it("pulumi.Stack is the engine's root stack type", () => {
    expect(pulumi.Stack).toBe(runtime.rootPulumiStackTypeName);
  });
});
