/**
 * Runs the real Pulumi program (infra/program.ts) under mocks for every tier × cloud and returns what it
 * creates, so the operations docs are checked against the program rather than against copied numbers.
 *
 * Config per run: the tier's `Pulumi.<tier>.yaml`, with `twincloud:cloud` overridden, plus the provider
 * region of the other cloud (taken from the stack file that sets it) when the file lacks it.
 */

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { program } from "../../infra/program.js";
import { CLOUDS, type Cloud, TIERS, type Tier } from "../../infra/spec/index.js";
import { type CapturedResource, runUnderMocks } from "../../tools/mock/run.js";
import { withAssumedOperatorValues } from "../../tools/stacks/assumptions.js";
import { ROOT } from "./observability-files.js";

export const ALARM_TYPES = {
  aws: ["aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"],
  azure: [
    "azure-native:insights:MetricAlert",
    "azure-native:insights:ScheduledQueryRule",
    "azure-native:insights:ActivityLogAlert",
    "azure-native:monitor:MetricAlert",
    "azure-native:monitor:ScheduledQueryRule",
    "azure-native:monitor:ActivityLogAlert",
  ],
} as const satisfies Record<Cloud, readonly string[]>;

export interface StackCapture {
  cloud: Cloud;
  tier: Tier;
  stack: string;
  config: Record<string, string>;
  resources: CapturedResource[];
  /** Set when the program threw (e.g. a cloud that is not implemented yet). */
  error?: Error;
}

function stackFile(tier: Tier): Record<string, unknown> {
  const path = join(ROOT, `Pulumi.${tier}.yaml`);
  if (!existsSync(path)) return {};
  const doc = parse(readFileSync(path, "utf8")) as { config?: Record<string, unknown> } | null;
  return doc?.config ?? {};
}

/** The provider region/location a stack file sets, or the first one any stack file sets. */
function providerDefault(key: string): string | undefined {
  for (const tier of TIERS) {
    const value = stackFile(tier)[key];
    if (value !== undefined) return String(value);
  }
  return undefined;
}

export function stackConfig(tier: Tier, cloud: Cloud): Record<string, string> {
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(stackFile(tier))) {
    if (value !== null && typeof value === "object") continue; // secure values and objects: not needed here
    config[key] = String(value);
  }
  const ownCloud = config["twincloud:cloud"];
  config["twincloud:cloud"] = cloud;
  for (const key of ["aws:region", "azure-native:location"]) {
    if (config[key] === undefined) {
      const fallback = providerDefault(key);
      if (fallback) config[key] = fallback;
    }
  }
  // Operator values the stack file leaves to the operator (alert address, certificate, domain) are assumed.
  return withAssumedOperatorValues(tier, config, ownCloud).config;
}

export async function captureStack(tier: Tier, cloud: Cloud): Promise<StackCapture> {
  const config = stackConfig(tier, cloud);
  try {
    const { resources } = await runUnderMocks(program, { stack: tier, config });
    return { cloud, tier, stack: tier, config, resources };
  } catch (error) {
    return {
      cloud,
      tier,
      stack: tier,
      config,
      resources: [],
      error: error instanceof Error ? error : new Error(String(error)),
    };
  }
}

/** Every tier × cloud, one after the other (the Pulumi runtime is process-global). */
export async function captureAllStacks(): Promise<StackCapture[]> {
  const captures: StackCapture[] = [];
  for (const cloud of CLOUDS) {
    for (const tier of TIERS) captures.push(await captureStack(tier, cloud));
  }
  return captures;
}

export function alarmsOf(capture: StackCapture): CapturedResource[] {
  const types: readonly string[] = ALARM_TYPES[capture.cloud];
  return capture.resources.filter((r) => types.includes(r.type));
}

/** The alarm's physical name (what the console and the notification show). */
export function alarmName(alarm: CapturedResource): string {
  const p = alarm.props as Record<string, unknown>;
  return String(p.name ?? p.alarmName ?? p.ruleName ?? alarm.name);
}

export function alarmDescription(alarm: CapturedResource): string {
  const p = alarm.props as Record<string, unknown>;
  return String(p.alarmDescription ?? p.description ?? "");
}
