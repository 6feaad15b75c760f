/**
 * Error tracking (Sentry), only when SENTRY_DSN is set. `@sentry/node` is imported lazily, so a deployment
 * without a DSN never loads it, and the request path then costs one `status >= 500` comparison.
 *
 * The SDK runs as one private client, not `Sentry.init()`: no global handlers, no auto-instrumentation (no
 * diagnostics-channel injection, no http/fetch/console integrations, no OpenTelemetry tracer provider: the
 * OpenTelemetry SDK of tracing.ts stays the only one), no request data. Events are built here from what the
 * request-context middleware already knows (request id, trace id, method, route PATTERN, status) and
 * scrubbed again in `beforeSend` (see `scrubEvent`) before they leave the process.
 */
import type { ErrorEvent, Event } from "@sentry/node";
import type { ApiConfig } from "../config.js";
import { SECRET_ENV_VARS } from "../config.js";

/** A 5xx answer as the request-context middleware saw it. */
export interface ServerErrorReport {
  /** What the handler threw (Hono's `c.error`), when the 5xx came from an exception. */
  error: Error | undefined;
  requestId: string;
  traceId: string | undefined;
  method: string;
  /** The matched route pattern (`/v1/tasks/:id`) or "unmatched": never the raw path. */
  route: string;
  status: number;
}

export interface ErrorTracker {
  /** Queue an event for a 5xx answer; never throws, never waits. */
  report(report: ServerErrorReport): void;
  /** Queue an event for an error that is about to end the process (uncaught exception, unhandled rejection). */
  reportFatal(error: unknown, kind: string): void;
  /** Send what is queued, waiting at most `timeoutMs`; false when something was left unsent. */
  flush(timeoutMs: number): Promise<boolean>;
  /** Flush (bounded by `timeoutMs`) and stop the client. */
  close(timeoutMs: number): Promise<boolean>;
}

export type ErrorTrackingConfig = Pick<
  ApiConfig,
  "SENTRY_DSN" | "SENTRY_RELEASE" | "SENTRY_ENVIRONMENT" | "NODE_ENV" | (typeof SECRET_ENV_VARS)[number]
>;

/** The tags an event may carry; anything else is dropped by the scrubber. */
const ALLOWED_TAGS = new Set(["request_id", "trace_id", "route", "method", "status", "kind"]);
/** The contexts an event may carry (the SDK's own runtime description); anything else is dropped. */
const ALLOWED_CONTEXTS = new Set(["trace", "runtime", "os", "app", "device", "culture", "cloud_resource"]);
const REDACTED = "[redacted]";
/** Secret values shorter than this are left to the patterns (replacing a 3-letter word everywhere mangles stacks). */
const MIN_SECRET_LENGTH = 8;

/** Patterns scrubbed from every string of an event, whatever the configured secrets. */
const SECRET_PATTERNS: readonly (readonly [RegExp, string])[] = [
  // Authorization header values.
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // The API keys this service issues (`tc_` + 43 base64url characters), even partial.
  [/\btc_[A-Za-z0-9_-]{8,}/g, `tc_${REDACTED}`],
  // user:password@ in any URL (postgres://, https://, ...).
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, `$1${REDACTED}@`],
  // Query string values.
  [/([?&][^=&#\s"']+)=[^&#\s"']*/g, `$1=${REDACTED}`],
  // name=value / "name": "value" pairs whose name says secret.
  [
    /\b(password|passwd|pwd|secret|token|api[_-]?key|authorization|cookie|dsn)(["']?\s*[:=]\s*["']?)[^\s"'&,;)}]+/gi,
    `$1$2${REDACTED}`,
  ],
];

/** Every string in `value`, recursively (bounded depth), through `scrub`. Mutates objects and arrays in place. */
function scrubDeep(value: unknown, scrub: (text: string) => string, depth = 0): unknown {
  if (typeof value === "string") return scrub(value);
  if (depth > 24 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = scrubDeep(value[i], scrub, depth + 1);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = scrubDeep(record[key], scrub, depth + 1);
  return value;
}

/**
 * Defence in depth, run on every event before it is sent: no request (URL, query, headers, cookies, body),
 * no user (IP), no breadcrumbs, no extra data, no local variables, only the known tags and the SDK's runtime
 * contexts; then every remaining string loses the configured secret values (DATABASE_PASSWORD, DATABASE_URL,
 * BOOTSTRAP_API_KEY, SENTRY_DSN), bearer/basic credentials, API keys, URL credentials, query string values
 * and `password=`-style pairs.
 */
export function scrubEvent<T extends Event>(event: T, secrets: readonly string[] = []): T {
  delete event.request;
  delete event.user;
  delete event.breadcrumbs;
  delete event.extra;
  delete event.modules;
  if (event.tags) {
    for (const key of Object.keys(event.tags)) if (!ALLOWED_TAGS.has(key)) delete event.tags[key];
  }
  if (event.contexts) {
    for (const key of Object.keys(event.contexts)) if (!ALLOWED_CONTEXTS.has(key)) delete event.contexts[key];
  }
  for (const exception of event.exception?.values ?? []) {
    for (const frame of exception.stacktrace?.frames ?? []) delete frame.vars;
  }
  const values = secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  const scrub = (text: string): string => {
    let out = text;
    for (const secret of values) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };
  // Everything but the SDK's own processing metadata (never sent as such; it builds the envelope header).
  for (const key of Object.keys(event) as (keyof Event)[]) {
    if (key !== "sdkProcessingMetadata")
      (event as Record<string, unknown>)[key] = scrubDeep(event[key], scrub);
  }
  return event;
}

/** The values the scrubber removes verbatim: every secret variable, plus the DSN and the URL's password. */
export function secretValues(config: Partial<Record<string, unknown>>): string[] {
  const values: string[] = [];
  for (const name of SECRET_ENV_VARS) {
    const value = config[name];
    if (typeof value === "string" && value.length > 0) values.push(value);
  }
  for (const name of ["DATABASE_URL", "SENTRY_DSN"] as const) {
    const value = config[name];
    if (typeof value !== "string") continue;
    try {
      const url = new URL(value);
      if (url.password) values.push(decodeURIComponent(url.password), url.password);
      if (url.username && name === "SENTRY_DSN") values.push(url.username);
    } catch {
      // Not a URL: the whole value is already listed.
    }
  }
  return [...new Set(values)];
}

/**
 * A Sentry client when SENTRY_DSN is set, else undefined. Release and environment come from
 * SENTRY_RELEASE (the deployed image digest) and SENTRY_ENVIRONMENT (default: NODE_ENV).
 */
export async function startErrorTracking(config: ErrorTrackingConfig): Promise<ErrorTracker | undefined> {
  if (!config.SENTRY_DSN) return undefined;
  const Sentry = await import("@sentry/node");
  const secrets = secretValues(config);
  const client = new Sentry.NodeClient({
    dsn: config.SENTRY_DSN,
    ...(config.SENTRY_RELEASE ? { release: config.SENTRY_RELEASE } : {}),
    environment: config.SENTRY_ENVIRONMENT ?? config.NODE_ENV,
    transport: Sentry.makeNodeTransport,
    stackParser: Sentry.defaultStackParser,
    // The error's `cause` chain, and the runtime/OS description; nothing that reads requests or patches modules.
    integrations: [Sentry.linkedErrorsIntegration(), Sentry.nodeContextIntegration()],
    // Belt and braces: no integration here collects any of it, and beforeSend deletes it anyway.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
      databaseQueryData: false,
      queues: false,
      stackFrameVariables: false,
      graphQL: { document: false, variables: false },
      genAI: { inputs: false, outputs: false },
      mcp: { inputs: false, outputs: false },
    },
    sendClientReports: false,
    enableOpenTelemetrySetup: false,
    enableRuntimeChannelInjection: false,
    maxBreadcrumbs: 0,
    beforeSend: (event: ErrorEvent) => scrubEvent(event, secrets),
    // Never sent (no spans are started), but keep the client from ever sampling transactions.
    beforeSendTransaction: () => null,
  });
  client.init();

  const capture = (
    error: unknown,
    tags: Record<string, string>,
    mechanism: string,
    fingerprint?: string[],
  ) => {
    try {
      const scope = new Sentry.Scope();
      scope.setClient(client);
      scope.setTags(tags);
      if (tags.route) scope.setTransactionName(`${tags.method} ${tags.route}`);
      if (fingerprint) scope.setFingerprint(fingerprint);
      if (error instanceof Error) {
        // Unhandled from the application's point of view: the error handler only turned it into a 500.
        scope.captureException(error, { mechanism: { type: mechanism, handled: false } });
      } else {
        // A 5xx answer without an exception (a deadline, a handler's own 5xx), grouped per route and status.
        scope.captureMessage(String(error), "error");
      }
    } catch {
      // Error tracking must never break the request or the shutdown.
    }
  };

  return {
    report({ error, requestId, traceId, method, route, status }) {
      const tags: Record<string, string> = {
        request_id: requestId,
        route,
        method,
        status: String(status),
        ...(traceId ? { trace_id: traceId } : {}),
      };
      if (error) capture(error, tags, "auto.http.hono.on_error");
      else capture(`${status} ${method} ${route}`, tags, "", ["http-5xx", method, route, String(status)]);
    },
    reportFatal(error, kind) {
      capture(
        error instanceof Error ? error : new Error(`${kind}: non-Error value thrown`),
        { kind },
        "auto.node.fatal",
      );
    },
    flush: (timeoutMs) => Promise.resolve(client.flush(timeoutMs)).catch(() => false),
    close: (timeoutMs) => Promise.resolve(client.close(timeoutMs)).catch(() => false),
  };
}
