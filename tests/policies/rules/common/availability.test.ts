// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/common/availability.ts: replicas, zones and database HA in prod. */
import type { Props } from "../../fixtures.js";
import { blocksEach } from "../mutations.js";

blocksEach("common/availability", [
  ["RDS single-AZ (HA view)", "aws", "db", (p) => void (p.multiAz = false), "prod-high-availability"],
  [
    "one replica in prod (service)",
    "aws",
    "service",
    (p) => void (p.desiredCount = 1),
    "prod-high-availability",
  ],
  [
    "one replica in prod (scaling)",
    "aws",
    "scaling",
    (p) => void (p.minCapacity = 1),
    "prod-high-availability",
  ],
  [
    "service in one subnet",
    "aws",
    "service",
    (p) => void ((p.networkConfiguration as Props).subnets = ["private-a-id"]),
    "prod-high-availability",
  ],
  [
    "one replica in prod",
    "azure",
    "api",
    (p) => void ((p.template as Props).scale = { maxReplicas: 10 }),
    "prod-high-availability",
  ],
  [
    "environment not zone-redundant",
    "azure",
    "env",
    (p) => void (p.zoneRedundant = false),
    "prod-high-availability",
  ],
  ["HA missing (stack view)", "azure", "db", (p) => void delete p.highAvailability, "prod-high-availability"],
]);
