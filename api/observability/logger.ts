import pino, { type Logger } from "pino";
import type { ApiConfig } from "../config.js";

export type { Logger };

/** Paths never written to the logs, whatever a caller passes in. */
const REDACT_PATHS = [
  "authorization",
  "headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "password",
  "apiKey",
  "key",
  "DATABASE_URL",
  "DATABASE_PASSWORD",
  "BOOTSTRAP_API_KEY",
  "config.DATABASE_URL",
  "config.DATABASE_PASSWORD",
  "config.BOOTSTRAP_API_KEY",
];

/** pino's isoTime, formatted once per millisecond instead of once per line. */
let lastMs = 0;
let lastTime = "";
function isoTimeCached(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

const destinations = new WeakMap<Logger, { flushSync(): void }>();

/**
 * JSON lines on stdout through an asynchronous, buffered sonic-boom destination (no write per request);
 * `flushLogger` writes the rest synchronously before the process exits.
 */
export function createLogger(
  config: Pick<ApiConfig, "LOG_LEVEL" | "OTEL_SERVICE_NAME">,
  destination?: pino.DestinationStream,
): Logger {
  // Buffered: lines are written in 8 KiB batches (or at least every second, and synchronously on exit),
  // not one write(2) per request. (sonic-boom requires minLength < its 16 KiB maxWrite.)
  const stream = destination ?? pino.destination({ dest: 1, sync: false, minLength: 8192 });
  if (!destination) {
    const timer = setInterval(() => {
      try {
        (stream as unknown as { flush(): void }).flush();
      } catch {
        // Not open yet, or already closed.
      }
    }, 1000);
    timer.unref();
  }
  const logger = pino(
    {
      level: config.LOG_LEVEL,
      base: { service: config.OTEL_SERVICE_NAME },
      timestamp: isoTimeCached,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
    },
    stream,
  );
  if (!destination) destinations.set(logger, stream as unknown as { flushSync(): void });
  return logger;
}

/** Write out buffered lines synchronously: call before process.exit(). */
export function flushLogger(logger: Logger): void {
  try {
    const stream = destinations.get(logger);
    if (stream) stream.flushSync();
    else logger.flush();
  } catch {
    // The destination may already be closed, or not opened yet.
  }
}
