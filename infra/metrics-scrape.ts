/**
 * How the collector sidecar scrapes the API's metrics port, the same on both clouds (infra/aws/collector.ts,
 * infra/azure/monitoring/prometheus.ts): one Prometheus scrape job the rules select, as the local Prometheus does.
 */
import { METRICS_PATH } from "../api/config.js";

/** The Prometheus job name: the rules select it (`up{job="twincloud-api"}`). */
export const SCRAPE_JOB = "twincloud-api";

/** The scrape config of the API in the same task/replica (`localhost`), with extra target labels if any. */
export function apiScrapeConfig(
  metricsPort: number,
  labels?: Record<string, string>,
): Record<string, unknown> {
  return {
    job_name: SCRAPE_JOB,
    metrics_path: METRICS_PATH,
    scrape_interval: "15s",
    scrape_timeout: "10s",
    static_configs: [{ targets: [`localhost:${metricsPort}`], ...(labels ? { labels } : {}) }],
  };
}
