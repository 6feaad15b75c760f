/**
 * What the spec's sizes are on AWS: the RDS instance class of each database size and what it holds in
 * connections, and Fargate's CPU units. Pure module: the policy pack's cost rules and the tests import it.
 */
import type { DatabaseSize } from "../spec/sizes.js";

/** RDS instance class per database size (Graviton; burstable below large, like the neutral sizes say). */
export const RDS_INSTANCE_CLASSES: Record<DatabaseSize, string> = {
  small: "db.t4g.micro",
  medium: "db.t4g.medium",
  large: "db.m7g.large",
};

export function rdsInstanceClass(size: DatabaseSize): string {
  return RDS_INSTANCE_CLASSES[size];
}

/** Approximate RDS PostgreSQL max_connections (LEAST(DBInstanceClassMemory/9531392, 5000)) per class. */
const INSTANCE_MEMORY_GIB: Record<string, number> = {
  "db.t4g.micro": 1,
  "db.t4g.small": 2,
  "db.t4g.medium": 4,
  "db.m7g.large": 8,
};
export function approximateMaxConnections(instanceClass: string): number {
  const gib = INSTANCE_MEMORY_GIB[instanceClass] ?? 8;
  return Math.min(Math.floor((gib * 1024 ** 3 * 0.85) / 9_531_392), 5000);
}

/** Fargate CPU units from vCPU (1 vCPU = 1024 units). */
export function cpuUnits(vcpu: number): number {
  return Math.round(vcpu * 1024);
}
