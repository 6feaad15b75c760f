/**
 * The Pulumi CLI's project/stack config rules, ported from pulumi/pulumi so a test can apply them to every
 * shipped stack without the CLI: `Project.Validate` (sdk/go/common/workspace/project.go),
 * `RewriteShorthandConfigValues`, `mergeConfig` + `validateStackConfigValues` (pkg/workspace/config.go) and
 * `ValidateConfigValue`. The engine rehearsal (`npm run rehearse`) runs the real CLI on the same files.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

interface ProjectConfigType {
  type?: string;
  description?: string;
  default?: unknown;
  value?: unknown;
  items?: unknown;
  secret?: boolean;
}

export interface Project {
  name: string;
  config: Record<string, ProjectConfigType>;
}

const isPrimitive = (v: unknown) =>
  typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isInteger(v));

export function readProject(path: string): Project {
  const doc = parse(readFileSync(path, "utf8")) as { name: string; config?: Record<string, unknown> };
  const config: Record<string, ProjectConfigType> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    // RewriteShorthandConfigValues: `key: 3` is a default for project keys and a value for others.
    if (isPrimitive(value) || Array.isArray(value)) {
      config[key] = namespacedByProject(doc.name, key) ? { default: value } : { value };
    } else config[key] = value as ProjectConfigType;
  }
  return { name: doc.name, config };
}

function namespacedByProject(project: string, key: string): boolean {
  return !key.includes(":") || key.startsWith(`${project}:`);
}

const fullKey = (project: string, key: string) => (key.includes(":") ? key : `${project}:${key}`);

/** ValidateConfigValue: string, integer (whole float or integer text), boolean (or "true"/"false"), object. */
function validConfigValue(type: string, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      if (typeof value === "number") return Number.isInteger(value);
      // Go's strconv.Atoi: optional sign, decimal digits only.
      return typeof value === "string" && /^[+-]?\d+$/.test(value);
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    default:
      return false; // arrays need `items`; nothing here declares one
  }
}

/** Project.Validate. Returns the CLI's error text, or undefined. */
function validateProject(project: Project): string | undefined {
  for (const [key, t] of Object.entries(project.config)) {
    if (t.default !== undefined && t.value !== undefined) {
      return `project config '${key}' cannot have both a 'default' and 'value' attribute`;
    }
    if (namespacedByProject(project.name, key)) {
      if (t.type !== undefined && t.default !== undefined && !validConfigValue(t.type, t.default)) {
        return `The default value specified for configuration key '${key}' is not of the expected type '${t.type}'`;
      }
    } else if (t.type !== undefined) {
      return `Configuration key '${key}' is not namespaced by the project and should not define a type`;
    } else if (t.default !== undefined) {
      return `Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`;
    } else if (t.value === undefined) {
      return `Configuration key '${key}' is namespaced and must provide an attribute 'value'`;
    }
  }
  return undefined;
}

/**
 * Stack config as the CLI holds it: every value is text (a stack file's `3` or `true` is stored as "3",
 * "true"); objects (secure values, maps) stay objects.
 */
export function readStackFile(path: string, project: string): Record<string, unknown> {
  const doc = parse(readFileSync(path, "utf8")) as { config?: Record<string, unknown> } | null;
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
    config[fullKey(project, key)] = value !== null && typeof value === "object" ? value : String(value);
  }
  return config;
}

function formatMissingKeys(keys: string[]): string {
  if (keys.length === 1) return `'${keys[0]}'`;
  const sorted = [...keys].sort();
  return sorted
    .map((key, i) =>
      i === sorted.length - 1 ? `and '${key}'` : i === sorted.length - 2 ? `'${key}' ` : `'${key}', `,
    )
    .join("");
}

export interface MergedStackConfig {
  /** The config the program receives: the stack's values plus the project's defaults and values. */
  config: Record<string, unknown>;
  /** The CLI's error, when it refuses the stack before the program runs. */
  error?: string;
}

/** ValidateStackConfigAndApplyProjectConfig for one stack. */
export function validateStackConfig(
  project: Project,
  stackName: string,
  stackConfig: Record<string, unknown>,
): MergedStackConfig {
  const projectError = validateProject(project);
  if (projectError) return { config: stackConfig, error: projectError };
  const config = { ...stackConfig };
  const missing: string[] = [];
  for (const key of Object.keys(project.config).sort()) {
    const t = project.config[key]!;
    const name = fullKey(project.name, key);
    const found = name in config;
    const hasDefault = t.default !== undefined;
    const hasValue = t.value !== undefined;
    if (!found && !hasValue && !hasDefault && name.startsWith(`${project.name}:`)) {
      missing.push(key);
      continue;
    }
    if (!found) config[name] = String(hasDefault ? t.default : t.value);
  }
  if (missing.length > 0) {
    const values = missing.length > 1 ? "values" : "value";
    return {
      config,
      error: `Stack '${stackName}' is missing configuration ${values} ${formatMissingKeys(missing)}`,
    };
  }
  for (const key of Object.keys(project.config).sort()) {
    const t = project.config[key]!;
    if (t.type === undefined) continue;
    const value = config[fullKey(project.name, key)];
    if (t.secret && !(typeof value === "object" && value !== null && "secure" in value)) {
      return {
        config,
        error: `Stack '${stackName}' with configuration key '${key}' must be encrypted as it's secret`,
      };
    }
    const secure = typeof value === "object" && value !== null && "secure" in value;
    if (value !== undefined && !secure && !validConfigValue(t.type, value)) {
      return {
        config,
        error: `Stack '${stackName}' with configuration key '${key}' must be of type '${t.type}'`,
      };
    }
  }
  return { config };
}
