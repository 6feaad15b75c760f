// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/**
 * Error tracking (Sentry) on both clouds, under mocks, with and without `twincloud:sentryDsn` (a secret stack
 * config value, handed over as the CLI does): the DSN is stored in the cloud's secret store only when set,
 * reaches the API only through the secret mechanism (pinned to the stored version), is readable by the
 * identity that starts the API, and appears in clear in no resource's inputs; SENTRY_RELEASE is the deployed
 * image's digest and SENTRY_ENVIRONMENT the stack; the policy pack finds no mandatory violation.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../api/config.js";
import { ROLE_DEFINITION_IDS } from "../../infra/azure/naming.js";
import { SENTRY_DSN_VERSION_VARIABLE } from "../../infra/azure/secrets.js";
import { sentryRelease } from "../../infra/error-tracking.js";
import type { StackOutputs } from "../../infra/outputs.js";
import { program } from "../../infra/program.js";
import { StackConfigError } from "../../infra/spec/index.js";
import { evaluatePolicies } from "../../policies/evaluate.js";
import { fromCaptured } from "../../tools/mock/captured.js";
import { fakeId, runUnderMocks } from "../../tools/mock/run.js";
import { readStackConfig } from "../../tools/stacks/stack-file.js";
import { summary } from "../policies/fixtures.js";
import { type StackRun, stackRunOf } from "../support/rendered.js";
import { isSecret, plain, specOfConfig, stackConfig, withoutSecrets } from "../support/stacks.js";

const DSN = "https://0123456789abcdef0123456789abcdef@o4501.ingest.sentry.io/4507654321";
const DSN_KEY = "twincloud:sentryDsn";
const CLOUDS = ["aws", "azure"] as const;
type Cloud = (typeof CLOUDS)[number];

type Run = StackRun;

async function render(cloud: Cloud, dsn: boolean, stack: "dev" | "prod" = "dev"): Promise<Run> {
  const config = { ...stackConfig(stack, cloud), ...(dsn ? { [DSN_KEY]: DSN } : {}) };
  const result = await runUnderMocks<StackOutputs>(program, {
    stack,
    config,
    ...(dsn ? { secretConfigKeys: [DSN_KEY] } : {}),
  });
  return stackRunOf(stack, cloud, result, config);
}

/** Every captured input with Pulumi secrets blanked: nowhere may the DSN (or its public key) remain. */
function expectDsnNowhereInClear(run: Run) {
  const publicKey = new URL(DSN).username;
  for (const res of run.result.resources) {
    const text = JSON.stringify(withoutSecrets(res.props));
    expect(text, `${res.type} ${res.name}`).not.toContain(DSN);
    expect(text, `${res.type} ${res.name}`).not.toContain(publicKey);
  }
  expect(JSON.stringify(run.spec)).not.toContain(publicKey);
  expect(JSON.stringify(run.result.outputs)).not.toContain(publicKey);
}

function expectNoMandatoryViolation(run: Run, stack: "dev" | "prod") {
  const violations = evaluatePolicies(fromCaptured(run.result.resources), { environment: stack });
  expect(summary(violations.filter((v) => v.enforcementLevel === "mandatory"))).toEqual([]);
}

type Definition = {
  name: string;
  image?: string;
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
};
const definitions = (run: Run) =>
  JSON.parse(
    String(
      run.one("aws:ecs/taskDefinition:TaskDefinition", `${run.spec.name}-api`).props.containerDefinitions,
    ),
  ) as Definition[];

describe("the stack config key", () => {
  it("accepts a Sentry DSN like the API does, and the spec records only that it is set", () => {
    const config = stackConfig("dev", "aws");
    expect(specOfConfig("dev", config).errorTracking).toEqual({ enabled: false });
    const spec = specOfConfig("dev", { ...config, [DSN_KEY]: DSN });
    expect(spec.errorTracking).toEqual({ enabled: true });
    expect(spec.container.secretEnvironment).toContain("SENTRY_DSN");
    expect(spec.container.environment).toMatchObject({ SENTRY_ENVIRONMENT: "dev" });
    expect(spec.container.environment).not.toHaveProperty("SENTRY_DSN");
    expect(loadConfig({ DATABASE_URL: "postgres://db/x", SENTRY_DSN: DSN }).SENTRY_DSN).toBe(DSN);
  });

  it.each(["not a url", "ftp://key@sentry.example.org/1", "https://sentry.io/1", "https://key@sentry.io/"])(
    "refuses %s, naming the key without echoing the value",
    (bad) => {
      const config = { ...stackConfig("dev", "aws"), [DSN_KEY]: bad };
      expect(() => specOfConfig("dev", config)).toThrow(StackConfigError);
      try {
        specOfConfig("dev", config);
      } catch (error) {
        const problems = (error as StackConfigError).problems;
        expect(problems).toEqual([expect.stringMatching(/^twincloud:sentryDsn: expected a Sentry DSN/)]);
        expect(problems.join("\n")).not.toContain(bad);
      }
    },
  );

  it("is declared nowhere in Pulumi.yaml (it would be required in every stack) nor set in a shipped stack", () => {
    expect(readFileSync(new URL("../../Pulumi.yaml", import.meta.url), "utf8")).not.toContain("sentryDsn");
    for (const stack of ["dev", "staging", "prod"]) {
      expect(readStackConfig(stack), stack).not.toHaveProperty(DSN_KEY);
    }
  });

  it("a preview with the DSN renders on both clouds (image digest unknown)", async () => {
    for (const cloud of CLOUDS) {
      const result = await runUnderMocks(program, {
        stack: "dev",
        config: { ...stackConfig("dev", cloud), [DSN_KEY]: DSN },
        secretConfigKeys: [DSN_KEY],
        preview: true,
      });
      const names = result.resources.map((r) => r.name);
      expect(names, cloud).toContain(cloud === "aws" ? "twincloud-dev-sentry-dsn" : "sentry-dsn-secret");
    }
  }, 120_000);

  it("the release is the image digest, which the API accepts as SENTRY_RELEASE", () => {
    const digest = `sha256:${"ab".repeat(32)}`;
    const release = sentryRelease(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/twincloud-dev-api@${digest}`);
    expect(release).toBe(digest);
    expect(loadConfig({ DATABASE_URL: "postgres://db/x", SENTRY_RELEASE: release }).SENTRY_RELEASE).toBe(
      digest,
    );
    expect(() => sentryRelease("twincloud-dev-api:latest")).toThrow(/by digest/);
  });
});

describe("AWS", () => {
  let off: Run;
  let on: Run;
  let prod: Run;
  beforeAll(async () => {
    off = await render("aws", false);
    on = await render("aws", true);
    prod = await render("aws", true, "prod");
  }, 300_000);

  it("without the DSN: no secret, no Sentry variable, no grant", () => {
    expect(off.all("aws:secretsmanager/secret:Secret").map((s) => s.name)).not.toContain(
      `${off.spec.name}-sentry-dsn`,
    );
    const api = definitions(off).find((d) => d.name === "api")!;
    const names = [...(api.environment ?? []), ...(api.secrets ?? [])].map((e) => e.name);
    expect(names.filter((n) => n.startsWith("SENTRY_"))).toEqual([]);
    expect(JSON.stringify(off.all("aws:iam/rolePolicy:RolePolicy").map((p) => p.props))).not.toContain(
      "SentryDsn",
    );
  });

  it.each([
    ["dev", 0],
    ["prod", 30],
  ] as const)("%s: stores the DSN in Secrets Manager like the bootstrap key", (stack, recovery) => {
    const run = stack === "dev" ? on : prod;
    const name = `${run.spec.name}-sentry-dsn`;
    const secret = run.one("aws:secretsmanager/secret:Secret", name);
    const bootstrap = run.one("aws:secretsmanager/secret:Secret", `${run.spec.name}-bootstrap-api-key`);
    expect(secret.props).toMatchObject({
      name: `${run.spec.name}/sentry-dsn`,
      recoveryWindowInDays: recovery,
      tags: expect.objectContaining(run.spec.tags),
    });
    expect(secret.props.recoveryWindowInDays).toBe(bootstrap.props.recoveryWindowInDays);
    expect(secret.props.kmsKeyId).toBeUndefined();
    expect(bootstrap.props.kmsKeyId).toBeUndefined();
    const version = run.one("aws:secretsmanager/secretVersion:SecretVersion", name);
    expect(version.props.secretId).toBe(secret.state.arn);
    expect(isSecret(version.props.secretString)).toBe(true);
    expect(plain(version.props.secretString)).toBe(DSN);
  });

  it("reaches the API only through `secrets`, pinned to the stored version; release and environment in plain", () => {
    const name = `${on.spec.name}-sentry-dsn`;
    const arn = String(on.one("aws:secretsmanager/secret:Secret", name).state.arn);
    const versionId = String(on.one("aws:secretsmanager/secretVersion:SecretVersion", name).state.versionId);
    const defs = definitions(on);
    const api = defs.find((d) => d.name === "api")!;
    expect(api.secrets).toContainEqual({ name: "SENTRY_DSN", valueFrom: `${arn}:::${versionId}` });
    for (const d of defs) {
      expect((d.environment ?? []).map((e) => e.name)).not.toContain("SENTRY_DSN");
      if (d.name !== "api") expect(JSON.stringify(d)).not.toContain(arn);
    }
    const env = Object.fromEntries((api.environment ?? []).map((e) => [e.name, e.value]));
    const digest = String(on.result.outputs.imageDigest);
    expect(api.image).toBe(digest);
    expect(env.SENTRY_RELEASE).toBe(digest.split("@").pop());
    expect(env.SENTRY_RELEASE).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(env.SENTRY_ENVIRONMENT).toBe("dev");
    // What the API would start with accepts the plain part as is.
    expect(() =>
      loadConfig({
        DATABASE_URL: "postgres://db/x",
        SENTRY_DSN: DSN,
        SENTRY_RELEASE: env.SENTRY_RELEASE,
        SENTRY_ENVIRONMENT: env.SENTRY_ENVIRONMENT,
      }),
    ).not.toThrow();
  });

  it("the execution role, and only it, may read exactly that secret", () => {
    const arn = String(on.one("aws:secretsmanager/secret:Secret", `${on.spec.name}-sentry-dsn`).state.arn);
    const executionRole = on.one("aws:iam/role:Role", `${on.spec.name}-task-execution`);
    const granting = on
      .all("aws:iam/rolePolicy:RolePolicy")
      .map((p) => ({ role: p.props.role, doc: JSON.parse(String(p.props.policy)) as { Statement: any[] } }))
      .filter((p) => JSON.stringify(p.doc).includes(arn));
    expect(granting.map((p) => p.role)).toEqual([fakeId(executionRole)]);
    expect(granting[0]!.doc.Statement.filter((st) => JSON.stringify(st.Resource).includes(arn))).toEqual([
      { Sid: "SentryDsnSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: arn },
    ]);
    expect(
      on.one("aws:ecs/taskDefinition:TaskDefinition", `${on.spec.name}-api`).props.executionRoleArn,
    ).toBe(executionRole.state.arn);
  });

  it("the DSN is in clear in no resource's inputs, the spec or the outputs", () => {
    expectDsnNowhereInClear(on);
    expectDsnNowhereInClear(prod);
  });

  it("the policy pack finds no mandatory violation, with or without the DSN", () => {
    expectNoMandatoryViolation(off, "dev");
    expectNoMandatoryViolation(on, "dev");
    expectNoMandatoryViolation(prod, "prod");
  });
});

describe("Azure", () => {
  let off: Run;
  let on: Run;
  beforeAll(async () => {
    off = await render("azure", false);
    on = await render("azure", true);
  }, 300_000);

  const containerEnv = (run: Run) =>
    plain(run.one("azure-native:app:ContainerApp").props).template.containers[0].env as {
      name: string;
      value?: string;
      secretRef?: string;
    }[];

  it("without the DSN: no Key Vault secret, no app secret, no Sentry variable", () => {
    expect(off.all("azure-native:keyvault:Secret").map((s) => s.name)).not.toContain("sentry-dsn-secret");
    const app = plain(off.one("azure-native:app:ContainerApp").props);
    expect(app.configuration.secrets.map((s: { name: string }) => s.name)).not.toContain("sentry-dsn");
    expect(containerEnv(off).filter((e) => e.name.startsWith("SENTRY_"))).toEqual([]);
  });

  it("stores the DSN in the stack's Key Vault as a secret input", () => {
    const vault = on.one("azure-native:keyvault:Vault");
    const secret = on.one("azure-native:keyvault:Secret", "sentry-dsn-secret");
    expect(isSecret(secret.props.properties)).toBe(true);
    expect(plain(secret.props)).toMatchObject({
      vaultName: vault.state.name,
      secretName: "sentry-dsn",
      properties: { value: DSN, contentType: "text/plain" },
      tags: on.spec.tags,
    });
  });

  it("reaches the API as a Key Vault reference with the app identity, pinned, with a revision variable", () => {
    const secret = on.one("azure-native:keyvault:Secret", "sentry-dsn-secret");
    const versioned = String((secret.state.properties as any).secretUriWithVersion);
    const app = plain(on.one("azure-native:app:ContainerApp").props);
    const identityId = fakeId(on.one("azure-native:managedidentity:UserAssignedIdentity", "api-identity"));
    expect(app.configuration.secrets).toContainEqual({
      name: "sentry-dsn",
      keyVaultUrl: versioned,
      identity: identityId,
    });
    const env = containerEnv(on);
    expect(env.filter((e) => e.name === "SENTRY_DSN")).toEqual([
      { name: "SENTRY_DSN", secretRef: "sentry-dsn" },
    ]);
    expect(env.find((e) => e.name === SENTRY_DSN_VERSION_VARIABLE)?.value).toBe(versioned.split("/").pop());
    const digest = String(on.result.outputs.imageDigest);
    expect(app.template.containers[0].image).toBe(digest);
    expect(env.find((e) => e.name === "SENTRY_RELEASE")?.value).toBe(digest.split("@").pop());
    expect(env.find((e) => e.name === "SENTRY_RELEASE")?.value).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(env.find((e) => e.name === "SENTRY_ENVIRONMENT")?.value).toBe("dev");
  });

  it("the app identity may read the DSN (Key Vault Secrets User on that secret), without the DSN no grant", () => {
    const vault = on.one("azure-native:keyvault:Vault");
    const identity = on.one("azure-native:managedidentity:UserAssignedIdentity", "api-identity");
    const secret = on.one("azure-native:keyvault:Secret", "sentry-dsn-secret");
    const onSecret = on
      .all("azure-native:authorization:RoleAssignment")
      .map((r) => plain(r.props))
      .filter((g) => g.scope === fakeId(secret));
    expect(onSecret).toEqual([expect.objectContaining({ principalId: identity.state.principalId })]);
    expect(String(onSecret[0].roleDefinitionId).split("/").pop()).toBe(
      ROLE_DEFINITION_IDS.keyVaultSecretsUser,
    );
    expect(off.all("azure-native:authorization:RoleAssignment").map((r) => r.name)).not.toContain(
      "api-sentry-dsn-reader",
    );
    expect(plain(secret.props).vaultName).toBe(vault.state.name);
  });

  it("the DSN is in clear in no resource's inputs, the spec or the outputs", () => {
    expectDsnNowhereInClear(on);
  });

  it("the policy pack finds no mandatory violation, with or without the DSN", () => {
    expectNoMandatoryViolation(off, "dev");
    expectNoMandatoryViolation(on, "dev");
  });
});
