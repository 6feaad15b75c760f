/**
 * infra/spec/config.ts: the `twincloud:` stack config, through `buildServiceSpec`: error messages that name
 * the `twincloud:<key>` and what it accepts, every problem at once, and the operator values each cloud needs.
 */
import { describe, expect, it } from "vitest";
import { buildServiceSpec, MAX_AWS_NAME_PREFIX, StackConfigError } from "../../../infra/spec/index.js";
import { assumedOperatorValues } from "../../../tools/stacks/assumptions.js";

const OPERATOR = assumedOperatorValues("eu-west-1");

function problemsOf(
  raw: Record<string, string | undefined>,
  stack = "dev",
  awsRegion = "eu-west-1",
): string[] {
  try {
    buildServiceSpec(raw, { stack, awsRegion });
  } catch (error) {
    expect(error).toBeInstanceOf(StackConfigError);
    return (error as StackConfigError).problems;
  }
  throw new Error("expected a StackConfigError");
}

describe("buildServiceSpec errors", () => {
  it.each([
    [{ cloud: "gcp" }, /^twincloud:cloud: expected one of aws, azure$/],
    [{ cloud: "aws", cpu: "3" }, /^twincloud:cpu: expected one of 0\.25, 0\.5, 1, 2, 4$/],
    [
      { cloud: "aws", dbStorageGiB: "20" },
      /^twincloud:dbStorageGiB: expected one of 32, 64, 128, 256, 512, 1024$/,
    ],
    [
      { cloud: "aws", logRetentionDays: "730" },
      /^twincloud:logRetentionDays: 730 is not accepted by CloudWatch Logs; on AWS use one of 1, 3, .*731, .*3653$/,
    ],
    [
      { cloud: "azure", logRetentionDays: "731" },
      /^twincloud:logRetentionDays: 731 is not accepted by Log Analytics; on Azure use a whole number of days from 30 to 730$/,
    ],
    [
      { cloud: "azure", logRetentionDays: "14" },
      /^twincloud:logRetentionDays: 14 is not accepted by Log Analytics/,
    ],
    [
      { cloud: "aws", logRetentionDays: "30.5" },
      /^twincloud:logRetentionDays: expected a whole number of days$/,
    ],
    [
      { cloud: "aws", domainName: "https://api.x.io" },
      /^twincloud:domainName: expected a lower-case host name/,
    ],
    [{ cloud: "aws", domainName: "*.x.io" }, /^twincloud:domainName: expected a lower-case host name/],
    [{ cloud: "aws", hostedZoneId: "zone-1" }, /^twincloud:hostedZoneId: expected a Route 53 hosted zone id/],
    [{ cloud: "azure", dnsZoneId: "x.io" }, /^twincloud:dnsZoneId: expected an Azure DNS zone resource id/],
    [{ cloud: "aws", dbHighAvailability: "yes" }, /^twincloud:dbHighAvailability: expected true or false$/],
    [{ cloud: "aws", alertEmail: "not-an-email" }, /^twincloud:alertEmail: expected an email address$/],
    [
      { cloud: "aws", certificateArn: "arn:aws:iam::1:x" },
      /^twincloud:certificateArn: expected an ACM certificate ARN$/,
    ],
    [
      { cloud: "aws", drRegion: "Frankfurt" },
      /^twincloud:drRegion: expected an AWS region such as eu-central-1$/,
    ],
    [
      { cloud: "aws", imageDigest: "repo:v1" },
      /^twincloud:imageDigest: expected an image pushed earlier, by digest/,
    ],
    [{ cloud: "aws", availabilityZones: "4" }, /^twincloud:availabilityZones: .*(3|less)/i],
  ])("names the key and what it accepts: %o", (raw, message) => {
    const problems = problemsOf(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it("rejects unknown keys, listing the allowed ones", () => {
    const [problem] = problemsOf({ cloud: "aws", replicas: "3" } as Record<string, string>);
    expect(problem).toMatch(
      /^unknown key\(s\) twincloud:replicas: allowed keys are cloud, environment, .*latencyP95Ms, imageDigest$/,
    );
  });

  it("reports every problem at once, cross-field ones included", () => {
    const problems = problemsOf({
      cloud: "aws",
      minReplicas: "5",
      maxReplicas: "2",
      cpu: "1",
      memoryMiB: "512",
    });
    expect(problems).toEqual([
      "twincloud:minReplicas: must not exceed maxReplicas (5 > 2)",
      expect.stringMatching(
        /^twincloud:memoryMiB: 512 does not fit cpu 1; allowed pairs are 0\.25\/512, .*4\/8192$/,
      ),
    ]);
  });

  it("requires a certificate in prod on AWS, a DR region different from the deployment region, a tier", () => {
    expect(problemsOf({ cloud: "aws" }, "prod")).toEqual([
      expect.stringMatching(
        /^twincloud:alertEmail: required in prod .*pulumi config set twincloud:alertEmail/,
      ),
      expect.stringMatching(/^twincloud:certificateArn: required in prod on AWS .*in eu-west-1/),
      expect.stringMatching(/^twincloud:domainName: required in prod on AWS/),
    ]);
    expect(problemsOf({ cloud: "azure" }, "prod")).toEqual([
      expect.stringMatching(/^twincloud:alertEmail: required in prod/),
    ]);
    expect(problemsOf({ cloud: "aws", drRegion: "eu-west-1" })).toEqual([
      "twincloud:drRegion: must differ from the deployment region eu-west-1",
    ]);
    expect(problemsOf({ cloud: "aws" }, "feature-x")[0]).toMatch(
      /^twincloud:environment: required for stack "feature-x" \(expected one of dev, staging, prod\)$/,
    );
    expect(problemsOf({ cloud: "azure", dbSize: "small", dbHighAvailability: "true" })[0]).toMatch(
      /^twincloud:dbSize: "small" is burstable/,
    );
  });
});

describe("operator values", () => {
  const documentationCertificate =
    "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";

  it("refuses the documentation placeholders the stack files used to ship, naming each key and what to set", () => {
    const problems = problemsOf(
      { cloud: "aws", alertEmail: "oncall@example.com", certificateArn: documentationCertificate },
      "prod",
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^twincloud:alertEmail: oncall@example\.com is at a reserved example domain .*pulumi config set/,
      ),
      expect.stringMatching(/^twincloud:certificateArn: account 123456789012 is AWS's documentation account/),
      expect.stringMatching(/^twincloud:domainName: required on AWS when serving HTTPS/),
    ]);
    for (const email of ["a@example.org", "a@sub.example.net", "a@x.test", "a@x.invalid"]) {
      expect(problemsOf({ cloud: "azure", alertEmail: email }, "dev").join("\n"), email).toMatch(
        /reserved example domain/,
      );
    }
    expect(problemsOf({ cloud: "azure", domainName: "api.example.com" }, "dev")[0]).toMatch(
      /^twincloud:domainName: api\.example\.com is a reserved example domain/,
    );
  });

  it("needs the certificate in the load balancer's region and a domain whenever AWS serves HTTPS", () => {
    const elsewhere = "arn:aws:acm:us-east-1:210987654321:certificate/1a2b3c4d-0000-4000-8000-000000000001";
    expect(problemsOf({ cloud: "aws", certificateArn: elsewhere, domainName: "api.x.io" }, "dev")).toEqual([
      expect.stringMatching(
        /^twincloud:certificateArn: the certificate is in us-east-1 but the load balancer is in eu-west-1/,
      ),
    ]);
    const own = elsewhere.replace("us-east-1", "eu-west-1");
    expect(problemsOf({ cloud: "aws", certificateArn: own }, "staging")).toEqual([
      expect.stringMatching(/^twincloud:domainName: required on AWS when serving HTTPS/),
    ]);
  });

  it("carries the domain and its DNS zone into the spec, and accepts real-looking values", () => {
    const spec = buildServiceSpec(
      {
        cloud: "aws",
        alertEmail: "oncall@acme.io",
        certificateArn: "arn:aws:acm:eu-west-1:210987654321:certificate/1a2b3c4d-0000-4000-8000-000000000001",
        domainName: "api.acme.io",
        hostedZoneId: "Z0123456789ABCDEFGHIJ",
      },
      { stack: "prod", awsRegion: "eu-west-1" },
    );
    expect(spec.ingress.domain).toEqual({ name: "api.acme.io" });
    expect(spec.perCloud).toEqual({
      aws: {
        certificateArn: "arn:aws:acm:eu-west-1:210987654321:certificate/1a2b3c4d-0000-4000-8000-000000000001",
        hostedZoneId: "Z0123456789ABCDEFGHIJ",
        drRegion: "eu-central-1",
      },
      azure: {},
    });
    expect(spec.alerts.email).toBe("oncall@acme.io");
    expect(buildServiceSpec({ cloud: "azure" }, { stack: "dev" }).ingress.domain).toBeUndefined();
  });

  it("keeps each cloud's own inputs in perCloud, out of the neutral sections", () => {
    const zone = "/subscriptions/0000/resourceGroups/dns/providers/Microsoft.Network/dnszones/acme.io";
    const azure = buildServiceSpec(
      { cloud: "azure", domainName: "api.acme.io", dnsZoneId: zone, drRegion: "eu-north-1" },
      { stack: "staging" },
    );
    expect(azure.perCloud).toEqual({ aws: { drRegion: "eu-north-1" }, azure: { dnsZoneId: zone } });
    const aws = buildServiceSpec(
      { cloud: "aws", ...OPERATOR, hostedZoneId: "Z0123456789ABCDEFGHIJ" },
      { stack: "prod", awsRegion: "eu-west-1" },
    );
    for (const spec of [azure, aws]) {
      const { perCloud, ...neutral } = spec;
      const text = JSON.stringify(neutral);
      const ownKeys = [...Object.keys(perCloud.aws), ...Object.keys(perCloud.azure)];
      const keys = [...text.matchAll(/"([^"]+)":/g)].map((match) => match[1]!);
      expect(keys.filter((key) => /aws|azure/i.test(key) || ownKeys.includes(key))).toEqual([]);
      const inputs = [...Object.values(perCloud.aws), ...Object.values(perCloud.azure)];
      expect(inputs.filter((value) => text.includes(value))).toEqual([]);
    }
  });

  it("refuses a stack name too long for AWS's physical names, and lets Azure shorten its own", () => {
    const long = `feature-${"x".repeat(40)}`;
    // The tightest name is the EventBridge rule `<name>-backup-job-failed` (64): 46 characters of prefix.
    expect(MAX_AWS_NAME_PREFIX).toBe(46);
    expect(problemsOf({ cloud: "aws", environment: "dev" }, long)).toEqual([
      expect.stringMatching(
        /^stack name "feature-x+": "twincloud-feature-x+" is 58 characters; on AWS .* at most 46 \(physical names such as the EventBridge rule "twincloud-feature-x+-backup-job-failed" are limited to 64\)$/,
      ),
    ]);
    expect(buildServiceSpec({ cloud: "azure", environment: "dev" }, { stack: long }).name).toBe(
      `twincloud-${long}`,
    );
    expect(
      buildServiceSpec({ cloud: "aws", environment: "dev" }, { stack: "x".repeat(36) }).name,
    ).toHaveLength(46);
    expect(problemsOf({ cloud: "aws", environment: "dev" }, "x".repeat(37))).toHaveLength(1);
  });

  it("accepts each cloud's own log retention values, 731 on AWS and 730 on Azure", () => {
    const retention = (cloud: string, days: string) =>
      buildServiceSpec({ cloud, logRetentionDays: days }, { stack: "dev" }).logs.retentionDays;
    expect(retention("aws", "731")).toBe(731);
    expect(retention("aws", "3653")).toBe(3653);
    expect(retention("azure", "730")).toBe(730);
    expect(retention("azure", "45")).toBe(45);
  });
});
