/**
 * Both clouds, a stack policy: in production the service runs at least two replicas across at least two
 * zones and the database has HA on (replicas may come from the service or its scaling target, zones from
 * the subnets it uses: only known across resources).
 */
import type { Policies } from "@pulumi/policy";
import { defineStackPolicy, notYetCreated } from "../../lib/policy.js";
import { resolve } from "../../lib/references.js";
import { asNumber, eachKnown, isTrue, tryRead } from "../../lib/values.js";
import { aws, azure } from "../../types.js";

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
    const targets = resources.filter((r) => r.type === aws.appautoscaling.Target);
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
    // A service or app this operation leaves out before it exists (lib/policy.ts notYetCreated) is judged when
    // the full update creates it.
    eachKnown(
      resources.filter((r) => r.type === aws.ecs.Service && !notYetCreated(r.type, r.props)),
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
          resolve(resources, aws.ec2.Subnet, s, svc, "networkConfiguration", false),
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
      resources.filter((r) => r.type === aws.rds.Instance),
      (db) => {
        if (!isTrue(db.props.multiAz)) report(`Database ${db.name}: set multiAz true.`, db.urn);
      },
    );
    eachKnown(
      resources.filter((r) => r.type === azure.app.ContainerApp && !notYetCreated(r.type, r.props)),
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
      resources.filter((r) => r.type === azure.app.ManagedEnvironment),
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
      resources.filter((r) => r.type === azure.dbforpostgresql.Server),
      (server) => {
        const mode = server.props.highAvailability?.mode;
        if (!mode || mode === "Disabled") {
          report(`PostgreSQL server ${server.name}: set highAvailability.mode "ZoneRedundant".`, server.urn);
        }
      },
    );
  },
});

export const policies: Policies = [highAvailability];
