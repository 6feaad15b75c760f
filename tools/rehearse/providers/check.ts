/**
 * Check: what the providers' Check and CheckConfig do before the engine diffs or creates anything: inputs
 * checked against the SDK's declarations (sdk-schema.ts, validate.ts), unknown provider-configuration keys
 * refused, autonames filled in (names.ts), and pulumi-docker's Image defaults and Dockerfile check. The gRPC
 * service (server.ts) turns the failures into CheckFailure messages.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join, posix } from "node:path";
import { autoname, hasPrefixInput } from "./names.js";
import { resourceSchema } from "./sdk-schema.js";
import { checkInputs, checkValue, type Failure } from "./validate.js";
import { isPlainObject, type Props, reveal, UNKNOWN, urnParts, type Value } from "./values.js";

/** Provider-config keys the engine adds itself. */
export const ENGINE_CONFIG_KEYS: ReadonlySet<string> = new Set([
  "version",
  "pluginDownloadURL",
  "__internal",
]);

/** CheckConfig: the provider configuration's keys and types against the SDK's `ProviderArgs`. */
export function checkConfigFailures(pkg: string, news: Props): Failure[] {
  const schema = resourceSchema(`pulumi:providers:${pkg}`);
  if (!schema) return [];
  const failures: Failure[] = [];
  for (const [key, value] of Object.entries(news)) {
    if (ENGINE_CONFIG_KEYS.has(key) || key.startsWith("__")) continue;
    const decl = schema.inputs[key];
    if (!decl) {
      failures.push({
        property: key,
        reason: `unknown configuration key "${pkg}:${key}" for ${schema.sdk}@${schema.version}`,
      });
      continue;
    }
    // Config arrives JSON-encoded for non-string types (stack config, SDK provider resources).
    let v: Value = reveal(value);
    if (typeof v === "string" && decl.type.k !== "string" && v !== UNKNOWN) {
      try {
        v = JSON.parse(v);
      } catch {
        // checked as the string it is
      }
    }
    checkValue(v, decl.type, schema, key, failures);
  }
  return failures;
}

/**
 * What pulumi-docker v4's Check does to an Image (provider.go `Check`, image.go
 * `marshalBuildAndApplyDefaults`): `buildOnPreview` defaults to false, `build.context` to "." and
 * `build.dockerfile` to `<context>/Dockerfile`, and a known Dockerfile path must exist — relative to the
 * provider's working directory (the project), not to the context — or Check fails with the provider's message.
 * Not reproduced: the `build.contextDigest` it adds (a hash of the context honouring .dockerignore) and the
 * host-platform default.
 */
export function dockerImageCheck(inputs: Props, failures: Failure[]): void {
  if (inputs.buildOnPreview === undefined || inputs.buildOnPreview === null) inputs.buildOnPreview = false;
  const raw = inputs.build;
  if (raw !== undefined && raw !== null && !isPlainObject(raw)) return;
  const build: Props = isPlainObject(raw) ? { ...raw } : {};
  const known = (v: Value) => v !== UNKNOWN && (typeof v === "string" || v === undefined || v === null);
  if (!known(build.context) || !known(build.dockerfile)) return;
  const context = typeof build.context === "string" ? build.context : ".";
  const dockerfile =
    typeof build.dockerfile === "string" ? build.dockerfile : posix.join(context, "Dockerfile");
  build.context = context;
  build.dockerfile = dockerfile;
  inputs.build = build;
  if (existsSync(dockerfile)) return;
  let reason: string;
  if (isAbsolute(dockerfile)) {
    reason = `expected a relative Dockerfile path; got "${dockerfile}" instead: stat ${dockerfile}: no such file or directory`;
  } else if (existsSync(join(context, dockerfile))) {
    reason = `could not open dockerfile at relative path "${dockerfile}". Try setting \`dockerfile\` to "${join(context, dockerfile)}"`;
  } else {
    reason = `could not open dockerfile at relative path "${dockerfile}": stat ${dockerfile}: no such file or directory`;
  }
  failures.push({ property: "build.dockerfile", reason });
}

/** The answer of Check for one resource: the checked inputs (autonamed, defaulted) and the failures. */
export interface Checked {
  inputs: Props;
  failures: Failure[];
}

/**
 * Check for one resource: an undeclared type is refused; otherwise the inputs are checked, autonamed (the
 * name already in `olds` is kept) and, for a docker Image, defaulted as pulumi-docker does. `seed` makes the
 * autoname stable for one resource (the URN, plus the engine's random seed unless autonames are stable).
 */
export function checkResource(
  pkg: string,
  version: string,
  urn: string,
  olds: Props,
  news: Props,
  seed: string,
): Checked {
  const { type, name } = urnParts(urn);
  const schema = resourceSchema(type);
  if (!schema || (Object.keys(schema.inputs).length === 0 && !schema.outputs.length)) {
    return {
      inputs: news,
      failures: [
        { property: "", reason: `unknown resource type ${type}: ${pkg}@${version} does not declare it` },
      ],
    };
  }
  const failures = checkInputs(news, schema);
  const inputs: Props = { ...news };
  const auto = autoname(pkg, type, name, seed, new Set(Object.keys(schema.inputs)), new Set(schema.outputs));
  if (
    auto &&
    (inputs[auto.key] === undefined || inputs[auto.key] === null) &&
    !hasPrefixInput(inputs, auto.key)
  ) {
    const kept = olds[auto.key];
    inputs[auto.key] = typeof kept === "string" && kept.length > 0 ? kept : auto.value;
  }
  if (type === "docker:index/image:Image") dockerImageCheck(inputs, failures);
  return { inputs, failures };
}
