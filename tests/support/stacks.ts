/**
 * Stack config and spec helpers the tests share: a shipped stack's config rendered on a cloud the way the
 * offline plan and the rehearsal render it (provider defaults, the operator values an offline rendering
 * assumes), the spec built from it, and captured inputs with Pulumi secrets unwrapped or blanked.
 */
import type { Cloud, ServiceSpec, Tier } from "../../infra/spec/index.js";
import { specOfConfig } from "../../tools/stacks/assumptions.js";
import { renderedStackConfig } from "../../tools/stacks/stack-file.js";

export { specOfConfig };

/**
 * `Pulumi.<stack>.yaml` rendered on `cloud` (a what-if when the stack ships on the other one), full `ns:key`
 * names, with the operator values the stack file leaves to the operator (alert address, certificate, domain)
 * assumed.
 */
export function stackConfig(stack: Tier, cloud: Cloud): Record<string, string> {
  return renderedStackConfig(stack, cloud).config;
}

/** The spec the program builds for `stackConfig(stack, cloud)`. */
export function stackSpec(stack: Tier, cloud: Cloud): ServiceSpec {
  return specOfConfig(stack, stackConfig(stack, cloud));
}

/** Pulumi's wire signature for secrets (`@pulumi/pulumi/runtime/rpc`), kept by the mock monitor. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

export const isSecret = (v: unknown): v is { value: unknown } =>
  typeof v === "object" && v !== null && SECRET_SIG_KEY in v;

function mapSecrets(value: unknown, secret: (v: { value: unknown }) => unknown): unknown {
  if (isSecret(value)) return secret(value);
  if (Array.isArray(value)) return value.map((v) => mapSecrets(v, secret));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapSecrets(v, secret)]));
  }
  return value;
}

/** Inputs with Pulumi secrets unwrapped (what the provider and CrossGuard resource policies see). */
// biome-ignore lint/suspicious/noExplicitAny: tests read deep into captured inputs
export function plain(value: unknown): any {
  return mapSecrets(value, (s) => plain(s.value));
}

/** Inputs with every secret value blanked: what would be stored or shown in plain text. */
export function withoutSecrets(value: unknown): unknown {
  return mapSecrets(value, () => "[secret]");
}
