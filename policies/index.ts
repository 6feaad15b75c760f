/**
 * Policy pack entry point for the Pulumi CLI (`pulumi preview --policy-pack policies`). Constructing the
 * PolicyPack starts the analyzer's gRPC server at once: only the CLI may load this module, never a test.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, packArgs } from "./pack.js";

new PolicyPack(PACK_NAME, packArgs);
