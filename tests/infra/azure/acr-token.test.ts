/**
 * infra/azure/acr-token.ts (issue 11, point 5): the program obtains push credentials for the registry it
 * creates (the deployer's Entra ID token exchanged for an ACR refresh token), as a secret, at `pulumi up` only.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import {
  ACR_REFRESH_TOKEN_USERNAME,
  acrPushCredentials,
  exchangeForAcrRefreshToken,
  setAcrTokenExchange,
} from "../../../infra/azure/acr-token.js";
import type { StackOutputs } from "../../../infra/outputs.js";
import { program } from "../../../infra/program.js";
import { MOCK_AZURE, mockAcrRefreshToken, mockAcrTokenExchange } from "../../../tools/mock/azure.js";
import { runUnderMocks } from "../../../tools/mock/run.js";

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const isSecret = (v: unknown): v is { value: unknown } =>
  typeof v === "object" && v !== null && SECRET_SIG_KEY in v;

describe("Azure push credentials: the deployer's Entra ID token exchanged for an ACR refresh token", () => {
  const request = {
    loginServer: "twincloudstagingacr1a2b3c.azurecr.io",
    tenantId: MOCK_AZURE.tenantId,
    accessToken: "entra-access-token-do-not-log",
  };

  function fakeFetch(answers: (Response | Error)[]) {
    const calls: { url: string; init: RequestInit }[] = [];
    const impl = (async (url: string | URL | Request, init?: RequestInit) => {
      calls.push({ url: String(url), init: init ?? {} });
      const next = answers.shift();
      if (!next) throw new Error("no more answers");
      if (next instanceof Error) throw next;
      return next;
    }) as typeof fetch;
    return { calls, impl };
  }

  it("posts grant_type=access_token, service, tenant and the token to https://<loginServer>/oauth2/exchange", async () => {
    const f = fakeFetch([Response.json({ refresh_token: "acr-refresh-token" })]);
    await expect(exchangeForAcrRefreshToken(request, { fetch: f.impl })).resolves.toBe("acr-refresh-token");
    expect(f.calls).toHaveLength(1);
    expect(f.calls[0]?.url).toBe("https://twincloudstagingacr1a2b3c.azurecr.io/oauth2/exchange");
    expect(f.calls[0]?.init.method).toBe("POST");
    const form = new URLSearchParams(String(f.calls[0]?.init.body));
    expect(Object.fromEntries(form)).toEqual({
      grant_type: "access_token",
      service: request.loginServer,
      tenant: request.tenantId,
      access_token: request.accessToken,
    });
  });

  it("waits for a just-created registry (DNS not resolving yet, 404, 5xx) and then succeeds", async () => {
    const slept: number[] = [];
    const f = fakeFetch([
      new TypeError("fetch failed: getaddrinfo ENOTFOUND"),
      new Response("not yet", { status: 404 }),
      new Response("busy", { status: 503 }),
      Response.json({ refresh_token: "late-token" }),
    ]);
    const token = await exchangeForAcrRefreshToken(request, {
      fetch: f.impl,
      delaysMs: [1, 2, 3, 4],
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    expect(token).toBe("late-token");
    expect(slept).toEqual([1, 2, 3]);
  });

  it("fails at once on 401/403 with what to fix, never echoing the Entra token", async () => {
    const f = fakeFetch([new Response('{"errors":[{"code":"UNAUTHORIZED"}]}', { status: 401 })]);
    const error = await exchangeForAcrRefreshToken(request, { fetch: f.impl, delaysMs: [1, 1] }).catch(
      (e: Error) => e,
    );
    expect(f.calls).toHaveLength(1);
    expect(String(error)).toMatch(/AcrPush, Contributor or Owner/);
    expect(String(error)).not.toContain(request.accessToken);
  });

  it("gives up after its retries with the last problem", async () => {
    const f = fakeFetch([
      new Response("a", { status: 500 }),
      new Response("b", { status: 502 }),
      new Response("c", { status: 503 }),
    ]);
    const error = await exchangeForAcrRefreshToken(request, {
      fetch: f.impl,
      delaysMs: [1, 1],
      sleep: async () => {},
    }).catch((e: Error) => e);
    expect(f.calls).toHaveLength(3);
    expect(String(error)).toMatch(/HTTP 503/);
  });

  describe("under mocks", () => {
    afterEach(() => {
      // Back to the mocks' own exchange (installed by tools/mock/azure.ts).
      setAcrTokenExchange(mockAcrTokenExchange);
    });

    it("a first deploy creates the registry and pushes in one run, with a secret refresh token for it", async () => {
      const exchanged: { loginServer: string; tenantId: string; accessToken: string }[] = [];
      setAcrTokenExchange(async (req) => {
        exchanged.push(req);
        return mockAcrRefreshToken(req.loginServer);
      });
      const result = await runUnderMocks<StackOutputs>(program, {
        stack: "staging",
        config: { "twincloud:cloud": "azure", "azure-native:location": "westeurope" },
      });
      const registry = result.resources.find((r) => r.type === "azure-native:containerregistry:Registry");
      const server = `${String(registry?.props.registryName)}.azurecr.io`;
      expect(exchanged).toEqual([
        { loginServer: server, tenantId: MOCK_AZURE.tenantId, accessToken: MOCK_AZURE.armAccessToken },
      ]);
      const image = result.resources.find((r) => r.type === "docker:index/image:Image");
      const creds = image?.props.registry as Record<string, unknown>;
      const password = isSecret(creds) ? (creds.value as Record<string, unknown>).password : creds.password;
      const secret = isSecret(creds) || isSecret(password);
      expect(secret).toBe(true);
      const plainPassword = isSecret(password) ? password.value : password;
      expect(plainPassword).toBe(mockAcrRefreshToken(server));
      expect(isSecret(creds) ? (creds.value as Record<string, unknown>).username : creds.username).toBe(
        ACR_REFRESH_TOKEN_USERNAME,
      );
      expect(result.invokes).toContain("azure-native:authorization:getClientToken");
    });

    it("uses TWINCLOUD_ACR_REFRESH_TOKEN instead of the exchange when set (offline rehearsals)", async () => {
      let called = 0;
      setAcrTokenExchange(async () => {
        called++;
        return "never";
      });
      process.env.TWINCLOUD_ACR_REFRESH_TOKEN = "supplied-refresh-token";
      let password: string | undefined;
      let secret: boolean | undefined;
      try {
        await runUnderMocks(
          async () => {
            const creds = acrPushCredentials(pulumi.output("existingacr.azurecr.io"));
            password = await new Promise<string>((resolve) => creds.password.apply(resolve));
            secret = await (creds.password as unknown as { isSecret: Promise<boolean> }).isSecret;
            return {};
          },
          { stack: "staging", config: {} },
        );
      } finally {
        delete process.env.TWINCLOUD_ACR_REFRESH_TOKEN;
      }
      expect(called).toBe(0);
      expect(password).toBe("supplied-refresh-token");
      expect(secret).toBe(true);
    });

    it("a preview never calls the registry, even when its login server is known", async () => {
      let called = 0;
      setAcrTokenExchange(async () => {
        called++;
        return "never";
      });
      let known: boolean | undefined;
      let secret: boolean | undefined;
      await runUnderMocks(
        async () => {
          const creds = acrPushCredentials(pulumi.output("existingacr.azurecr.io"));
          known = await (creds.password as unknown as { isKnown: Promise<boolean> }).isKnown;
          secret = await (creds.password as unknown as { isSecret: Promise<boolean> }).isSecret;
          return {};
        },
        { stack: "staging", config: {}, preview: true },
      );
      expect(called).toBe(0);
      expect(known).toBe(false);
      expect(secret).toBe(true);
    });
  });
});
