/**
 * Ingress: an internet-facing ALB in the public subnets, TLS 1.3 with an HTTP→HTTPS redirect when a
 * certificate is configured (plain HTTP forward only in dev), access logs to an encrypted bucket and a WAF
 * web ACL in staging/prod.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../spec/index.js";
import type { Network } from "./network.js";
import { tagsFor } from "./tags.js";

const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
const ACCESS_LOG_PREFIX = "alb";

export interface Ingress {
  loadBalancer: aws.lb.LoadBalancer;
  targetGroup: aws.lb.TargetGroup;
  /** The listener that forwards to the target group (HTTPS, or HTTP in dev). */
  forwardingListener: aws.lb.Listener;
  listeners: aws.lb.Listener[];
  /** The public URL: https://<twincloud:domainName> when set (the name the certificate covers). */
  url: pulumi.Output<string>;
  /** The load balancer's own URL (its DNS name, which the certificate does not cover). */
  loadBalancerUrl: pulumi.Output<string>;
  /** The alias record for the domain, when a Route 53 hosted zone is configured. */
  dnsRecord?: aws.route53.Record;
}

function createAccessLogBucket(
  spec: ServiceSpec,
  opts: pulumi.ComponentResourceOptions,
): {
  bucket: aws.s3.Bucket;
  ready: pulumi.Resource[];
} {
  const bucket = new aws.s3.Bucket(
    `${spec.name}-alb-logs`,
    {
      forceDestroy: !spec.operations.protectStatefulResources,
      tags: tagsFor(spec, `${spec.name}-alb-logs`),
    },
    opts,
  );
  const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
    `${spec.name}-alb-logs`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
  const ownership = new aws.s3.BucketOwnershipControls(
    `${spec.name}-alb-logs`,
    {
      bucket: bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    },
    opts,
  );
  // ALB access logs support SSE-S3 only (not SSE-KMS).
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    `${spec.name}-alb-logs`,
    {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
    },
    opts,
  );
  new aws.s3.BucketLifecycleConfiguration(
    `${spec.name}-alb-logs`,
    {
      bucket: bucket.id,
      rules: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: { prefix: "" },
          expiration: { days: spec.ingress.accessLogs.retentionDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    },
    opts,
  );
  // Regions opened since 2022 only know the log-delivery service principal; older ones (eu-west-1) also
  // accept the regional ELB account. Granting both works everywhere, write-only, to this prefix only.
  const elbAccount = aws.elb.getServiceAccountOutput({});
  const caller = aws.getCallerIdentityOutput({});
  const policy = new aws.s3.BucketPolicy(
    `${spec.name}-alb-logs`,
    {
      bucket: bucket.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AlbLogDelivery",
            Effect: "Allow",
            Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: pulumi.interpolate`${bucket.arn}/${ACCESS_LOG_PREFIX}/AWSLogs/${caller.accountId}/*`,
          },
          {
            Sid: "AlbLogDeliveryLegacyRegions",
            Effect: "Allow",
            Principal: { AWS: elbAccount.arn },
            Action: "s3:PutObject",
            Resource: pulumi.interpolate`${bucket.arn}/${ACCESS_LOG_PREFIX}/AWSLogs/${caller.accountId}/*`,
          },
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    },
    { ...opts, dependsOn: [publicAccessBlock] },
  );
  return { bucket, ready: [policy, ownership, encryption, publicAccessBlock] };
}

function createWebAcl(
  spec: ServiceSpec,
  loadBalancer: aws.lb.LoadBalancer,
  opts: pulumi.ComponentResourceOptions,
): aws.wafv2.WebAcl {
  const metric = (name: string) => ({
    cloudwatchMetricsEnabled: true,
    sampledRequestsEnabled: true,
    metricName: `${spec.name}-${name}`,
  });
  const managed = (name: string, priority: number) => ({
    name,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: "AWS", name } },
    visibilityConfig: metric(name),
  });
  const webAcl = new aws.wafv2.WebAcl(
    `${spec.name}-waf`,
    {
      description: `WAF for the ${spec.name} API load balancer`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      rules: [
        {
          name: "rate-limit-per-ip",
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: "IP",
              limit: spec.ingress.waf.requestsPerFiveMinutesPerIp,
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: metric("rate-limit-per-ip"),
        },
        managed("AWSManagedRulesCommonRuleSet", 1),
        managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
      ],
      visibilityConfig: metric("waf"),
      tags: tagsFor(spec, `${spec.name}-waf`),
    },
    opts,
  );
  new aws.wafv2.WebAclAssociation(
    `${spec.name}-waf`,
    {
      resourceArn: loadBalancer.arn,
      webAclArn: webAcl.arn,
    },
    opts,
  );
  return webAcl;
}

export function createIngress(
  spec: ServiceSpec,
  network: Network,
  opts: pulumi.ComponentResourceOptions,
): Ingress {
  const logs = spec.ingress.accessLogs.enabled ? createAccessLogBucket(spec, opts) : undefined;

  const loadBalancer = new aws.lb.LoadBalancer(
    `${spec.name}-alb`,
    {
      loadBalancerType: "application",
      internal: false,
      ipAddressType: "ipv4",
      securityGroups: [network.albSecurityGroup.id],
      subnets: network.publicSubnetIds,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: "defensive",
      idleTimeout: spec.ingress.idleTimeoutSeconds,
      enableDeletionProtection: spec.ingress.deletionProtection,
      ...(logs
        ? { accessLogs: { bucket: logs.bucket.bucket, prefix: ACCESS_LOG_PREFIX, enabled: true } }
        : {}),
      tags: tagsFor(spec, `${spec.name}-alb`),
    },
    { ...opts, dependsOn: logs?.ready ?? [] },
  );

  const targetGroup = new aws.lb.TargetGroup(
    `${spec.name}-api`,
    {
      targetType: "ip",
      protocol: "HTTP",
      port: spec.container.port,
      vpcId: network.vpcId,
      deregistrationDelay: spec.container.deregistrationDelaySeconds,
      healthCheck: {
        enabled: true,
        protocol: "HTTP",
        path: spec.container.health.ready,
        port: "traffic-port",
        matcher: "200",
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
      tags: tagsFor(spec, `${spec.name}-api`),
    },
    opts,
  );

  const { certificateArn, hostedZoneId } = spec.perCloud.aws;
  const listeners: aws.lb.Listener[] = [];
  let forwardingListener: aws.lb.Listener;
  if (certificateArn) {
    forwardingListener = new aws.lb.Listener(
      `${spec.name}-https`,
      {
        loadBalancerArn: loadBalancer.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: TLS_POLICY,
        certificateArn,
        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        tags: tagsFor(spec, `${spec.name}-https`),
      },
      opts,
    );
    const redirect = new aws.lb.Listener(
      `${spec.name}-http`,
      {
        loadBalancerArn: loadBalancer.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [
          { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
        ],
        tags: tagsFor(spec, `${spec.name}-http`),
      },
      opts,
    );
    listeners.push(forwardingListener, redirect);
  } else {
    forwardingListener = new aws.lb.Listener(
      `${spec.name}-http`,
      {
        loadBalancerArn: loadBalancer.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        tags: tagsFor(spec, `${spec.name}-http`),
      },
      opts,
    );
    listeners.push(forwardingListener);
  }

  if (spec.ingress.waf.enabled) createWebAcl(spec, loadBalancer, opts);

  const scheme = certificateArn ? "https" : "http";
  const loadBalancerUrl = pulumi.interpolate`${scheme}://${loadBalancer.dnsName}`;
  const domain = spec.ingress.domain;
  // With a hosted zone the program owns the record; without one the operator creates an alias (or CNAME) to
  // the load balancer's DNS name (docs/deploy-aws.md#domain-and-certificate).
  const dnsRecord =
    domain && hostedZoneId
      ? new aws.route53.Record(
          `${spec.name}-api-alias`,
          {
            zoneId: hostedZoneId,
            name: domain.name,
            type: "A",
            aliases: [
              { name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: true },
            ],
          },
          opts,
        )
      : undefined;
  return {
    loadBalancer,
    targetGroup,
    forwardingListener,
    listeners,
    url: domain ? pulumi.output(`${scheme}://${domain.name}`) : loadBalancerUrl,
    loadBalancerUrl,
    ...(dnsRecord ? { dnsRecord } : {}),
  };
}
