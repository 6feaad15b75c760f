/** Small helpers shared by the AWS modules. */
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../spec.js";

/**
 * The tag set for one resource: the spec's tags plus a Name. Set explicitly on every taggable resource
 * (in @pulumi/aws 7 `tags` excludes provider default tags, and the policy pack reads `tags`).
 */
export function tagsFor(spec: ServiceSpec, name?: string): Record<string, string> {
  return { ...spec.tags, ...(name ? { Name: name } : {}) };
}

/** A JSON IAM policy document built from (possibly unknown) inputs, without an invoke. */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: pulumi.Input<string> | pulumi.Input<string>[];
  Principal?: Record<string, string | string[] | pulumi.Input<string>>;
  Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

/** Trust policy letting one AWS service principal assume a role. */
export function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}
