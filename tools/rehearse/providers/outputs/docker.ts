/**
 * docker (and docker-build) computed outputs, per type token in `DOCKER_OUTPUTS`. `docker:index/image:Image`
 * answers a `repoDigest` `<repo>@sha256:<64 hex>` from the image name (which carries the build context's hash,
 * infra/aws/registry.ts) and build settings, and records the push in the registry memory (registry.ts) on a real
 * Create/Update. A type without an entry gets `<name>-<8 hex>` as id and no outputs.
 */
import { recordPush } from "../registry.js";
import { hex, isPlainObject, type Props, reveal, str } from "../values.js";
import type { CreateArgs, CreatedState } from "./common.js";

export const DOCKER_OUTPUTS: Record<string, (a: CreateArgs, inputs: Props) => CreatedState> = {
  "docker:index/image:Image": (a, inputs) => {
    const imageName = str(inputs.imageName, a.urnName);
    const repository = imageName.replace(/:[^:/]+$/, "");
    // The digest stands for the pushed content: the image name carries the build context's hash (infra/aws/registry.ts).
    const build = isPlainObject(inputs.build) ? inputs.build : {};
    const digest = `sha256:${hex(`${imageName}\0${JSON.stringify({ ...build, context: undefined })}`)}`;
    if (a.push && inputs.skipPush !== true) recordPush(imageName, digest);
    return {
      id: `${repository}@${digest}`,
      outputs: {
        imageName,
        baseImageName: imageName,
        registryServer: repository.split("/")[0],
        repoDigest: `${repository}@${digest}`,
        dockerfile: str(build.dockerfile, "Dockerfile"),
        context: str(build.context, "."),
        platform: str(build.platform, ""),
      },
    };
  },
};

export function dockerState(a: CreateArgs): CreatedState {
  const entry = DOCKER_OUTPUTS[a.type];
  if (entry) return entry(a, reveal(a.inputs) as Props);
  return { id: `${a.urnName}-${hex(a.urnName, 8)}`, outputs: {} };
}
