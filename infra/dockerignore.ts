/**
 * The one `.dockerignore` matcher: the AWS program's image tag hashes the build context it lets through, and
 * the container tests replay the build from the same context. Pure: no I/O.
 *
 * Supported: `#` comments, `*` and `?` within one path segment, `**` across segments, leading `!` negation
 * (the last matching pattern wins), and a pattern matching a directory matching everything below it.
 */

/** Whether a path relative to the context root (`/`-separated) is left out of the build context. */
export function dockerignoreMatcher(patterns: readonly string[]): (path: string) => boolean {
  const rules = patterns
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      const body = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, "").replace(/^\.\//, "");
      const regex = body
        .split("/")
        .map((part) =>
          part === "**"
            ? ".*"
            : part
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")
                .replace(/\?/g, "[^/]"),
        )
        .join("/")
        .replace(/\.\*\//g, "(?:.*/)?");
      return { negate, re: new RegExp(`^${regex}(?:/.*)?$`) };
    });
  return (path) => {
    let ignored = false;
    for (const rule of rules) if (rule.re.test(path)) ignored = !rule.negate;
    return ignored;
  };
}

/**
 * Whether a walk of the context must still enter an ignored directory: a `!` pattern below it, or one that
 * starts with `**`, may re-include something there.
 */
export function mayReincludeBelow(patterns: readonly string[]): (dir: string) => boolean {
  const reincluded = patterns
    .map((p) => p.trim())
    .filter((p) => p.startsWith("!"))
    .map((p) => p.slice(1).replace(/^\/+/, ""));
  return (dir) => reincluded.some((p) => p.startsWith(`${dir}/`) || p.startsWith("**"));
}

/** A `.dockerignore` file's text as patterns. */
export const dockerignorePatterns = (text: string): string[] => text.split(/\r?\n/);
