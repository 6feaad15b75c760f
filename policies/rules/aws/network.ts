/** Security groups: no world-open ingress except the load balancer's public ports. */
import type { Policies } from "@pulumi/policy";
import { DATABASE } from "../../../infra/spec/constants.js";
import {
  coversPort,
  describePorts,
  FORBIDDEN_WORLD_PORTS,
  ingressOf,
  isWorldOpen,
  onlyPorts,
  PUBLIC_LB_PORTS,
  SG_TYPES,
} from "../../lib/network.js";
import { defineResourcePolicy, listOf } from "../../lib/policy.js";

const noWorldIngress = defineResourcePolicy<{ publicPorts: number[]; forbiddenPorts: number[] }>({
  name: "aws-sg-no-world-ingress",
  description:
    "No security group admits 0.0.0.0/0 or ::/0 except on the load balancer's public ports (80/443); never on the database or service ports.",
  types: SG_TYPES,
  config: {
    schema: {
      publicPorts: listOf("integer", "Ports that may be open to the world."),
      forbiddenPorts: listOf(
        "integer",
        "Ports that must never be open to the world (database, API, metrics).",
      ),
    },
    defaults: { publicPorts: PUBLIC_LB_PORTS, forbiddenPorts: FORBIDDEN_WORLD_PORTS },
  },
  validate: (props, { config, args }, report) => {
    for (const rule of ingressOf(args.type, props, args.name)) {
      if (!isWorldOpen(rule)) continue;
      const forbidden = config.forbiddenPorts.filter((p) => coversPort(rule, p));
      if (forbidden.length > 0) {
        report(
          `${rule.origin} opens ${describePorts(rule)} to the internet, including port(s) ${forbidden.join(", ")}: remove the 0.0.0.0/0 / ::/0 source and admit only the calling security group (the load balancer's for the service, the service's for the database on ${DATABASE.port}).`,
        );
      } else if (!onlyPorts(rule, config.publicPorts)) {
        report(
          `${rule.origin} opens ${describePorts(rule)} to the internet: only tcp ${config.publicPorts.join("/")} on the load balancer's security group may be public; use a security-group source instead.`,
        );
      }
    }
  },
});

export const policies: Policies = [noWorldIngress];
