import type * as pulumi from "@pulumi/pulumi";

/** Stack outputs, the same names on both clouds. */
export interface StackOutputs {
  cloud: string;
  environment: string;
  /** Public URL of the API: https://<twincloud:domainName> when set, else the endpoint's own URL. */
  url: pulumi.Output<string>;
  /**
   * The platform's own URL for the API (the ALB's DNS name / the Container App's FQDN), what a DNS record
   * for twincloud:domainName points at. Equal to `url` when no domain is configured.
   */
  endpointUrl: pulumi.Output<string>;
  /** The image reference deployed, by digest (repo@sha256:...). */
  imageDigest: pulumi.Output<string>;
  /** Database endpoint (private). */
  databaseHost: pulumi.Output<string>;
  /** Where alerts go (SNS topic ARN / Azure action group id). */
  alertTarget: pulumi.Output<string>;
  /** Link to the service dashboard. */
  dashboardUrl: pulumi.Output<string>;
  /**
   * The generated bootstrap API key (all scopes), always a Pulumi secret: `pulumi stack output bootstrapApiKey
   * --show-secrets`. The same value the API gets as BOOTSTRAP_API_KEY from Secrets Manager / Key Vault; the
   * pipeline's smoke test authenticates with it. Rotate by replacing its RandomBytes resource
   * (docs/deploy-aws.md#the-bootstrap-api-key).
   */
  bootstrapApiKey: pulumi.Output<string>;
}
