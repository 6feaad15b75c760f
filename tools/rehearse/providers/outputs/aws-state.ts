/**
 * An AWS resource's state after Create: its entry in `AWS_OUTPUTS` (aws.ts, keyed by type token) computes the
 * id and the type's own outputs; this adds what every type shares where the type declares it and the entry
 * did not: `name` (the physical name), a generic `arn` of the type's service, `tagsAll` (the provider's default
 * tags under the resource's), `region`.
 */
import { AWS_ACCOUNT_ID, awsRegion, type ProviderContext } from "../cloud.js";
import { hex, isPlainObject, type Props, reveal, str } from "../values.js";
import { AWS_OUTPUTS } from "./aws.js";
import type { CreateArgs, CreatedState } from "./common.js";

function defaultTags(ctx: ProviderContext): Props {
  let v = reveal(ctx.config.defaultTags);
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      return {};
    }
  }
  const tags = isPlainObject(v) ? v.tags : undefined;
  return isPlainObject(tags) ? tags : {};
}

export function awsState(ctx: ProviderContext, a: CreateArgs): CreatedState {
  const inputs = reveal(a.inputs) as Props;
  const region = awsRegion(ctx, inputs);
  const account = AWS_ACCOUNT_ID;
  const h = (len: number, salt = "") => hex(`${a.type}::${a.urnName}${salt}`, len);
  const physical = str(inputs.name, `${a.urnName}-${h(7)}`);
  const arn = (service: string, resource: string, inRegion = true) =>
    `arn:aws:${service}:${inRegion ? region : ""}:${account}:${resource}`;
  const [, modFile = "", typeName = ""] = a.type.split(":");
  const [service = "aws"] = modFile.split("/");
  const entry = AWS_OUTPUTS[a.type];
  const answer = entry
    ? entry({ type: a.type, name: a.urnName, inputs, region, account, physical, h, arn })
    : {};
  const id = answer.id ?? physical;
  const out: Props = { ...answer.out };
  if (
    a.outputNames.includes("name") &&
    inputs.name === undefined &&
    out.name === undefined &&
    !a.type.startsWith("aws:ec2/")
  ) {
    out.name = physical;
  }
  // Generic: where the type declares an ARN and none was computed above, one of its service.
  if (a.outputNames.includes("arn") && out.arn === undefined) {
    out.arn = arn(service, `${typeName.charAt(0).toLowerCase()}${typeName.slice(1)}/${id}`);
  }
  if (a.outputNames.includes("tagsAll")) {
    out.tagsAll = { ...defaultTags(ctx), ...(isPlainObject(inputs.tags) ? (inputs.tags as Props) : {}) };
  }
  if (a.outputNames.includes("region") && inputs.region === undefined) out.region = region;
  return { id, outputs: out };
}
