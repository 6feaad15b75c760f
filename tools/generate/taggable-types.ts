/**
 * Regenerates policies/taggable/taggable-types.json (the data the pack's tags rule reads): every resource type
 * of the installed @pulumi/aws and @pulumi/azure-native whose input schema has `tags` (the generated SDK
 * assigns `resourceInputs["tags"] = args?.tags`). Run after upgrading either provider:
 * `npx tsx tools/generate/taggable-types.ts`. A tool, not part of the pack: the pack only reads its output.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const root = join(repo, "node_modules", "@pulumi");

function* jsFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "types") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* jsFiles(path);
    else if (entry.name.endsWith(".js")) yield path;
  }
}

const result: Record<string, string[]> = {};
for (const provider of ["aws", "azure-native"]) {
  const pkg = JSON.parse(readFileSync(join(root, provider, "package.json"), "utf8")) as { version: string };
  const types = new Set<string>();
  for (const file of jsFiles(join(root, provider))) {
    const text = readFileSync(file, "utf8");
    const match = /static __pulumiType = '([^']+)'/.exec(text);
    if (match?.[1] && text.includes('resourceInputs["tags"] = args?.tags')) types.add(match[1]);
  }
  result[`${provider}@${pkg.version}`] = [...types].sort();
}
writeFileSync(
  join(repo, "policies", "taggable", "taggable-types.json"),
  `${JSON.stringify(result, null, 0).replace(/\],/g, "],\n")}\n`,
);
for (const [k, v] of Object.entries(result)) console.log(k, v.length);
