/**
 * infra/aws/monitoring/uptime.ts (issue 15): the outside uptime check of the stack's url, alarmed in us-east-1
 * to a topic with the same subscriber, only where `twincloud:cloudMetrics` is on.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { awsAlarms } from "../../../../infra/aws/monitoring/alarms.js";
import { healthCheckTarget } from "../../../../infra/aws/monitoring/uptime.js";
import { buildServiceSpec, type Tier } from "../../../../infra/spec/index.js";
import type { CapturedResource } from "../../../../tools/mock/run.js";
import { captureAws } from "../../../support/aws-stack.js";
import { byType, one } from "../../../support/rendered.js";
import { stackConfig } from "../../../support/stacks.js";

describe.each(["staging", "prod"] as const)("%s: managed Prometheus", (tier) => {
  let resources: CapturedResource[];
  beforeAll(async () => {
    resources = await captureAws(tier);
    one(resources, "aws:amp/workspace:Workspace");
    const topics = byType(resources, "aws:sns/topic:Topic").filter(
      (t) => t.name === `twincloud-${tier}-alerts`,
    );
    expect(topics).toHaveLength(1);
  });

  it("checks url + /health/ready from outside, alarmed in us-east-1 to a topic with the same subscriber", () => {
    const check = one(resources, "aws:route53/healthCheck:HealthCheck");
    expect(check.props).toMatchObject({
      type: "HTTPS",
      port: 443,
      resourcePath: "/health/ready",
      requestInterval: 30,
    });
    const alarm = byType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm").find(
      (a) => a.props.name === `twincloud-${tier}-api-uptime-check-failed`,
    );
    expect(alarm?.props).toMatchObject({
      namespace: "AWS/Route53",
      metricName: "HealthCheckStatus",
      dimensions: { HealthCheckId: `twincloud-${tier}-uptime-id` },
      period: 60,
    });
    expect(String(alarm?.props.alarmDescription)).toContain("docs/runbook.md#api-uptime-check-failed");
    const provider = resources.find(
      (r) => r.type === "pulumi:providers:aws" && r.props.region === "us-east-1",
    );
    expect(provider).toBeDefined();
    expect(alarm?.opts.provider ?? "").toContain("us-east-1");
    const uptimeTopic = byType(resources, "aws:sns/topic:Topic").find(
      (t) => t.name === `twincloud-${tier}-uptime-alerts`,
    );
    expect(alarm?.props.alarmActions).toEqual([uptimeTopic?.state.arn]);
    const subscriptions = byType(resources, "aws:sns/topicSubscription:TopicSubscription");
    const main = subscriptions.find((s) => s.name === `twincloud-${tier}-alerts-email`);
    const uptime = subscriptions.find((s) => s.name === `twincloud-${tier}-uptime-alerts-email`);
    expect(uptime?.props.endpoint).toBe(main?.props.endpoint);
  });
});

describe("the health check target is the stack's url", () => {
  it("probes url's host over its scheme", async () => {
    for (const tier of ["staging", "prod"] as const) {
      const resources = await captureAws(tier);
      const url = stackConfig(tier, "aws")["twincloud:domainName"];
      expect(one(resources, "aws:route53/healthCheck:HealthCheck").props.fqdn).toBe(url);
    }
    expect(healthCheckTarget("https://api.acme.io")).toEqual({
      type: "HTTPS",
      fqdn: "api.acme.io",
      port: 443,
    });
    expect(healthCheckTarget("http://x.eu-west-1.elb.amazonaws.com")).toEqual({
      type: "HTTP",
      fqdn: "x.eu-west-1.elb.amazonaws.com",
      port: 80,
    });
  });
});

describe("pure parts", () => {
  it("lists the uptime alarm only where cloud metrics are on", () => {
    const ids = (stack: Tier, extra: Record<string, string> = {}) =>
      awsAlarms(buildServiceSpec({ cloud: "aws", ...extra }, { stack })).map((a) => a.id);
    expect(ids("dev")).not.toContain("api-uptime-check-failed");
    expect(ids("dev", { cloudMetrics: "true" })).toContain("api-uptime-check-failed");
  });
});
