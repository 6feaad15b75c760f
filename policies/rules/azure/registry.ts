/** Container Registry: no admin user (push with the deployer's identity, pull with a managed identity). */
import type { Policies } from "@pulumi/policy";
import { defineResourcePolicy, reportIf } from "../../lib/policy.js";
import { azure } from "../../types.js";

const noAdminUser = defineResourcePolicy({
  name: "azure-acr-no-admin-user",
  description: "Container registries have the admin user disabled.",
  types: [azure.containerregistry.Registry],
  validate: reportIf(
    (props) => props.adminUserEnabled === true,
    "Set `adminUserEnabled: false`; push with the deployer's identity and pull with a managed identity (AcrPull).",
  ),
});

export const policies: Policies = [noAdminUser];
