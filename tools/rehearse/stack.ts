/**
 * The stack a rehearsal deploys: the shipped stack file's configuration (with `--cloud` and rehearsal values for
 * missing operator values), the project directory the engine works in, and the policy pack arguments CI uses.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { PROVIDER_DEFAULTS, withAssumedOperatorValues } from "../stacks/assumptions.js";

export const PROJECT = "twincloud";

export type Config = Record<string, unknown>;

export interface StackSetup {
  config: Config;
  /** Keys whose shipped value is a `secure:` ciphertext for another passphrase: set again as rehearsal secrets. */
  secrets: string[];
  assumptions: string[];
  cloud: string;
  environment: string;
}

/** The shipped stack file's config, with `--cloud` applied and rehearsal values where operator values are missing. */
export function stackSetup(root: string, stack: string, cloudOverride?: string): StackSetup {
  const shipped = parseYaml(readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Config;
  } | null;
  const config: Config = {};
  const secrets: string[] = [];
  for (const [key, value] of Object.entries(shipped?.config ?? {})) {
    const full = key.includes(":") ? key : `${PROJECT}:${key}`;
    if (value && typeof value === "object" && "secure" in value) secrets.push(full);
    else config[full] = value;
  }
  const assumptions: string[] = secrets.map(
    (key) => `${key}: the shipped value is encrypted for the real stack; a rehearsal secret is used instead`,
  );
  if (cloudOverride) config[`${PROJECT}:cloud`] = cloudOverride;
  const cloud = String(config[`${PROJECT}:cloud`] ?? "");
  const environment = String(config[`${PROJECT}:environment`] ?? stack);
  const ownCloud =
    typeof shipped?.config?.[`${PROJECT}:cloud`] === "string"
      ? shipped.config[`${PROJECT}:cloud`]
      : undefined;
  const regionKey = cloud === "aws" ? "aws:region" : cloud === "azure" ? "azure-native:location" : undefined;
  if (regionKey && config[regionKey] === undefined) {
    config[regionKey] = PROVIDER_DEFAULTS[regionKey];
    assumptions.push(`the stack file sets no ${regionKey}, so ${regionKey}=${config[regionKey]} is assumed`);
  }
  // The operator values the offline plan assumes too (marked in their names: .rehearsal TLD, account 0).
  const asStrings = Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
  const assumed = withAssumedOperatorValues(stack, asStrings, ownCloud as string | undefined);
  for (const [key, value] of Object.entries(assumed.config)) if (!(key in config)) config[key] = value;
  assumptions.push(...assumed.assumptions);
  return { config, secrets, assumptions, cloud, environment };
}

/**
 * A project directory for the engine: symlinks to every top-level entry of `root`, but its own Pulumi.yaml
 * and stack file, so `pulumi stack init` / `config set` never write into the checkout. Node resolves the
 * symlinks to the real files, so the program, tsconfig and node_modules are the checkout's.
 */
export function projectFarm(root: string, dest: string): string {
  mkdirSync(dest, { recursive: true });
  for (const entry of readdirSync(root)) {
    if (entry === ".git" || /^Pulumi\..+\.yaml$/.test(entry) || entry === "Pulumi.yaml") continue;
    symlinkSync(path.join(root, entry), path.join(dest, entry));
  }
  cpSync(path.join(root, "Pulumi.yaml"), path.join(dest, "Pulumi.yaml"));
  return dest;
}

/** `--policy-pack policies --policy-pack-config policies/config/<stack or tier>.json`, as CI passes them. */
export function policyArgs(root: string, stack: string, environment: string): string[] {
  // CI passes policies/config/<stack>.json; a stack named otherwise falls back to its tier's file.
  const byStack = `policies/config/${stack}.json`;
  const file = existsSync(path.join(root, byStack)) ? byStack : `policies/config/${environment}.json`;
  return ["--policy-pack", "policies", "--policy-pack-config", file];
}

/** Writes the rehearsal's stack file (its config, plus e.g. the passphrase salt) into the project directory. */
export function writeStackFile(
  project: string,
  stack: string,
  config: Config,
  extra: Record<string, unknown> = {},
) {
  writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), stringifyYaml({ ...extra, config }));
}
