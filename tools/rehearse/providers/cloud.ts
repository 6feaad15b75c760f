/**
 * The rehearsal's cloud identity and what every stub answer starts from: the account, subscription and
 * tenant, the provider instance's configuration and region, and the two errors an answer may raise. The values
 * follow the offline plan's mocks (tools/mock/aws.ts, tools/mock/azure.ts: same subscription, tenant and
 * domains; the AWS account is 111111111111 because the program refuses AWS's documentation accounts, the
 * mocks' 123456789012, in operator values such as the certificate ARN). Nothing here uses the network.
 *
 * Where the rest lives: computed outputs per type token in outputs/ (aws.ts `AWS_OUTPUTS`, azure.ts
 * `AZURE_OUTPUTS`, docker.ts, random.ts; index.ts `resourceState`, aws-state.ts), invokes in invokes.ts,
 * autonames in names.ts, the image registry's memory in registry.ts.
 */
import { type Props, str, type Value } from "./values.js";

/** The rehearsal account: not one of AWS's documentation accounts (the program refuses those in operator values). */
export const AWS_ACCOUNT_ID = "111111111111";
export const AZURE = {
  subscriptionId: "00000000-1111-2222-3333-444444444444",
  tenantId: "99999999-8888-7777-6666-555555555555",
  deployerObjectId: "abababab-cdcd-efef-0101-232323232323",
  deployerClientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
  location: "westeurope",
  environmentDomain: "kindocean-1a2b3c4d.westeurope.azurecontainerapps.io",
} as const;

/** The provider instance's configuration (Configure's variables and args, keys without the package prefix). */
export interface ProviderContext {
  pkg: string;
  config: Record<string, Value>;
}

/** A function this stub does not answer (a gap in the stub, not an answer of the cloud). */
export class InvokeError extends Error {}
/** An error the real cloud API would answer with (not found, refused). */
export class CloudError extends Error {}

export function awsRegion(ctx: ProviderContext, inputs?: Props): string {
  return str(
    inputs?.region,
    str(ctx.config.region, process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? ""),
  );
}

/** The AWS zone-id prefix of a region (`eu-west-1` → `euw1`). */
export function azShort(region: string): string {
  const [geo = "xx", dir = "", num = "1"] = region.split("-");
  return `${geo}${dir.replace(/^(north|south)?(east|west|central)?.*$/, (_m, ns?: string, ew?: string) => `${ns?.[0] ?? ""}${ew?.[0] ?? ""}`)}${num}`;
}
