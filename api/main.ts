/**
 * Production entry (`node dist/api/main.js`): load configuration, start tracing and error tracking when
 * configured, start the API, and stop gracefully on SIGTERM/SIGINT (exit 0), or exit 1 on bad configuration
 * or a failed start-up. Queued error-tracking events are flushed (bounded) before any exit.
 */
import { type ApiConfig, ConfigError, loadConfig } from "./config.js";
import { startErrorTracking } from "./observability/error-tracking.js";
import { createLogger, flushLogger } from "./observability/logger.js";
import { startTracing } from "./observability/tracing.js";
import { startServer } from "./server.js";

/** How long an exit waits for queued error-tracking events (inside ECS's 30 s stop timeout with the drain). */
const ERROR_FLUSH_TIMEOUT_MS = 2_000;

async function main(): Promise<void> {
  let config: ApiConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config);
  const errorTracker = await startErrorTracking(config);
  let exiting = false;
  const fatal = (message: string) => (error: unknown) => {
    logger.fatal({ err: error }, message);
    flushLogger(logger);
    if (!errorTracker) process.exit(1);
    if (exiting) return;
    exiting = true;
    errorTracker.reportFatal(error, message);
    // Bounded: the event is sent within 2 s or dropped; the timer is the backstop.
    setTimeout(() => process.exit(1), ERROR_FLUSH_TIMEOUT_MS + 500);
    void errorTracker.close(ERROR_FLUSH_TIMEOUT_MS).finally(() => process.exit(1));
  };
  process.on("uncaughtException", fatal("uncaught exception"));
  process.on("unhandledRejection", fatal("unhandled rejection"));

  const tracing = await startTracing(config);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config, { logger, ...(tracing ? { tracing } : {}), errorTracker });
  } catch (error) {
    const code = (error as { code?: string }).code;
    logger.fatal({ code, message: code ? undefined : (error as Error).message }, "start-up failed");
    flushLogger(logger);
    await tracing?.shutdown();
    await errorTracker?.close(ERROR_FLUSH_TIMEOUT_MS);
    process.exit(1);
  }

  const stop = (signal: NodeJS.Signals) => {
    server
      .shutdown(signal)
      .then(() => tracing?.shutdown())
      .then(() => errorTracker?.close(ERROR_FLUSH_TIMEOUT_MS))
      .then(
        () => process.exit(0),
        (error: unknown) => fatal("shutdown failed")(error),
      );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

void main();
