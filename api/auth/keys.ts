import { createHash, randomBytes } from "node:crypto";

export const SCOPES = ["read", "write"] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyPrincipal {
  id: string;
  name: string;
  scopes: readonly Scope[];
}

export interface ApiKeyRecord extends ApiKeyPrincipal {
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Every key we issue starts with this (the infrastructure generates the bootstrap key in the same format). */
const API_KEY_PREFIX = "tc_";
/** Random bytes per key: 256 bits. */
export const API_KEY_BYTES = 32;
/** The format of the keys we issue: `tc_` + the base64url form of 32 random bytes (43 characters). */
export const ISSUED_API_KEY = /^tc_[A-Za-z0-9_-]{43}$/;

/** `tc_` + the base64url (no padding) form of `bytes`. */
export function formatApiKey(bytes: Uint8Array): string {
  return API_KEY_PREFIX + Buffer.from(bytes).toString("base64url");
}

/** 32 random bytes (256 bits) → `tc_` + 43 base64url characters. */
export function generateApiKey(): string {
  return formatApiKey(randomBytes(API_KEY_BYTES));
}

/**
 * SHA-256, unsalted, on purpose: API keys are 256-bit random secrets, not human passwords, so there is
 * nothing to brute-force and a slow KDF (bcrypt/argon2) would only burn CPU on every cache miss. The hash
 * makes a leaked table useless and lets us look a key up by equality on a unique index.
 */
export function hashApiKey(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/**
 * The name that marks the bootstrap key (BOOTSTRAP_API_KEY). Reserved: `npm run apikey -- create` refuses it,
 * because every key with this name except the configured one is revoked when the bootstrap key rotates.
 */
export const BOOTSTRAP_KEY_NAME = "bootstrap";
