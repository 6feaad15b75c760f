/**
 * A customer-managed KMS key for one of the stack's encrypted alert or metrics paths: rotation on, a 7-day
 * deletion window, the account administers it, and `statements` grant the services that use it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../../spec/index.js";
import { tagsFor } from "../tags.js";

export function accountKey(
  spec: ServiceSpec,
  name: string,
  args: { description: string; accountId: pulumi.Input<string>; statements: unknown[] },
  opts: pulumi.CustomResourceOptions,
): aws.kms.Key {
  return new aws.kms.Key(
    name,
    {
      description: args.description,
      enableKeyRotation: true,
      deletionWindowInDays: 7,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountAdministration",
            Effect: "Allow",
            Principal: { AWS: pulumi.interpolate`arn:aws:iam::${args.accountId}:root` },
            Action: "kms:*",
            Resource: "*",
          },
          ...args.statements,
        ],
      }),
      tags: tagsFor(spec, name),
    },
    opts,
  );
}
