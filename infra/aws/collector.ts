/**
 * The ADOT collector's configuration when it remote-writes the API's metrics to Amazon Managed Service for
 * Prometheus (and, with tracing on, also carries the traces: one collector serves both). Pure data, passed to
 * the collector as an environment variable (`--config=env:...`, the collector's env confmap provider), so the
 * task definition stays the only artefact and no file or SSM parameter has to exist first.
 *
 * Checked against the pinned ADOT release's sources (v0.43.3, built on collector-contrib v0.117.0, whose
 * components it vendors; docs/observability.md "What is verified and how"), not against a running collector:
 *  - `--config=env:<VAR>`: ADOT's config provider settings register the env, file, yaml, http(s) and s3 providers
 *    (pkg/config/config_factory.go); it replaces the flag only when AOT_CONFIG_CONTENT is set, which the task
 *    never sets.
 *  - Components: prometheus receiver, otlp receiver, memory_limiter, resourcedetection, resource and batch
 *    processors, prometheusremotewrite and awsxray exporters, sigv4auth extension are all in ADOT's default
 *    component list (pkg/defaultcomponents/defaults.go).
 *  - Keys: sigv4auth `region`, `service`; prometheusremotewrite `endpoint`, `auth`,
 *    `resource_to_telemetry_conversion`; the `ecs` detector emits `aws.ecs.task.id` (enabled by default), which the resource processor copies into
 *    `service.instance.id`, the attribute the remote-write translator turns into the `instance` label (and
 *    `service.name`, the scrape job, into `job`).
 */
import { stringify } from "yaml";
import { apiScrapeConfig } from "../metrics-scrape.js";

/** The environment variable holding the collector's configuration (YAML). */
export const COLLECTOR_CONFIG_VARIABLE = "ADOT_CONFIG";
/** OTLP/HTTP, where the API sends its traces when tracing is on. */
export const OTLP_HTTP_PORT = 4318;

export interface CollectorConfigInputs {
  region: string;
  metricsPort: number;
  /** The workspace's remote-write URL (`<prometheusEndpoint>api/v1/remote_write`). */
  remoteWriteUrl: string;
  /** Also receive the API's traces over OTLP and export them to X-Ray. */
  tracing: boolean;
}

/** The workspace's remote-write URL from its `prometheusEndpoint` (which ends with a slash). */
export function remoteWriteUrl(prometheusEndpoint: string): string {
  return `${prometheusEndpoint.replace(/\/+$/, "")}/api/v1/remote_write`;
}

/**
 * Scrape the API's metrics port on localhost (same task, awsvpc) every 15 s, name each series' `instance` after
 * the ECS task id (every task scrapes `localhost:<port>`: without it, the replicas' series would collide and
 * the per-instance rules could not tell them apart), and remote-write with SigV4 as the task role.
 * No `$` anywhere: the collector expands `${...}` in its configuration.
 */
export function collectorConfig(inputs: CollectorConfigInputs): Record<string, unknown> {
  const metricsPipeline = {
    receivers: ["prometheus"],
    processors: ["memory_limiter", "resourcedetection", "resource", "batch"],
    exporters: ["prometheusremotewrite"],
  };
  const tracesPipeline = {
    receivers: ["otlp"],
    processors: ["memory_limiter", "batch"],
    exporters: ["awsxray"],
  };
  return {
    extensions: { sigv4auth: { region: inputs.region, service: "aps" } },
    receivers: {
      prometheus: {
        config: {
          scrape_configs: [apiScrapeConfig(inputs.metricsPort)],
        },
      },
      ...(inputs.tracing
        ? { otlp: { protocols: { http: { endpoint: `127.0.0.1:${OTLP_HTTP_PORT}` } } } }
        : {}),
    },
    processors: {
      memory_limiter: { check_interval: "1s", limit_mib: 100, spike_limit_mib: 20 },
      resourcedetection: { detectors: ["ecs"], timeout: "5s", override: false },
      resource: {
        attributes: [{ key: "service.instance.id", from_attribute: "aws.ecs.task.id", action: "upsert" }],
      },
      batch: {},
    },
    exporters: {
      prometheusremotewrite: {
        endpoint: inputs.remoteWriteUrl,
        auth: { authenticator: "sigv4auth" },
        // The API's own labels only (job, instance, method, route, status ...), as the local Prometheus sees them.
        resource_to_telemetry_conversion: { enabled: false },
      },
      ...(inputs.tracing ? { awsxray: { region: inputs.region } } : {}),
    },
    service: {
      extensions: ["sigv4auth"],
      pipelines: { metrics: metricsPipeline, ...(inputs.tracing ? { traces: tracesPipeline } : {}) },
    },
  };
}

export function collectorConfigYaml(inputs: CollectorConfigInputs): string {
  return stringify(collectorConfig(inputs));
}
