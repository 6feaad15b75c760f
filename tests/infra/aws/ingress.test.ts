/**
 * infra/aws/ingress.ts: the ALB, its listeners and target group, WAF and access logs, per shipped stack; and
 * twincloud:domainName: `url` is https://<domain>, the load balancer's URL stays available as `endpointUrl`,
 * and the alias record is written when the stack names a hosted zone.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_PORT, HEALTH_PATHS } from "../../../api/config.js";
import type { StackOutputs } from "../../../infra/outputs.js";
import { program } from "../../../infra/program.js";
import { type CapturedResource, runUnderMocks } from "../../../tools/mock/run.js";
import { assumedCertificateArn } from "../../../tools/stacks/assumptions.js";
import { T, useAwsStacks } from "../../support/aws-stack.js";
import { STACKS } from "../../support/rendered.js";

const stackRun = useAwsStacks();

describe.each(STACKS)("AWS stack %s", (stack) => {
  it("health-checks the target group on the readiness path and the container port", () => {
    const { one, spec } = stackRun(stack);
    const tg = one(T.targetGroup);
    expect(tg.props).toMatchObject({
      targetType: "ip",
      port: DEFAULT_PORT,
      protocol: "HTTP",
      deregistrationDelay: spec.container.deregistrationDelaySeconds,
      healthCheck: { path: HEALTH_PATHS.ready, matcher: "200" },
    });
    expect(one(T.service).props.loadBalancers).toEqual([
      { targetGroupArn: tg.state.arn, containerName: "api", containerPort: DEFAULT_PORT },
    ]);
  });

  it("configures the ALB: invalid headers dropped, idle timeout from the spec, listeners per certificate", () => {
    const { one, all, spec } = stackRun(stack);
    expect(one(T.alb).props).toMatchObject({
      dropInvalidHeaderFields: true,
      idleTimeout: spec.ingress.idleTimeoutSeconds,
      enableDeletionProtection: stack === "prod",
    });
    const listeners = all(T.listener);
    const http = listeners.find((l) => l.props.port === 80);
    if (spec.perCloud.aws.certificateArn) {
      expect(listeners).toHaveLength(2);
      const https = listeners.find((l) => l.props.port === 443);
      expect(https?.props).toMatchObject({
        protocol: "HTTPS",
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        certificateArn: spec.perCloud.aws.certificateArn,
        defaultActions: [{ type: "forward", targetGroupArn: one(T.targetGroup).state.arn }],
      });
      // The HTTP listener only redirects, permanently, to HTTPS.
      expect(http?.props.defaultActions).toEqual([
        { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
      ]);
    } else {
      expect(listeners).toHaveLength(1);
      expect(http?.props).toMatchObject({ protocol: "HTTP", defaultActions: [{ type: "forward" }] });
    }
  });

  it("enables WAF and encrypted, private, expiring access logs only in staging and prod", () => {
    const { all, one, spec } = stackRun(stack);
    const hardened = stack !== "dev";
    expect(all(T.waf)).toHaveLength(hardened ? 1 : 0);
    expect(all(T.wafAssociation)).toHaveLength(hardened ? 1 : 0);
    expect(all(T.bucket)).toHaveLength(hardened ? 1 : 0);
    if (!hardened) {
      expect(one(T.alb).props.accessLogs).toBeUndefined();
      return;
    }
    const waf = one(T.waf);
    expect(waf.props.scope).toBe("REGIONAL");
    const rules = waf.props.rules as Record<string, unknown>[];
    expect(rules.map((r) => r.name)).toEqual([
      "rate-limit-per-ip",
      "AWSManagedRulesCommonRuleSet",
      "AWSManagedRulesKnownBadInputsRuleSet",
    ]);
    expect(rules[0]).toMatchObject({
      action: { block: {} },
      statement: {
        rateBasedStatement: { aggregateKeyType: "IP", limit: spec.ingress.waf.requestsPerFiveMinutesPerIp },
      },
    });
    for (const rule of rules) expect(rule.visibilityConfig).toMatchObject({ cloudwatchMetricsEnabled: true });
    expect(one(T.wafAssociation).props).toMatchObject({
      resourceArn: one(T.alb).state.arn,
      webAclArn: waf.state.arn,
    });

    const bucket = one(T.bucket);
    expect(one(T.alb).props.accessLogs).toEqual({
      bucket: bucket.state.bucket,
      prefix: "alb",
      enabled: true,
    });
    expect(one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").props).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").props
        .rules,
    ).toEqual([expect.objectContaining({ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } })]);
    expect(one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").props.rule).toEqual({
      objectOwnership: "BucketOwnerEnforced",
    });
    expect(one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").props.rules).toEqual([
      expect.objectContaining({
        status: "Enabled",
        expiration: { days: spec.ingress.accessLogs.retentionDays },
      }),
    ]);
    const policy = JSON.parse(String(one("aws:s3/bucketPolicy:BucketPolicy").props.policy)) as {
      Statement: { Effect: string; Principal: unknown; Action: string }[];
    };
    expect(policy.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: "Allow",
          Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
          Action: "s3:PutObject",
        }),
      ]),
    );
  });
});

const run = (stack: string, config: Record<string, string>) =>
  runUnderMocks<StackOutputs>(program, { stack, config });
const ofType = (resources: CapturedResource[], type: string) => resources.filter((r) => r.type === type);

describe("AWS domain", () => {
  const base = {
    "twincloud:cloud": "aws",
    "aws:region": "eu-west-1",
    "twincloud:alertEmail": "oncall@twincloud.io",
    "twincloud:certificateArn": assumedCertificateArn("eu-west-1"),
    "twincloud:domainName": "api.twincloud.io",
  };

  it("serves https://<domainName> as url, keeps the load balancer's URL, and writes the alias record into the zone", async () => {
    const { outputs, resources } = await run("prod", {
      ...base,
      "twincloud:hostedZoneId": "Z0123456789ABCDEFGHIJ",
    });
    expect(outputs.url).toBe("https://api.twincloud.io");
    expect(outputs.endpointUrl).toMatch(/^https:\/\/.+/);
    expect(outputs.endpointUrl).not.toContain("api.twincloud.io");
    const [record, ...more] = ofType(resources, "aws:route53/record:Record");
    expect(more).toEqual([]);
    const alb = ofType(resources, "aws:lb/loadBalancer:LoadBalancer")[0]!;
    expect(record!.props).toMatchObject({
      zoneId: "Z0123456789ABCDEFGHIJ",
      name: "api.twincloud.io",
      type: "A",
      aliases: [{ name: alb.state.dnsName, zoneId: alb.state.zoneId, evaluateTargetHealth: true }],
    });
    // The certificate the HTTPS listener serves is the configured one.
    const https = ofType(resources, "aws:lb/listener:Listener").find((l) => l.props.protocol === "HTTPS");
    expect(https?.props.certificateArn).toBe(base["twincloud:certificateArn"]);
  });

  it("without a hosted zone, creates no record (the operator points the name at endpointUrl)", async () => {
    const { outputs, resources } = await run("prod", base);
    expect(outputs.url).toBe("https://api.twincloud.io");
    expect(ofType(resources, "aws:route53/record:Record")).toEqual([]);
  });

  it("dev without a domain: url is the load balancer's plain-HTTP URL", async () => {
    const { outputs } = await run("dev", { "twincloud:cloud": "aws", "aws:region": "eu-west-1" });
    expect(outputs.url).toMatch(/^http:\/\//);
    expect(outputs.url).toBe(outputs.endpointUrl);
  });
});
