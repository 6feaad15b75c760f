/**
 * Azure Container Registry and the API image, built for linux/amd64 from the repository's Dockerfile, pushed,
 * and handed to the app by digest.
 *
 * Push authentication (no admin user, no stored password, no Docker login step): the registry's admin account
 * is disabled. At `pulumi up` the program exchanges the deploying identity's own Entra ID token for an ACR
 * refresh token (acr-token.ts) and hands it to `docker.Image` as the registry password, a Pulumi secret. The
 * same code path serves CI (GitHub OIDC, `ARM_USE_OIDC`) and laptops (`az login`), and the first deploy of an
 * empty stack, where the registry is created by the same `pulumi up`: the exchange waits for the registry's
 * login server. Pushing needs push rights on the registry: the deployer has them through Owner (or Contributor
 * + Role Based Access Control Administrator, which `pulumi up` needs anyway for the app's role assignments).
 * The program deliberately grants the deployer nothing: a role assignment needs the principal type (User or
 * ServicePrincipal), the SDK defaults it to User, and that breaks CI service principals. See
 * docs/aws-vs-azure-side-by-side.md ("Deploy").
 */
import * as containerregistry from "@pulumi/azure-native/containerregistry/index.js";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { buildPaths } from "../build-context.js";
import type { ServiceSpec } from "../spec/index.js";
import { acrPushCredentials } from "./acr-token.js";
import type { GroupArgs } from "./group.js";

export interface RegistryArgs extends GroupArgs {
  registryName: pulumi.Input<string>;
}

export interface Registry {
  registry: containerregistry.Registry;
  /** Absent when the stack deploys an already-pushed digest (`twincloud:imageDigest`, rollbacks). */
  image?: docker.Image;
  /** `<loginServer>/<repository>@sha256:...`: what the Container App runs. */
  imageDigest: pulumi.Output<string>;
}

/**
 * `twincloud:imageDigest` must name this service's repository in an Azure Container Registry. The app
 * identity can only pull from this stack's registry: a digest from another registry fails the new revision
 * and the current one keeps serving. Called before any resource is declared.
 */
export function checkPinnedImage(spec: ServiceSpec): void {
  const pinned = spec.image.digest;
  if (!pinned) return;
  const repository = spec.image.repositoryName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (!new RegExp(`^[a-z0-9]+\\.azurecr\\.io/${repository}@sha256:[0-9a-f]{64}$`).test(pinned)) {
    throw new pulumi.RunError(
      `twincloud:imageDigest ${pinned}: on Azure expected <registry>.azurecr.io/${spec.image.repositoryName}@sha256:<digest>, an image this stack pushed earlier`,
    );
  }
}

export function createRegistry(args: RegistryArgs, opts: pulumi.ComponentResourceOptions): Registry {
  const { spec, resourceGroupName, location } = args;
  const registry = new containerregistry.Registry(
    "registry",
    {
      resourceGroupName,
      location,
      registryName: args.registryName,
      // Standard in prod (more storage and throughput), Basic elsewhere; Premium only buys geo-replication and
      // private link, which this design does not use.
      sku: { name: spec.environment === "prod" ? "Standard" : "Basic" },
      adminUserEnabled: false,
      anonymousPullEnabled: false,
      publicNetworkAccess: "Enabled",
      tags: spec.tags,
    },
    opts,
  );

  if (spec.image.digest) {
    // Rollback: run an image pushed by an earlier deployment (checked by checkPinnedImage), without building.
    return { registry, imageDigest: pulumi.output(spec.image.digest) };
  }

  const paths = buildPaths(spec);
  const image = new docker.Image(
    "api-image",
    {
      imageName: pulumi.interpolate`${registry.loginServer}/${spec.image.repositoryName}:${spec.stack}`,
      build: {
        context: paths.context,
        dockerfile: paths.dockerfile,
        platform: spec.image.platform,
      },
      // The deployer's Entra ID identity, exchanged for an ACR refresh token at `pulumi up` (acr-token.ts); never
      // the registry's admin account. The provider does not rebuild when only the password changes.
      registry: acrPushCredentials(registry.loginServer, { parent: opts.parent }),
    },
    opts,
  );

  return { registry, image, imageDigest: image.repoDigest };
}
