/**
 * infra/aws/collector.ts (issue 15): the one ADOT collector sidecar for metrics (scraping the API, remote-writing
 * to managed Prometheus with SigV4) and traces, under mocks per tier and against the pinned ADOT release.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { collectorConfig, remoteWriteUrl } from "../../../infra/aws/collector.js";
import { ADOT_COLLECTOR_IMAGE } from "../../../infra/aws/containers.js";
import type { CapturedResource } from "../../../tools/mock/run.js";
import { apiContainersOf, captureAws } from "../../support/aws-stack.js";
import { byType, one } from "../../support/rendered.js";

type Doc = Record<string, unknown>;

describe.each(["staging", "prod"] as const)("%s: managed Prometheus", (tier) => {
  let resources: CapturedResource[];
  let workspaceArn: string;
  let workspaceId: string;
  beforeAll(async () => {
    resources = await captureAws(tier);
    const workspace = one(resources, "aws:amp/workspace:Workspace");
    workspaceArn = String(workspace.state.arn);
    workspaceId = workspaceArn.split("/").pop()!;
    const topics = byType(resources, "aws:sns/topic:Topic").filter(
      (t) => t.name === `twincloud-${tier}-alerts`,
    );
    expect(topics).toHaveLength(1);
  });

  it("runs one ADOT collector (the pinned image) that scrapes localhost:9464 and remote-writes with SigV4", () => {
    const containers = apiContainersOf(resources);
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
});

describe("one collector for traces and metrics", () => {
  it("adds the traces pipeline to the same collector when tracing is on too", async () => {
    const containers = apiContainersOf(
      await captureAws("staging", { "twincloud:cloudMetrics": "true", "twincloud:tracing": "true" }),
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
    const containers = apiContainersOf(await captureAws("dev", { "twincloud:tracing": "true" }));
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
      const collector = apiContainersOf(await captureAws(tier)).find((c) => c.name === "otel-collector");
      expect(collector?.environment?.map((e) => e.name)).not.toContain("AOT_CONFIG_CONTENT");
    }
  });
});
