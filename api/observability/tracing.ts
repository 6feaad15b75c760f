/**
 * OpenTelemetry, only when OTEL_EXPORTER_OTLP_ENDPOINT is set. The SDK and exporter are imported lazily,
 * so a deployment without tracing never loads them. Server spans are created by the app's own middleware
 * (named after the matched route pattern) rather than by monkey-patching node:http, which ESM imports of
 * built-ins do not reliably see.
 */
import type { MiddlewareHandler } from "hono";
import type { ApiConfig } from "../config.js";
import { routeLabel } from "../http/route.js";

export interface Tracing {
  /** One SERVER span per request, continuing an incoming `traceparent`; sets the `traceId` variable. */
  middleware: MiddlewareHandler;
  /** Flush and stop the exporter. */
  shutdown(): Promise<void>;
}

export async function startTracing(
  config: Pick<ApiConfig, "OTEL_EXPORTER_OTLP_ENDPOINT" | "OTEL_SERVICE_NAME">,
): Promise<Tracing | undefined> {
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const [api, { NodeSDK }, { OTLPTraceExporter }, { resourceFromAttributes }, semconv] = await Promise.all([
    import("@opentelemetry/api"),
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
  const tracer = api.trace.getTracer(config.OTEL_SERVICE_NAME);
  const getter = {
    get: (carrier: Headers, key: string) => carrier.get(key) ?? undefined,
    keys: (carrier: Headers) => [...carrier.keys()],
  };
  const middleware: MiddlewareHandler = async (c, next) => {
    const parent = api.propagation.extract(api.context.active(), c.req.raw.headers, getter);
    const span = tracer.startSpan(c.req.method, { kind: api.SpanKind.SERVER }, parent);
    c.set("traceId", span.spanContext().traceId);
    try {
      await api.context.with(api.trace.setSpan(parent, span), next);
    } finally {
      const route = routeLabel(c);
      span.updateName(`${c.req.method} ${route}`);
      span.setAttribute("http.request.method", c.req.method);
      span.setAttribute("http.route", route);
      span.setAttribute("http.response.status_code", c.res.status);
      if (c.res.status >= 500) {
        // Hono's onError answered: the exception is on the context, not thrown through this middleware.
        if (c.error) span.recordException(c.error);
        span.setStatus({ code: api.SpanStatusCode.ERROR, ...(c.error ? { message: c.error.name } : {}) });
      }
      span.end();
    }
  };
  return {
    middleware,
    async shutdown() {
      await sdk.shutdown().catch(() => undefined);
    },
  };
}
