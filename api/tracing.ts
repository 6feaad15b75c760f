/**
 * OpenTelemetry, only when OTEL_EXPORTER_OTLP_ENDPOINT is set. The SDK and exporter are imported lazily,
 * so a deployment without tracing never loads them. Server spans are created by the app's own middleware
 * (named after the matched route pattern) rather than by monkey-patching node:http, which ESM imports of
 * built-ins do not reliably see.
 */
import type { ApiConfig } from "./config.js";

export interface Tracing {
  shutdown(): Promise<void>;
}

export async function startTracing(
  config: Pick<ApiConfig, "OTEL_EXPORTER_OTLP_ENDPOINT" | "OTEL_SERVICE_NAME">,
): Promise<Tracing | undefined> {
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const [{ NodeSDK }, { OTLPTraceExporter }, { resourceFromAttributes }, semconv] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/semantic-conventions"),
  ]);
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, "");
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: config.OTEL_SERVICE_NAME }),
    // The standard OTEL_* variables (headers, sampler, ...) are still honoured by the SDK.
    traceExporter: new OTLPTraceExporter({ url: `${base}/v1/traces` }),
    instrumentations: [],
  });
  sdk.start();
  return {
    async shutdown() {
      await sdk.shutdown().catch(() => undefined);
    },
  };
}
