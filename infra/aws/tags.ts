/** The tags every AWS resource carries. */
import type { ServiceSpec } from "../spec/index.js";

/**
 * The tag set for one resource: the spec's tags plus a Name. Set explicitly on every taggable resource
 * (in @pulumi/aws 7 `tags` excludes provider default tags, and the policy pack reads `tags`).
 */
export function tagsFor(spec: ServiceSpec, name?: string): Record<string, string> {
  return { ...spec.tags, ...(name ? { Name: name } : {}) };
}
