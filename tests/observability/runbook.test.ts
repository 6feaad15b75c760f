/**
 * docs/runbook.md against what really alerts: every alarm the Pulumi program creates (every tier, both
 * clouds, read from runUnderMocks captures, the outside uptime checks' included), every Prometheus alert in
 * observability/prometheus/rules.yml and every alert the clouds' managed Prometheus evaluates (the AMP rule
 * groups namespace and the Azure Prometheus rule groups, as captured) must have an entry, each link from an
 * alarm description or a runbook_url must resolve to an anchor whose entry names that alarm, and the runbook
 * must not list alarms nobody creates any more.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { PROJECT_NAME } from "../../infra/spec/index.js";
import { fakeId } from "../../tools/mock/run.js";
import { anchors, links, readDoc, type Section, sections, tableRows } from "./markdown.js";
import { loadRules } from "./observability-files.js";
import {
  alarmDescription,
  alarmName,
  alarmsOf,
  captureAllStacks,
  type StackCapture,
} from "./stack-captures.js";

const RUNBOOK = "docs/runbook.md";
const SOURCE = { aws: "AWS CloudWatch", azure: "Azure Monitor", prometheus: "Prometheus" } as const;
const STACK_PLACEHOLDER = "<stack>";

const runbook = readDoc("runbook.md");
const runbookAnchors = anchors(runbook);
const entries = sections(runbook).filter((s) => s.level === 3);

/** `twincloud-prod-api-5xx-rate` → `twincloud-<stack>-api-5xx-rate`. */
function neutralName(name: string, stack: string): string {
  const prefix = `${PROJECT_NAME}-${stack}-`;
  return name.startsWith(prefix) ? `${PROJECT_NAME}-${STACK_PLACEHOLDER}-${name.slice(prefix.length)}` : name;
}

/** (source, alert name) rows of an entry's alert table. */
function alertRows(section: Section): { source: string; name: string }[] {
  const sources: string[] = Object.values(SOURCE);
  return tableRows(section.text)
    .filter((cells) => sources.includes(cells[0]!))
    .map((cells) => ({ source: cells[0]!, name: (cells[1] ?? "").replace(/`/g, "") }));
}

function entryFor(anchor: string): Section | undefined {
  return entries.find((entry) => entry.anchors.has(anchor));
}

function runbookAnchor(text: string): string | undefined {
  return new RegExp(`${RUNBOOK.replace(".", "\\.")}#([A-Za-z0-9_-]+)`).exec(text)?.[1];
}

let captures: StackCapture[];
beforeAll(async () => {
  captures = await captureAllStacks();
}, 300_000);

describe("runbook entries for the cloud alarms", () => {
  it("runs the program for every tier on both clouds", () => {
    const failures = captures.filter((c) => c.error).map((c) => `${c.cloud}/${c.tier}: ${c.error!.message}`);
    expect(failures).toEqual([]);
    for (const capture of captures)
      expect(alarmsOf(capture).length, `${capture.cloud}/${capture.tier}`).toBeGreaterThan(0);
  });

  it("names every alarm twincloud-<stack>-<id> and links it to the runbook", () => {
    const problems: string[] = [];
    for (const capture of captures) {
      for (const alarm of alarmsOf(capture)) {
        const name = alarmName(alarm);
        if (neutralName(name, capture.stack) === name) {
          problems.push(
            `${capture.cloud}/${capture.tier}: ${name} does not start with ${PROJECT_NAME}-${capture.stack}-`,
          );
        }
        if (!runbookAnchor(alarmDescription(alarm))) {
          problems.push(
            `${capture.cloud}/${capture.tier}: ${name} has no "${RUNBOOK}#<anchor>" in its description`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("has an entry for every alarm, under the anchor its description links to", () => {
    const problems: string[] = [];
    for (const capture of captures) {
      for (const alarm of alarmsOf(capture)) {
        const name = neutralName(alarmName(alarm), capture.stack);
        const anchor = runbookAnchor(alarmDescription(alarm));
        const where = `${capture.cloud}/${capture.tier} ${alarmName(alarm)}`;
        if (!anchor) continue; // reported by the previous test
        if (!runbookAnchors.has(anchor)) {
          problems.push(`${where}: links to #${anchor}, which ${RUNBOOK} does not define`);
          continue;
        }
        const entry = entryFor(anchor);
        const listed =
          entry && alertRows(entry).some((r) => r.source === SOURCE[capture.cloud] && r.name === name);
        if (!listed) {
          problems.push(
            `${where}: the entry at #${anchor} has no "| ${SOURCE[capture.cloud]} | \`${name}\` |" row`,
          );
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it("lists no cloud alarm the program does not create", () => {
    const created = new Set(
      captures.flatMap((c) =>
        alarmsOf(c).map((a) => `${SOURCE[c.cloud]} ${neutralName(alarmName(a), c.stack)}`),
      ),
    );
    const stale = entries.flatMap((entry) =>
      alertRows(entry)
        .filter((row) => row.source !== SOURCE.prometheus && !created.has(`${row.source} ${row.name}`))
        .map((row) => `${entry.heading}: ${row.source} ${row.name}`),
    );
    expect(stale).toEqual([]);
  });
});

describe("runbook entries for the alerts the clouds' managed Prometheus evaluates", () => {
  /** Every alert rule a capture hands to a managed Prometheus: AMP's namespace (rules text), Azure's rule groups. */
  function cloudAlerts(capture: StackCapture): { alert: string; runbookUrl: string | undefined }[] {
    const alerts: { alert: string; runbookUrl: string | undefined }[] = [];
    for (const r of capture.resources) {
      if (r.type === "aws:amp/ruleGroupNamespace:RuleGroupNamespace") {
        const doc = parseYaml(String((r.props as { data: string }).data)) as {
          groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[];
        };
        for (const rule of doc.groups.flatMap((g) => g.rules))
          if (rule.alert) alerts.push({ alert: rule.alert, runbookUrl: rule.annotations?.runbook_url });
      }
      if (r.type === "azure-native:alertsmanagement:PrometheusRuleGroup") {
        const rules = (r.props as { rules: { alert?: string; annotations?: Record<string, string> }[] })
          .rules;
        for (const rule of rules)
          if (rule.alert) alerts.push({ alert: rule.alert, runbookUrl: rule.annotations?.runbook_url });
      }
    }
    return alerts;
  }

  it("sends every cloud-evaluated alert with a runbook_url that resolves to the entry naming it", () => {
    const problems: string[] = [];
    let checked = 0;
    for (const capture of captures) {
      const alerts = cloudAlerts(capture);
      // Cloud metrics are on by default in staging and prod: there must be something to check there.
      if (capture.tier !== "dev")
        expect(alerts.length, `${capture.cloud}/${capture.tier}`).toBeGreaterThan(5);
      for (const { alert, runbookUrl } of alerts) {
        checked++;
        const anchor = /^docs\/runbook\.md#([A-Za-z0-9_-]+)$/.exec(runbookUrl ?? "")?.[1];
        const entry = anchor ? entryFor(anchor) : undefined;
        if (!entry || !alertRows(entry).some((r) => r.source === SOURCE.prometheus && r.name === alert)) {
          problems.push(
            `${capture.cloud}/${capture.tier} ${alert}: runbook_url "${runbookUrl}" names no entry for it`,
          );
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it("checks the outside uptime alarms of both clouds with the other alarms (staging and prod)", () => {
    for (const capture of captures.filter((c) => c.tier !== "dev")) {
      const names = alarmsOf(capture).map((a) => neutralName(alarmName(a), capture.stack));
      expect(names, `${capture.cloud}/${capture.tier}`).toContain(
        `${PROJECT_NAME}-${STACK_PLACEHOLDER}-api-uptime-check-failed`,
      );
    }
  });
});

describe("runbook entry for AWS Backup job failures (an EventBridge rule, not an alarm)", () => {
  it("links every backup-failure rule to an entry that names it", () => {
    const rules = captures.flatMap((capture) =>
      capture.resources
        .filter((r) => r.type === "aws:cloudwatch/eventRule:EventRule")
        // Rules that notify people link to the runbook; the password-rotation rule only redeploys.
        .filter((r) => String((r.props as { name: string }).name).endsWith("-backup-job-failed"))
        .map((rule) => ({ capture, rule })),
    );
    expect(rules.length).toBeGreaterThan(0);
    for (const { capture, rule } of rules) {
      const props = rule.props as { name: string; description: string };
      const anchor = runbookAnchor(props.description);
      expect(anchor, props.name).toBeDefined();
      const entry = entryFor(anchor!);
      expect(entry?.text, `#${anchor}`).toContain(`\`${neutralName(props.name, capture.stack)}\``);
    }
  });
});

describe("runbook entries for the Prometheus alerts", () => {
  const alerts = loadRules().flatMap(({ rule }) => (rule.alert ? [rule] : []));

  it("gives every alert a runbook_url into the runbook that resolves to the entry naming it", () => {
    expect(alerts.length).toBeGreaterThan(5);
    const problems: string[] = [];
    for (const alert of alerts) {
      const url = alert.annotations?.runbook_url ?? "";
      const anchor = /^docs\/runbook\.md#([A-Za-z0-9_-]+)$/.exec(url)?.[1];
      if (!anchor) {
        problems.push(`${alert.alert}: runbook_url "${url}" is not ${RUNBOOK}#<anchor>`);
        continue;
      }
      const entry = entryFor(anchor);
      if (!entry) problems.push(`${alert.alert}: #${anchor} is not an anchor of a runbook entry`);
      else if (!alertRows(entry).some((r) => r.source === SOURCE.prometheus && r.name === alert.alert)) {
        problems.push(
          `${alert.alert}: the entry at #${anchor} has no "| Prometheus | \`${alert.alert}\` |" row`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it("lists no Prometheus alert that rules.yml does not define", () => {
    const defined = new Set(alerts.map((a) => a.alert));
    const stale = entries.flatMap((entry) =>
      alertRows(entry)
        .filter((row) => row.source === SOURCE.prometheus && !defined.has(row.name))
        .map((row) => `${entry.heading}: ${row.name}`),
    );
    expect(stale).toEqual([]);
  });
});

describe("runbook structure", () => {
  it("gives every alert entry what it means, first checks and mitigation", () => {
    const incomplete = entries
      .filter((entry) => alertRows(entry).length > 0)
      .filter(
        (entry) =>
          !["**What it means.**", "**First checks.**", "**Mitigate.**"].every((h) => entry.text.includes(h)),
      )
      .map((entry) => entry.heading);
    expect(incomplete).toEqual([]);
  });

  it("has no duplicate anchors", () => {
    const ids = [...runbook.matchAll(/<a\s+id="([^"]+)"/g)].map((m) => m[1]!);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it("resolves every link into the runbook and the other operations docs", () => {
    const docs = ["runbook.md", "observability.md", "disaster-recovery.md"];
    const problems: string[] = [];
    for (const doc of docs) {
      for (const target of links(readDoc(doc))) {
        if (/^[a-z]+:/.test(target)) continue; // external URL
        const [file, anchor] = target.split("#");
        const targetDoc = file ? file.replace(/^\.\//, "") : doc;
        if (!docs.includes(targetDoc)) continue; // other repo files are not checked here
        if (anchor && !anchors(readDoc(targetDoc)).has(anchor)) problems.push(`${doc}: ${target}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("where the docs say the logs are", () => {
  const docs = `${runbook}\n${readDoc("observability.md")}`;
  const neutral = (value: string, stack: string) =>
    value.replaceAll(`${PROJECT_NAME}-${stack}`, `${PROJECT_NAME}-${STACK_PLACEHOLDER}`);
  /** Secret inputs are captured wrapped ({<signature>: ..., value}): unwrap them. */
  const unwrap = (value: unknown): Record<string, unknown> => {
    const v = (value ?? {}) as Record<string, unknown>;
    return "value" in v && Object.keys(v).length === 2 ? (v.value as Record<string, unknown>) : v;
  };

  it("AWS: the API container logs to the log group the docs query", () => {
    for (const capture of captures.filter((c) => c.cloud === "aws")) {
      const taskDefinitions = capture.resources.filter(
        (r) => r.type === "aws:ecs/taskDefinition:TaskDefinition",
      );
      const containers = taskDefinitions.flatMap(
        (t) =>
          JSON.parse(String((t.props as { containerDefinitions?: string }).containerDefinitions ?? "[]")) as {
            name: string;
            logConfiguration?: { logDriver?: string; options?: Record<string, string> };
          }[],
      );
      const api = containers.find((c) => c.name === "api");
      expect(api?.logConfiguration?.logDriver, capture.tier).toBe("awslogs");
      const group = api?.logConfiguration?.options?.["awslogs-group"] ?? "";
      const groups = capture.resources
        .filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup")
        .map((r) => String((r.props as { name?: string }).name));
      expect(groups, capture.tier).toContain(group);
      expect(docs).toContain(neutral(group, capture.stack));
    }
  });

  it("Azure: the environment ships console logs to the Log Analytics workspace the docs query", () => {
    for (const capture of captures.filter((c) => c.cloud === "azure")) {
      const environment = capture.resources.find((r) => r.type === "azure-native:app:ManagedEnvironment");
      const logs = unwrap(
        (environment?.props as { appLogsConfiguration?: unknown } | undefined)?.appLogsConfiguration,
      );
      expect(logs.destination, capture.tier).toBe("log-analytics");
      const workspace = capture.resources.find(
        (r) => r.type === "azure-native:operationalinsights:Workspace",
      );
      const name = String((workspace?.props as { workspaceName?: string } | undefined)?.workspaceName);
      expect(docs).toContain(neutral(name, capture.stack));
      const app = capture.resources.find((r) => r.type === "azure-native:app:ContainerApp");
      const appName = String((app?.props as { containerAppName?: string } | undefined)?.containerAppName);
      expect(docs).toContain(neutral(appName, capture.stack));
    }
  });
});

describe("where the docs say the database logs are", () => {
  const docs = `${runbook}\n${readDoc("observability.md")}`;

  it("Azure: the server's logs reach the workspace table the docs query (or the docs say they do not)", () => {
    for (const capture of captures.filter((c) => c.cloud === "azure")) {
      const server = capture.resources.find((r) => r.type === "azure-native:dbforpostgresql:Server");
      const workspace = capture.resources.find(
        (r) => r.type === "azure-native:operationalinsights:Workspace",
      );
      expect(server && workspace, capture.tier).toBeTruthy();
      const setting = capture.resources.find((r) => {
        if (r.type !== "azure-native:monitor:DiagnosticSetting") return false;
        const p = r.props as { resourceUri?: string; workspaceId?: string; logs?: { enabled?: boolean }[] };
        return (
          p.resourceUri === fakeId(server!) &&
          p.workspaceId === fakeId(workspace!) &&
          (p.logs ?? []).some((l) => l.enabled)
        );
      });
      if (!setting) {
        expect(docs, capture.tier).toContain("not routed to the workspace");
        continue;
      }
      // Without logAnalyticsDestinationType "Dedicated", resource logs land in the shared AzureDiagnostics table.
      const dedicated =
        (setting.props as { logAnalyticsDestinationType?: string }).logAnalyticsDestinationType ===
        "Dedicated";
      expect(docs, capture.tier).toContain(dedicated ? "PGSQLServerLogs" : "AzureDiagnostics");
      expect(docs).not.toContain("not routed to the workspace");
    }
  });
});
