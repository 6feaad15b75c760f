/**
 * The one Dockerfile parser: enough of the BuildKit frontend's grammar for the AWS task definition to agree
 * with the image (aws/dockerfile.ts: user, health check) and for the tests to check this repository's
 * Dockerfile and replay its build without a Docker engine. Pure: no I/O.
 *
 * Handles parser directives (`# escape=`), comments, line continuations (including comment lines inside
 * them), exec (JSON) and shell forms, instruction flags (`--from=`, `--interval=`...), stages
 * (`FROM ... AS name`) and global `ARG` substitution in `FROM`. Heredocs (`RUN <<EOF`) are not supported and
 * are reported as errors rather than misread.
 */

export interface Instruction {
  /** Upper-cased keyword: FROM, RUN, COPY, ... */
  name: string;
  /** Everything after the keyword and its flags, continuations joined. */
  args: string;
  /** `--name=value` flags before the arguments (`--from=build`, `--interval=30s`); `--flag` alone is "true". */
  flags: Record<string, string>;
  /** The arguments as a JSON array when written in exec form, else undefined (shell form). */
  json?: string[];
  /** 1-based line of the keyword. */
  line: number;
}

export interface Stage {
  index: number;
  /** `AS name`, lower-cased as BuildKit does. */
  name?: string;
  /** The image or earlier stage named in FROM, after global ARG substitution. */
  base: string;
  platform?: string;
  from: Instruction;
  /** The stage's instructions after FROM. */
  instructions: Instruction[];
}

export interface Dockerfile {
  instructions: Instruction[];
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

export class DockerfileSyntaxError extends Error {
  constructor(message: string, line: number) {
    super(`Dockerfile line ${line}: ${message}`);
    this.name = "DockerfileSyntaxError";
  }
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

/** Split the leading `--flag[=value]` tokens off an instruction's arguments. */
function splitFlags(rest: string): { flags: Record<string, string>; args: string } {
  const flags: Record<string, string> = {};
  let args = rest;
  for (;;) {
    const match = /^--([a-zA-Z][a-zA-Z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(args);
    if (!match) break;
    flags[match[1]!] = match[2] ?? "true";
    args = args.slice(match[0].length);
  }
  return { flags, args: args.trim() };
}

function parseJsonArray(args: string): string[] | undefined {
  if (!args.startsWith("[")) return undefined;
  try {
    const value: unknown = JSON.parse(args);
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value;
  } catch {
    // Not valid JSON: Docker falls back to shell form too.
  }
  return undefined;
}

/** Instructions whose leading `--flags` belong to the instruction (for the others `--x` is an argument). */
const FLAGGED = new Set(["FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"]);

export function parseInstructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  let escapeChar = "\\";
  let index = 0;
  // Parser directives: only at the very top, before any instruction, comment or blank line.
  for (; index < lines.length; index++) {
    const match = DIRECTIVE.exec(lines[index]!);
    if (!match) break;
    if (match[1]!.toLowerCase() === "escape") {
      if (match[2] !== "\\" && match[2] !== "`") {
        throw new DockerfileSyntaxError(`invalid escape directive "${match[2]}"`, index + 1);
      }
      escapeChar = match[2];
    }
  }

  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  for (; index < lines.length; index++) {
    const raw = lines[index]!;
    const trimmed = raw.trim();
    // Comments are dropped, even inside a continuation; so are blank lines (BuildKit warns about those).
    if (trimmed.startsWith("#") || trimmed === "") continue;
    const withoutTrailing = raw.replace(/\s+$/, "");
    const continues = withoutTrailing.endsWith(escapeChar);
    const body = continues ? withoutTrailing.slice(0, -escapeChar.length) : withoutTrailing;
    if (pending) pending.text += body;
    else pending = { text: body.replace(/^\s+/, ""), line: index + 1 };
    if (continues) continue;
    instructions.push(toInstruction(pending.text, pending.line));
    pending = undefined;
  }
  if (pending) instructions.push(toInstruction(pending.text, pending.line));
  return instructions;
}

function toInstruction(text: string, line: number): Instruction {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text);
  if (!match) throw new DockerfileSyntaxError("empty instruction", line);
  const name = match[1]!.toUpperCase();
  if (!/^[A-Z]+$/.test(name)) throw new DockerfileSyntaxError(`unknown instruction "${match[1]}"`, line);
  const rest = match[2]!.trim();
  const { flags, args } = FLAGGED.has(name) ? splitFlags(rest) : { flags: {}, args: rest };
  if (/^<<-?["']?[A-Za-z_]/.test(args)) throw new DockerfileSyntaxError("heredocs are not supported", line);
  const json = parseJsonArray(args);
  return json ? { name, args, flags, json, line } : { name, args, flags, line };
}

/** Tokenise `key=value key2="quoted value"` (ENV, LABEL, ARG) respecting quotes and backslash escapes. */
export function parseKeyValues(args: string): Array<[string, string | undefined]> {
  const tokens: string[] = [];
  let current = "";
  let quote: string | undefined;
  let started = false;
  for (let i = 0; i < args.length; i++) {
    const char = args[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && i + 1 < args.length) current += args[++i];
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      started = true;
    } else if (char === "\\" && i + 1 < args.length) {
      current += args[++i];
      started = true;
    } else if (/\s/.test(char)) {
      if (started) tokens.push(current);
      current = "";
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (started) tokens.push(current);
  const first = tokens[0];
  // Legacy `ENV NAME value with spaces` form: one pair, no `=` in the first token.
  if (first !== undefined && !first.includes("=") && tokens.length > 1) {
    return [[first, tokens.slice(1).join(" ")]];
  }
  return tokens.map((token) => {
    const eq = token.indexOf("=");
    return eq === -1 ? [token, undefined] : [token.slice(0, eq), token.slice(eq + 1)];
  });
}

/** `$NAME` / `${NAME}` / `${NAME:-default}` substitution with the given values (unknown names → ""). */
export function substitute(text: string, values: Record<string, string | undefined>): string {
  return text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_all, braced?: string, fallback?: string, bare?: string) => {
      const value = values[(braced ?? bare)!];
      return value !== undefined && value !== "" ? value : (fallback ?? "");
    },
  );
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions = parseInstructions(text);
  const globalArgs: Record<string, string | undefined> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.name === "FROM") {
      const match = /^(\S+)(?:\s+as\s+(\S+))?\s*$/i.exec(instruction.args);
      if (!match)
        throw new DockerfileSyntaxError(`cannot parse FROM "${instruction.args}"`, instruction.line);
      const base = substitute(match[1]!, globalArgs);
      const stage: Stage = { index: stages.length, base, from: instruction, instructions: [] };
      if (match[2]) stage.name = match[2].toLowerCase();
      if (instruction.flags.platform) stage.platform = instruction.flags.platform;
      stages.push(stage);
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (instruction.name !== "ARG") {
        throw new DockerfileSyntaxError(`${instruction.name} before the first FROM`, instruction.line);
      }
      for (const [key, value] of parseKeyValues(instruction.args)) globalArgs[key] = value;
      continue;
    }
    stage.instructions.push(instruction);
  }
  if (stages.length === 0) throw new DockerfileSyntaxError("no FROM instruction", 1);
  return { instructions, globalArgs, stages };
}

/** The stage a `FROM` or `COPY --from=` names: by name or index; undefined for an external image. */
export function findStage(
  dockerfile: Dockerfile,
  ref: string,
  before = dockerfile.stages.length,
): Stage | undefined {
  const earlier = dockerfile.stages.slice(0, before);
  if (/^\d+$/.test(ref)) return earlier[Number(ref)];
  return earlier.find((stage) => stage.name === ref.toLowerCase());
}

export const finalStage = (dockerfile: Dockerfile): Stage => dockerfile.stages.at(-1)!;

/** The last instruction of a kind in a stage (ENTRYPOINT, CMD, USER, HEALTHCHECK are "last one wins"). */
export const lastOf = (stage: Stage, name: string): Instruction | undefined =>
  stage.instructions.findLast((instruction) => instruction.name === name);

/** A stage's exec-form command: ENTRYPOINT argv + CMD argv (a shell-form instruction contributes nothing). */
export function execCommand(stage: Stage): string[] {
  return [...(lastOf(stage, "ENTRYPOINT")?.json ?? []), ...(lastOf(stage, "CMD")?.json ?? [])];
}

/** In `node [--flags] script ...`, the index of the script: the first argument after node that is no option. */
export const nodeScriptIndex = (argv: readonly string[]): number =>
  argv.findIndex((arg, index) => index > 0 && !arg.startsWith("-"));

/** The ENV a stage sets (its own instructions, in order; a stage built FROM another inherits its ENV). */
export function stageEnv(dockerfile: Dockerfile, stage: Stage): Record<string, string> {
  const parent = findStage(dockerfile, stage.base, stage.index);
  const env: Record<string, string> = parent ? stageEnv(dockerfile, parent) : {};
  for (const instruction of stage.instructions) {
    if (instruction.name !== "ENV") continue;
    for (const [key, value] of parseKeyValues(instruction.args)) env[key] = substitute(value ?? "", env);
  }
  return env;
}

/** The stage's working directory after all its WORKDIR instructions (relative ones chain). */
export function stageWorkdir(dockerfile: Dockerfile, stage: Stage): string {
  const parent = findStage(dockerfile, stage.base, stage.index);
  let dir = parent ? stageWorkdir(dockerfile, parent) : "/";
  for (const instruction of stage.instructions) {
    if (instruction.name !== "WORKDIR") continue;
    dir = instruction.args.startsWith("/")
      ? instruction.args
      : `${dir.replace(/\/$/, "")}/${instruction.args}`;
  }
  return dir;
}

/** COPY/ADD arguments as sources and destination (exec or shell form). */
export function copyPaths(instruction: Instruction): { sources: string[]; dest: string } {
  const parts = instruction.json ?? instruction.args.split(/\s+/).filter((part) => part.length > 0);
  if (parts.length < 2) {
    throw new DockerfileSyntaxError(`${instruction.name} needs a source and a destination`, instruction.line);
  }
  return { sources: parts.slice(0, -1), dest: parts.at(-1)! };
}

/** The command a HEALTHCHECK runs: its exec-form argv, or undefined for NONE / shell form. */
export function healthcheckCommand(instruction: Instruction): {
  form: "exec" | "shell" | "none";
  argv?: string[];
} {
  if (/^NONE$/i.test(instruction.args)) return { form: "none" };
  const match = /^CMD\s+([\s\S]*)$/i.exec(instruction.args);
  if (!match) return { form: "none" };
  const json = parseJsonArray(match[1]!.trim());
  return json ? { form: "exec", argv: json } : { form: "shell" };
}
