/**
 * Production entry (`node dist/api/main.js`): load configuration, start tracing when configured, start
 * the API, and stop gracefully on SIGTERM/SIGINT (exit 0), or exit 1 on bad configuration or a failed
 * start-up.
 */
import { type ApiConfig, ConfigError, loadConfig } from "./config.js";
import { createLogger, flushLogger } from "./observability/logger.js";
import { startTracing } from "./observability/tracing.js";
import { startServer } from "./server.js";

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
  const fatal = (message: string) => (error: unknown) => {
    logger.fatal({ err: error }, message);
    flushLogger(logger);
    process.exit(1);
  };
  process.on("uncaughtException", fatal("uncaught exception"));
  process.on("unhandledRejection", fatal("unhandled rejection"));

  const tracing = await startTracing(config);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config, { logger, ...(tracing ? { tracing } : {}) });
  } catch (error) {
    const code = (error as { code?: string }).code;
    logger.fatal({ code, message: code ? undefined : (error as Error).message }, "start-up failed");
    flushLogger(logger);
    await tracing?.shutdown();
    process.exit(1);
  }

  const stop = (signal: NodeJS.Signals) => {
    server
      .shutdown(signal)
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => fatal("shutdown failed")(error),
      );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

void main();
