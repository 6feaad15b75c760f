/**
 * The image's HEALTHCHECK: `node dist/api/healthcheck.js` (exec form; the distroless runtime has no shell,
 * curl or wget). Asks the liveness route on the loopback interface and exits 0 on a 2xx answer, 1 on
 * anything else (error status, refused connection, or no answer within the timeout).
 *
 * Liveness, not readiness: a database outage must not make Docker (or an orchestrator using this status)
 * restart every replica; readiness is for the load balancer. A script with no exports: importing it runs it.
 */
import { DEFAULT_PORT, HEALTH_PATHS } from "./config.js";

/** Docker's own HEALTHCHECK --timeout kills the process later; this bounds the request itself. */
const HEALTHCHECK_TIMEOUT_MS = 2_000;

async function checkLive(port: number, timeoutMs = HEALTHCHECK_TIMEOUT_MS): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${HEALTH_PATHS.live}`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

const port = Number.parseInt(process.env.PORT ?? "", 10);
const healthy = await checkLive(Number.isInteger(port) && port > 0 ? port : DEFAULT_PORT);
process.exit(healthy ? 0 : 1);
