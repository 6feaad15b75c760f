/**
 * Operator values an offline rendering (the plan, the engine rehearsal, the stack tests) assumes when a stack
 * file lacks them. The shipped stack files hold no placeholders: prod needs an on-call address, a domain and
 * an ACM certificate that only the operator can supply, and the program refuses to preview it without them.
 * A rendering without a cloud still has to show the whole stack, so it fills the gaps with these values and
 * says so (`assumption:` lines). They are marked as assumptions in their very names (the `.rehearsal`
 * top-level domain does not exist, and no AWS account is 000000000000), so nothing real is ever reached.
 *
 * Pure module: the plan, the rehearsal and the tests import it.
 */
import { buildServiceSpec, PROJECT_NAME, type Tier } from "../../infra/spec/index.js";

/** Region / location when a stack file (or a what-if cloud) sets none: the plan, the rehearsal and the tests agree. */
export const PROVIDER_DEFAULTS = {
  "aws:region": "eu-west-1",
  "azure-native:location": "westeurope",
} as const;

export const ASSUMED_ALERT_EMAIL = "oncall@twincloud.rehearsal";
const ASSUMED_DOMAIN_NAME = "api.twincloud.rehearsal";
export const assumedCertificateArn = (region: string) =>
  `arn:aws:acm:${region}:000000000000:certificate/00000000-0000-0000-0000-000000000000`;

const key = (name: string) => `${PROJECT_NAME}:${name}`;

export interface AssumedConfig {
  /** The stack's config with the assumed values added (full `ns:key` names). */
  config: Record<string, string>;
  /** One line per assumed value: which key, which value, and why. */
  assumptions: string[];
}

/**
 * Add the operator values `config` (a stack file's values, `twincloud:cloud` already the cloud to render)
 * needs to render, where it has none. `ownCloud` is the cloud the stack file ships on: rendering another
 * cloud is a what-if, said so in the assumption line.
 */
export function withAssumedOperatorValues(
  stack: string,
  config: Record<string, string>,
  ownCloud?: string,
): AssumedConfig {
  const result: Record<string, string> = { ...config };
  const assumptions: string[] = [];
  const cloud = result[key("cloud")];
  const region = result["aws:region"] ?? PROVIDER_DEFAULTS["aws:region"];
  const tier = tierOf(stack, result);
  const whatIf = ownCloud !== undefined && ownCloud !== cloud;
  const why = (need: string) =>
    whatIf
      ? `what-if: this stack ships on ${ownCloud}; on ${cloud} it would need ${need}`
      : `the stack file lacks ${need}`;
  const assume = (name: string, value: string, need: string) => {
    result[key(name)] = value;
    assumptions.push(
      `${why(need)}, so ${key(name)}=${value} is assumed (set the real value before a real deploy)`,
    );
  };

  if (tier === "prod" && !result[key("alertEmail")]) {
    assume("alertEmail", ASSUMED_ALERT_EMAIL, `${key("alertEmail")} (prod alarms must page someone)`);
  }
  if (cloud === "aws") {
    // Outside dev, AWS serves HTTPS only (a mandatory policy); HTTPS needs a certificate and its host name.
    if (tier !== "dev" && !result[key("certificateArn")]) {
      assume(
        "certificateArn",
        assumedCertificateArn(region),
        `${key("certificateArn")} (HTTPS only outside dev)`,
      );
    }
    if (result[key("certificateArn")] && !result[key("domainName")]) {
      assume(
        "domainName",
        ASSUMED_DOMAIN_NAME,
        `${key("domainName")} (the host name the certificate covers)`,
      );
    }
  }
  return { config: result, assumptions };
}

function tierOf(stack: string, config: Record<string, string>): Tier | undefined {
  const explicit = config[key("environment")];
  const name = explicit ?? stack;
  return name === "dev" || name === "staging" || name === "prod" ? name : undefined;
}

/** The spec of a stack rendered offline: full `ns:key` config → `buildServiceSpec`. */
export function specOfConfig(stack: string, config: Record<string, string>) {
  const raw: Record<string, string> = {};
  for (const [name, value] of Object.entries(config)) {
    if (name.startsWith(`${PROJECT_NAME}:`)) raw[name.slice(PROJECT_NAME.length + 1)] = value;
  }
  return buildServiceSpec(raw, {
    stack,
    ...(config["aws:region"] ? { awsRegion: config["aws:region"] } : {}),
  });
}

/** The assumed operator values as raw `twincloud:` keys (no namespace), for specs built in tests. */
export function assumedOperatorValues(
  region: string = PROVIDER_DEFAULTS["aws:region"],
): Record<string, string> {
  return {
    alertEmail: ASSUMED_ALERT_EMAIL,
    certificateArn: assumedCertificateArn(region),
    domainName: ASSUMED_DOMAIN_NAME,
  };
}
