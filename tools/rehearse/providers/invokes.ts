/**
 * The invokes (data sources) the program calls, answered with deterministic values from the rehearsal's cloud
 * identity (cloud.ts) and the registry memory (registry.ts). A function not answered here fails with
 * InvokeError: add it to the switch below.
 */
import {
  AWS_ACCOUNT_ID,
  AZURE,
  awsRegion,
  azShort,
  CloudError,
  InvokeError,
  type ProviderContext,
} from "./cloud.js";
import { findPushed } from "./registry.js";
import { hex, type Props, reveal, str } from "./values.js";

/** AWS-published regional ELB log-delivery accounts. */
const ELB_ACCOUNTS: Record<string, string> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-2": "797873946194",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-central-1": "054676820928",
  "eu-north-1": "897822967062",
};

export function invoke(ctx: ProviderContext, token: string, args: Props): Props {
  const a = reveal(args) as Props;
  if (ctx.pkg === "aws") {
    const region = awsRegion(ctx, a);
    switch (token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          id: AWS_ACCOUNT_ID,
          accountId: AWS_ACCOUNT_ID,
          arn: `arn:aws:iam::${AWS_ACCOUNT_ID}:user/rehearsal`,
          userId: "AIDAREHEARSALUSER0001",
        };
      case "aws:index/getRegion:getRegion":
        return {
          id: region,
          region,
          name: region,
          endpoint: `ec2.${region}.amazonaws.com`,
          description: region,
        };
      case "aws:index/getPartition:getPartition":
        return {
          id: "aws",
          partition: "aws",
          dnsSuffix: "amazonaws.com",
          reverseDnsPrefix: "com.amazonaws",
        };
      case "aws:index/getAvailabilityZones:getAvailabilityZones": {
        const names = ["a", "b", "c"].map((s) => `${region}${s}`);
        return {
          id: region,
          names,
          zoneIds: names.map((_, i) => `${azShort(region)}-az${i + 1}`),
          groupNames: [region],
          state: str(a.state, "available"),
        };
      }
      case "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
        const registry = str(a.registryId, AWS_ACCOUNT_ID);
        const password = `rehearsal-ecr-token-${hex(`${registry}${region}`, 16)}`;
        return {
          id: registry,
          registryId: registry,
          authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"),
          userName: "AWS",
          password,
          proxyEndpoint: `https://${registry}.dkr.ecr.${region}.amazonaws.com`,
          expiresAt: "2099-01-01T00:00:00Z",
        };
      }
      case "aws:ecr/getImage:getImage": {
        const registryId = str(a.registryId, AWS_ACCOUNT_ID);
        const repositoryName = str(a.repositoryName);
        const tag = str(a.imageTag, a.mostRecent === true ? "latest" : "");
        const host = `${registryId}.dkr.ecr.${region}.amazonaws.com`;
        const found = tag ? findPushed(host, repositoryName, tag) : undefined;
        if (!found) {
          throw new CloudError(
            `reading ECR Image: ImageNotFoundException: The image with imageId {imageDigest:'${str(a.imageDigest, "null")}', imageTag:'${tag || "null"}'} does not exist within the repository with name '${repositoryName}' in the registry with id '${registryId}'`,
          );
        }
        return {
          id: found.digest,
          imageDigest: found.digest,
          imageTags: [found.tag],
          imagePushedAt: 1767225600,
          imageSizeInBytes: Number.parseInt(hex(found.digest, 6), 16),
          imageUri: `${host}/${repositoryName}@${found.digest}`,
          registryId,
          repositoryName,
        };
      }
      case "aws:elb/getServiceAccount:getServiceAccount": {
        const account = ELB_ACCOUNTS[region] ?? "156460612806";
        return { id: account, arn: `arn:aws:iam::${account}:root`, region };
      }
    }
  }
  if (ctx.pkg === "azure-native") {
    switch (token) {
      case "azure-native:authorization:getClientConfig":
        return {
          clientId: AZURE.deployerClientId,
          objectId: AZURE.deployerObjectId,
          subscriptionId: AZURE.subscriptionId,
          tenantId: AZURE.tenantId,
        };
      case "azure-native:authorization:getClientToken":
        return { token: `rehearsal-arm-token.${hex("arm-token", 48)}` };
      case "azure-native:operationalinsights:getSharedKeys":
        return {
          primarySharedKey: Buffer.from(`primary-${str(a.workspaceName)}`).toString("base64"),
          secondarySharedKey: Buffer.from(`secondary-${str(a.workspaceName)}`).toString("base64"),
        };
    }
  }
  throw new InvokeError(
    `${token}: this rehearsal stub provider does not answer this function (add it to tools/rehearse/providers/invokes.ts)`,
  );
}
