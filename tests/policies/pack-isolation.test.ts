/**
 * `policies/index.ts` constructs the PolicyPack, which starts a gRPC server on import: only the CLI's
 * policy runner (through policies/loader.cjs) may load it. Guard that no other module imports it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (/\.(ts|js|cjs|mjs)$/.test(name)) yield path;
  }
}

describe("policy pack isolation", () => {
  it("only loader.cjs loads policies/index.ts; PolicyPack is constructed only there", () => {
    const offenders: string[] = [];
    for (const dir of ["api", "infra", "policies", "tests", "tools", "scripts"]) {
      let entries: Generator<string>;
      try {
        statSync(join(ROOT, dir));
        entries = sources(join(ROOT, dir));
      } catch {
        continue;
      }
      for (const file of entries) {
        const rel = relative(ROOT, file);
        if (rel === "policies/loader.cjs" || rel === "policies/index.ts") continue;
        // Code only: drop comment lines and template literals (a test may write a throwaway pack's source
        // to a temp directory for the CLI to run in its own process, e.g. tests/delivery/policy-gate-engine).
        const text = readFileSync(file, "utf8")
          .split("\n")
          .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
          .join("\n")
          .replace(/`(?:\\.|[^`\\])*`/gs, "``");
        const importsIndex =
          /(from\s+|import\s+|import\s*\(\s*|require\s*\(\s*)["'][^"']*policies\/index(\.js|\.ts)?["']/.test(
            text,
          ) ||
          (rel.startsWith("policies/") &&
            /(from\s+|import\s+|import\s*\(\s*)["']\.\/index(\.js|\.ts)?["']/.test(text));
        if (importsIndex) offenders.push(`${rel} imports policies/index`);
        if (/new\s+PolicyPack\s*\(/.test(text) && rel !== "tests/policies/pack-isolation.test.ts") {
          offenders.push(`${rel} constructs a PolicyPack`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
