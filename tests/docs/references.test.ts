/**
 * Every repository path the prose names exists: Markdown files, and the comments of the sources and configs.
 * Files move in refactors and comments do not follow; a comment that sends a reader to a missing file is
 * worse than none. A path counts when it starts at a top-level folder of this repository (`infra/spec/…`) or
 * resolves from the folder of the file that names it; placeholders (`tools/mock/<cloud>.ts`) and URLs are not
 * paths. Code and test data are not read: fixtures name files that are meant not to exist.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const TOP_LEVEL = ["api", "infra", "policies", "tools", "tests", "docs", "observability", ".github"];
const NOT_SOURCE = new Set(["node_modules", "dist", "coverage", ".data", ".git"]);

/** A path into this repository, not preceded by `/` or `.` (URLs, other repositories' paths, `./x`). */
const PATH = new RegExp(
  String.raw`(?<![\w./@<-])((?:${TOP_LEVEL.map((d) => d.replace(".", "\\.")).join("|")})/(?:[\w.-]+/)*[\w.-]+\.(?:ts|md|json|ya?ml|sh|cjs|mjs|toml|txt))(?![\w/-])`,
  "g",
);

function walk(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return NOT_SOURCE.has(entry.name) ? [] : walk(path);
    return [path];
  });
}

/** Where a file's prose is, by extension (or name, for dotfiles): all of it, or its comments. */
const PROSE: Record<string, "all" | "slash-comments" | "hash-comments"> = {
  ".md": "all",
  ".ts": "slash-comments",
  ".cjs": "slash-comments",
  ".mjs": "slash-comments",
  ".yml": "hash-comments",
  ".yaml": "hash-comments",
  ".sh": "hash-comments",
  ".toml": "hash-comments",
  ".dockerignore": "hash-comments",
  Dockerfile: "hash-comments",
};

function prose(file: string, text: string): string[] {
  switch (PROSE[extname(file) || basename(file)]) {
    case "all":
      return [text];
    case "slash-comments":
      // Block comments and line comments (not the `//` of a URL inside a string).
      return text.match(/\/\*[\s\S]*?\*\/|(?<![:\w"'`])\/\/[^\n]*/g) ?? [];
    case "hash-comments":
      return text.match(/(?:^|\s)#[^\n]*/g) ?? [];
    default:
      return [];
  }
}

const files = [
  ...TOP_LEVEL.filter((dir) => existsSync(join(ROOT, dir))).flatMap(walk),
  ...readdirSync(ROOT).filter((name) => PROSE[extname(name) || name] !== undefined),
];

describe("paths named in docs and comments", () => {
  it("all exist", () => {
    const missing: string[] = [];
    for (const file of files) {
      for (const chunk of prose(file, readFileSync(join(ROOT, file), "utf8"))) {
        for (const [, path] of chunk.matchAll(PATH)) {
          // From the root, or from the folder of the file that names it.
          if (!existsSync(join(ROOT, path!)) && !existsSync(join(ROOT, dirname(file), path!))) {
            missing.push(`${file}: ${path}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("reads the prose of the sources and the docs", () => {
    // The scan itself must keep finding what it checks: a broken pattern would pass the test above vacuously.
    const named = new Set<string>();
    for (const file of files) {
      for (const chunk of prose(file, readFileSync(join(ROOT, file), "utf8"))) {
        for (const [, path] of chunk.matchAll(PATH)) named.add(path!);
      }
    }
    expect(files).toEqual(expect.arrayContaining(["README.md", "docs/CONVENTIONS.md", "api/app.ts"]));
    expect([...named]).toEqual(expect.arrayContaining(["api/config.ts", "infra/spec/build.ts"]));
    expect(named.size).toBeGreaterThan(100);
  });
});
