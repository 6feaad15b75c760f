/**
 * Error tracking (Sentry) on both clouds, when `twincloud:sentryDsn` is set (`spec.errorTracking.enabled`):
 * the DSN, a Pulumi secret, goes into the cloud's secret store (AWS Secrets Manager `<name>/sentry-dsn`, Key
 * Vault `sentry-dsn`) and reaches the API as SENTRY_DSN through the same mechanism as the bootstrap key, pinned
 * to the stored version; SENTRY_ENVIRONMENT is the stack (the spec's plain environment) and SENTRY_RELEASE the
 * deployed image's digest (below). The spec only says whether the DSN is set: its value is read here, as a
 * secret, by each cloud's program, and is never a plain input of any resource.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_NAME } from "./spec/constants.js";

/** The stack config key (`twincloud:sentryDsn`), set with `pulumi config set --secret`. */
const SENTRY_DSN_KEY = "sentryDsn";

/** The DSN, always a Pulumi secret (even if the operator forgot `--secret`). */
export function sentryDsn(): pulumi.Output<string> {
  return new pulumi.Config(PROJECT_NAME).requireSecret(SENTRY_DSN_KEY);
}

/**
 * The release events are filed under: the digest of the image the replicas run (`sha256:<64 hex>`), taken
 * from the deployed reference (`<registry>/<repository>@sha256:…`). The API refuses slashes in a release
 * (api/config.ts SENTRY_RELEASE), so the registry and repository are left out: the digest alone names the image.
 */
export function sentryRelease(imageRef: string): string {
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(imageRef)?.[1];
  if (!digest) throw new Error(`infra/error-tracking.ts: expected an image by digest, got ${imageRef}`);
  return digest;
}
