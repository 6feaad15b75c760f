import type * as pulumi from "@pulumi/pulumi";

/** Stack outputs, the same names on both clouds. */
export interface StackOutputs {
  cloud: string;
  environment: string;
  /** Public URL of the API. */
  url: pulumi.Output<string>;
  /** The image reference deployed, by digest (repo@sha256:...). */
  imageDigest: pulumi.Output<string>;
  /** Database endpoint (private). */
  databaseHost: pulumi.Output<string>;
  /** Where alerts go (SNS topic ARN / Azure action group id). */
  alertTarget: pulumi.Output<string>;
  /** Link to the service dashboard. */
  dashboardUrl: pulumi.Output<string>;
}
