// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/common/config-match.ts: the policy config file is the stack's own. */
import { tags } from "../../fixtures.js";
import { blocksEach } from "../mutations.js";

blocksEach("common/config-match", [
  [
    "a resource tagged for another environment than the config's",
    "aws",
    "repo",
    (p) => void (p.tags = tags("dev")),
    "environment-config-match",
  ],
]);
