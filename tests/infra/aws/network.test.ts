/** infra/aws/network.ts: the VPC, the security-group chain and the flow logs, per shipped stack under mocks. */
import { describe, expect, it } from "vitest";
import { DEFAULT_METRICS_PORT, DEFAULT_PORT } from "../../../api/config.js";
import { vpcChildTags } from "../../../infra/aws/network.js";
import { buildServiceSpec } from "../../../infra/spec/index.js";
import { fakeId } from "../../../tools/mock/fake-id.js";
import type { CapturedResource } from "../../../tools/mock/run.js";
import { T, useAwsStacks } from "../../support/aws-stack.js";
import { STACKS } from "../../support/rendered.js";

const spec = (stack: string, extra: Record<string, string> = {}) =>
  buildServiceSpec({ cloud: "aws", ...extra }, { stack, awsRegion: "eu-west-1" });
const stackRun = useAwsStacks();

describe.each(STACKS)("AWS stack %s", (stack) => {
  it("spans the spec's availability zones with public and private subnets and the tier's NAT strategy", () => {
    const { one, spec } = stackRun(stack);
    const vpc = one(T.vpc);
    expect(vpc.props.numberOfAvailabilityZones).toBe(spec.network.availabilityZones);
    expect(vpc.props.natGateways).toEqual({ strategy: stack === "prod" ? "OnePerAz" : "Single" });
    const types = (vpc.props.subnetSpecs as { type: string }[]).map((s) => s.type).sort();
    expect(types).toEqual(["Private", "Public"]);
    expect(spec.network.availabilityZones).toBe(stack === "prod" ? 3 : 2);
  });

  it("forms one security-group chain: internet → ALB 80/443 → service app port → database 5432", () => {
    const { all, one, spec } = stackRun(stack);
    const groups = new Map(all(T.sg).map((sg) => [fakeId(sg), sg.name]));
    const alb = `${spec.name}-alb`;
    const service = `${spec.name}-service`;
    const database = `${spec.name}-database`;
    expect([...groups.values()].sort()).toEqual([alb, database, service].sort());
    for (const sg of all(T.sg)) {
      expect(sg.props.ingress ?? []).toEqual([]);
      expect(sg.props.egress ?? []).toEqual([]);
    }
    const edge = (rule: CapturedResource) => {
      const p = rule.props as Record<string, unknown>;
      return {
        group: groups.get(String(p.securityGroupId)),
        peer: p.cidrIpv4 ?? p.cidrIpv6 ?? p.prefixListId ?? groups.get(String(p.referencedSecurityGroupId)),
        protocol: p.ipProtocol,
        from: p.fromPort,
        to: p.toPort,
      };
    };
    const ingress = all(T.ingress).map(edge);
    const publicPorts = spec.perCloud.aws.certificateArn ? [80, 443] : [80];
    expect(ingress.filter((e) => e.peer === "0.0.0.0/0").map((e) => [e.group, e.from, e.to])).toEqual(
      publicPorts.map((port) => [alb, port, port]),
    );
    expect(ingress.filter((e) => e.peer !== "0.0.0.0/0")).toEqual(
      expect.arrayContaining([
        { group: service, peer: alb, protocol: "tcp", from: DEFAULT_PORT, to: DEFAULT_PORT },
        { group: database, peer: service, protocol: "tcp", from: 5432, to: 5432 },
      ]),
    );
    expect(ingress).toHaveLength(publicPorts.length + 2);
    // Nothing reaches the metrics port, no IPv6 or other CIDR anywhere.
    for (const e of ingress) {
      expect(e.from).not.toBe(DEFAULT_METRICS_PORT);
      expect(e.protocol).toBe("tcp");
    }
    const egress = all(T.egress).map(edge);
    expect(egress).toEqual(
      expect.arrayContaining([
        { group: alb, peer: service, protocol: "tcp", from: DEFAULT_PORT, to: DEFAULT_PORT },
        { group: service, peer: database, protocol: "tcp", from: 5432, to: 5432 },
        { group: service, peer: "0.0.0.0/0", protocol: "tcp", from: 443, to: 443 },
      ]),
    );
    expect(egress).toHaveLength(3);
    // Each tier uses its group and nothing is public except the load balancer.
    expect(one(T.alb).props).toMatchObject({
      internal: false,
      securityGroups: [fakeId({ type: T.sg, name: alb })],
    });
    expect(one(T.service).props.networkConfiguration).toEqual({
      subnets: expect.arrayContaining([expect.stringMatching(/^subnet-prv/)]),
      securityGroups: [fakeId({ type: T.sg, name: service })],
      assignPublicIp: false,
    });
    expect(one(T.db).props).toMatchObject({
      publiclyAccessible: false,
      vpcSecurityGroupIds: [fakeId({ type: T.sg, name: database })],
    });
    expect(one(T.alb).props.subnets).toEqual(expect.arrayContaining([expect.stringMatching(/^subnet-pub/)]));
    // The VPC's default group is taken over and left without rules.
    const defaultGroup = one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
    expect(defaultGroup.props.ingress ?? []).toEqual([]);
    expect(defaultGroup.props.egress ?? []).toEqual([]);
  });

  it("logs VPC flows to a log group with the spec's retention", () => {
    const { one, spec } = stackRun(stack);
    const flowLog = one("aws:ec2/flowLog:FlowLog");
    const group = one(T.logGroup, `${spec.name}-vpc-flow-logs`);
    expect(flowLog.props).toMatchObject({ trafficType: "ALL", logDestination: group.state.arn });
    expect(group.props.retentionInDays).toBe(spec.logs.retentionDays);
  });
});

describe("VPC child tags", () => {
  it("adds the spec's tags to awsx's taggable children, keeping their own tags", async () => {
    const dev = spec("dev");
    const transform = vpcChildTags(dev);
    const base = { custom: true, name: "x", opts: {} };
    const result = await transform({
      ...base,
      type: "aws:ec2/natGateway:NatGateway",
      props: { tags: { Name: "nat-1" } },
    });
    expect(result?.props.tags).toEqual({ ...dev.tags, Name: "nat-1" });
    const untagged = await transform({ ...base, type: "aws:ec2/subnet:Subnet", props: {} });
    expect(untagged?.props.tags).toEqual(dev.tags);
    expect(await transform({ ...base, type: "aws:ec2/route:Route", props: {} })).toBeUndefined();
  });
});
