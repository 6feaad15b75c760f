/**
 * The bootstrap API key both clouds generate: random bytes in Pulumi state (a secret), formatted exactly like
 * the keys the API issues (`tc_` + 43 base64url characters), stored in the cloud's secret store, handed to the
 * API as BOOTSTRAP_API_KEY through the same mechanism as the database password, and exported as the secret
 * stack output `bootstrapApiKey` (what the pipeline's smoke test authenticates with).
 *
 * Rotation: replace the random resource (`pulumi up --replace <its URN>`); the cloud's secret gets a new
 * version, the API's tasks/revision are replaced to read it, and the API revokes the previous bootstrap key
 * when the new one is first ensured (api/db/api-keys.ts `ensureBootstrapKey`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { API_KEY_BYTES, formatApiKey } from "../api/auth/keys.js";

/**
 * A plain, non-secret container variable naming the stored version of the key (Secrets Manager version id /
 * Key Vault secret version), the same on both clouds. On Azure it is what starts a new revision when the key
 * rotates (secrets are app-scoped, changing one starts none); on AWS the pinned `valueFrom` already changes
 * the task definition. Either way it shows which key version a task or revision runs with.
 */
export const BOOTSTRAP_KEY_VERSION_VARIABLE = "BOOTSTRAP_KEY_VERSION";

/** The stack output holding the key (a Pulumi secret). */
export const BOOTSTRAP_KEY_OUTPUT = "bootstrapApiKey";
export const RANDOM_BYTES_TYPE = "random:index/randomBytes:RandomBytes";

/** The API's key format from RandomBytes' base64 (standard alphabet, padded). */
export function bootstrapKeyFromBase64(base64: string): string {
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length !== API_KEY_BYTES) {
    throw new Error(`bootstrap API key: expected ${API_KEY_BYTES} random bytes, got ${bytes.length}`);
  }
  return formatApiKey(bytes);
}

export interface BootstrapKey {
  /** Replace this resource to rotate the key. */
  bytes: random.RandomBytes;
  /** The key, always a Pulumi secret. */
  key: pulumi.Output<string>;
}

export function createBootstrapKey(name: string, opts?: pulumi.CustomResourceOptions): BootstrapKey {
  const bytes = new random.RandomBytes(name, { length: API_KEY_BYTES }, opts);
  return { bytes, key: pulumi.secret(bytes.base64.apply(bootstrapKeyFromBase64)) };
}
