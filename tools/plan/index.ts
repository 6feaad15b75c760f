/**
 * The offline plan: what the Pulumi program would declare for a stack, on one or both clouds, computed from
 * a mock run without credentials, CLI or network. Pure functions, one job per module: build (captured
 * resources → plan), concerns (the clouds side by side), diff and destructive (two plans compared), gate
 * (the exit code), render and doc (text, Markdown, JSON, docs/aws-vs-azure.md). Running the program and the
 * policies is collect.ts's job, flags and files cli.ts's.
 */
export * from "./build.js";
export * from "./concerns.js";
export * from "./destructive.js";
export * from "./diff.js";
export * from "./doc.js";
export * from "./gate.js";
export * from "./key-properties.js";
export * from "./model.js";
export * from "./render.js";
