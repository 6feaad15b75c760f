/**
 * Push credentials for the stack's own Azure Container Registry: no admin user, no stored password, no
 * `docker login`/`az acr login` step, and it works on the first deploy, when the registry is created by the
 * same `pulumi up` that pushes.
 *
 * The program asks the azure-native provider for an Entra ID access token of the identity running `pulumi up`
 * (`authorization.getClientToken`: Azure Resource Manager audience; the provider's own credential, so GitHub
 * OIDC with `ARM_USE_OIDC` in CI and `az login` on a laptop alike), and exchanges it at the registry for an
 * ACR refresh token (`POST https://<loginServer>/oauth2/exchange`, `grant_type=access_token`: the exchange
 * `az acr login` performs, documented in https://github.com/Azure/acr/blob/main/docs/AAD-OAuth.md). Docker
 * authenticates with that refresh token as the password of the fixed user
 * `00000000-0000-0000-0000-000000000000`, which is what `az acr login --expose-token` prints. The refresh
 * token is valid about three hours, lives only in this process and, as a Pulumi secret, encrypted in the
 * image resource's state inputs. What it may do is decided by the deployer's own role on the registry
 * (AcrPush, Contributor or Owner).
 *
 * The exchange runs only during `pulumi up`, once the registry's login server is known: a preview never calls
 * the registry (the image is not built on preview), so previews of a new stack and offline runs work.
 *
 * `TWINCLOUD_ACR_REFRESH_TOKEN`, when set, is used instead of the exchange (and nothing calls the registry's
 * token endpoint): for offline rehearsals of `pulumi up` against stub providers, or a caller that already holds
 * a refresh token (`az acr login --name <registry> --expose-token --query accessToken -o tsv`).
 */
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as pulumi from "@pulumi/pulumi";

/** The user name ACR expects with a refresh token (`az acr login --expose-token` prints the same). */
export const ACR_REFRESH_TOKEN_USERNAME = "00000000-0000-0000-0000-000000000000";

export interface AcrTokenRequest {
  /** `<name>.azurecr.io` */
  loginServer: string;
  tenantId: string;
  /** Entra ID access token of the deploying identity (Azure Resource Manager audience). */
  accessToken: string;
}

/** Exchanges an Entra ID access token for an ACR refresh token. */
export type AcrTokenExchange = (request: AcrTokenRequest) => Promise<string>;

export interface ExchangeOptions {
  fetch?: typeof fetch;
  /** Waits between attempts (ms); a just-created registry's DNS name can take a moment to resolve. */
  delaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_DELAYS_MS = [2_000, 4_000, 8_000, 16_000, 30_000];

/** Retries network failures, 404 (a registry still being provisioned), 429 and 5xx; fails fast otherwise. */
export async function exchangeForAcrRefreshToken(
  request: AcrTokenRequest,
  options: ExchangeOptions = {},
): Promise<string> {
  const doFetch = options.fetch ?? fetch;
  const delays = options.delaysMs ?? DEFAULT_DELAYS_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const url = `https://${request.loginServer}/oauth2/exchange`;
  const body = new URLSearchParams({
    grant_type: "access_token",
    service: request.loginServer,
    tenant: request.tenantId,
    access_token: request.accessToken,
  });
  let lastProblem = "";
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    if (attempt > 0) await sleep(delays[attempt - 1] ?? 0);
    let response: Response;
    try {
      response = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
      continue;
    }
    if (response.ok) {
      const payload = (await response.json().catch(() => ({}))) as { refresh_token?: unknown };
      if (typeof payload.refresh_token === "string" && payload.refresh_token.length > 0) {
        return payload.refresh_token;
      }
      throw new Error(`${url} answered ${response.status} without a refresh_token`);
    }
    const detail = (await response.text().catch(() => "")).slice(0, 300);
    lastProblem = `HTTP ${response.status} ${detail}`.trim();
    if (response.status === 401 || response.status === 403 || response.status === 400) {
      throw new Error(
        `${request.loginServer} refused to exchange the deploying identity's Entra ID token (${lastProblem}). ` +
          "The identity running `pulumi up` needs push rights on the registry (AcrPush, Contributor or Owner), " +
          "and the registry must accept Azure Resource Manager-audience tokens " +
          "(policies.azureADAuthenticationAsArmPolicy enabled, the default). See docs/aws-vs-azure-side-by-side.md.",
      );
    }
    if (!(response.status === 404 || response.status === 429 || response.status >= 500)) break;
  }
  throw new Error(`Could not obtain an ACR refresh token from ${url}: ${lastProblem}`);
}

let exchange: AcrTokenExchange = (request) => exchangeForAcrRefreshToken(request);

/** Replaces the exchange (offline runs under mocks); `undefined` restores the HTTP exchange. */
export function setAcrTokenExchange(replacement: AcrTokenExchange | undefined): void {
  exchange = replacement ?? ((request) => exchangeForAcrRefreshToken(request));
}

export interface RegistryCredentials {
  server: pulumi.Output<string>;
  username: string;
  /** Secret; unknown during a preview. */
  password: pulumi.Output<string>;
}

/** `docker.Image` `registry` credentials for the registry behind `loginServer`, minted at `pulumi up`. */
export function acrPushCredentials(
  loginServer: pulumi.Output<string>,
  opts?: pulumi.InvokeOutputOptions,
): RegistryCredentials {
  const supplied = process.env.TWINCLOUD_ACR_REFRESH_TOKEN;
  if (supplied) {
    return { server: loginServer, username: ACR_REFRESH_TOKEN_USERNAME, password: pulumi.secret(supplied) };
  }
  const client = authorization.getClientConfigOutput(opts);
  const token = authorization.getClientTokenOutput({}, opts);
  const password = pulumi
    .all([loginServer, client.tenantId, pulumi.secret(token.token)])
    .apply(async ([server, tenantId, accessToken]) =>
      // No registry call on preview: the value stays unknown, like the digest of the image it would push.
      pulumi.runtime.isDryRun()
        ? (pulumi.unknown as unknown as string)
        : exchange({ loginServer: server, tenantId, accessToken }),
    );
  return { server: loginServer, username: ACR_REFRESH_TOKEN_USERNAME, password: pulumi.secret(password) };
}
