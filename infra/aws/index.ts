/**
 * The AWS rendering of the service spec: image → network → database → load balancer → ECS service →
 * monitoring. Each step lives in its own module; this file wires them and returns the stack outputs.
 */
import type { StackOutputs } from "../outputs.js";
import type { ServiceSpec } from "../spec.js";
import { createDatabase } from "./database.js";
import { createImage } from "./image.js";
import { createIngress } from "./loadbalancer.js";
import { createMonitoring } from "./monitoring.js";
import { createNetwork } from "./network.js";
import { createCompute } from "./service.js";

export { awsAlarms } from "./monitoring.js";

export function deployAws(spec: ServiceSpec): StackOutputs {
  const image = createImage(spec);
  const network = createNetwork(spec);
  const database = createDatabase(spec, network);
  const ingress = createIngress(spec, network);
  const compute = createCompute(spec, network, ingress, image, database);
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
    imageDigest: image.imageDigest,
    databaseHost: database.address,
    alertTarget: monitoring.topic.arn,
    dashboardUrl: monitoring.dashboardUrl,
  };
}
