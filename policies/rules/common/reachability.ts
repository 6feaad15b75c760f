/**
 * Both clouds, a stack policy: the only internet-facing entry is the load balancer (AWS) / the container
 * app's ingress (Azure); the service admits only the load balancer, the database only the service. Which
 * security group the load balancer, the service and the database use is only known across resources.
 *
 * Stack policies run on outputs after the preview/update, so each property one resource can be judged on
 * alone is also a resource policy (aws-sg-no-world-ingress, aws-rds-not-public, azure-postgres-private...),
 * which blocks before the change.
 */
import type { Policies, PolicyResource, ReportViolation } from "@pulumi/policy";
import { APP_PORT, DATABASE } from "../../../infra/spec/constants.js";
import {
  describePorts,
  GROUP_TYPES,
  type Ingress,
  ingressOf,
  isWorldOpen,
  onlyPorts,
  PUBLIC_LB_PORTS,
  SG_TYPES,
} from "../../lib/network.js";
import { defineStackPolicy, listOf, notYetCreated } from "../../lib/policy.js";
import { resolve, resolveAll } from "../../lib/references.js";
import { asArray, eachKnown, isTrue, tryRead } from "../../lib/values.js";
import { aws, azure } from "../../types.js";

interface OwnedIngress {
  rule: Ingress;
  owner: PolicyResource;
  group: PolicyResource | undefined;
}

function allIngress(resources: PolicyResource[]): OwnedIngress[] {
  const out: OwnedIngress[] = [];
  eachKnown(
    resources.filter((r) => SG_TYPES.includes(r.type)),
    (r) => {
      for (const rule of ingressOf(r.type, r.props, r.name)) {
        const group = GROUP_TYPES.includes(r.type)
          ? r
          : resolve(resources, aws.ec2.SecurityGroup, rule.securityGroupId, r, "securityGroupId");
        out.push({ rule, owner: r, group });
      }
    },
  );
  return out;
}

/**
 * Security groups of `owners` listed in `prop` (e.g. LoadBalancer.securityGroups); for an owner not created
 * yet, the security groups among its dependencies (what its `prop` will name).
 */
function groupsUsedBy(
  resources: PolicyResource[],
  owners: PolicyResource[],
  read: (r: PolicyResource) => unknown,
  prop: string,
) {
  const groups = new Set<PolicyResource>();
  for (const owner of owners) {
    if (notYetCreated(owner.type, owner.props)) {
      for (const g of owner.dependencies ?? []) if (g.type === aws.ec2.SecurityGroup) groups.add(g);
      continue;
    }
    const refs = asArray(read(owner));
    for (const g of resolveAll(resources, aws.ec2.SecurityGroup, refs, owner, prop)) groups.add(g);
  }
  return groups;
}

function sourcesAre(
  resources: PolicyResource[],
  item: OwnedIngress,
  allowed: Set<PolicyResource>,
  prop: string,
): boolean {
  if (item.rule.cidrs.length > 0 || item.rule.prefixLists.length > 0 || item.rule.self) return false;
  if (item.rule.sourceGroups.length === 0) return false;
  return item.rule.sourceGroups.every((ref) => {
    const src = resolve(resources, aws.ec2.SecurityGroup, ref, item.owner, prop, false);
    if (src) return allowed.has(src);
    // Unresolvable (ids not exposed): accept only if some allowed group is among the rule's dependencies.
    return (item.owner.dependencies ?? []).some((d) => allowed.has(d));
  });
}

function checkAws(resources: PolicyResource[], report: ReportViolation, publicPorts: number[]) {
  const lbs = resources.filter(
    (r) => r.type === aws.lb.LoadBalancer && tryRead(() => r.props.internal) !== true,
  );
  const services = resources.filter((r) => r.type === aws.ecs.Service);
  const databases = resources.filter((r) => r.type === aws.rds.Instance);
  const lbGroups = groupsUsedBy(resources, lbs, (r) => r.props.securityGroups, "securityGroups");
  const serviceGroups = groupsUsedBy(
    resources,
    services,
    (r) => r.props.networkConfiguration?.securityGroups,
    "networkConfiguration",
  );
  const dbGroups = groupsUsedBy(
    resources,
    databases,
    (r) => r.props.vpcSecurityGroupIds,
    "vpcSecurityGroupIds",
  );
  const sourceProp = (owner: PolicyResource) =>
    GROUP_TYPES.includes(owner.type)
      ? "ingress"
      : owner.type.includes("vpc/")
        ? "referencedSecurityGroupId"
        : "sourceSecurityGroupId";

  for (const item of allIngress(resources)) {
    const { rule, owner, group } = item;
    const where = group
      ? `security group ${group.name}`
      : `an unresolved security group (rule ${owner.name})`;
    if (isWorldOpen(rule)) {
      if (!group || !lbGroups.has(group)) {
        report(
          `${rule.origin}: ${where} is open to the internet (${describePorts(rule)}) but is not the internet-facing load balancer's group; only the load balancer may be public.`,
          owner.urn,
        );
      } else if (!onlyPorts(rule, publicPorts)) {
        report(
          `${rule.origin}: the load balancer's group may open only tcp ${publicPorts.join("/")} to the internet, not ${describePorts(rule)}.`,
          owner.urn,
        );
      }
      continue;
    }
    if (group && serviceGroups.has(group) && !lbGroups.has(group)) {
      if (!sourcesAre(resources, item, lbGroups, sourceProp(owner))) {
        report(
          `${rule.origin}: the service's ${where} must admit only the load balancer's security group (on port ${APP_PORT}); replace this source with the load balancer's group.`,
          owner.urn,
        );
      }
    }
    if (group && dbGroups.has(group)) {
      if (
        !sourcesAre(resources, item, serviceGroups, sourceProp(owner)) ||
        !onlyPorts(rule, [DATABASE.port])
      ) {
        report(
          `${rule.origin}: the database's ${where} must admit only the service's security group on tcp ${DATABASE.port} (is ${describePorts(rule)}).`,
          owner.urn,
        );
      }
    }
  }
  eachKnown(databases, (db) => {
    if (isTrue(db.props.publiclyAccessible))
      report(`Database ${db.name} is publicly accessible: set publiclyAccessible false.`, db.urn);
  });
  eachKnown(services, (svc) => {
    if (isTrue(svc.props.networkConfiguration?.assignPublicIp)) {
      report(
        `Service ${svc.name} assigns public IPs: set networkConfiguration.assignPublicIp false.`,
        svc.urn,
      );
    }
  });
}

function checkAzure(resources: PolicyResource[], report: ReportViolation, maxExternalApps: number) {
  eachKnown(
    resources.filter((r) => r.type === azure.dbforpostgresql.Server),
    (server) => {
      const network = server.props.network ?? {};
      const access = network.publicNetworkAccess;
      if (access !== "Disabled" && !(access === undefined && network.delegatedSubnetResourceId)) {
        report(
          `PostgreSQL server ${server.name} is reachable from the internet: set network.publicNetworkAccess "Disabled" (VNet integration).`,
          server.urn,
        );
      }
    },
  );
  for (const rule of resources.filter((r) => r.type === azure.dbforpostgresql.FirewallRule)) {
    report(
      `Firewall rule ${rule.name} opens the private database to public addresses: delete it; the app reaches the server through the VNet.`,
      rule.urn,
    );
  }
  const external = resources.filter(
    (r) =>
      r.type === azure.app.ContainerApp && tryRead(() => r.props.configuration?.ingress?.external) === true,
  );
  if (external.length > maxExternalApps) {
    for (const app of external) {
      report(
        `${external.length} container apps have external ingress (allowed ${maxExternalApps}): only the API may be internet-facing; set configuration.ingress.external false on ${app.name} unless it is the API.`,
        app.urn,
      );
    }
  }
}

const reachability = defineStackPolicy<{ publicPorts: number[]; maxExternalApps: number }>({
  name: "network-reachability",
  description:
    "The only internet-facing entry is the load balancer (AWS) / the container app's ingress (Azure); the service admits only the load balancer, the database only the service.",
  config: {
    schema: {
      publicPorts: listOf("integer", "Ports the load balancer may open to the world."),
      maxExternalApps: { type: "integer", description: "Container apps allowed to have external ingress." },
    },
    defaults: { publicPorts: PUBLIC_LB_PORTS, maxExternalApps: 1 },
  },
  validate: (resources, { config }, report) => {
    checkAws(resources, report, config.publicPorts);
    checkAzure(resources, report, config.maxExternalApps);
  },
});

export const policies: Policies = [reachability];
