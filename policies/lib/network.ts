/**
 * Security-group ingress, normalised across the three ways the AWS provider expresses it: inline `ingress`
 * blocks on aws:ec2/securityGroup:SecurityGroup, standalone aws:ec2/securityGroupRule:SecurityGroupRule
 * (type "ingress") and aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule.
 */
import { APP_PORT, DATABASE, METRICS_PORT } from "../../infra/spec/constants.js";
import { aws } from "../types.js";
import { asArray, asNumber, isUnknownValueError, type Props } from "./values.js";

/** Marks a reference (security-group id) that is unknown during preview. */
export const UNKNOWN_REF = "<unknown during preview>";
/** Reads a reference field: [] when absent, UNKNOWN_REF when unknown during preview. */
function refs(obj: Props, key: string): unknown[] {
  let value: unknown;
  try {
    value = obj[key];
  } catch (error) {
    if (isUnknownValueError(error)) return [UNKNOWN_REF];
    throw error;
  }
  if (value === undefined || value === null || value === "") return [];
  return Array.isArray(value) ? value : [value];
}

/** Types that carry inline `ingress` blocks (the VPC's default group is adopted, not created, but can have rules). */
export const GROUP_TYPES: readonly string[] = [aws.ec2.SecurityGroup, aws.ec2.DefaultSecurityGroup];
/** Every type that can admit traffic into a security group. */
export const SG_TYPES: readonly string[] = [
  ...GROUP_TYPES,
  aws.ec2.SecurityGroupRule,
  aws.vpc.SecurityGroupIngressRule,
];

/** Ports that must never be reachable from the internet: the database and the API's own ports. */
export const FORBIDDEN_WORLD_PORTS: number[] = [DATABASE.port, APP_PORT, METRICS_PORT];
/** Ports a load balancer may open to the internet. */
export const PUBLIC_LB_PORTS = [80, 443];

const WORLD_CIDRS = ["0.0.0.0/0", "::/0"];

export interface Ingress {
  /** Where the rule came from, for messages. */
  origin: string;
  /** The security group the rule belongs to (an id/reference), when known. */
  securityGroupId?: unknown;
  protocol: string;
  fromPort: number;
  toPort: number;
  cidrs: string[];
  /** Source security groups (ids) this rule admits. */
  sourceGroups: unknown[];
  self: boolean;
  prefixLists: unknown[];
}

function portRange(protocol: string, from: unknown, to: unknown): { fromPort: number; toPort: number } {
  if (protocol === "-1" || protocol === "all") return { fromPort: 0, toPort: 65535 };
  const f = asNumber(from);
  const t = asNumber(to);
  // A missing port on tcp/udp means "all ports" to the API; be conservative.
  if (f === undefined && t === undefined) return { fromPort: 0, toPort: 65535 };
  return { fromPort: f ?? t ?? 0, toPort: t ?? f ?? 65535 };
}

function normProtocol(p: unknown): string {
  const s = String(p ?? "-1").toLowerCase();
  if (s === "6") return "tcp";
  if (s === "17") return "udp";
  return s;
}

/** Ingress rules a resource defines (empty for egress-only rules and other types). */
export function ingressOf(type: string, props: Props, name = ""): Ingress[] {
  if (GROUP_TYPES.includes(type)) {
    return asArray(props.ingress).map((rule: Props, i: number) => {
      const protocol = normProtocol(rule.protocol);
      return {
        origin: `${name} ingress[${i}]`,
        protocol,
        ...portRange(protocol, rule.fromPort, rule.toPort),
        cidrs: [...asArray(rule.cidrBlocks), ...asArray(rule.ipv6CidrBlocks)].map(String),
        sourceGroups: refs(rule, "securityGroups"),
        self: rule.self === true,
        prefixLists: refs(rule, "prefixListIds"),
      };
    });
  }
  if (type === aws.ec2.SecurityGroupRule) {
    if (props.type !== "ingress") return [];
    const protocol = normProtocol(props.protocol);
    return [
      {
        origin: name,
        securityGroupId: refs(props, "securityGroupId")[0],
        protocol,
        ...portRange(protocol, props.fromPort, props.toPort),
        cidrs: [...asArray(props.cidrBlocks), ...asArray(props.ipv6CidrBlocks)].map(String),
        sourceGroups: refs(props, "sourceSecurityGroupId"),
        self: props.self === true,
        prefixLists: refs(props, "prefixListIds"),
      },
    ];
  }
  if (type === aws.vpc.SecurityGroupIngressRule) {
    const protocol = normProtocol(props.ipProtocol);
    return [
      {
        origin: name,
        securityGroupId: refs(props, "securityGroupId")[0],
        protocol,
        ...portRange(protocol, props.fromPort, props.toPort),
        cidrs: [props.cidrIpv4, props.cidrIpv6].filter((c) => typeof c === "string"),
        sourceGroups: refs(props, "referencedSecurityGroupId"),
        self: false,
        prefixLists: refs(props, "prefixListId"),
      },
    ];
  }
  return [];
}

export function isWorldOpen(rule: Ingress): boolean {
  return rule.cidrs.some((cidr) => WORLD_CIDRS.includes(cidr.trim()));
}

export function coversPort(rule: Ingress, port: number): boolean {
  if (rule.protocol !== "tcp" && rule.protocol !== "-1" && rule.protocol !== "all") return false;
  return rule.fromPort <= port && port <= rule.toPort;
}

/** True when the rule opens only ports from `allowed` (single-port tcp rules). */
export function onlyPorts(rule: Ingress, allowed: number[]): boolean {
  return rule.protocol === "tcp" && rule.fromPort === rule.toPort && allowed.includes(rule.fromPort);
}

export function describePorts(rule: Ingress): string {
  if (rule.protocol === "-1" || rule.protocol === "all") return "all traffic";
  return rule.fromPort === rule.toPort
    ? `${rule.protocol} ${rule.fromPort}`
    : `${rule.protocol} ${rule.fromPort}-${rule.toPort}`;
}
