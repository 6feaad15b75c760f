// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/azure/registry.ts: no admin user. */
import { blocksEach } from "../mutations.js";

blocksEach("azure/registry", [
  ["registry admin user", "azure", "acr", (p) => void (p.adminUserEnabled = true), "azure-acr-no-admin-user"],
]);
