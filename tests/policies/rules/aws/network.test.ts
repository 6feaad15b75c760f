// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/aws/network.ts: world-open ingress on the three resource types that express it. */
import { describe, expect, it } from "vitest";
import { awsStack, byPolicy, find, refresh, res, run, summary, tags } from "../../fixtures.js";
import { blocksEach } from "../mutations.js";

blocksEach("aws/network", [
  [
    "inline world ingress on 5432",
    "aws",
    "db-sg",
    (p) => void (p.ingress = [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] }]),
    "aws-sg-no-world-ingress",
  ],
  [
    "inline world ingress, all traffic",
    "aws",
    "svc-sg",
    (p) => void (p.ingress = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }]),
    "aws-sg-no-world-ingress",
  ],
  [
    "standalone rule world ingress on 3000",
    "aws",
    "svc-from-alb",
    (p) => {
      delete p.sourceSecurityGroupId;
      p.cidrBlocks = ["0.0.0.0/0"];
    },
    "aws-sg-no-world-ingress",
  ],
  [
    "vpc ingress rule ::/0 on 5432",
    "aws",
    "db-from-svc",
    (p) => {
      delete p.referencedSecurityGroupId;
      p.cidrIpv6 = "::/0";
    },
    "aws-sg-no-world-ingress",
  ],
  [
    "vpc ingress rule world on 9464 (metrics)",
    "aws",
    "db-from-svc",
    (p) => {
      delete p.referencedSecurityGroupId;
      p.cidrIpv4 = "0.0.0.0/0";
      p.fromPort = 9464;
      p.toPort = 9464;
    },
    "aws-sg-no-world-ingress",
  ],
  [
    "ALB SG world range 80-443",
    "aws",
    "alb-sg",
    (p) => void (p.ingress = [{ protocol: "tcp", fromPort: 80, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]),
    "aws-sg-no-world-ingress",
  ],
]);

describe("edge cases", () => {
  it("an egress-only standalone rule is ignored; SG egress to the world is fine", () => {
    const stack = awsStack("prod");
    stack.push(
      res("aws:ec2/securityGroupRule:SecurityGroupRule", "egress", {
        type: "egress",
        securityGroupId: "svc-sg-id",
        protocol: "-1",
        fromPort: 0,
        toPort: 0,
        cidrBlocks: ["0.0.0.0/0"],
      }),
    );
    expect(summary(run(stack))).toEqual([]);
  });

  it("world ingress on the database port is also reported by the reachability stack policy", () => {
    const stack = awsStack("prod");
    find(stack, "db-from-svc").props = {
      securityGroupId: "db-sg-id",
      cidrIpv4: "0.0.0.0/0",
      ipProtocol: "tcp",
      fromPort: 5432,
      toPort: 5432,
    };
    const v = run(refresh(stack));
    expect(byPolicy(v, "aws-sg-no-world-ingress")[0]?.message).toMatch(/5432/);
    expect(byPolicy(v, "network-reachability").length).toBeGreaterThan(0);
  });
});

describe("the VPC's default security group", () => {
  it("world ingress on it is blocked by the resource and the stack rule", () => {
    const stack = awsStack("prod");
    stack.push(
      res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default", {
        ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
        tags: tags("prod"),
      }),
    );
    const v = run(stack);
    expect(byPolicy(v, "aws-sg-no-world-ingress")).toHaveLength(1);
    expect(byPolicy(v, "network-reachability")).toHaveLength(1);
  });
});
