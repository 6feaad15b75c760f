/** policies/rules/common/stateful.ts: stateful resources are protected in prod. */
import { blocksEach } from "../mutations.js";

blocksEach("common/stateful", [
  ["RDS not protected", "aws", "db", () => undefined, "stateful-resources-protected"],
  ["database not protected", "azure", "db", () => undefined, "stateful-resources-protected"],
  ["vault not protected", "azure", "kv", () => undefined, "stateful-resources-protected"],
]);
