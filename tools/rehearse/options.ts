/** The rehearsal's command line: `npm run rehearse -- --stack <stack> [...]` (rehearse.ts documents the flags). */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** The repository this script belongs to (the default --root). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface RehearseOptions {
  stack: string;
  cloud?: "aws" | "azure";
  upgradeFrom?: string;
  keep: boolean;
  out?: string;
  root: string;
}

export class UsageError extends Error {
  override name = "UsageError";
}

export function parseCli(argv: string[]): RehearseOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      cloud: { type: "string" },
      "upgrade-from": { type: "string" },
      keep: { type: "boolean", default: false },
      out: { type: "string" },
      root: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.stack) throw new UsageError("--stack <dev|staging|prod> is required");
  if (values.cloud !== undefined && values.cloud !== "aws" && values.cloud !== "azure") {
    throw new UsageError(`--cloud must be aws or azure, not ${values.cloud}`);
  }
  const root = path.resolve(values.root ?? REPO_ROOT);
  if (!existsSync(path.join(root, `Pulumi.${values.stack}.yaml`))) {
    throw new UsageError(`no stack file Pulumi.${values.stack}.yaml in ${root}`);
  }
  return {
    stack: values.stack,
    ...(values.cloud ? { cloud: values.cloud as "aws" | "azure" } : {}),
    ...(values["upgrade-from"] ? { upgradeFrom: values["upgrade-from"] } : {}),
    keep: values.keep ?? false,
    ...(values.out ? { out: path.resolve(values.out) } : {}),
    root,
  };
}
