/**
 * Sizes named once, cloud-neutrally. What a size is on one cloud (an RDS instance class, a Flexible Server
 * SKU, its max_connections) lives in that cloud's `sizes.ts`; this module only says which sizes exist and
 * what every cloud accepts.
 */
import type { Cloud } from "./constants.js";

/** Task sizes both Fargate and Container Apps (consumption) accept: memory is always 2 GiB per vCPU. */
export const TASK_SIZES = [
  { cpu: 0.25, memoryMiB: 512 },
  { cpu: 0.5, memoryMiB: 1024 },
  { cpu: 1, memoryMiB: 2048 },
  { cpu: 2, memoryMiB: 4096 },
  { cpu: 4, memoryMiB: 8192 },
] as const;

/**
 * V8's old-space limit for a task of `memoryMiB` (NODE_OPTIONS=--max-old-space-size in both clouds' container
 * environment): 75 % of the task, the rest left for code, buffers and native memory (~100 MiB measured).
 * Explicit because Node sizes its heap from the memory it can see, which on a container platform may be the
 * host's: 4 GiB of heap limit on the 24 GiB bench machine. The limit also sets how far V8 lets the heap grow
 * between full collections (a factor of up to 4 with a 2 GiB+ limit, 1.3-1.8 below): under the benchmark's
 * 50 connections the API's peak RSS is ~135-145 MiB with this limit and ~190 MiB without (docs/benchmark.md).
 */
export function nodeHeapLimitMiB(memoryMiB: number): number {
  return Math.floor(memoryMiB * 0.75);
}

/**
 * Database sizes. Each cloud maps every size (infra/aws/sizes.ts, infra/azure/sizes.ts: an exhaustive
 * record, so a new size fails to compile until each cloud has it). A burstable size cannot run
 * zone-redundant high availability (Azure refuses it), so the spec refuses that pair on every cloud.
 */
export const DATABASE_SIZES = {
  small: { burstable: true },
  medium: { burstable: true },
  large: { burstable: false },
} as const;
export type DatabaseSize = keyof typeof DATABASE_SIZES;

/** Storage sizes both RDS gp3 (≥ 20 GiB) and Flexible Server (fixed steps) accept. */
export const DATABASE_STORAGE_GIB = [32, 64, 128, 256, 512, 1024] as const;

/**
 * Log retention each cloud accepts, in days. CloudWatch Logs takes only these values (731, not 730); a Log
 * Analytics workspace (pay-as-you-go) takes any whole number from 30 to 730. The tier defaults (30, 90, 365)
 * are valid on both.
 */
const AWS_LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
const AZURE_LOG_RETENTION_DAYS = { min: 30, max: 730 } as const;

/** Per cloud: undefined when `days` is accepted, else what is (exhaustive: a new cloud must say). */
export const LOG_RETENTION_LIMITS: Record<
  Cloud,
  { label: string; service: string; accepts(days: number): string | undefined }
> = {
  aws: {
    label: "AWS",
    service: "CloudWatch Logs",
    accepts: (days) =>
      (AWS_LOG_RETENTION_DAYS as readonly number[]).includes(days)
        ? undefined
        : `use one of ${AWS_LOG_RETENTION_DAYS.join(", ")}`,
  },
  azure: {
    label: "Azure",
    service: "Log Analytics",
    accepts: (days) =>
      days < AZURE_LOG_RETENTION_DAYS.min || days > AZURE_LOG_RETENTION_DAYS.max
        ? `use a whole number of days from ${AZURE_LOG_RETENTION_DAYS.min} to ${AZURE_LOG_RETENTION_DAYS.max}`
        : undefined,
  },
};
