/** Reads the `twincloud:*` stack config once, through the Pulumi runtime, and builds the service spec. */
import * as pulumi from "@pulumi/pulumi";
import {
  buildServiceSpec,
  PROJECT_NAME,
  type ServiceSpec,
  StackConfigError,
  stackConfigSchema,
} from "./spec/index.js";

export function loadServiceSpec(): ServiceSpec {
  const config = new pulumi.Config(PROJECT_NAME);
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(stackConfigSchema.shape)) raw[key] = config.get(key);
  const awsRegion = new pulumi.Config("aws").get("region");
  try {
    return buildServiceSpec(raw, {
      project: pulumi.getProject(),
      stack: pulumi.getStack(),
      ...(awsRegion ? { awsRegion } : {}),
    });
  } catch (error) {
    // RunError prints the message without a stack trace: the user needs the key and what it accepts.
    if (error instanceof StackConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}
