/**
 * The AWS program as a whole, for each shipped stack (dev, staging with `cloud: aws`, prod) under Pulumi mocks
 * with the real Pulumi.<stack>.yaml values (infra/aws/index.ts and what it returns). Stack-level, not one
 * module's: the invokes the whole program calls, its outputs, the component tree every resource sits in, a
 * census of every resource's tags and physical names, a preview of everything, and the tiers compared.
 */
import { describe, expect, it } from "vitest";
import { rdsInstanceClass } from "../../../infra/aws/sizes.js";
import { program } from "../../../infra/program.js";
import { AWS_NAME_LIMITS, MAX_AWS_NAME_PREFIX } from "../../../infra/spec/index.js";
import { mockInvokes } from "../../../tools/mock/aws.js";
import { runUnderMocks } from "../../../tools/mock/run.js";
import { assumedOperatorValues } from "../../../tools/stacks/assumptions.js";
import { T, useAwsStacks } from "../../support/aws-stack.js";
import { STACKS } from "../../support/rendered.js";
import { stackConfig } from "../../support/stacks.js";

const stackRun = useAwsStacks();

/** AWS types that have no `tags` argument (everything else must carry spec.tags). */
const UNTAGGABLE = new Set([
  "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:wafv2/webAclAssociation:WebAclAssociation",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:sns/topicSubscription:TopicSubscription",
  "aws:appautoscaling/policy:Policy",
  "aws:backup/selection:Selection",
  "aws:cloudwatch/dashboard:Dashboard",
  "aws:cloudwatch/eventTarget:EventTarget",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
  "aws:secretsmanager/secretVersion:SecretVersion",
  "aws:amp/alertManagerDefinition:AlertManagerDefinition",
]);

describe.each(STACKS)("AWS stack %s", (stack) => {
  it("only calls invokes the mocks answer", () => {
    const { result } = stackRun(stack);
    expect(result.invokes.length).toBeGreaterThan(0);
    for (const token of result.invokes) expect(Object.keys(mockInvokes)).toContain(token);
  });

  it("returns the stack outputs: URL on the domain or the ALB, image by digest, database host, alerts, dashboard", () => {
    const { result, spec } = stackRun(stack);
    const o = result.outputs;
    expect(o.cloud).toBe("aws");
    expect(o.environment).toBe(spec.environment);
    expect(o.endpointUrl).toMatch(
      spec.perCloud.aws.certificateArn
        ? /^https:\/\/.+\.elb\.amazonaws\.com$/
        : /^http:\/\/.+\.elb\.amazonaws\.com$/,
    );
    // HTTPS is served under the name the certificate covers, never the ALB's own name.
    expect(o.url).toBe(spec.ingress.domain ? `https://${spec.ingress.domain.name}` : o.endpointUrl);
    if (spec.perCloud.aws.certificateArn) expect(spec.ingress.domain).toBeDefined();
    expect(o.imageDigest).toMatch(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/.+@sha256:[0-9a-f]{64}$/);
    expect(o.databaseHost).toMatch(/\.rds\.amazonaws\.com$/);
    expect(o.alertTarget).toMatch(/^arn:aws:sns:/);
    expect(o.dashboardUrl).toMatch(
      /^https:\/\/.+console\.aws\.amazon\.com\/cloudwatch\/.+#dashboards\/dashboard\//,
    );
  });

  it("declares every resource under one twincloud:aws:Service component, the same tree as on Azure", () => {
    const { result, spec } = stackRun(stack);
    const component = result.resources.find((r) => r.type === "twincloud:aws:Service");
    expect(component?.name).toBe(spec.name);
    const direct = result.resources.filter(
      (r) => r !== component && r.type !== "pulumi:pulumi:Stack" && !r.parent?.includes("awsx:ec2:Vpc"),
    );
    for (const r of direct) {
      expect(`${r.type} ${r.name}: ${r.parent}`).toBe(`${r.type} ${r.name}: ${component?.urn}`);
      // Each was a child of the stack before the component existed: the alias keeps its deployed URN.
      expect(r.opts.aliases, `${r.type} ${r.name}`).toContainEqual({ noParent: true });
    }
  });

  it("tags every taggable AWS resource with the spec's tags", () => {
    const { result, spec } = stackRun(stack);
    const awsResources = result.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
    expect(awsResources.length).toBeGreaterThan(40);
    for (const resource of awsResources) {
      if (UNTAGGABLE.has(resource.type)) continue;
      expect({ resource: `${resource.type} ${resource.name}`, tags: resource.props.tags }).toMatchObject({
        tags: spec.tags,
      });
    }
    expect(stackRun(stack).one(T.vpc).props.tags).toMatchObject(spec.tags);
  });
});

describe("tiers compared", () => {
  it("keeps dev cheap and prod protected", () => {
    const dev = stackRun("dev");
    const prod = stackRun("prod");
    expect(rdsInstanceClass(dev.spec.database.size)).toBe("db.t4g.micro");
    expect(dev.one(T.db).props.multiAz).toBe(false);
    expect(dev.one(T.vpc).props.natGateways).toEqual({ strategy: "Single" });
    expect(dev.all(T.waf)).toHaveLength(0);
    expect(dev.result.resources.some((r) => r.opts.protect)).toBe(false);
    expect(prod.one(T.db).opts.protect).toBe(true);
    expect(prod.one(T.db).props.deletionProtection).toBe(true);
    expect(prod.one(T.alb).props.enableDeletionProtection).toBe(true);
    expect(prod.one(T.service).props.enableExecuteCommand).toBe(false);
    expect(prod.one(T.repository).props.forceDelete).toBe(false);
  });
});

describe("physical names of the longest stack name AWS accepts", () => {
  /** AWS's length limits of the names the program sets itself (the rest are autonamed and shortened). */
  const LIMITS: Record<string, { key: string; max: number }> = {
    "aws:cloudwatch/eventRule:EventRule": { key: "name", max: 64 },
    "aws:rds/instance:Instance": { key: "identifier", max: 63 },
    "aws:amp/ruleGroupNamespace:RuleGroupNamespace": { key: "name", max: 64 },
    "aws:ecs/taskDefinition:TaskDefinition": { key: "family", max: 255 },
    "aws:cloudwatch/metricAlarm:MetricAlarm": { key: "name", max: 255 },
    "aws:ecr/repository:Repository": { key: "name", max: 256 },
    "aws:cloudwatch/logGroup:LogGroup": { key: "name", max: 512 },
    "aws:secretsmanager/secret:Secret": { key: "name", max: 512 },
  };

  it("fit AWS's limits, the tightest ones (AWS_NAME_LIMITS) to the character", async () => {
    const stack = "x".repeat(MAX_AWS_NAME_PREFIX - "twincloud-".length);
    const result = await runUnderMocks(program, {
      stack,
      config: { ...stackConfig("prod", "aws"), "twincloud:environment": "prod" },
    });
    const name = `twincloud-${stack}`;
    const named = result.resources.flatMap((r) => {
      const limit = LIMITS[r.type];
      const value = limit ? r.props[limit.key] : undefined;
      return limit && typeof value === "string" ? [{ type: r.type, value, max: limit.max }] : [];
    });
    expect(named.length).toBeGreaterThan(20);
    for (const { type, value, max } of named)
      expect(value.length, `${type} ${value}`).toBeLessThanOrEqual(max);
    // The limits the spec checks the stack name against are real names of this stack, exactly at the limit.
    const values = named.map((n) => n.value);
    for (const limit of AWS_NAME_LIMITS) {
      expect(values).toContain(`${name}${limit.suffix}`);
      expect(`${name}${limit.suffix}`.length).toBeLessThanOrEqual(limit.max);
    }
    expect(
      AWS_NAME_LIMITS.some((limit) => `${name}${limit.suffix}`.length === limit.max),
      "the tightest limit is reached",
    ).toBe(true);
  });
});

describe("preview under mocks", () => {
  it("registers every resource while outputs (image digest, database address) are still unknown", async () => {
    const result = await runUnderMocks(program, {
      stack: "prod",
      preview: true,
      config: {
        "twincloud:cloud": "aws",
        "aws:region": "eu-west-1",
        ...Object.fromEntries(
          Object.entries(assumedOperatorValues()).map(([key, value]) => [`twincloud:${key}`, value]),
        ),
      },
    });
    const types = new Set(result.resources.map((r) => r.type));
    for (const type of [
      "aws:ecs/taskDefinition:TaskDefinition",
      "aws:ecs/service:Service",
      "aws:cloudwatch/dashboard:Dashboard",
      "aws:backup/selection:Selection",
    ]) {
      expect(types).toContain(type);
    }
  });
});
