/** Just enough Markdown reading for the docs tests: anchors, sections, tables, links. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./observability-files.js";

export function readDoc(name: string): string {
  return readFileSync(join(ROOT, "docs", name), "utf8");
}

/** GitHub's heading slug: lower case, punctuation dropped (except - and _), spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]*>/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Fenced code blocks removed (a `#` inside a shell or KQL block is not a heading). */
function withoutFences(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, (block) => block.replace(/[^\n]/g, " "));
}

export function anchors(text: string): Set<string> {
  const found = new Set<string>();
  const plain = withoutFences(text);
  for (const m of plain.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) found.add(m[1]!);
  for (const m of plain.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) found.add(slug(m[1]!));
  return found;
}

export interface Section {
  heading: string;
  level: number;
  text: string;
  anchors: Set<string>;
}

/** Sections at heading level 2 and 3; a section ends at the next heading of level 2 or 3. */
export function sections(text: string): Section[] {
  const plain = withoutFences(text);
  const result: Section[] = [];
  const headings = [...plain.matchAll(/^(#{2,3})\s+(.+?)\s*$/gm)];
  headings.forEach((m, i) => {
    const start = m.index!;
    const end = i + 1 < headings.length ? headings[i + 1]!.index! : text.length;
    const body = text.slice(start, end);
    const own = anchors(body);
    result.push({ heading: m[2]!, level: m[1]!.length, text: body, anchors: own });
  });
  return result;
}

/** Rows of the Markdown tables in `text`, as cell arrays (header and separator rows included). */
export function tableRows(text: string): string[][] {
  return withoutFences(text)
    .split("\n")
    .filter((line) => /^\s*\|.*\|\s*$/.test(line))
    .map((line) =>
      line
        .trim()
        .slice(1, -1)
        .split("|")
        .map((cell) => cell.trim()),
    );
}

/** Markdown links `[text](target)`, outside code blocks. */
export function links(text: string): string[] {
  return [...withoutFences(text).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}
