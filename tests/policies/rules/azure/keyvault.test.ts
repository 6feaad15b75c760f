// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/azure/keyvault.ts: RBAC, purge protection, network default action (advisory by design). */
import { describe, expect, it } from "vitest";
import { azureStack, byPolicy, find, type Props, run } from "../../fixtures.js";
import { blocksEach } from "../mutations.js";

blocksEach(
  "azure/keyvault",
  [
    [
      "vault with access policies",
      "azure",
      "kv",
      (p) => void delete (p.properties as Props).enableRbacAuthorization,
      "azure-keyvault-rbac",
    ],
    [
      "vault without purge protection",
      "azure",
      "kv",
      (p) => void ((p.properties as Props).enablePurgeProtection = false),
      "azure-keyvault-purge-protection",
    ],
  ],
  ["azure-keyvault-network-deny"],
);

describe("advisory-by-design rules", () => {
  it("Key Vault networks that allow by default are advisory in every environment", () => {
    for (const env of ["dev", "staging", "prod"] as const) {
      const stack = azureStack(env);
      (find(stack, "kv").props.properties as Props).networkAcls = { defaultAction: "Allow" };
      const v = byPolicy(run(stack, { environment: env }), "azure-keyvault-network-deny");
      expect(v.map((x) => x.enforcementLevel)).toEqual(["advisory"]);
      expect(v[0]!.message).toMatch(/defaultAction: "Deny"/);
    }
  });
});
