// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/common/reachability.ts: who may reach the load balancer, the service and the database. */
import { describe, expect, it } from "vitest";
import { awsStack, byPolicy, externalApp, find, firewall, refresh, run, summary } from "../../fixtures.js";
import { blocksEach } from "../mutations.js";

blocksEach("common/reachability", [
  ["RDS public (stack view)", "aws", "db", (p) => void (p.publiclyAccessible = true), "network-reachability"],
  [
    "443 open to the world on the service SG (not the LB's)",
    "aws",
    "svc-sg",
    (p) => void (p.ingress = [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]),
    "network-reachability",
  ],
  [
    "service SG admits a CIDR instead of the ALB",
    "aws",
    "svc-from-alb",
    (p) => {
      delete p.sourceSecurityGroupId;
      p.cidrBlocks = ["10.0.0.0/8"];
    },
    "network-reachability",
  ],
  [
    "DB SG admits the ALB instead of the service",
    "aws",
    "db-from-svc",
    (p) => void (p.referencedSecurityGroupId = "alb-sg-id"),
    "network-reachability",
  ],
  [
    "DB SG admits the service on 22",
    "aws",
    "db-from-svc",
    (p) => Object.assign(p, { fromPort: 22, toPort: 22 }),
    "network-reachability",
  ],
  ["second external app", "azure", "api", (_p, all) => void all.push(externalApp()), "network-reachability"],
  [
    "public database (stack view)",
    "azure",
    "db",
    (p) => void (p.network = { publicNetworkAccess: "Enabled" }),
    "network-reachability",
  ],
  [
    "any firewall rule (stack view)",
    "azure",
    "db",
    (_p, all) => void all.push(firewall("203.0.113.5", "203.0.113.5")),
    "network-reachability",
  ],
]);

describe("edge cases", () => {
  it("resolves security groups through dependencies when outputs carry no id", () => {
    const stack = awsStack("prod").map((r) => ({ ...r, outputs: r.props }));
    const urn = (n: string) => find(stack, n).urn;
    find(stack, "alb").dependencies = [urn("alb-sg")];
    find(stack, "service").dependencies = [urn("svc-sg"), urn("private-a"), urn("private-b")];
    find(stack, "db").dependencies = [urn("db-sg"), urn("pg")];
    find(stack, "svc-from-alb").dependencies = [urn("svc-sg"), urn("alb-sg")];
    find(stack, "svc-from-alb").propertyDependencies = {
      securityGroupId: [urn("svc-sg")],
      sourceSecurityGroupId: [urn("alb-sg")],
    };
    find(stack, "db-from-svc").dependencies = [urn("db-sg"), urn("svc-sg")];
    find(stack, "db-from-svc").propertyDependencies = {
      securityGroupId: [urn("db-sg")],
      referencedSecurityGroupId: [urn("svc-sg")],
    };
    expect(summary(run(stack))).toEqual([]);
    // and a world-open 443 on the service group is still found
    find(stack, "svc-sg").props.ingress = [
      { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
    ];
    expect(byPolicy(run(stack), "network-reachability")).toHaveLength(1);
  });

  it("judges a service the operation leaves out and has not created yet by the groups it depends on", () => {
    // `pulumi up --exclude <the ECS service> --exclude-dependents` on a new stack (the deploy pipeline's first
    // phase): the engine hands the policy the service with its dependencies but no properties.
    const stack = awsStack("prod");
    const service = find(stack, "service");
    service.props = {};
    service.outputs = {};
    service.dependencies = [find(stack, "svc-sg").urn, find(stack, "private-a").urn];
    expect(byPolicy(run(stack), "network-reachability")).toEqual([]);
    // Depending on another group does not make that group the service's: the database still admits only it.
    service.dependencies = [find(stack, "alb-sg").urn];
    expect(byPolicy(run(stack), "network-reachability").map((v) => v.message)).toEqual([
      expect.stringMatching(/db-from-svc: the database's security group db-sg must admit only the service's/),
    ]);
  });

  it("an unknown security-group id does not hide a definite violation elsewhere", () => {
    const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const stack = awsStack("prod");
    find(stack, "svc-from-alb").props.sourceSecurityGroupId = UNKNOWN;
    find(stack, "db").props.publiclyAccessible = true;
    const v = byPolicy(run(refresh(stack)), "network-reachability");
    expect(v.some((x) => x.enforcementLevel === "mandatory" && /publicly accessible/.test(x.message))).toBe(
      true,
    );
  });
});
