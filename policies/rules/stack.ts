/**
 * Stack policies: checks that need several resources at once (which security group the load balancer uses,
 * which parameter group the database uses, whether the whole service is highly available).
 *
 * The engine runs stack policies on the resources' *outputs* after a preview or an update (at `pulumi up`,
 * after the changes are applied: a violation fails the update but does not prevent it). Each property a
 * resource policy can check alone is therefore also checked by a resource policy, which blocks before the
 * change. References between resources (security-group ids, subnet ids, parameter-group names) are resolved
 * by id/name, then by the engine's property dependencies, then by plain dependencies.
 */
import type { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { DEFAULT_PORT } from "../../api/config.js";
import {
  DATABASE_PORT,
  describePorts,
  GROUP_TYPES,
  type Ingress,
  ingressOf,
  isWorldOpen,
  onlyPorts,
  PUBLIC_LB_PORTS,
  SECURITY_GROUP,
  SG_TYPES,
  UNKNOWN_REF,
} from "../lib/network.js";
import {
  asArray,
  asNumber,
  defineStackPolicy,
  eachKnown,
  isTier,
  isTrue,
  resolveStackEnvironment,
  TIERS,
  type Tier,
  tagsOf,
  tryRead,
} from "../lib/policy.js";
import { ECS_SERVICE, LOAD_BALANCER, PARAMETER_GROUP, RDS_INSTANCE, SCALING_TARGET } from "./aws.js";
import { CONTAINER_APP, MANAGED_ENVIRONMENT, POSTGRES_FIREWALL_RULE, POSTGRES_SERVER } from "./azure.js";

const SUBNET = "aws:ec2/subnet:Subnet";

// --- Reference resolution ----------------------------------------------------------------------------------

function idOf(r: PolicyResource): unknown {
  return tryRead(() => r.props.id);
}

/**
 * Finds the resource of `type` that `owner.props[prop]` (value `ref`) points to: by id / arn / name, then by
 * the engine's propertyDependencies for `prop`, then (when `allowDependencyFallback`) by the owner's only
 * dependency of that type.
 */
function resolve(
  resources: PolicyResource[],
  type: string,
  ref: unknown,
  owner: PolicyResource,
  prop: string,
  allowDependencyFallback = true,
): PolicyResource | undefined {
  const candidates = resources.filter((r) => r.type === type);
  if (ref !== undefined && ref !== UNKNOWN_REF) {
    const byValue = candidates.find(
      (c) => idOf(c) === ref || tryRead(() => c.props.arn) === ref || tryRead(() => c.props.name) === ref,
    );
    if (byValue) return byValue;
  }
  const propDeps = (owner.propertyDependencies?.[prop] ?? []).filter((d) => d.type === type);
  if (propDeps.length === 1) return propDeps[0];
  if (!allowDependencyFallback) return undefined;
  const deps = (owner.dependencies ?? []).filter((d) => d.type === type);
  return deps.length === 1 ? deps[0] : undefined;
}

function resolveAll(
  resources: PolicyResource[],
  type: string,
  refs: unknown[],
  owner: PolicyResource,
  prop: string,
): PolicyResource[] {
  const found = refs
    .map((ref) => resolve(resources, type, ref, owner, prop, refs.length === 1))
    .filter((r): r is PolicyResource => r !== undefined);
  if (found.length === 0 && refs.length > 0) {
    // Ids not exposed (or unknown): fall back to the dependencies behind the property.
    const propDeps = (owner.propertyDependencies?.[prop] ?? []).filter((d) => d.type === type);
    if (propDeps.length > 0) return propDeps;
    return (owner.dependencies ?? []).filter((d) => d.type === type);
  }
  return [...new Set(found)];
}

// --- RDS force_ssl -----------------------------------------------------------------------------------------

const rdsForceSsl = defineStackPolicy({
  name: "aws-rds-force-ssl",
  description: "RDS PostgreSQL instances force TLS through their parameter group (rds.force_ssl = 1).",
  validate: (resources, { args }, report) => {
    const instances = resources.filter((r) => r.type === RDS_INSTANCE);
    if (instances.length === 0) args.notApplicable("no RDS instances");
    const groups = resources.filter((r) => r.type === PARAMETER_GROUP);
    eachKnown(instances, (db) => {
      const engine = String(tryRead(() => db.props.engine) ?? "postgres");
      if (!engine.includes("postgres")) return;
      const name = db.props.parameterGroupName;
      let group = resolve(resources, PARAMETER_GROUP, name, db, "parameterGroupName");
      if (!group && groups.length === 1 && name && !String(name).startsWith("default.")) group = groups[0];
      if (!group) {
        report(
          `Database ${db.name} uses ${name ? `parameter group "${name}", not defined in this stack` : "the default parameter group"}: create an aws.rds.ParameterGroup with \`{ name: "rds.force_ssl", value: "1" }\` and set \`parameterGroupName\`.`,
          db.urn,
        );
        return;
      }
      const param = asArray(group.props.parameters).find((p) => p?.name === "rds.force_ssl");
      if (!param || String(param.value) !== "1") {
        report(
          `Parameter group ${group.name} (used by ${db.name}) must set \`{ name: "rds.force_ssl", value: "1" }\`${param ? ` (is "${param.value}")` : ""}.`,
          group.urn,
        );
      }
    });
  },
});

// --- Reachability ------------------------------------------------------------------------------------------

interface OwnedIngress {
  rule: Ingress;
  owner: PolicyResource;
  group: PolicyResource | undefined;
}

function allIngress(resources: PolicyResource[]): OwnedIngress[] {
  const out: OwnedIngress[] = [];
  eachKnown(
    resources.filter((r) => (SG_TYPES as readonly string[]).includes(r.type)),
    (r) => {
      for (const rule of ingressOf(r.type, r.props, r.name)) {
        const group = GROUP_TYPES.includes(r.type)
          ? r
          : resolve(resources, SECURITY_GROUP, rule.securityGroupId, r, "securityGroupId");
        out.push({ rule, owner: r, group });
      }
    },
  );
  return out;
}

/** Security groups of `owners` listed in `prop` (e.g. LoadBalancer.securityGroups). */
function groupsUsedBy(
  resources: PolicyResource[],
  owners: PolicyResource[],
  read: (r: PolicyResource) => unknown,
  prop: string,
) {
  const groups = new Set<PolicyResource>();
  for (const owner of owners) {
    const refs = asArray(read(owner));
    for (const g of resolveAll(resources, SECURITY_GROUP, refs, owner, prop)) groups.add(g);
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
    const src = resolve(resources, SECURITY_GROUP, ref, item.owner, prop, false);
    if (src) return allowed.has(src);
    // Unresolvable (ids not exposed): accept only if some allowed group is among the rule's dependencies.
    return (item.owner.dependencies ?? []).some((d) => allowed.has(d));
  });
}

function checkAwsReachability(resources: PolicyResource[], report: ReportViolation, publicPorts: number[]) {
  const lbs = resources.filter((r) => r.type === LOAD_BALANCER && tryRead(() => r.props.internal) !== true);
  const services = resources.filter((r) => r.type === ECS_SERVICE);
  const databases = resources.filter((r) => r.type === RDS_INSTANCE);
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
          `${rule.origin}: the service's ${where} must admit only the load balancer's security group (on port ${DEFAULT_PORT}); replace this source with the load balancer's group.`,
          owner.urn,
        );
      }
    }
    if (group && dbGroups.has(group)) {
      if (
        !sourcesAre(resources, item, serviceGroups, sourceProp(owner)) ||
        !onlyPorts(rule, [DATABASE_PORT])
      ) {
        report(
          `${rule.origin}: the database's ${where} must admit only the service's security group on tcp ${DATABASE_PORT} (is ${describePorts(rule)}).`,
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

function checkAzureReachability(
  resources: PolicyResource[],
  report: ReportViolation,
  maxExternalApps: number,
) {
  eachKnown(
    resources.filter((r) => r.type === POSTGRES_SERVER),
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
  for (const rule of resources.filter((r) => r.type === POSTGRES_FIREWALL_RULE)) {
    report(
      `Firewall rule ${rule.name} opens the private database to public addresses: delete it; the app reaches the server through the VNet.`,
      rule.urn,
    );
  }
  const external = resources.filter(
    (r) => r.type === CONTAINER_APP && tryRead(() => r.props.configuration?.ingress?.external) === true,
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
      publicPorts: {
        type: "array",
        items: { type: "integer" },
        description: "Ports the load balancer may open to the world.",
      },
      maxExternalApps: { type: "integer", description: "Container apps allowed to have external ingress." },
    },
    defaults: { publicPorts: PUBLIC_LB_PORTS, maxExternalApps: 1 },
  },
  validate: (resources, { config }, report) => {
    checkAwsReachability(resources, report, config.publicPorts);
    checkAzureReachability(resources, report, config.maxExternalApps);
  },
});

// --- Production high availability -------------------------------------------------------------------------

const highAvailability = defineStackPolicy<{ minReplicas: number; minZones: number }>({
  name: "prod-high-availability",
  description:
    "In production the service runs at least two replicas across at least two zones and the database has HA on.",
  environments: ["prod"],
  config: {
    schema: {
      minReplicas: { type: "integer", description: "Minimum replicas at all times." },
      minZones: { type: "integer", description: "Minimum availability zones / subnets the service spans." },
    },
    defaults: { minReplicas: 2, minZones: 2 },
  },
  validate: (resources, { config }, report) => {
    const { minReplicas, minZones } = config;
    const targets = resources.filter((r) => r.type === SCALING_TARGET);
    eachKnown(targets, (t) => {
      if (tryRead(() => t.props.serviceNamespace) !== "ecs") return;
      const min = asNumber(t.props.minCapacity);
      if (min === undefined || min < minReplicas) {
        report(
          `Scaling target ${t.name}: set minCapacity to at least ${minReplicas} (is ${min ?? "missing"}).`,
          t.urn,
        );
      }
    });
    eachKnown(
      resources.filter((r) => r.type === ECS_SERVICE),
      (svc) => {
        const desired = asNumber(svc.props.desiredCount);
        if (desired !== undefined && desired < minReplicas) {
          report(
            `Service ${svc.name}: set desiredCount to at least ${minReplicas} (is ${desired}).`,
            svc.urn,
          );
        }
        const ecsTargets = targets.filter((t) => tryRead(() => t.props.serviceNamespace) === "ecs");
        if (desired === undefined && ecsTargets.length === 0) {
          report(
            `Service ${svc.name}: set desiredCount ≥ ${minReplicas} or an autoscaling target with minCapacity ≥ ${minReplicas}.`,
            svc.urn,
          );
        }
        const subnets = svc.props.networkConfiguration?.subnets;
        if (!Array.isArray(subnets)) return; // not known (e.g. an awsx output under mocks): nothing to count
        const resolved = subnets.map((s) =>
          resolve(resources, SUBNET, s, svc, "networkConfiguration", false),
        );
        const zones = new Set(
          resolved.map((s, i) =>
            s ? (tryRead(() => s.props.availabilityZone) ?? s.urn) : String(subnets[i]),
          ),
        );
        if (zones.size < minZones) {
          report(
            `Service ${svc.name} runs in ${zones.size} zone(s)/subnet(s): give it private subnets in at least ${minZones} zones.`,
            svc.urn,
          );
        }
      },
    );
    eachKnown(
      resources.filter((r) => r.type === RDS_INSTANCE),
      (db) => {
        if (!isTrue(db.props.multiAz)) report(`Database ${db.name}: set multiAz true.`, db.urn);
      },
    );
    eachKnown(
      resources.filter((r) => r.type === CONTAINER_APP),
      (app) => {
        const min = asNumber(app.props.template?.scale?.minReplicas);
        if (min === undefined || min < minReplicas) {
          report(
            `Container app ${app.name}: set template.scale.minReplicas to at least ${minReplicas} (is ${min ?? "missing, i.e. 0"}).`,
            app.urn,
          );
        }
      },
    );
    eachKnown(
      resources.filter((r) => r.type === MANAGED_ENVIRONMENT),
      (env) => {
        if (env.props.zoneRedundant !== true) {
          report(
            `Container Apps environment ${env.name}: set zoneRedundant true (needs a VNet-integrated environment).`,
            env.urn,
          );
        }
      },
    );
    eachKnown(
      resources.filter((r) => r.type === POSTGRES_SERVER),
      (server) => {
        const mode = server.props.highAvailability?.mode;
        if (!mode || mode === "Disabled") {
          report(`PostgreSQL server ${server.name}: set highAvailability.mode "ZoneRedundant".`, server.urn);
        }
      },
    );
  },
});

// --- The policy config matches the stack ------------------------------------------------------------------

const environmentConfigMatch: StackValidationPolicy = {
  name: "environment-config-match",
  description:
    "The policy-pack config passed with --policy-pack-config was written for this stack's environment (its environment tag).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      expectedEnvironment: {
        type: "string",
        enum: [...TIERS],
        description: "The environment this config file is for (set in policies/config/<env>.json).",
      },
    },
  },
  validateStack: (args, report) => {
    const { expectedEnvironment } = args.getConfig<{ expectedEnvironment?: Tier }>();
    if (!isTier(expectedEnvironment)) args.notApplicable("no expectedEnvironment configured");
    const tagged = new Set<string>();
    for (const r of args.resources) {
      const env = tagsOf(r.props)?.environment;
      if (env && env !== expectedEnvironment) tagged.add(env);
    }
    const actual = resolveStackEnvironment(args.resources, {}, args.stackTags);
    if (tagged.size > 0 || actual !== expectedEnvironment) {
      const found = [...new Set([...tagged, actual])].filter((e) => e !== expectedEnvironment);
      report(
        `This stack is ${found.join("/")} but the policy config is for ${expectedEnvironment}: pass --policy-pack-config policies/config/${found[0]}.json.`,
      );
    }
  },
};

export const stackPolicies: StackValidationPolicy[] = [
  rdsForceSsl,
  reachability,
  highAvailability,
  environmentConfigMatch,
];
