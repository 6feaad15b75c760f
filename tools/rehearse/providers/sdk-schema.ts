/**
 * Input schemas for the stub providers, read from the installed Pulumi SDKs' TypeScript declarations.
 *
 * Why the SDK and not the provider's published schema: the providers' schemas (`schema.json` in
 * pulumi-aws, pulumi-docker, pulumi-random, pulumi-awsx; azure-native publishes none in its repository) live in
 * the providers' Go modules, which the Go module proxy reachable here does not serve ("This module version is
 * not available", checked for aws v7.48.0, azure-native v3.28.0, docker v4.6.2, random v4.21.2, awsx v3.9.0),
 * and the npm packages ship no schema. The SDK declarations are generated from that schema at the exact
 * version in package-lock.json: `<Name>Args` gives every input name, which are required (no `?`), their types,
 * nested input types (`types/input.d.ts`) and closed enums (`types/enums`). What they do not carry: the
 * schema's `willReplaceOnChanges`, defaults and descriptions' constraints (see replacements.ts).
 *
 * The extraction for one type token is cached as JSON under the schema cache directory
 * (`$TWINCLOUD_PROVIDER_SCHEMA_CACHE`, default `~/.cache/twincloud/provider-schemas`), keyed by package and
 * version, so the TypeScript parser only runs the first time a type is seen.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import type * as TS from "typescript";

export type SchemaType =
  | { k: "string" }
  | { k: "number" }
  | { k: "boolean" }
  | { k: "any" }
  | { k: "asset" }
  | { k: "archive" }
  | { k: "array"; of: SchemaType }
  | { k: "map"; of: SchemaType }
  | { k: "object"; ref: string }
  | { k: "enum"; values: (string | number | boolean)[]; name: string }
  | { k: "union"; of: SchemaType[] };

export interface PropertySchema {
  type: SchemaType;
  required: boolean;
}

export type Properties = Record<string, PropertySchema>;

export interface ResourceSchema {
  token: string;
  /** SDK package (e.g. `@pulumi/aws`) and its version, for messages and the cache key. */
  sdk: string;
  version: string;
  /** Where the declarations were read (relative to the package), for messages. */
  source: string;
  inputs: Properties;
  /** Output property names the resource class declares (`readonly x: pulumi.Output<...>`). */
  outputs: string[];
  /** Nested input object types, by reference. */
  objects: Record<string, Properties>;
}

const require = createRequire(import.meta.url);

/** The npm package that holds a provider's SDK. */
export function sdkPackage(provider: string): string {
  return `@pulumi/${provider}`;
}

function packageDir(pkg: string): string {
  return dirname(require.resolve(`${pkg}/package.json`));
}

export function sdkVersion(provider: string): string {
  const json = JSON.parse(readFileSync(join(packageDir(sdkPackage(provider)), "package.json"), "utf8")) as {
    version: string;
  };
  return json.version.replace(/^v/, "");
}

export function schemaCacheDir(): string {
  return (
    process.env.TWINCLOUD_PROVIDER_SCHEMA_CACHE ?? join(homedir(), ".cache", "twincloud", "provider-schemas")
  );
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * The declaration file and the Args interface / class name for a type token. `pulumi:providers:<pkg>` is the
 * provider resource itself (`provider.d.ts`, `ProviderArgs`).
 */
export function declarationFor(token: string): { provider: string; file: string; name: string } {
  const providerMatch = /^pulumi:providers:(.+)$/.exec(token);
  if (providerMatch?.[1]) return { provider: providerMatch[1], file: "provider.d.ts", name: "Provider" };
  const [provider, module, name] = token.split(":");
  if (!provider || module === undefined || !name) throw new Error(`not a resource type token: ${token}`);
  // aws/docker/random: `<module>/<file>`; azure-native/awsx: `<module>` and the file is the camel-cased name.
  const [mod, file] = module.includes("/") ? module.split("/") : [module, lowerFirst(name)];
  const dir = !mod || mod === "index" ? "" : `${mod}/`;
  return { provider, file: `${dir}${file}.d.ts`, name };
}

// ---------------------------------------------------------------------------------------------------------
// Parsing (TypeScript's parser, syntax only; loaded on a cache miss)

let tsModule: typeof TS | undefined;
function ts(): typeof TS {
  tsModule ??= require("typescript") as typeof TS;
  return tsModule;
}

const sourceFiles = new Map<string, TS.SourceFile>();
function parse(path: string): TS.SourceFile {
  let sf = sourceFiles.get(path);
  if (!sf) {
    sf = ts().createSourceFile(path, readFileSync(path, "utf8"), ts().ScriptTarget.Latest, false);
    sourceFiles.set(path, sf);
  }
  return sf;
}

/** `import * as inputs from "../types/input"` → alias → absolute file (without extension). */
function namespaceImports(sf: TS.SourceFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const st of sf.statements) {
    if (!ts().isImportDeclaration(st) || !st.importClause?.namedBindings) continue;
    const bindings = st.importClause.namedBindings;
    const spec = (st.moduleSpecifier as TS.StringLiteral).text;
    if (ts().isNamespaceImport(bindings) && spec.startsWith(".")) {
      out.set(bindings.name.text, resolve(dirname(sf.fileName), spec));
    }
  }
  return out;
}

function findInterface(
  statements: readonly TS.Statement[],
  path: string[],
): TS.InterfaceDeclaration | undefined {
  const [head, ...rest] = path;
  for (const st of statements) {
    if (rest.length === 0 && ts().isInterfaceDeclaration(st) && st.name.text === head) return st;
    if (rest.length > 0 && ts().isModuleDeclaration(st) && st.name.text === head && st.body) {
      if (ts().isModuleBlock(st.body)) {
        const found = findInterface(st.body.statements, rest);
        if (found) return found;
      }
    }
  }
  return undefined;
}

function enumValues(dir: string, path: string[]): (string | number | boolean)[] | undefined {
  // enums.<ns>.<Name> → <enums>/<ns>/index.d.ts; enums.<Name> → <enums>/index.d.ts
  const name = path[path.length - 1];
  const file = join(dir, ...path.slice(0, -1), "index.d.ts");
  if (!name || !existsSync(file)) return undefined;
  const sf = parse(file);
  for (const st of sf.statements) {
    if (!ts().isVariableStatement(st)) continue;
    for (const decl of st.declarationList.declarations) {
      if (!ts().isIdentifier(decl.name) || decl.name.text !== name || !decl.type) continue;
      if (!ts().isTypeLiteralNode(decl.type)) continue;
      const values: (string | number | boolean)[] = [];
      for (const m of decl.type.members) {
        if (!ts().isPropertySignature(m) || !m.type || !ts().isLiteralTypeNode(m.type)) continue;
        const lit = m.type.literal;
        if (ts().isStringLiteral(lit)) values.push(lit.text);
        else if (ts().isNumericLiteral(lit)) values.push(Number(lit.text));
        else if (lit.kind === ts().SyntaxKind.TrueKeyword) values.push(true);
        else if (lit.kind === ts().SyntaxKind.FalseKeyword) values.push(false);
      }
      return values;
    }
  }
  return undefined;
}

class Extractor {
  readonly objects: Record<string, Properties> = {};

  typeOf(node: TS.TypeNode, sf: TS.SourceFile): SchemaType {
    const t = ts();
    const K = t.SyntaxKind;
    switch (node.kind) {
      case K.StringKeyword:
        return { k: "string" };
      case K.NumberKeyword:
        return { k: "number" };
      case K.BooleanKeyword:
        return { k: "boolean" };
      case K.AnyKeyword:
      case K.UnknownKeyword:
      case K.ObjectKeyword:
        return { k: "any" };
    }
    if (t.isParenthesizedTypeNode(node)) return this.typeOf(node.type, sf);
    if (t.isArrayTypeNode(node)) return { k: "array", of: this.typeOf(node.elementType, sf) };
    if (t.isLiteralTypeNode(node)) {
      const lit = node.literal;
      if (t.isStringLiteral(lit)) return { k: "enum", values: [lit.text], name: JSON.stringify(lit.text) };
      if (t.isNumericLiteral(lit)) return { k: "enum", values: [Number(lit.text)], name: lit.text };
      if (lit.kind === K.TrueKeyword || lit.kind === K.FalseKeyword) return { k: "boolean" };
      if (lit.kind === K.NullKeyword) return { k: "any" };
    }
    if (t.isUnionTypeNode(node)) {
      const members = node.types.filter(
        (m) =>
          m.kind !== K.UndefinedKeyword &&
          !(t.isLiteralTypeNode(m) && m.literal.kind === K.NullKeyword) &&
          m.kind !== K.NullKeyword,
      );
      const of = members.map((m) => this.typeOf(m, sf));
      // `string | enums.X` is an open enum: any string is accepted (as the provider does).
      if (of.some((o) => o.k === "string")) {
        const rest = of.filter((o) => o.k !== "enum" && o.k !== "string");
        if (rest.length === 0) return { k: "string" };
      }
      if (of.some((o) => o.k === "any")) return { k: "any" };
      if (of.length === 1 && of[0]) return of[0];
      return { k: "union", of };
    }
    if (t.isTypeLiteralNode(node)) {
      const index = node.members.find((m) => t.isIndexSignatureDeclaration(m));
      if (index && t.isIndexSignatureDeclaration(index)) return { k: "map", of: this.typeOf(index.type, sf) };
      return { k: "any" };
    }
    if (t.isTypeReferenceNode(node)) {
      const name = node.typeName.getText(sf);
      const args = node.typeArguments ?? [];
      if ((name === "pulumi.Input" || name === "Input") && args[0]) return this.typeOf(args[0], sf);
      if (name === "Array" && args[0]) return { k: "array", of: this.typeOf(args[0], sf) };
      if (name === "Record" && args[1]) return { k: "map", of: this.typeOf(args[1], sf) };
      if (/(^|\.)Asset$/.test(name) && name.includes("asset")) return { k: "asset" };
      if (/(^|\.)Archive$/.test(name) && name.includes("asset")) return { k: "archive" };
      if (name === "pulumi.asset.AssetArchive" || name === "pulumi.asset.FileArchive")
        return { k: "archive" };
      if (name === "ARN") return { k: "string" };
      const parts = name.split(".");
      const alias = parts[0];
      const imports = namespaceImports(sf);
      const target = alias ? imports.get(alias) : undefined;
      if (target && parts.length >= 2) {
        if (/\/types\/enums$/.test(target) || /\/enums$/.test(target)) {
          const values = enumValues(target, parts.slice(1));
          return values ? { k: "enum", values, name } : { k: "any" };
        }
        if (/\/types\/input$/.test(target)) return this.objectRef(`${target}.d.ts`, parts.slice(1));
      }
      return { k: "any" };
    }
    return { k: "any" };
  }

  objectRef(file: string, path: string[]): SchemaType {
    const ref = path.join(".");
    if (this.objects[ref]) return { k: "object", ref };
    if (!existsSync(file)) return { k: "any" };
    const sf = parse(file);
    const decl = findInterface(sf.statements, path);
    if (!decl) return { k: "any" };
    this.objects[ref] = {}; // recursion guard
    this.objects[ref] = this.properties(decl.members, sf);
    return { k: "object", ref };
  }

  properties(members: TS.NodeArray<TS.TypeElement>, sf: TS.SourceFile): Properties {
    const props: Properties = {};
    for (const m of members) {
      if (!ts().isPropertySignature(m) || !m.type) continue;
      const name = m.name.getText(sf).replace(/^["']|["']$/g, "");
      props[name] = { type: this.typeOf(m.type, sf), required: !m.questionToken };
    }
    return props;
  }
}

function extract(token: string): ResourceSchema {
  const { provider, file, name } = declarationFor(token);
  const pkg = sdkPackage(provider);
  const dir = packageDir(pkg);
  let path = join(dir, file);
  if (!existsSync(path)) {
    // codegen lower-cases leading acronyms its own way (awsx `EC2Service` → `ec2service.d.ts`): match the
    // file name case-insensitively in the module directory.
    const folder = dirname(path);
    const wanted = basename(path).toLowerCase();
    const found = existsSync(folder)
      ? readdirSync(folder).find((f) => f.toLowerCase() === wanted)
      : undefined;
    if (!found) throw new Error(`${pkg} has no declarations for ${token} (looked for ${file})`);
    path = join(folder, found);
  }
  const sf = parse(path);
  const ex = new Extractor();
  let inputs: Properties | undefined;
  const outputs: string[] = [];
  for (const st of sf.statements) {
    if (ts().isInterfaceDeclaration(st) && st.name.text === `${name}Args`) {
      inputs = ex.properties(st.members, sf);
    }
    if (ts().isClassDeclaration(st) && st.name?.text === name) {
      for (const m of st.members) {
        if (!ts().isPropertyDeclaration(m) || !m.type) continue;
        const isStatic = m.modifiers?.some((mod) => mod.kind === ts().SyntaxKind.StaticKeyword);
        const text = m.type.getText(sf);
        if (!isStatic && /^pulumi\.Output</.test(text)) outputs.push(m.name.getText(sf));
      }
    }
  }
  return {
    token,
    sdk: pkg,
    version: sdkVersion(provider),
    source: file,
    inputs: inputs ?? {},
    outputs,
    objects: ex.objects,
  };
}

const memo = new Map<string, ResourceSchema | null>();

/** The input schema of a type token, or undefined when the installed SDK does not declare the type. */
export function resourceSchema(token: string): ResourceSchema | undefined {
  const known = memo.get(token);
  if (known !== undefined) return known ?? undefined;
  let provider: string;
  try {
    provider = declarationFor(token).provider;
  } catch {
    memo.set(token, null);
    return undefined;
  }
  let version: string;
  try {
    version = sdkVersion(provider);
  } catch {
    memo.set(token, null);
    return undefined;
  }
  const key = createHash("sha256").update(token).digest("hex").slice(0, 16);
  const cacheFile = join(
    schemaCacheDir(),
    `${provider}@${version}`,
    `${token.replace(/[^A-Za-z0-9_.-]+/g, "_")}-${key}.json`,
  );
  if (existsSync(cacheFile)) {
    try {
      const cached = JSON.parse(readFileSync(cacheFile, "utf8")) as ResourceSchema;
      memo.set(token, cached);
      return cached;
    } catch {
      // a torn cache file: extract again
    }
  }
  let schema: ResourceSchema | undefined;
  try {
    schema = extract(token);
  } catch {
    schema = undefined;
  }
  memo.set(token, schema ?? null);
  if (schema) {
    try {
      mkdirSync(dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(schema));
      renameSync(tmp, cacheFile);
    } catch {
      // the cache is an optimisation only
    }
  }
  return schema;
}
