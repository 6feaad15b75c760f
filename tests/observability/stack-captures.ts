/**
 * Runs the real Pulumi program (infra/program.ts) under mocks for every tier × cloud and returns what it
 * creates, so the operations docs are checked against the program rather than against copied numbers.
 *
 * Config per run: the tier's `Pulumi.<tier>.yaml` rendered on each cloud (tests/support/stacks.ts).
 */

import { program } from "../../infra/program.js";
import { CLOUDS, type Cloud, TIERS, type Tier } from "../../infra/spec/index.js";
import { type CapturedResource, runUnderMocks } from "../../tools/mock/run.js";
import { stackConfig } from "../support/stacks.js";

const ALARM_TYPES = {
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
