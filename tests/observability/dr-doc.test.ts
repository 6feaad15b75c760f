/**
 * docs/disaster-recovery.md quotes, per tier and cloud, the backup retention (PITR window), HA, the
 * cross-region copy and log retention. This test runs the Pulumi program under mocks for every tier on both
 * clouds and fails when a figure differs from what the program creates.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CLOUDS, TIERS } from "../../infra/spec/index.js";
import type { CapturedResource } from "../../tools/mock/run.js";
import { readDoc, tableRows } from "./markdown.js";
import { captureAllStacks, type StackCapture } from "./stack-captures.js";

const COLUMNS = [
  "cloud",
  "tier",
  "pitr_window_days",
  "high_availability",
  "cross_region_backup",
  "dr_location",
  "dr_copy_retention_days",
  "log_retention_days",
  "rpo_minutes",
  "rto_minutes_instance_failure",
  "rto_minutes_restore",
  "rpo_minutes_region_loss",
  "rto_minutes_region_loss",
] as const;
type Row = Record<(typeof COLUMNS)[number], string>;

function figures(): Row[] {
  const doc = readDoc("disaster-recovery.md");
  const block = /<!-- dr-figures:start -->([\s\S]*?)<!-- dr-figures:end -->/.exec(doc)?.[1];
  if (!block) throw new Error("docs/disaster-recovery.md: no <!-- dr-figures:start/end --> table");
  const [header, separator, ...rows] = tableRows(block);
  expect(header).toEqual([...COLUMNS]);
  expect(separator?.every((cell) => /^:?-+:?$/.test(cell))).toBe(true);
  return rows.map((cells) => Object.fromEntries(COLUMNS.map((c, i) => [c, cells[i] ?? ""])) as Row);
}

const yesNo = (value: boolean) => (value ? "yes" : "no");
const byType = (capture: StackCapture, type: string) => capture.resources.filter((r) => r.type === type);
function props<T = Record<string, unknown>>(r: CapturedResource | undefined): T {
  return (r?.props ?? {}) as T;
}
interface BackupRule {
  schedule?: string;
  copyActions?: { destinationVaultArn?: string; lifecycle?: { deleteAfter?: number } }[];
}
interface FlexibleServerProps {
  backup?: { backupRetentionDays?: number; geoRedundantBackup?: string };
  highAvailability?: { mode?: string };
}

/** What the program creates for one stack, in the table's vocabulary. */
function actual(
  capture: StackCapture,
): Partial<Row> & { backupScheduleMinutes?: number; replicatesTransactionLogs?: boolean } {
  if (capture.cloud === "aws") {
    const instances = byType(capture, "aws:rds/instance:Instance");
    expect(instances, `${capture.tier}: one RDS instance`).toHaveLength(1);
    const db = props<{ backupRetentionPeriod?: number; multiAz?: boolean }>(instances[0]);
    const plans = byType(capture, "aws:backup/plan:Plan");
    const copyRules = plans.flatMap((p) =>
      (props<{ rules?: BackupRule[] }>(p).rules ?? []).filter((rule) => (rule.copyActions ?? []).length > 0),
    );
    const copy = copyRules[0]?.copyActions?.[0];
    // The DR vault is created through a provider for the DR region: find that provider's region.
    const vaults = byType(capture, "aws:backup/vault:Vault");
    const providers = byType(capture, "pulumi:providers:aws");
    const drRegions = vaults.flatMap((vault) => {
      const providerUrn = vault.opts.provider?.split("::").slice(0, -1).join("::");
      const provider = providers.find((p) => p.urn === providerUrn);
      return provider ? [String(props(provider).region)] : [];
    });
    const apiLogs = byType(capture, "aws:cloudwatch/logGroup:LogGroup").filter((g) =>
      String(props(g).name).startsWith("/ecs/"),
    );
    expect(apiLogs, `${capture.tier}: one API log group`).toHaveLength(1);
    const schedule = String(copyRules[0]?.schedule ?? "");
    const replications = byType(
      capture,
      "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
    );
    return {
      replicatesTransactionLogs: replications.length > 0,
      pitr_window_days: String(db.backupRetentionPeriod),
      high_availability: yesNo(db.multiAz === true),
      cross_region_backup: yesNo(copy !== undefined && drRegions.length > 0),
      dr_location: drRegions[0] ?? "-",
      dr_copy_retention_days: copy ? String(copy.lifecycle?.deleteAfter) : "-",
      log_retention_days: String(props(apiLogs[0]).retentionInDays),
      ...(copy
        ? { backupScheduleMinutes: /^cron\(\d+ \d+ \* \* \? \*\)$/.test(schedule) ? 24 * 60 : Number.NaN }
        : {}),
    };
  }
  const servers = byType(capture, "azure-native:dbforpostgresql:Server");
  expect(servers, `${capture.tier}: one Flexible Server`).toHaveLength(1);
  const server = props<FlexibleServerProps>(servers[0]);
  const geo = server.backup?.geoRedundantBackup === "Enabled";
  const workspaces = byType(capture, "azure-native:operationalinsights:Workspace");
  expect(workspaces, `${capture.tier}: one Log Analytics workspace`).toHaveLength(1);
  return {
    pitr_window_days: String(server.backup?.backupRetentionDays),
    high_availability: yesNo((server.highAvailability?.mode ?? "Disabled") !== "Disabled"),
    cross_region_backup: yesNo(geo),
    // Geo-redundant backups go to the region paired with the server's and follow its retention.
    dr_location: geo ? "paired region" : "-",
    dr_copy_retention_days: geo ? String(server.backup?.backupRetentionDays) : "-",
    log_retention_days: String(props(workspaces[0]).retentionInDays),
  };
}

let captures: StackCapture[];
const rows = figures();

beforeAll(async () => {
  captures = await captureAllStacks();
}, 300_000);

describe("docs/disaster-recovery.md figures", () => {
  it("has exactly one row per tier and cloud", () => {
    const keys = rows.map((r) => `${r.cloud}/${r.tier}`);
    expect(keys.sort()).toEqual(CLOUDS.flatMap((c) => TIERS.map((t) => `${c}/${t}`)).sort());
  });

  it("runs the program for every tier on both clouds", () => {
    const failures = captures.filter((c) => c.error).map((c) => `${c.cloud}/${c.tier}: ${c.error!.message}`);
    expect(failures).toEqual([]);
  });

  for (const cloud of CLOUDS) {
    for (const tier of TIERS) {
      it(`${cloud}/${tier}: retention, HA, cross-region copy and log retention match the program`, () => {
        const capture = captures.find((c) => c.cloud === cloud && c.tier === tier)!;
        expect(capture.error, capture.error?.message).toBeUndefined();
        const row = rows.find((r) => r.cloud === cloud && r.tier === tier)!;
        const { backupScheduleMinutes, replicatesTransactionLogs, ...expected } = actual(capture);
        const quoted = Object.fromEntries(Object.keys(expected).map((k) => [k, row[k as keyof Row]]));
        expect(quoted).toEqual(expected);
        if (replicatesTransactionLogs) {
          // Replicated automated backups: the transaction logs RDS ships every 5 minutes, then copied across
          // regions. Better than the daily copy, never better than the log-shipping interval.
          expect(Number(row.rpo_minutes_region_loss)).toBeGreaterThanOrEqual(5);
          expect(Number(row.rpo_minutes_region_loss)).toBeLessThan(24 * 60);
        } else if (backupScheduleMinutes !== undefined) {
          // A daily copy cannot promise a regional RPO better than a day.
          expect(
            backupScheduleMinutes,
            "unknown AWS Backup schedule: teach this test its interval",
          ).not.toBeNaN();
          expect(Number(row.rpo_minutes_region_loss)).toBeGreaterThanOrEqual(backupScheduleMinutes);
        }
      });
    }
  }

  it("keeps the RPO/RTO columns consistent with the settings", () => {
    const problems: string[] = [];
    for (const row of rows) {
      const where = `${row.cloud}/${row.tier}`;
      const isNumber = (v: string) => /^\d+$/.test(v);
      // The newest restorable point: RDS ships WAL every 5 minutes, Flexible Server when a WAL file is full
      // (Azure documents up to 15 minutes).
      const pitrRpo = { aws: "5", azure: "15" }[row.cloud];
      if (Number(row.pitr_window_days) > 0 && row.rpo_minutes !== pitrRpo)
        problems.push(`${where}: rpo_minutes`);
      // Only an HA failover fits in the 15-minute MTTR; without HA an instance failure means a restore.
      const failover = Number(row.rto_minutes_instance_failure);
      if (row.high_availability === "yes" ? failover > 15 : failover < Number(row.rto_minutes_restore) / 2) {
        problems.push(
          `${where}: rto_minutes_instance_failure ${failover} does not fit high_availability ${row.high_availability}`,
        );
      }
      if (!isNumber(row.rto_minutes_restore)) problems.push(`${where}: rto_minutes_restore`);
      // Regional figures exist exactly when backups leave the region.
      for (const column of ["rpo_minutes_region_loss", "rto_minutes_region_loss"] as const) {
        const ok = row.cross_region_backup === "yes" ? isNumber(row[column]) : row[column] === "-";
        if (!ok)
          problems.push(
            `${where}: ${column} "${row[column]}" with cross_region_backup ${row.cross_region_backup}`,
          );
      }
    }
    expect(problems).toEqual([]);
  });
});
