/**
 * The outside uptime check (when `spec.cloudMetrics` is on): a Route 53 health check of `url` + the readiness
 * path, from Route 53's checkers in several AWS regions (outside the VPC and the stack's region), every 30 s
 * from each checker, alarmed when the endpoint is unhealthy for 2 minutes.
 *
 * Why Route 53 and not a CloudWatch Synthetics canary: a canary that runs every minute costs about $52 a month
 * per stack (43,200 runs at $0.0012) plus its Lambda, S3 bucket and role, and it runs from the stack's own
 * region; an HTTPS health check costs about $2 a month and probes from several regions. Its price: Route 53
 * publishes health check metrics in us-east-1 only, and an alarm can only notify a topic in its own region, so
 * the alarm, a topic (with its own key: CloudWatch cannot publish to a topic encrypted with aws/sns) and the
 * e-mail subscription live in us-east-1, through an explicit provider.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../../spec/index.js";
import { tagsFor } from "../tags.js";
import { accountKey } from "./kms.js";

/** Where Route 53 health check metrics (and so their alarms) live. */
const HEALTH_CHECK_METRICS_REGION = "us-east-1";

export interface UptimeCheck {
  healthCheck: aws.route53.HealthCheck;
  /** The provider for us-east-1: the alarm is created with it. */
  provider: aws.Provider;
  /** The us-east-1 topic the alarm notifies (same subscriber as the stack's alert topic). */
  topic: aws.sns.Topic;
}

/** `https://api.example.org` → what the health check requests. */
export function healthCheckTarget(url: string): { type: "HTTP" | "HTTPS"; fqdn: string; port: number } {
  const parsed = new URL(url);
  const https = parsed.protocol === "https:";
  return {
    type: https ? "HTTPS" : "HTTP",
    fqdn: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : https ? 443 : 80,
  };
}

export function createUptimeCheck(
  spec: ServiceSpec,
  url: pulumi.Input<string>,
  opts: pulumi.ComponentResourceOptions,
): UptimeCheck {
  const name = `${spec.name}-uptime`;
  const target = pulumi.output(url).apply(healthCheckTarget);
  const healthCheck = new aws.route53.HealthCheck(
    name,
    {
      type: target.type,
      fqdn: target.fqdn,
      port: target.port,
      resourcePath: spec.container.health.ready,
      // "Standard" interval: each checker every 30 s, several checkers: the endpoint is probed many times a minute.
      requestInterval: 30,
      failureThreshold: 2,
      referenceName: name.slice(0, 64),
      tags: tagsFor(spec, name),
    },
    opts,
  );

  const provider = new aws.Provider(
    `${spec.name}-${HEALTH_CHECK_METRICS_REGION}`,
    { region: HEALTH_CHECK_METRICS_REGION },
    opts,
  );
  const regional = { ...opts, provider };
  const caller = aws.getCallerIdentityOutput({}, { provider });
  const key = accountKey(
    spec,
    `${spec.name}-uptime-alerts`,
    {
      description: `Encrypts the ${spec.name} uptime alert topic (us-east-1)`,
      accountId: caller.accountId,
      statements: [
        {
          Sid: "CloudWatchAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": caller.accountId } },
        },
      ],
    },
    regional,
  );
  const topic = new aws.sns.Topic(
    `${spec.name}-uptime-alerts`,
    {
      displayName: `${spec.name} uptime alerts`,
      kmsMasterKeyId: key.arn,
      tags: tagsFor(spec, `${spec.name}-uptime-alerts`),
    },
    regional,
  );
  if (spec.alerts.email) {
    new aws.sns.TopicSubscription(
      `${spec.name}-uptime-alerts-email`,
      { topic: topic.arn, protocol: "email", endpoint: spec.alerts.email },
      regional,
    );
  }
  return { healthCheck, provider, topic };
}
