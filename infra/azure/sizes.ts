/**
 * What the spec's sizes are on Azure: the Flexible Server SKU of each database size and its default
 * max_connections, and the memory quantity Container Apps expects. Pure module: the policy pack's cost rules
 * and the tests import it.
 */
import type { DatabaseSize } from "../spec/sizes.js";

/** Flexible Server SKU per database size. Zone-redundant HA needs a non-burstable tier (large). */
export const FLEXIBLE_SERVER_SKUS: Record<DatabaseSize, { name: string; tier: string }> = {
  small: { name: "Standard_B1ms", tier: "Burstable" },
  medium: { name: "Standard_B2s", tier: "Burstable" },
  large: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
};

export function flexibleServerSku(size: DatabaseSize): { name: string; tier: string } {
  return { ...FLEXIBLE_SERVER_SKUS[size] };
}

/** Default max_connections of Flexible Server per SKU ("Limits in Azure Database for PostgreSQL"). */
export const FLEXIBLE_SERVER_MAX_CONNECTIONS: Record<string, number> = {
  Standard_B1ms: 50,
  Standard_B2s: 100,
  Standard_D2ds_v5: 859,
  Standard_D4ds_v5: 1719,
};

/** Whole GiB with one decimal at most, as Container Apps expects ("0.5Gi", "1Gi", "2Gi"). */
export function memoryQuantity(memoryMiB: number): string {
  return `${Number((memoryMiB / 1024).toFixed(2))}Gi`;
}

/**
 * The metrics collector sidecar beside the API in each replica with `twincloud:cloudMetrics`
 * (monitoring/prometheus.ts): Container Apps bills every container, so it is sized here, once, and the cost
 * policy accepts exactly this much on top of the API's allowed size (the smallest a container takes in the
 * Consumption profile's 0.25 vCPU / 0.5 GiB steps).
 */
export const COLLECTOR_SIDECAR = { name: "otel-collector", cpu: 0.25, memoryMiB: 512 } as const;
