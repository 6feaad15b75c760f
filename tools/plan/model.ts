/**
 * The offline plan's model: what a plan holds (per cloud: resources, outputs, the policy verdict), the
 * markers for values it cannot or must not show, and the small readers every part of the plan uses.
 *
 * What a plan cannot know is written down in docs/delivery.md: no real IDs, no drift, no provider-side
 * validation, no diff against real state; values the cloud computes show as `<computed>`.
 */
import { CLOUDS, type Cloud } from "../../infra/spec/constants.js";
import type { CapturedAlias } from "../mock/run.js";

export const PLAN_VERSION = 1;
export const COMPUTED = "<computed>";
export const SECRET = "<secret>";

/** The program's clouds (infra/spec/constants.ts), written once: a new cloud shows up here by itself. */
export type PlanCloudName = Cloud;
export const PLAN_CLOUDS: readonly PlanCloudName[] = CLOUDS;
export const PLAN_FORMATS = ["text", "markdown", "json"] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** The slice of a captured resource (tools/mock/run.ts `CapturedResource`) a plan needs. */
export interface CapturedLike {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  state: Record<string, unknown>;
  custom?: boolean;
  parent?: string;
  opts?: { protect?: boolean; aliases?: PlanAlias[] };
}

/** An alias as the mock runner captured it (tools/mock/run.ts). */
export type PlanAlias = CapturedAlias;

export interface PolicyViolationLike {
  policyName: string;
  enforcementLevel: string;
  resource?: unknown;
  message: string;
}

export interface PlanViolation {
  policyName: string;
  enforcementLevel: string;
  /** URN (or type::name) of the resource, when the violation names one. */
  resource?: string;
  message: string;
}

export interface PolicyVerdict {
  /** False when the policy pack could not be evaluated (then `error` says why). */
  evaluated: boolean;
  error?: string;
  violations: PlanViolation[];
  counts: Record<string, number>;
  /** Mandatory violations block `pulumi up`. */
  blocked: boolean;
}

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  custom: boolean;
  protect: boolean;
  /** Inputs as the program set them; secrets as `<secret>`, values known only after deploy as `<computed>`. */
  props: Record<string, unknown>;
  /** The curated properties shown in the tree, rendered as short strings. */
  key: Record<string, string>;
  /** Attributes the cloud assigns (present in the mocked state only). */
  computed: string[];
  /** The resource's aliases, when it has any: the URNs it keeps from before a move or a rename. */
  aliases?: PlanAlias[];
}

export interface CloudPlan {
  cloud: PlanCloudName;
  environment: string;
  /** What the plan had to assume to render this cloud (e.g. a what-if stack's placeholder certificate). */
  assumptions?: string[];
  resources: PlanResource[];
  outputs: Record<string, unknown>;
  policy: PolicyVerdict;
}

export interface Plan {
  version: typeof PLAN_VERSION;
  project: string;
  stack: string;
  clouds: CloudPlan[];
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Read a dotted path (`a.b.0.c`); arrays accept numeric segments. */
export function getPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const segment of path.split(".")) {
    if (current === undefined || current === null) return undefined;
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isPlainObject(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

/** Render a value for one line of the tree: short, stable, no JSON noise for scalars. */
export function formatValue(value: unknown, max = 60): string {
  let text: string;
  if (value === undefined) text = "-";
  else if (typeof value === "string") text = value;
  else if (Array.isArray(value)) {
    text =
      value.every((v) => typeof v !== "object" || v === null) && value.length <= 4
        ? `[${value.map((v) => formatValue(v, 30)).join(", ")}]`
        : `[${value.length} item${value.length === 1 ? "" : "s"}]`;
  } else if (isPlainObject(value)) {
    text = `{${Object.keys(value).length} keys}`;
  } else text = String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
