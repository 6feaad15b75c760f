/**
 * Issue 15, AWS: the SLO rules evaluated in the cloud. Under mocks, per tier: the managed Prometheus
 * workspace, the collector sidecar that feeds it, the rules (equal to the promtool-tested file), the alert
 * manager routed to the alert topic with the policies AMP needs, and the outside uptime check, each only where
 * `twincloud:cloudMetrics` is on (tier default: off in dev, on in staging and prod).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { collectorConfig, remoteWriteUrl } from "../../infra/aws/collector.js";
import { ADOT_COLLECTOR_IMAGE } from "../../infra/aws/containers.js";
import { awsAlarms } from "../../infra/aws/monitoring/alarms.js";
import { alertManagerDefinition, apsServicePrincipal } from "../../infra/aws/monitoring/prometheus.js";
import { healthCheckTarget } from "../../infra/aws/monitoring/uptime.js";
import { program } from "../../infra/program.js";
import { buildServiceSpec, TIERS, type Tier } from "../../infra/spec/index.js";
import { type CapturedResource, runUnderMocks } from "../../tools/mock/run.js";
import { RULES_FILE } from "../observability/observability-files.js";
import { stackConfig } from "../support/stacks.js";

type Doc = Record<string, unknown>;
interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const byType = (resources: CapturedResource[], type: string) => resources.filter((r) => r.type === type);
const one = (resources: CapturedResource[], type: string): CapturedResource => {
  const found = byType(resources, type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};
const policyOf = (r: CapturedResource, key = "policy"): Statement[] =>
  (JSON.parse(String(r.props[key])) as { Statement: Statement[] }).Statement;
/** The API task definition's containers (the migrator's task definition, `<name>-migrate`, has one). */
const containersOf = (resources: CapturedResource[]) =>
  JSON.parse(
    String(
      byType(resources, "aws:ecs/taskDefinition:TaskDefinition").find((t) => t.name.endsWith("-api"))?.props
        .containerDefinitions,
    ),
  ) as {
    name: string;
    command?: string[];
    essential?: boolean;
    image?: string;
    environment?: { name: string; value: string }[];
  }[];

const runs = new Map<string, CapturedResource[]>();
async function capture(tier: Tier, extra: Record<string, string> = {}): Promise<CapturedResource[]> {
  const key = `${tier}:${JSON.stringify(extra)}`;
  if (!runs.has(key)) {
    const { resources } = await runUnderMocks(program, {
      stack: tier,
      config: { ...stackConfig(tier, "aws"), ...extra },
    });
    runs.set(key, resources);
  }
  return runs.get(key)!;
}

const NEW_TYPES = [
  "aws:amp/workspace:Workspace",
  "aws:amp/ruleGroupNamespace:RuleGroupNamespace",
  "aws:amp/alertManagerDefinition:AlertManagerDefinition",
  "aws:route53/healthCheck:HealthCheck",
];

beforeAll(async () => {
  for (const tier of TIERS) await capture(tier);
  await capture("dev", { "twincloud:cloudMetrics": "true" });
  await capture("staging", { "twincloud:cloudMetrics": "true", "twincloud:tracing": "true" });
}, 300_000);

describe("where cloud metrics are on", () => {
  it("is off in dev, on in staging and prod by default, and switchable per stack", async () => {
    const expected: Record<Tier, boolean> = { dev: false, staging: true, prod: true };
    for (const tier of TIERS) {
      const types = new Set((await capture(tier)).map((r) => r.type));
      for (const type of NEW_TYPES) expect(types.has(type), `${tier} ${type}`).toBe(expected[tier]);
      const containers = containersOf(await capture(tier)).map((c) => c.name);
      expect(containers.includes("otel-collector"), tier).toBe(expected[tier]);
    }
    const devOn = new Set((await capture("dev", { "twincloud:cloudMetrics": "true" })).map((r) => r.type));
    for (const type of NEW_TYPES) expect(devOn.has(type), type).toBe(true);
    expect(
      buildServiceSpec({ cloud: "aws", cloudMetrics: "false" }, { stack: "staging" }).cloudMetrics.enabled,
    ).toBe(false);
  });
});

describe.each(["staging", "prod"] as const)("%s: managed Prometheus", (tier) => {
  let resources: CapturedResource[];
  let workspaceArn: string;
  let workspaceId: string;
  let topicArn: string;
  beforeAll(async () => {
    resources = await capture(tier);
    const workspace = one(resources, "aws:amp/workspace:Workspace");
    workspaceArn = String(workspace.state.arn);
    workspaceId = workspaceArn.split("/").pop()!;
    const topics = byType(resources, "aws:sns/topic:Topic").filter(
      (t) => t.name === `twincloud-${tier}-alerts`,
    );
    expect(topics).toHaveLength(1);
    topicArn = String(topics[0]!.state.arn);
  });

  it("encrypts the workspace with its own key, which AMP may use through the service only", () => {
    const workspace = one(resources, "aws:amp/workspace:Workspace");
    const key = byType(resources, "aws:kms/key:Key").find((k) => k.name === `twincloud-${tier}-prometheus`);
    expect(key).toBeDefined();
    expect(workspace.props.kmsKeyArn).toBe(key!.state.arn);
    expect(workspace.props.tags).toMatchObject({ project: "twincloud", environment: tier });
    const amp = policyOf(key!).find((s) => s.Sid === "PrometheusWorkspace");
    expect(amp?.Condition?.StringEquals).toEqual({
      "kms:ViaService": "aps.eu-west-1.amazonaws.com",
      "kms:CallerAccount": "123456789012",
    });
  });

  it("lets the task role do exactly aps:RemoteWrite on that workspace", () => {
    const taskRole = one(
      resources.filter((r) => r.name === `twincloud-${tier}-task`),
      "aws:iam/role:Role",
    );
    const policies = byType(resources, "aws:iam/rolePolicy:RolePolicy").filter(
      (p) => p.props.role === taskRole.state.name || p.props.role === `twincloud-${tier}-task-id`,
    );
    const aps = policies.flatMap((p) => policyOf(p)).filter((s) => JSON.stringify(s.Action).includes("aps:"));
    expect(aps).toEqual([
      { Sid: "PrometheusRemoteWrite", Effect: "Allow", Action: "aps:RemoteWrite", Resource: workspaceArn },
    ]);
    // No other role or policy in the stack grants anything on AMP.
    const elsewhere = byType(resources, "aws:iam/rolePolicy:RolePolicy")
      .filter((p) => !policies.includes(p))
      .filter((p) => String(p.props.policy).includes("aps:"));
    expect(elsewhere).toEqual([]);
  });

  it("runs one ADOT collector (the pinned image) that scrapes localhost:9464 and remote-writes with SigV4", () => {
    const containers = containersOf(resources);
    const collectors = containers.filter((c) => c.name === "otel-collector");
    expect(collectors).toHaveLength(1);
    const collector = collectors[0]!;
    expect(collector.essential).toBe(false);
    expect(collector.image).toMatch(
      /^public\.ecr\.aws\/aws-observability\/aws-otel-collector:v\d+\.\d+\.\d+$/,
    );
    expect(collector.command).toEqual(["--config=env:ADOT_CONFIG"]);
    const text = collector.environment?.find((e) => e.name === "ADOT_CONFIG")?.value ?? "";
    expect(text).not.toContain("$");
    const config = parse(text) as Doc;
    const scrape = (config as { receivers: { prometheus: { config: { scrape_configs: Doc[] } } } }).receivers
      .prometheus.config.scrape_configs;
    expect(scrape).toEqual([
      expect.objectContaining({
        job_name: "twincloud-api",
        metrics_path: "/metrics",
        static_configs: [{ targets: ["localhost:9464"] }],
      }),
    ]);
    const exporter = (config.exporters as Doc).prometheusremotewrite as Doc;
    expect(exporter.endpoint).toBe(
      `https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/${workspaceId}/api/v1/remote_write`,
    );
    expect(exporter.auth).toEqual({ authenticator: "sigv4auth" });
    expect((config.extensions as Doc).sigv4auth).toEqual({ region: "eu-west-1", service: "aps" });
    const service = config.service as { extensions: string[]; pipelines: Record<string, Doc> };
    expect(service.extensions).toEqual(["sigv4auth"]);
    expect(service.pipelines.metrics).toMatchObject({
      receivers: ["prometheus"],
      exporters: ["prometheusremotewrite"],
    });
    // Tracing is off in the shipped stacks: no traces pipeline, no OTLP port.
    expect(service.pipelines.traces).toBeUndefined();
  });

  it("holds exactly the promtool-tested rules file in the rule groups namespace", () => {
    const rules = one(resources, "aws:amp/ruleGroupNamespace:RuleGroupNamespace");
    expect(rules.props.data).toBe(readFileSync(RULES_FILE, "utf8"));
    expect(rules.props.workspaceId).toBe(`twincloud-${tier}-prometheus-id`);
  });

  it("routes every alert to the stack's alert topic through the SNS receiver with SigV4", () => {
    const definition = one(resources, "aws:amp/alertManagerDefinition:AlertManagerDefinition");
    expect(definition.props.workspaceId).toBe(`twincloud-${tier}-prometheus-id`);
    const outer = parse(String(definition.props.definition)) as { alertmanager_config: string };
    const config = parse(outer.alertmanager_config) as {
      route: { receiver: string; routes?: unknown };
      receivers: { name: string; sns_configs: Doc[] }[];
    };
    expect(config.route.receiver).toBe("alert-topic");
    expect(config.route.routes).toBeUndefined();
    expect(config.receivers).toHaveLength(1);
    expect(config.receivers[0]!.sns_configs).toEqual([
      expect.objectContaining({ topic_arn: topicArn, sigv4: { region: "eu-west-1" }, send_resolved: true }),
    ]);
  });

  it("lets this workspace publish to the topic and use the topic's key", () => {
    const policy = one(resources, "aws:sns/topicPolicy:TopicPolicy");
    const statement = policyOf(policy).find((s) => s.Sid === "PrometheusAlertManager");
    expect(statement).toEqual({
      Sid: "PrometheusAlertManager",
      Effect: "Allow",
      Principal: { Service: "aps.amazonaws.com" },
      Action: ["sns:Publish", "sns:GetTopicAttributes"],
      Resource: topicArn,
      Condition: {
        ArnEquals: { "aws:SourceArn": workspaceArn },
        StringEquals: { "AWS:SourceAccount": "123456789012" },
      },
    });
    expect(policyOf(policy).map((s) => s.Sid)).toContain("DenyPlainHttp");
    const key = byType(resources, "aws:kms/key:Key").find((k) => k.name === `twincloud-${tier}-alerts`);
    expect(policyOf(key!).find((s) => s.Sid === "PrometheusAlertManagerPublish")).toEqual({
      Sid: "PrometheusAlertManagerPublish",
      Effect: "Allow",
      Principal: { Service: "aps.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
    });
  });

  it("alarms when AMP cannot deliver alert notifications (the alert path itself: OpsCenter too)", () => {
    const alarm = byType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm").find(
      (a) => a.props.name === `twincloud-${tier}-prometheus-alerts-undelivered`,
    );
    expect(alarm?.props).toMatchObject({
      namespace: "AWS/Prometheus",
      metricName: "AlertManagerNotificationsFailed",
      dimensions: { Workspace: `twincloud-${tier}-prometheus-id` },
      threshold: 0,
      treatMissingData: "notBreaching",
    });
    expect(alarm?.props.alarmActions).toEqual([topicArn, expect.stringMatching(/:opsitem:/)]);
    expect(String(alarm?.props.alarmDescription)).toContain("docs/runbook.md#prometheus-alerts-undelivered");
  });

  it("checks url + /health/ready from outside, alarmed in us-east-1 to a topic with the same subscriber", () => {
    const check = one(resources, "aws:route53/healthCheck:HealthCheck");
    expect(check.props).toMatchObject({
      type: "HTTPS",
      port: 443,
      resourcePath: "/health/ready",
      requestInterval: 30,
    });
    const alarm = byType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm").find(
      (a) => a.props.name === `twincloud-${tier}-api-uptime-check-failed`,
    );
    expect(alarm?.props).toMatchObject({
      namespace: "AWS/Route53",
      metricName: "HealthCheckStatus",
      dimensions: { HealthCheckId: `twincloud-${tier}-uptime-id` },
      period: 60,
    });
    expect(String(alarm?.props.alarmDescription)).toContain("docs/runbook.md#api-uptime-check-failed");
    const provider = resources.find(
      (r) => r.type === "pulumi:providers:aws" && r.props.region === "us-east-1",
    );
    expect(provider).toBeDefined();
    expect(alarm?.opts.provider ?? "").toContain("us-east-1");
    const uptimeTopic = byType(resources, "aws:sns/topic:Topic").find(
      (t) => t.name === `twincloud-${tier}-uptime-alerts`,
    );
    expect(alarm?.props.alarmActions).toEqual([uptimeTopic?.state.arn]);
    const subscriptions = byType(resources, "aws:sns/topicSubscription:TopicSubscription");
    const main = subscriptions.find((s) => s.name === `twincloud-${tier}-alerts-email`);
    const uptime = subscriptions.find((s) => s.name === `twincloud-${tier}-uptime-alerts-email`);
    expect(uptime?.props.endpoint).toBe(main?.props.endpoint);
  });
});

describe("the health check target is the stack's url", () => {
  it("probes url's host over its scheme", async () => {
    for (const tier of ["staging", "prod"] as const) {
      const resources = await capture(tier);
      const url = stackConfig(tier, "aws")["twincloud:domainName"];
      expect(one(resources, "aws:route53/healthCheck:HealthCheck").props.fqdn).toBe(url);
    }
    expect(healthCheckTarget("https://api.acme.io")).toEqual({
      type: "HTTPS",
      fqdn: "api.acme.io",
      port: 443,
    });
    expect(healthCheckTarget("http://x.eu-west-1.elb.amazonaws.com")).toEqual({
      type: "HTTP",
      fqdn: "x.eu-west-1.elb.amazonaws.com",
      port: 80,
    });
  });
});

describe("one collector for traces and metrics", () => {
  it("adds the traces pipeline to the same collector when tracing is on too", async () => {
    const containers = containersOf(
      await capture("staging", { "twincloud:cloudMetrics": "true", "twincloud:tracing": "true" }),
    );
    const collectors = containers.filter((c) => c.name === "otel-collector");
    expect(collectors).toHaveLength(1);
    const config = parse(collectors[0]!.environment!.find((e) => e.name === "ADOT_CONFIG")!.value) as {
      service: { pipelines: Record<string, { receivers: string[]; exporters: string[] }> };
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
    };
    expect(config.service.pipelines.traces).toMatchObject({ receivers: ["otlp"], exporters: ["awsxray"] });
    expect(config.service.pipelines.metrics).toMatchObject({ exporters: ["prometheusremotewrite"] });
    expect(config.receivers.otlp.protocols.http.endpoint).toBe("127.0.0.1:4318");
    const api = containers.find((c) => c.name === "api")!;
    expect(api.environment?.find((e) => e.name === "OTEL_EXPORTER_OTLP_ENDPOINT")?.value).toBe(
      "http://127.0.0.1:4318",
    );
  });

  it("keeps ADOT's built-in ECS configuration for tracing alone", async () => {
    const containers = containersOf(await capture("dev", { "twincloud:tracing": "true" }));
    const collector = containers.find((c) => c.name === "otel-collector");
    expect(collector?.command).toEqual(["--config=/etc/ecs/ecs-default-config.yaml"]);
    expect(collector?.environment?.map((e) => e.name)).toEqual(["AWS_REGION"]);
  });

  it("derives the remote-write URL from the workspace's endpoint", () => {
    const config = collectorConfig({
      region: "eu-west-1",
      metricsPort: 9464,
      remoteWriteUrl: remoteWriteUrl("https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/"),
      tracing: false,
    });
    expect((config.exporters as Doc).prometheusremotewrite).toMatchObject({
      endpoint: "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write",
    });
  });
});

describe("pure parts", () => {
  it("uses the regional AMP service principal in opt-in regions", () => {
    expect(apsServicePrincipal("eu-west-1")).toBe("aps.amazonaws.com");
    expect(apsServicePrincipal("eu-central-2")).toBe("aps.eu-central-2.amazonaws.com");
  });

  it("lists the uptime alarm only where cloud metrics are on", () => {
    const ids = (stack: Tier, extra: Record<string, string> = {}) =>
      awsAlarms(buildServiceSpec({ cloud: "aws", ...extra }, { stack })).map((a) => a.id);
    expect(ids("dev")).not.toContain("api-uptime-check-failed");
    expect(ids("dev", { cloudMetrics: "true" })).toContain("api-uptime-check-failed");
  });

  it("writes an alert manager definition AMP accepts: no api_url, no http_config", () => {
    const spec = buildServiceSpec({ cloud: "aws" }, { stack: "dev" });
    const text = alertManagerDefinition(spec, "arn:aws:sns:eu-west-1:1:t", "eu-west-1");
    expect(text).not.toMatch(/api_url|http_config/);
    expect(Object.keys(parse(text) as Doc)).toEqual(["alertmanager_config"]);
  });
});

/**
 * The keys the ADOT configuration uses, against the pinned ADOT release (v0.43.3: collector-contrib v0.117.0
 * components, vendored in its repository; docs/observability.md "What is verified and how"). A key the release
 * does not know stops the collector at start-up, which no mock run would show: bumping the image means
 * re-reading these components at the new version, then updating the version here.
 */
describe("the ADOT configuration against the pinned ADOT release", () => {
  const VERIFIED_ADOT_VERSION = "v0.43.3";
  const KNOWN = {
    sigv4auth: ["region", "service", "assume_role"],
    prometheusremotewrite: ["endpoint", "auth", "resource_to_telemetry_conversion"],
    resourcedetection: ["detectors", "timeout", "override"],
    memory_limiter: ["check_interval", "limit_mib", "spike_limit_mib"],
    // The resource attributes ADOT v0.43.3's `ecs` detector emits (by default).
    ecsDetectorAttributes: ["aws.ecs.task.id", "aws.ecs.task.arn", "aws.ecs.cluster.arn", "cloud.region"],
  } as const;
  const config = collectorConfig({
    region: "eu-west-1",
    metricsPort: 9464,
    remoteWriteUrl: "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write",
    tracing: true,
  }) as Record<string, Record<string, Doc>>;
  const keysOf = (value: unknown) => Object.keys(value as Doc);

  it("pins the ADOT release whose components were read", () => {
    expect(ADOT_COLLECTOR_IMAGE).toBe(
      `public.ecr.aws/aws-observability/aws-otel-collector:${VERIFIED_ADOT_VERSION}`,
    );
  });

  it("uses only keys the pinned components define, and the ecs detector's task id for `instance`", () => {
    for (const [component, known] of [
      [config.extensions!.sigv4auth, KNOWN.sigv4auth],
      [config.exporters!.prometheusremotewrite, KNOWN.prometheusremotewrite],
      [config.processors!.resourcedetection, KNOWN.resourcedetection],
      [config.processors!.memory_limiter, KNOWN.memory_limiter],
    ] as const) {
      for (const key of keysOf(component)) expect(known as readonly string[]).toContain(key);
    }
    expect(config.processors!.resourcedetection!.detectors).toEqual(["ecs"]);
    const [copy] = config.processors!.resource!.attributes as unknown as Doc[];
    expect(copy).toEqual({ key: "service.instance.id", from_attribute: "aws.ecs.task.id", action: "upsert" });
    expect(KNOWN.ecsDetectorAttributes).toContain(copy!.from_attribute);
  });

  it("never sets AOT_CONFIG_CONTENT (ADOT would load it instead of --config=env:ADOT_CONFIG)", async () => {
    for (const tier of ["staging", "prod"] as const) {
      const collector = containersOf(await capture(tier)).find((c) => c.name === "otel-collector");
      expect(collector?.environment?.map((e) => e.name)).not.toContain("AOT_CONFIG_CONTENT");
    }
  });
});
