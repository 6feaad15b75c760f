/**
 * Every shipped stack passes the Pulumi CLI's config rules (ported in tests/support/pulumi-cli-config.ts) and
 * then the program's own validation; the CLI refuses what it would refuse. The real CLI runs the same files in
 * `npm run rehearse`. About the stack files (Pulumi.yaml, Pulumi.<stack>.yaml) against the whole program's
 * config, not one module, so it sits beside the program rather than under a folder of it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PROJECT_NAME, StackConfigError, stackConfigSchema, TIERS } from "../../infra/spec/index.js";
import { specOfConfig, withAssumedOperatorValues } from "../../tools/stacks/assumptions.js";
import { readProject, readStackFile, validateStackConfig } from "../support/pulumi-cli-config.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const project = readProject(join(ROOT, "Pulumi.yaml"));
const stackFile = (tier: string) => readStackFile(join(ROOT, `Pulumi.${tier}.yaml`), PROJECT_NAME);
const asStrings = (config: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]));

describe("Pulumi.yaml config, as the CLI reads it", () => {
  it.each(TIERS)("the CLI accepts the shipped %s stack (nothing missing, every type right)", (tier) => {
    expect(validateStackConfig(project, tier, stackFile(tier)).error).toBeUndefined();
  });

  it("declares only keys the program knows, with defaults the program accepts", () => {
    const known = Object.keys(stackConfigSchema.shape);
    for (const [key, type] of Object.entries(project.config)) {
      if (!key.startsWith(`${PROJECT_NAME}:`)) continue;
      const name = key.slice(PROJECT_NAME.length + 1);
      expect(known, key).toContain(name);
      expect(type.description, `${key} has a description`).toBeTruthy();
      if (type.default !== undefined) {
        const parsed = stackConfigSchema.shape[name as keyof typeof stackConfigSchema.shape].safeParse(
          String(type.default),
        );
        expect(parsed.success, `${key} default ${String(type.default)}`).toBe(true);
      }
    }
    // Required for every stack: only the cloud. Anything else required would refuse a stack that omits it.
    const required = Object.entries(project.config)
      .filter(([, t]) => t.default === undefined && t.value === undefined)
      .map(([key]) => key);
    expect(required).toEqual([`${PROJECT_NAME}:cloud`]);
  });

  it.each(TIERS)(
    "the program builds %s from what the CLI hands it (operator values assumed for prod)",
    (tier) => {
      const merged = asStrings(validateStackConfig(project, tier, stackFile(tier)).config);
      const { config } = withAssumedOperatorValues(tier, merged);
      const spec = specOfConfig(tier, config);
      expect(spec.environment).toBe(tier);
      // Project defaults reach the program as the CLI passes them.
      expect(spec.alerts.latencyP95Ms).toBe(200);
      expect(spec.tracing.enabled).toBe(false);
      expect(spec.ingress.corsOrigins).toEqual([]);
    },
  );

  it("prod as shipped is refused by the program at preview with every operator value named", () => {
    const merged = asStrings(validateStackConfig(project, "prod", stackFile("prod")).config);
    expect(() => specOfConfig("prod", merged)).toThrow(StackConfigError);
    try {
      specOfConfig("prod", merged);
    } catch (error) {
      const problems = (error as StackConfigError).problems.map((p) => p.split(":").slice(0, 2).join(":"));
      expect(problems).toEqual(["twincloud:alertEmail", "twincloud:certificateArn", "twincloud:domainName"]);
    }
  });

  it("no shipped stack file holds a placeholder or an operator value", () => {
    for (const tier of TIERS) {
      const text = JSON.stringify(stackFile(tier));
      expect(text, tier).not.toMatch(/example\.(com|org|net)|123456789012|rehearsal/);
      for (const key of ["alertEmail", "certificateArn", "domainName", "hostedZoneId", "dnsZoneId"]) {
        expect(stackFile(tier), `${tier} ${key}`).not.toHaveProperty(`${PROJECT_NAME}:${key}`);
      }
    }
  });
});

describe("the CLI's rules refuse what the CLI refuses", () => {
  const crafted = (yaml: string) => {
    const dir = mkdtempSync(join(tmpdir(), "pulumi-config-"));
    writeFileSync(join(dir, "Pulumi.yaml"), yaml);
    return readProject(join(dir, "Pulumi.yaml"));
  };

  it("a typed key without a default is required for every stack", () => {
    const bad = crafted(
      "name: twincloud\nruntime: nodejs\nconfig:\n  twincloud:cloud:\n    type: string\n  twincloud:minReplicas:\n    type: integer\n  twincloud:alertEmail:\n    type: string\n",
    );
    expect(validateStackConfig(bad, "dev", stackFile("dev")).error).toBe(
      "Stack 'dev' is missing configuration values 'twincloud:alertEmail' and 'twincloud:minReplicas'",
    );
    // The old Pulumi.yaml (22 typed keys, no defaults) refused every shipped stack the same way.
    const one = crafted(
      "name: twincloud\nruntime: nodejs\nconfig:\n  twincloud:drRegion:\n    type: string\n",
    );
    expect(validateStackConfig(one, "staging", stackFile("staging")).error).toBe(
      "Stack 'staging' is missing configuration value 'twincloud:drRegion'",
    );
  });

  it("stack values are checked against the declared type, and defaults against theirs", () => {
    expect(
      validateStackConfig(project, "dev", { ...stackFile("dev"), "twincloud:tracing": "yes" }).error,
    ).toBe("Stack 'dev' with configuration key 'twincloud:tracing' must be of type 'boolean'");
    expect(
      validateStackConfig(project, "dev", { ...stackFile("dev"), "twincloud:latencyP95Ms": "0.2" }).error,
    ).toBe("Stack 'dev' with configuration key 'twincloud:latencyP95Ms' must be of type 'integer'");
    const badDefault = crafted(
      "name: twincloud\nruntime: nodejs\nconfig:\n  twincloud:latencyP95Ms:\n    type: integer\n    default: fast\n",
    );
    expect(validateStackConfig(badDefault, "dev", {}).error).toBe(
      "The default value specified for configuration key 'twincloud:latencyP95Ms' is not of the expected type 'integer'",
    );
  });
});
