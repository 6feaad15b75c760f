/**
 * The AWS rendering of the service spec, one component (`twincloud:aws:Service`) holding every resource:
 * registry → network → database → ingress → secrets → compute → migration → monitoring. Each step lives in the module
 * of the same name (the same file names as infra/azure/); this file wires them and returns the stack outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackOutputs } from "../outputs.js";
import { PROJECT_NAME, type ServiceSpec } from "../spec/index.js";
import { createCompute } from "./compute.js";
import { assertRdsCaRegion, createDatabase } from "./database.js";
import { createIngress } from "./ingress.js";
import { createMigration } from "./migration.js";
import { createMonitoring } from "./monitoring/index.js";
import { createPrometheusWorkspace } from "./monitoring/prometheus.js";
import { createNetwork } from "./network.js";
import { createRegistry, type ImageLookup, lookupPushedImage } from "./registry.js";
import { createBootstrapKeySecret, createSentryDsnSecret } from "./secrets.js";

export const AWS_COMPONENT_TYPE = `${PROJECT_NAME}:aws:Service`;

export interface AwsServiceArgs {
  spec: ServiceSpec;
  /** Whether ECR holds this image content already (`lookupPushedImage`, asked before the component). */
  image?: ImageLookup;
}

/**
 * Parent of every resource of the AWS stack. Until this component existed they were children of the stack
 * itself: the alias on each child (`{ parent: pulumi.rootStackResource }`, in the options every module
 * passes on) keeps their old URNs, so a deployed stack keeps every resource instead of replacing it. The
 * engine derives the aliases of grandchildren (the awsx VPC's subnets, gateways, routes) from their parent's.
 */
export class AwsService extends pulumi.ComponentResource {
  readonly outputs: StackOutputs;

  constructor(name: string, args: AwsServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AWS_COMPONENT_TYPE, name, {}, opts);
    const { spec } = args;
    const children: pulumi.ComponentResourceOptions = {
      parent: this,
      aliases: [{ parent: pulumi.rootStackResource }],
    };

    const image = createRegistry({ spec, ...(args.image ? { lookup: args.image } : {}) }, children);
    const network = createNetwork(spec, children);
    const database = createDatabase(spec, network, children);
    const ingress = createIngress(spec, network, children);
    const bootstrapKey = createBootstrapKeySecret(spec, children);
    const sentryDsn = createSentryDsnSecret(spec, children);
    // The managed Prometheus workspace comes first: the task's collector writes to it (spec.cloudMetrics).
    const prometheus = spec.cloudMetrics.enabled ? createPrometheusWorkspace(spec, children) : undefined;
    const compute = createCompute(
      {
        spec,
        network,
        ingress,
        image,
        database,
        bootstrapKey,
        ...(sentryDsn ? { sentryDsn } : {}),
        ...(prometheus ? { prometheus } : {}),
      },
      children,
    );
    const migration = createMigration(
      { spec, network, image, database, logGroup: compute.logGroup, cluster: compute.cluster },
      children,
    );
    const monitoring = createMonitoring(
      spec,
      {
        loadBalancerArnSuffix: ingress.loadBalancer.arnSuffix,
        targetGroupArnSuffix: ingress.targetGroup.arnSuffix,
        clusterName: compute.cluster.name,
        serviceName: compute.service.name,
        databaseIdentifier: database.instance.identifier,
        databaseArn: database.instance.arn,
        url: ingress.url,
        ...(prometheus ? { prometheus } : {}),
      },
      children,
    );

    this.outputs = {
      cloud: spec.cloud,
      environment: spec.environment,
      url: ingress.url,
      endpointUrl: ingress.loadBalancerUrl,
      imageDigest: image.imageDigest,
      databaseHost: database.address,
      alertTarget: monitoring.topic.arn,
      dashboardUrl: monitoring.dashboardUrl,
      bootstrapApiKey: bootstrapKey.key,
      migration: migration.target,
    };
    this.registerOutputs({ url: this.outputs.url, imageDigest: this.outputs.imageDigest });
  }
}

/**
 * The region the AWS provider deploys to, as configured (`aws:region`, else the provider's environment
 * variables); undefined when none is set (the provider then refuses on its own).
 */
function configuredRegion(): string | undefined {
  return new pulumi.Config("aws").get("region") ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
}

/**
 * The AWS renderer (infra/program.ts). Refuses first a region the image's RDS CA bundle does not cover
 * (verify-full could never connect there); then asks ECR whether this image content was pushed.
 */
export async function renderAws(spec: ServiceSpec): Promise<StackOutputs> {
  const region = configuredRegion();
  if (region) assertRdsCaRegion(region);
  const image = await lookupPushedImage(spec);
  return new AwsService(spec.name, { spec, ...(image ? { image } : {}) }).outputs;
}
