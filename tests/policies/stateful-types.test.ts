/**
 * policies/stateful-types.ts, the one table of stateful types: every token is the token of an installed
 * provider class, the two categories do not overlap, and the pack's protect rule covers exactly the data one.
 */
import * as awsSdk from "@pulumi/aws";
import * as azureSdk from "@pulumi/azure-native";
import * as randomSdk from "@pulumi/random";
import { describe, expect, it } from "vitest";
import { PROTECTED_TYPES } from "../../policies/rules/common/stateful.js";
import {
  CONTINUITY_TYPES,
  DATA_TYPES,
  STATEFUL_TYPES,
  statefulCategory,
} from "../../policies/stateful-types.js";

type Sdk = Record<string, unknown>;

/** The provider class a token names (`aws:rds/instance:Instance` → aws.rds.Instance), if installed. */
function classOf(token: string): { __pulumiType?: string } | undefined {
  const [pkg, module = "", className = ""] = token.split(":");
  const namespace = module.split("/")[0] ?? "";
  const sdk = ({ aws: awsSdk, "azure-native": azureSdk, random: randomSdk } as Record<string, Sdk>)[
    pkg ?? ""
  ];
  const scope = (namespace === "index" ? sdk : sdk?.[namespace]) as Sdk | undefined;
  return scope?.[className] as { __pulumiType?: string } | undefined;
}

describe("the stateful types table", () => {
  for (const token of Object.keys(STATEFUL_TYPES)) {
    it(`${token} is an installed provider class's token`, () => {
      expect(classOf(token)?.__pulumiType).toBe(token);
    });
  }

  it("puts each type in one category, with what it is and what losing it loses", () => {
    const both = Object.keys(DATA_TYPES).filter((t) => t in CONTINUITY_TYPES);
    expect(both).toEqual([]);
    expect(Object.keys(STATEFUL_TYPES).length).toBe(
      Object.keys(DATA_TYPES).length + Object.keys(CONTINUITY_TYPES).length,
    );
    for (const { kind, loses } of Object.values(STATEFUL_TYPES)) {
      expect(kind.length).toBeGreaterThan(3);
      expect(loses.length).toBeGreaterThan(3);
    }
    expect(statefulCategory("aws:rds/instance:Instance")).toBe("data");
    expect(statefulCategory("random:index/randomPassword:RandomPassword")).toBe("continuity");
    expect(statefulCategory("aws:lb/listener:Listener")).toBeUndefined();
  });

  it("is what prod's protect rule requires: the data category, no more", () => {
    expect([...PROTECTED_TYPES].sort()).toEqual(Object.keys(DATA_TYPES).sort());
  });
});
