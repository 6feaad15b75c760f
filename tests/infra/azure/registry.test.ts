// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/**
 * infra/azure/registry.ts: the registry and the image pushed to it without admin credentials, per shipped stack
 * under mocks, and a pinned digest deployed without building.
 */
import { describe, expect, it } from "vitest";
import { ACR_REFRESH_TOKEN_USERNAME } from "../../../infra/azure/acr-token.js";
import { checkPinnedImage } from "../../../infra/azure/registry.js";
import type { StackOutputs } from "../../../infra/outputs.js";
import { program } from "../../../infra/program.js";
import type { ServiceSpec } from "../../../infra/spec/index.js";
import { mockAcrRefreshToken, mockInvokes } from "../../../tools/mock/azure.js";
import { fakeId } from "../../../tools/mock/fake-id.js";
import { runUnderMocks } from "../../../tools/mock/run.js";
import { apiContainer, apiIdentity, migratorIdentity, T, useAzureStacks } from "../../support/azure-stack.js";
import { STACKS } from "../../support/rendered.js";
import { isSecret, plain } from "../../support/stacks.js";

const run = useAzureStacks();

describe.each(STACKS)("Azure stack %s", (stack) => {
  it("uses no admin credential anywhere", () => {
    const r = run(stack);
    expect(r.props(T.registry).adminUserEnabled).toBe(false);
    expect(r.props(T.registry).anonymousPullEnabled).toBe(false);
    const cfg = r.props(T.app).configuration;
    expect(cfg.registries).toEqual([
      { server: `${r.props(T.registry).registryName}.azurecr.io`, identity: fakeId(apiIdentity(r)) },
    ]);
    // The migration job pulls the same image with its own identity.
    expect(r.props(T.job).configuration.registries).toEqual([
      { server: `${r.props(T.registry).registryName}.azurecr.io`, identity: fakeId(migratorIdentity(r)) },
    ]);
    for (const reg of [...cfg.registries, ...r.props(T.job).configuration.registries]) {
      expect(reg).not.toHaveProperty("passwordSecretRef");
      expect(reg).not.toHaveProperty("username");
    }
    // The image push authenticates as the deployer: its Entra ID token (getClientToken), exchanged at `pulumi
    // up` for an ACR refresh token that reaches the provider only as a secret (infra/azure/acr-token.ts).
    const server = `${r.props(T.registry).registryName}.azurecr.io`;
    expect(r.props(T.image).registry).toEqual({
      server,
      username: ACR_REFRESH_TOKEN_USERNAME,
      password: mockAcrRefreshToken(server),
    });
    const rawRegistry = r.one(T.image).props.registry as { password?: unknown };
    expect(isSecret(rawRegistry) || isSecret(rawRegistry.password)).toBe(true);
    // Admin credentials are never fetched, and no registry token with a stored password exists.
    expect(r.result.invokes.filter((i) => /listRegistryCredentials|listCredentials|Token/i.test(i))).toEqual([
      "azure-native:authorization:getClientToken",
    ]);
    expect(r.result.resources.filter((x) => /containerregistry:(Token|ScopeMap)/.test(x.type))).toEqual([]);
    expect([...new Set(r.result.invokes)].sort()).toEqual(Object.keys(mockInvokes).sort());
  });

  it("runs the pushed image by digest, built for linux/amd64", () => {
    const r = run(stack);
    const image = r.props(T.image);
    expect(image.build).toMatchObject({ context: ".", dockerfile: "Dockerfile", platform: "linux/amd64" });
    expect(image.skipPush).toBe(false);
    expect(apiContainer(r).image).toBe(r.result.outputs.imageDigest);
    expect(r.result.outputs.imageDigest).toMatch(/^[a-z0-9]+\.azurecr\.io\/[a-z0-9-]+@sha256:[0-9a-f]{64}$/);
  });
});

describe("Azure rollback by digest (twincloud:imageDigest)", () => {
  it("runs the pinned image from the stack's registry without building", async () => {
    const base = run("staging");
    const server = `${base.props(T.registry).registryName}.azurecr.io`;
    const digest = `${server}/${base.spec.image.repositoryName}@sha256:${"ab".repeat(32)}`;
    const result = await runUnderMocks<StackOutputs>(program, {
      stack: "staging",
      config: { ...base.config, "twincloud:imageDigest": digest },
    });
    expect(result.resources.filter((x) => x.type === T.image)).toEqual([]);
    const app = plain(result.resources.find((x) => x.type === T.app)?.props);
    expect(app.template.containers[0].image).toBe(digest);
    expect(result.outputs.imageDigest).toBe(digest);
  });

  it("refuses a digest outside ACR or of another repository, before declaring anything", () => {
    const base = run("staging");
    const withDigest = (digest: string): ServiceSpec => ({
      ...base.spec,
      image: { ...base.spec.image, digest },
    });
    const sha = `@sha256:${"cd".repeat(32)}`;
    expect(() =>
      checkPinnedImage(withDigest(`crabc123.azurecr.io/twincloud-staging-api${sha}`)),
    ).not.toThrow();
    expect(() =>
      checkPinnedImage(
        withDigest(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/twincloud-staging-api${sha}`),
      ),
    ).toThrow(/on Azure expected <registry>\.azurecr\.io\/twincloud-staging-api@sha256/);
    expect(() => checkPinnedImage(withDigest(`crabc123.azurecr.io/other-api${sha}`))).toThrow(/imageDigest/);
  });
});
