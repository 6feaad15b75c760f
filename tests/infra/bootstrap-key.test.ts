// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/**
 * The generated bootstrap API key on both clouds, under mocks: the API's own key format, stored in the cloud's
 * secret store, handed to the API through the same secret mechanism as the database password (never a plain
 * variable), readable by exactly the identity that starts the API, and exported as a *secret* stack output.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, ISSUED_API_KEY } from "../../api/auth/keys.js";
import { loadConfig } from "../../api/config.js";
import { ROLE_DEFINITION_IDS } from "../../infra/azure/naming.js";
import {
  BOOTSTRAP_KEY_OUTPUT,
  BOOTSTRAP_KEY_VERSION_VARIABLE,
  bootstrapKeyFromBase64,
  RANDOM_BYTES_TYPE,
} from "../../infra/bootstrap-key.js";
import type { StackOutputs } from "../../infra/outputs.js";
import { program } from "../../infra/program.js";
import { fakeId, runUnderMocks } from "../../tools/mock/run.js";
import { type StackRun, stackRunOf } from "../support/rendered.js";
import { isSecret, plain, stackConfig, withoutSecrets } from "../support/stacks.js";

interface Run extends StackRun {
  /** Whether the program's `bootstrapApiKey` output is a Pulumi secret. */
  outputIsSecret: boolean;
  key: string;
}

async function render(stack: "dev" | "prod", cloud: "aws" | "azure"): Promise<Run> {
  let outputs: StackOutputs | undefined;
  const result = await runUnderMocks<StackOutputs>(
    async () => {
      outputs = await program();
      return outputs;
    },
    { stack, config: stackConfig(stack, cloud) },
  );
  return {
    ...stackRunOf(stack, cloud, result),
    outputIsSecret: await pulumi.isSecret(outputs![BOOTSTRAP_KEY_OUTPUT as "bootstrapApiKey"]),
    key: String(result.outputs.bootstrapApiKey),
  };
}

/** No resource carries the key outside a Pulumi secret. */
function expectKeyOnlyInSecrets(run: Run, randomName: string) {
  for (const res of run.result.resources.filter(
    (r) => r.type !== RANDOM_BYTES_TYPE || r.name !== randomName,
  )) {
    expect(JSON.stringify(withoutSecrets(res.props)), `${res.type} ${res.name}`).not.toContain(run.key);
    expect(JSON.stringify(withoutSecrets(res.props)), `${res.type} ${res.name}`).not.toContain(
      run.key.slice(3),
    );
  }
}

describe("the key's format", () => {
  it("is the API's own: tc_ + 43 base64url characters from 32 random bytes, accepted as BOOTSTRAP_API_KEY", () => {
    const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 251) % 256));
    const key = bootstrapKeyFromBase64(bytes.toString("base64"));
    expect(key).toMatch(ISSUED_API_KEY);
    expect(generateApiKey()).toMatch(ISSUED_API_KEY);
    expect(key.length).toBe(generateApiKey().length);
    expect(Buffer.from(key.slice(3), "base64url").equals(bytes)).toBe(true);
    expect(loadConfig({ DATABASE_URL: "postgres://db/x", BOOTSTRAP_API_KEY: key }).BOOTSTRAP_API_KEY).toBe(
      key,
    );
    expect(() => bootstrapKeyFromBase64(Buffer.alloc(16).toString("base64"))).toThrow(/32 random bytes/);
  });
});

describe("AWS", () => {
  const runs: Record<string, Run> = {};
  beforeAll(async () => {
    runs.dev = await render("dev", "aws");
    runs.prod = await render("prod", "aws");
  }, 240_000);

  it.each(["dev", "prod"])(
    "%s: generates the key and stores it in Secrets Manager like the database secret",
    (s) => {
      const run = runs[s]!;
      const name = `${run.spec.name}-bootstrap-api-key`;
      expect(run.one(RANDOM_BYTES_TYPE, name).props.length).toBe(32);
      expect(run.key).toMatch(ISSUED_API_KEY);
      const secret = run.one("aws:secretsmanager/secret:Secret", name);
      expect(secret.props).toMatchObject({
        name: `${run.spec.name}/bootstrap-api-key`,
        recoveryWindowInDays: s === "prod" ? 30 : 0,
        tags: expect.objectContaining(run.spec.tags),
      });
      // Encrypted with the aws/secretsmanager key, like the RDS-managed secret: no kms:Decrypt grant needed.
      expect(secret.props.kmsKeyId).toBeUndefined();
      const version = run.one("aws:secretsmanager/secretVersion:SecretVersion", name);
      expect(version.props.secretId).toBe(secret.state.arn);
      expect(isSecret(version.props.secretString)).toBe(true);
      expect(plain(version.props.secretString)).toBe(run.key);
      expectKeyOnlyInSecrets(run, name);
    },
  );

  it.each(["dev", "prod"])(
    "%s: reaches the API through the task's `secrets`, pinned to the stored version",
    (s) => {
      const run = runs[s]!;
      const name = `${run.spec.name}-bootstrap-api-key`;
      const arn = String(run.one("aws:secretsmanager/secret:Secret", name).state.arn);
      const versionId = String(
        run.one("aws:secretsmanager/secretVersion:SecretVersion", name).state.versionId,
      );
      const definitions = JSON.parse(
        String(
          run.one("aws:ecs/taskDefinition:TaskDefinition", `${run.spec.name}-api`).props.containerDefinitions,
        ),
      ) as {
        name: string;
        environment?: { name: string }[];
        secrets?: { name: string; valueFrom: string }[];
      }[];
      const api = definitions.find((d) => d.name === "api")!;
      expect(api.secrets).toContainEqual({ name: "BOOTSTRAP_API_KEY", valueFrom: `${arn}:::${versionId}` });
      // Which version the tasks read, in plain sight (not secret), named as on Azure.
      expect(api.environment).toContainEqual({ name: BOOTSTRAP_KEY_VERSION_VARIABLE, value: versionId });
      for (const d of definitions) {
        expect((d.environment ?? []).map((e) => e.name)).not.toContain("BOOTSTRAP_API_KEY");
        if (d.name !== "api") expect(JSON.stringify(d)).not.toContain(arn);
      }
    },
  );

  it.each(["dev", "prod"])("%s: only the task execution role may read the secret, and nothing more", (s) => {
    const run = runs[s]!;
    const arn = String(
      run.one("aws:secretsmanager/secret:Secret", `${run.spec.name}-bootstrap-api-key`).state.arn,
    );
    const executionRoleId = fakeId(run.one("aws:iam/role:Role", `${run.spec.name}-task-execution`));
    const policies = run.all("aws:iam/rolePolicy:RolePolicy").map((p) => ({
      role: p.props.role,
      doc: JSON.parse(String(p.props.policy)) as {
        Statement: { Sid?: string; Action: string | string[]; Resource: unknown }[];
      },
    }));
    const granting = policies.filter((p) => JSON.stringify(p.doc).includes(arn));
    expect(granting.map((p) => p.role)).toEqual([executionRoleId]);
    const statements = granting[0]!.doc.Statement.filter((st) => JSON.stringify(st.Resource).includes(arn));
    expect(statements).toEqual([
      {
        Sid: "BootstrapKeySecret",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: arn,
      },
    ]);
    // No wildcard reads of Secrets Manager anywhere.
    for (const { doc } of policies) {
      for (const st of doc.Statement) {
        if (JSON.stringify(st.Action).includes("secretsmanager"))
          expect(JSON.stringify(st.Resource)).not.toContain("*");
      }
    }
    // The task definition runs with that execution role.
    expect(
      run.one("aws:ecs/taskDefinition:TaskDefinition", `${run.spec.name}-api`).props.executionRoleArn,
    ).toBe(run.one("aws:iam/role:Role", `${run.spec.name}-task-execution`).state.arn);
  });

  it.each(["dev", "prod"])("%s: never logs ECS Exec sessions (where `apikey create` prints keys)", (s) => {
    const cluster = runs[s]!.one("aws:ecs/cluster:Cluster");
    expect(cluster.props.configuration).toEqual({ executeCommandConfiguration: { logging: "NONE" } });
  });

  it.each(["dev", "prod"])("%s: exports the key as a secret stack output", (s) => {
    const run = runs[s]!;
    expect(run.outputIsSecret).toBe(true);
    expect(run.result.outputs.bootstrapApiKey).toBe(run.key);
  });
});

describe("Azure", () => {
  let run: Run;
  beforeAll(async () => {
    run = await render("dev", "azure");
  }, 240_000);

  it("generates the key and stores it in the stack's Key Vault, as a secret input", () => {
    expect(run.one(RANDOM_BYTES_TYPE, "bootstrap-api-key").props.length).toBe(32);
    expect(run.key).toMatch(ISSUED_API_KEY);
    const vault = run.one("azure-native:keyvault:Vault");
    const secret = run.one("azure-native:keyvault:Secret", "bootstrap-api-key-secret");
    expect(isSecret(secret.props.properties)).toBe(true);
    expect(plain(secret.props)).toMatchObject({
      vaultName: vault.state.name,
      secretName: "bootstrap-api-key",
      properties: { value: run.key, contentType: "text/plain" },
      tags: run.spec.tags,
    });
    expectKeyOnlyInSecrets(run, "bootstrap-api-key");
  });

  it("reaches the API as a Key Vault reference read with the app identity, pinned to the stored version", () => {
    const secret = run.one("azure-native:keyvault:Secret", "bootstrap-api-key-secret");
    const versioned = String((secret.state.properties as any).secretUriWithVersion);
    const app = plain(run.one("azure-native:app:ContainerApp").props);
    const identityId = fakeId(run.one("azure-native:managedidentity:UserAssignedIdentity", "api-identity"));
    expect(app.configuration.secrets).toContainEqual({
      name: "bootstrap-api-key",
      keyVaultUrl: versioned,
      identity: identityId,
    });
    expect(app.identity.userAssignedIdentities).toEqual([identityId]);
    const env = app.template.containers[0].env as { name: string; value?: string; secretRef?: string }[];
    expect(env.filter((e) => e.name === "BOOTSTRAP_API_KEY")).toEqual([
      { name: "BOOTSTRAP_API_KEY", secretRef: "bootstrap-api-key" },
    ]);
    // A rotation (new version) changes the revision template, so a new revision reads the new key.
    expect(env.find((e) => e.name === BOOTSTRAP_KEY_VERSION_VARIABLE)?.value).toBe(
      versioned.split("/").pop(),
    );
    expect(versioned.split("/").pop()).toMatch(/^[0-9a-f]{32}$/);
  });

  it("only the app identity may read the key (Key Vault Secrets User on that secret, not on the vault)", () => {
    const vault = run.one("azure-native:keyvault:Vault");
    const secret = run.one("azure-native:keyvault:Secret", "bootstrap-api-key-secret");
    const identity = run.one("azure-native:managedidentity:UserAssignedIdentity", "api-identity");
    const grants = run.all("azure-native:authorization:RoleAssignment").map((r) => plain(r.props));
    const onKey = grants.filter((g) => g.scope === fakeId(secret));
    expect(onKey).toHaveLength(1);
    expect(onKey[0]).toMatchObject({
      principalId: identity.state.principalId,
      principalType: "ServicePrincipal",
    });
    expect(String(onKey[0].roleDefinitionId).split("/").pop()).toBe(ROLE_DEFINITION_IDS.keyVaultSecretsUser);
    // Nobody may read the whole vault (and so the database administrator's break-glass password).
    expect(grants.filter((g) => g.scope === fakeId(vault))).toEqual([]);
    // The vault holds the bootstrap key and the administrator's password, and nothing else.
    expect(
      run
        .all("azure-native:keyvault:Secret")
        .map((s) => plain(s.props).secretName)
        .sort(),
    ).toEqual(["bootstrap-api-key", "database-password"]);
  });

  it("exports the key as a secret stack output", () => {
    expect(run.outputIsSecret).toBe(true);
    expect(run.result.outputs.bootstrapApiKey).toBe(run.key);
  });
});
