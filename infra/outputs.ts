import type * as pulumi from "@pulumi/pulumi";

/** What the deploy pipeline runs between the targeted and the full `pulumi up` (docs/database-identity.md). */
export type MigrationTarget =
  | {
      cloud: "aws";
      /** ECS cluster name (`aws ecs run-task --cluster`). */
      cluster: string;
      /** The migrator's task definition, by ARN with its revision. */
      taskDefinitionArn: string;
      /** The migrator's container in that task definition, whose exit code the pipeline checks. */
      containerName: string;
      /** Private subnets and security groups of the task's awsvpc network configuration. */
      subnetIds: string[];
      securityGroupIds: string[];
    }
  | {
      cloud: "azure";
      /** `az containerapp job start -n <jobName> -g <resourceGroup>`. */
      resourceGroup: string;
      jobName: string;
    };

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
  /**
   * The migrator the deploy pipeline runs (and waits on) between its targeted and its full `pulumi up`
   * (docs/database-identity.md#the-deploy-pipeline).
   */
  migration: pulumi.Output<MigrationTarget>;
}
