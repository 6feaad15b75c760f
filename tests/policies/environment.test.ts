/**
 * How policies learn the environment, how enforcement levels resolve per environment config, how
 * thresholds are tuned through config, and that the shipped config files match the policies' schemas.
 */
import { readdirSync } from "node:fs";
import type { PolicyConfigSchema } from "@pulumi/policy";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { loadPolicyConfig, resolveEnforcementLevel } from "../../policies/evaluate.js";
import { resolveEnvironment, TIERS } from "../../policies/lib/environment.js";
import { policies } from "../../policies/pack.js";
import { awsStack, azureStack, byPolicy, find, res, run, summary, tags } from "./fixtures.js";

describe("environment resolution", () => {
  const urn = (stack: string) => `urn:pulumi:${stack}::twincloud::aws:s3/bucket:Bucket::b`;
  it("policy config override → resource tag → stack tag → stack name → prod", () => {
    const stackTags = new Map([["environment", "staging"]]);
    const props = { tags: tags("dev") };
    expect(resolveEnvironment({ config: { environment: "prod" }, props, stackTags, urn: urn("dev") })).toBe(
      "prod",
    );
    expect(resolveEnvironment({ config: {}, props, stackTags, urn: urn("prod") })).toBe("dev");
    expect(resolveEnvironment({ props: {}, stackTags, urn: urn("prod") })).toBe("staging");
    expect(resolveEnvironment({ props: {}, stackTags: new Map(), urn: urn("dev") })).toBe("dev");
    expect(resolveEnvironment({ props: {}, urn: urn("feature-x") })).toBe("prod");
  });

  it("a tag that is not a tier is ignored", () => {
    expect(resolveEnvironment({ props: { tags: { environment: "qa" } }, urn: urn("dev") })).toBe("dev");
  });

  it("the AWS provider's defaultTags count", () => {
    expect(
      resolveEnvironment({
        props: {},
        provider: { props: { defaultTags: { tags: { environment: "dev" } } } },
        urn: urn("x"),
      }),
    ).toBe("dev");
  });
});

describe("enforcement level resolution (engine order)", () => {
  const policy = { name: "p", enforcementLevel: "mandatory" as const };
  it("policy config entry → config all → policy's own → pack's", () => {
    expect(resolveEnforcementLevel(policy, { p: "advisory", all: "disabled" })).toBe("advisory");
    expect(resolveEnforcementLevel(policy, { p: { enforcementLevel: "disabled" } })).toBe("disabled");
    expect(resolveEnforcementLevel(policy, { p: { minDays: 3 }, all: "advisory" })).toBe("advisory");
    expect(resolveEnforcementLevel(policy, {})).toBe("mandatory");
    expect(resolveEnforcementLevel({ name: "q" }, {}, "advisory")).toBe("advisory");
  });

  it("disabled policies do not run; remediate reports as mandatory", () => {
    const stack = awsStack("prod");
    find(stack, "db").props.publiclyAccessible = true;
    expect(
      byPolicy(run(stack, { config: { "aws-rds-not-public": "disabled" } }), "aws-rds-not-public"),
    ).toEqual([]);
    expect(
      byPolicy(run(stack, { config: { "aws-rds-not-public": "remediate" } }), "aws-rds-not-public")[0],
    ).toMatchObject({
      enforcementLevel: "mandatory",
    });
  });
});

describe("the same fixture under each environment's config", () => {
  const levels = (
    env: "dev" | "staging" | "prod",
    policy: string,
    mutate: (s: ReturnType<typeof awsStack>) => void,
  ) => {
    const stack = awsStack(env);
    mutate(stack);
    return byPolicy(run(stack, { environment: env }), policy).map((v) => v.enforcementLevel);
  };
  const forwardHttp = (s: ReturnType<typeof awsStack>) => {
    find(s, "http").props.defaultActions = [{ type: "forward", targetGroupArn: "tg" }];
  };
  const noIamAuth = (s: ReturnType<typeof awsStack>) => {
    find(s, "db").props.iamDatabaseAuthenticationEnabled = false;
  };

  it("plain-HTTP forwarding: advisory in dev, mandatory in staging and prod", () => {
    expect(levels("dev", "aws-lb-listener-https", forwardHttp)).toEqual(["advisory"]);
    expect(levels("staging", "aws-lb-listener-https", forwardHttp)).toEqual(["mandatory"]);
    expect(levels("prod", "aws-lb-listener-https", forwardHttp)).toEqual(["mandatory"]);
  });

  it("IAM auth: advisory in dev, mandatory in staging and prod", () => {
    expect(levels("dev", "aws-rds-iam-auth", noIamAuth)).toEqual(["advisory"]);
    expect(levels("prod", "aws-rds-iam-auth", noIamAuth)).toEqual(["mandatory"]);
  });

  it("a prod-tagged violation is still reported at the dev config's level (mandatory rules stay mandatory)", () => {
    const stack = awsStack("prod");
    find(stack, "db").props.publiclyAccessible = true;
    expect(byPolicy(run(stack, { environment: "dev" }), "aws-rds-not-public")[0]?.enforcementLevel).toBe(
      "mandatory",
    );
  });

  it("prod-only rules do not apply to dev/staging resources (multi-AZ, deletion protection, HA, protect)", () => {
    for (const env of ["dev", "staging"] as const) {
      const names = summary(run(awsStack(env), { environment: env }));
      expect(names).toEqual([]);
      // and the same single-AZ, unprotected database tagged prod is blocked
    }
    const stack = awsStack("prod");
    Object.assign(find(stack, "db").props, { multiAz: false });
    expect(byPolicy(run(stack), "aws-rds-multi-az")).toHaveLength(1);
  });

  it("access logs are required in staging and prod, not dev", () => {
    const noLogs = (s: ReturnType<typeof awsStack>) => {
      delete find(s, "alb").props.accessLogs;
    };
    expect(levels("dev", "aws-alb-access-logs", noLogs)).toEqual([]);
    expect(levels("staging", "aws-alb-access-logs", noLogs)).toEqual(["mandatory"]);
  });

  it("using the dev config on a prod stack is itself a mandatory violation", () => {
    const v = byPolicy(run(awsStack("prod"), { environment: "dev" }), "environment-config-match");
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ enforcementLevel: "mandatory" });
    expect(v[0]!.message).toMatch(/policies\/config\/prod\.json/);
  });
});

describe("thresholds are policy config", () => {
  it("backup retention: 30 days in the prod file, tunable", () => {
    const stack = azureStack("prod");
    expect(byPolicy(run(stack), "azure-postgres-backup-retention")).toEqual([]);
    const strict = { ...loadPolicyConfig("prod"), "azure-postgres-backup-retention": { minDays: 36 } };
    expect(byPolicy(run(stack, { config: strict }), "azure-postgres-backup-retention")[0]?.message).toMatch(
      /35 to at least 36/,
    );
  });

  it("per-environment objects work as well as scalars", () => {
    const stack = awsStack("prod");
    const config = { "cost-max-replicas": { maxReplicas: { dev: 2, staging: 4, prod: 5 } } };
    expect(byPolicy(run(stack, { config }), "cost-max-replicas")[0]?.message).toMatch(/from 10 to at most 5/);
  });

  it("allowed TLS policies, secret-name pattern, DB classes and task sizes are configurable", () => {
    const stack = awsStack("prod");
    const v = run(stack, {
      config: {
        "aws-lb-listener-tls-policy": { allowedSslPolicies: ["ELBSecurityPolicy-TLS13-1-3-2021-06"] },
        "aws-ecs-no-plaintext-secrets": { secretNamePattern: "^DATABASE_USER$" },
        "cost-database-size": { awsInstanceClasses: ["db.t4g.micro"] },
        "cost-task-size": { taskSizes: [{ cpu: 0.25, memoryMiB: 512 }] },
      },
    });
    expect(byPolicy(v, "aws-lb-listener-tls-policy")).toHaveLength(1);
    expect(byPolicy(v, "aws-ecs-no-plaintext-secrets")[0]?.message).toMatch(/DATABASE_USER/);
    expect(byPolicy(v, "cost-database-size")).toHaveLength(1);
    expect(byPolicy(v, "cost-task-size")).toHaveLength(1);
  });

  it("environments: a prod-only rule can be switched on for staging", () => {
    const stack = awsStack("staging");
    expect(byPolicy(run(stack, { environment: "staging" }), "aws-rds-multi-az")).toEqual([]);
    const config = {
      ...loadPolicyConfig("staging"),
      "aws-rds-multi-az": { environments: ["staging", "prod"] },
    };
    expect(byPolicy(run(stack, { environment: "staging", config }), "aws-rds-multi-az")).toHaveLength(1);
  });

  it("required tags are configurable", () => {
    const stack = [res("aws:s3/bucket:Bucket", "b", { tags: tags("prod") })];
    expect(
      byPolicy(run(stack, { config: { "required-tags": { requiredTags: ["owner"] } } }), "required-tags")[0]
        ?.message,
    ).toMatch(/owner/);
  });
});

describe("shipped config files", () => {
  const files = readdirSync(new URL("../../policies/config/", import.meta.url)).filter((f) =>
    f.endsWith(".json"),
  );

  it("there is one per environment", () => {
    expect(files.sort()).toEqual(TIERS.map((t) => `${t}.json`).sort());
  });

  for (const env of TIERS) {
    it(`${env}.json names only real policies and validates against their configSchema`, () => {
      const config = loadPolicyConfig(env) as Record<string, unknown>;
      const ajv = new Ajv({ strict: false });
      const byName = new Map(policies.map((p) => [p.name, p]));
      for (const [name, entry] of Object.entries(config)) {
        if (name === "all") continue;
        const policy = byName.get(name);
        expect(policy, `unknown policy ${name} in ${env}.json`).toBeDefined();
        if (typeof entry === "string") {
          expect(["advisory", "mandatory", "disabled", "remediate"]).toContain(entry);
          continue;
        }
        const { enforcementLevel: _level, ...props } = entry as Record<string, unknown>;
        const schema = policy!.configSchema as PolicyConfigSchema;
        for (const key of Object.keys(props))
          expect(Object.keys(schema.properties), `${name}.${key}`).toContain(key);
        const validate = ajv.compile({
          type: "object",
          properties: schema.properties,
          required: schema.required ?? [],
        });
        expect(validate(props), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
      expect(
        (config["environment-config-match"] as { expectedEnvironment: string }).expectedEnvironment,
      ).toBe(env);
    });
  }
});
