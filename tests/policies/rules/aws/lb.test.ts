// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/aws/lb.ts: load balancers and listeners. */
import { describe, expect, it } from "vitest";
import { awsStack, byPolicy, find, type Props, run } from "../../fixtures.js";
import { blocksEach } from "../mutations.js";

blocksEach("aws/lb", [
  [
    "ALB keeps invalid headers",
    "aws",
    "alb",
    (p) => void delete p.dropInvalidHeaderFields,
    "aws-alb-drop-invalid-headers",
  ],
  ["ALB no access logs", "aws", "alb", (p) => void delete p.accessLogs, "aws-alb-access-logs"],
  [
    "ALB access logs disabled",
    "aws",
    "alb",
    (p) => void (p.accessLogs = { bucket: "b", enabled: false }),
    "aws-alb-access-logs",
  ],
  [
    "ALB no deletion protection",
    "aws",
    "alb",
    (p) => void (p.enableDeletionProtection = false),
    "aws-alb-deletion-protection",
  ],
  [
    "HTTP listener forwards",
    "aws",
    "http",
    (p) => void (p.defaultActions = [{ type: "forward", targetGroupArn: "tg" }]),
    "aws-lb-listener-https",
  ],
  [
    "HTTP listener redirects to HTTP",
    "aws",
    "http",
    (p) => void (p.defaultActions = [{ type: "redirect", redirect: { protocol: "HTTP", port: "8080" } }]),
    "aws-lb-listener-https",
  ],
  [
    "HTTPS listener with TLS 1.0 policy",
    "aws",
    "https",
    (p) => void (p.sslPolicy = "ELBSecurityPolicy-2016-08"),
    "aws-lb-listener-tls-policy",
  ],
  [
    "HTTPS listener without sslPolicy",
    "aws",
    "https",
    (p) => void delete p.sslPolicy,
    "aws-lb-listener-tls-policy",
  ],
]);

describe("edge cases", () => {
  it("an HTTP listener whose only action redirects to HTTPS passes; a redirect plus a forward does not", () => {
    const stack = awsStack("prod");
    expect(byPolicy(run(stack), "aws-lb-listener-https")).toEqual([]);
    const http = find(stack, "http");
    (http.props.defaultActions as Props[]).push({ type: "forward", targetGroupArn: "tg" });
    expect(byPolicy(run(stack), "aws-lb-listener-https")).toHaveLength(1);
  });
});
