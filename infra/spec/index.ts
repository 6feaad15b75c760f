/** The cloud-neutral service spec: constants, sizes, tier defaults, the stack config and the spec built from it. */
export * from "./build.js";
export * from "./config.js";
export * from "./constants.js";
export * from "./sizes.js";
export * from "./tiers.js";
