// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/common/cost.ts: replicas, database sizes and task sizes per environment. */
import type { Props } from "../../fixtures.js";
import { blocksEach } from "../mutations.js";

blocksEach("common/cost", [
  [
    "RDS class not allowed in prod",
    "aws",
    "db",
    (p) => void (p.instanceClass = "db.r7g.16xlarge"),
    "cost-database-size",
  ],
  [
    "task size not allowed",
    "aws",
    "task",
    (p) => Object.assign(p, { cpu: "4096", memory: "30720" }),
    "cost-task-size",
  ],
  ["too many replicas", "aws", "scaling", (p) => void (p.maxCapacity = 500), "cost-max-replicas"],
  [
    "too many replicas",
    "azure",
    "api",
    (p) => void ((p.template as Props).scale = { minReplicas: 2, maxReplicas: 300 }),
    "cost-max-replicas",
  ],
  [
    "container app too big",
    "azure",
    "api",
    (p) => void (((p.template as Props).containers as Props[])[0]!.resources = { cpu: 4, memory: "16Gi" }),
    "cost-task-size",
  ],
  [
    "burstable SKU in prod",
    "azure",
    "db",
    (p) => void (p.sku = { name: "Standard_B1ms", tier: "Burstable" }),
    "cost-database-size",
  ],
]);
