/**
 * The AWS rendering of the service spec: image → network → database → load balancer → ECS service →
 * monitoring. Each step lives in its own module; this file wires them and returns the stack outputs.
 */
import type { StackOutputs } from "../outputs.js";
import type { ServiceSpec } from "../spec.js";
import { createBootstrapKeySecret } from "./bootstrap-key.js";
import { createDatabase } from "./database.js";
import { createImage } from "./image.js";
import { createIngress } from "./loadbalancer.js";
import { createMonitoring } from "./monitoring.js";
import { createNetwork } from "./network.js";
import { createCompute } from "./service.js";

export { awsAlarms } from "./monitoring.js";

export async function deployAws(spec: ServiceSpec): Promise<StackOutputs> {
  // Async: the image step asks ECR whether this content was pushed already (see image.ts).
  const image = await createImage(spec);
  const network = createNetwork(spec);
  const database = createDatabase(spec, network);
  const ingress = createIngress(spec, network);
  const bootstrapKey = createBootstrapKeySecret(spec);
  const compute = createCompute(spec, network, ingress, image, database, bootstrapKey);
  const monitoring = createMonitoring(spec, {
    loadBalancerArnSuffix: ingress.loadBalancer.arnSuffix,
    targetGroupArnSuffix: ingress.targetGroup.arnSuffix,
    clusterName: compute.cluster.name,
    serviceName: compute.service.name,
    databaseIdentifier: database.instance.identifier,
    databaseArn: database.instance.arn,
  });

  return {
    cloud: spec.cloud,
    environment: spec.environment,
    url: ingress.url,
    endpointUrl: ingress.loadBalancerUrl,
    imageDigest: image.imageDigest,
    databaseHost: database.address,
    alertTarget: monitoring.topic.arn,
    dashboardUrl: monitoring.dashboardUrl,
    bootstrapApiKey: bootstrapKey.key,
  };
}
