/**
 * Static rules for the API image's Dockerfile, each shown to catch a realistic mistake: the bad Dockerfiles
 * below are small edits of the real one, so a rule that silently stops matching fails here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_METRICS_PORT, DEFAULT_PORT, SECRET_ENV_VARS } from "../../api/config.js";
import { parseDockerfile, parseInstructions, parseKeyValues } from "../../infra/dockerfile.js";
import { dockerignoreMatcher, dockerignorePatterns } from "../../infra/dockerignore.js";
import { checkDockerfile, RULES, type RuleContext } from "./rules.js";

const REPO = join(import.meta.dirname, "..", "..");
const DOCKERFILE = readFileSync(join(REPO, "Dockerfile"), "utf8");
const CONTEXT: RuleContext = {
  repoRoot: REPO,
  ports: [DEFAULT_PORT, DEFAULT_METRICS_PORT],
  secretNames: SECRET_ENV_VARS,
};
const DIGEST = `@sha256:${"0".repeat(64)}`;

const flagged = (text: string) => checkDockerfile(parseDockerfile(text), CONTEXT);
const rulesFlagging = (text: string) => [...new Set(flagged(text).map((problem) => problem.rule))];

/** Replace exactly one occurrence, so a bad case never silently stops changing anything. */
function edit(search: string | RegExp, replacement: string): (text: string) => string {
  return (text) => {
    const count =
      typeof search === "string"
        ? text.split(search).length - 1
        : [...text.matchAll(new RegExp(search.source, `${search.flags}g`))].length;
    if (count !== 1)
      throw new Error(`expected one match of ${String(search)} in the Dockerfile, found ${count}`);
    return text.replace(search, replacement);
  };
}

const BAD: Array<{ rule: string; label: string; mutate: (text: string) => string }> = [
  {
    rule: "multi-stage",
    label: "a single stage",
    mutate: () =>
      `FROM node:24-slim${DIGEST}\nWORKDIR /app\nENV NODE_ENV=production\nCOPY . .\nRUN npm ci --omit=dev && npm run build\nUSER node\nEXPOSE 3000 9464\nHEALTHCHECK CMD ["node", "dist/api/healthcheck.js"]\nCMD ["node", "dist/api/main.js"]\n`,
  },
  {
    rule: "pinned-bases",
    label: "a runtime pinned by tag only",
    mutate: edit(/(nodejs24-debian13:nonroot)@sha256:[0-9a-f]{64}/, "$1"),
  },
  {
    rule: "pinned-bases",
    label: "a build image pinned by tag only",
    mutate: edit(/(trixie-slim)@sha256:[0-9a-f]{64}/, "$1"),
  },
  {
    rule: "pinned-bases",
    label: "a truncated digest",
    mutate: edit(/(nodejs24-debian13:nonroot@sha256:)[0-9a-f]{64}/, "$19eeb7f58"),
  },
  {
    rule: "pinned-bases",
    label: "an unpinned image behind a global ARG",
    mutate: (text) =>
      `ARG RUNTIME=gcr.io/distroless/nodejs24-debian13:nonroot\n${text.replace(/^FROM gcr\.io\S+ AS runtime$/m, "FROM $RUNTIME AS runtime")}`,
  },
  { rule: "non-root-user", label: "no USER", mutate: edit(/^USER .*$/m, "") },
  { rule: "non-root-user", label: "USER root", mutate: edit(/^USER .*$/m, "USER root") },
  { rule: "non-root-user", label: "USER 0:0", mutate: edit(/^USER .*$/m, "USER 0:0") },
  {
    rule: "non-root-user",
    label: "a non-root user in the build stage only",
    mutate: (text) => edit(/^USER .*$/m, "")(text).replace("WORKDIR /app\n", "WORKDIR /app\nUSER node\n"),
  },
  { rule: "healthcheck-exec", label: "no HEALTHCHECK", mutate: edit(/^HEALTHCHECK [^\n]*\\\n[^\n]*\n/m, "") },
  {
    rule: "healthcheck-exec",
    label: "a shell-form HEALTHCHECK",
    mutate: edit(
      /^HEALTHCHECK [^\n]*\\\n[^\n]*\n/m,
      "HEALTHCHECK CMD node dist/api/healthcheck.js || exit 1\n",
    ),
  },
  {
    rule: "healthcheck-exec",
    label: "HEALTHCHECK NONE",
    mutate: edit(/^HEALTHCHECK [^\n]*\\\n[^\n]*\n/m, "HEALTHCHECK NONE\n"),
  },
  {
    rule: "healthcheck-exec",
    label: "a health script the build does not produce",
    mutate: edit("dist/api/healthcheck.js", "dist/api/health-probe.js"),
  },
  {
    rule: "no-secrets",
    label: "ENV DATABASE_URL",
    mutate: edit("ENV NODE_ENV=production", "ENV NODE_ENV=production DATABASE_URL=postgres://app:pw@db/app"),
  },
  {
    rule: "no-secrets",
    label: "ENV BOOTSTRAP_API_KEY",
    mutate: edit(
      "ENV NODE_ENV=production",
      'ENV NODE_ENV=production \\\n    BOOTSTRAP_API_KEY="dev-key-dev-key-dev-key-dev-key-0"',
    ),
  },
  {
    rule: "no-secrets",
    label: "ARG NPM_TOKEN in the build stage",
    mutate: edit("WORKDIR /app\n# NODE_ENV", "WORKDIR /app\nARG NPM_TOKEN\n# NODE_ENV"),
  },
  {
    rule: "no-secrets",
    label: "a legacy-form ENV DB_PASSWORD",
    mutate: edit("ENV NODE_ENV=production", "ENV NODE_ENV=production\nENV DB_PASSWORD hunter2"),
  },
  {
    rule: "expose-ports",
    label: "the metrics port not exposed",
    mutate: edit(/^EXPOSE .*$/m, `EXPOSE ${DEFAULT_PORT}`),
  },
  { rule: "expose-ports", label: "no EXPOSE", mutate: edit(/^EXPOSE .*$/m, "") },
  {
    rule: "entry-is-built",
    label: "a shell-form CMD",
    mutate: (text) => edit(/^ENTRYPOINT .*$/m, "")(text).replace(/^CMD .*$/m, "CMD node dist/api/main.js"),
  },
  {
    rule: "entry-is-built",
    label: "a shell-form ENTRYPOINT",
    mutate: edit(/^ENTRYPOINT .*$/m, "ENTRYPOINT /nodejs/bin/node"),
  },
  {
    rule: "entry-is-built",
    label: "an entry the build does not produce",
    mutate: edit(/^CMD .*$/m, 'CMD ["dist/api/no-such-entry.js"]'),
  },
  {
    rule: "entry-is-built",
    label: "running the TypeScript source",
    mutate: edit(/^CMD .*$/m, 'CMD ["api/main.ts"]'),
  },
  {
    rule: "entry-is-built",
    label: "npm start (no npm in distroless, and npm swallows signals)",
    mutate: (text) => edit(/^ENTRYPOINT .*$/m, "")(text).replace(/^CMD .*$/m, 'CMD ["npm", "start"]'),
  },
  {
    rule: "entry-is-built",
    label: "dist/ not copied into the runtime",
    mutate: edit(/^COPY --from=build \/app\/dist .*$/m, ""),
  },
  { rule: "node-env-production", label: "no NODE_ENV", mutate: edit("ENV NODE_ENV=production", "") },
  {
    rule: "node-env-production",
    label: "NODE_ENV=development",
    mutate: edit("ENV NODE_ENV=production", "ENV NODE_ENV=development"),
  },
  { rule: "lockfile-install", label: "npm install", mutate: edit("RUN npm ci ", "RUN npm install ") },
  {
    rule: "production-dependencies",
    label: "no prune",
    mutate: edit(/\nRUN npm prune --omit=dev[^\n]*/, ""),
  },
];

describe("the Dockerfile parser", () => {
  it("joins continuations, drops comment lines inside them and keeps exec/shell forms apart", () => {
    const instructions = parseInstructions(
      [
        "# syntax=docker/dockerfile:1",
        "FROM --platform=linux/amd64 node:24 AS Build",
        "RUN echo one \\",
        "  # a comment inside the continuation",
        "  && echo two",
        'CMD ["node", "main.js"]',
        "ENTRYPOINT node main.js",
        "HEALTHCHECK --interval=5s \\",
        '  CMD ["node", "hc.js"]',
      ].join("\n"),
    );
    expect(instructions.map((instruction) => instruction.name)).toEqual([
      "FROM",
      "RUN",
      "CMD",
      "ENTRYPOINT",
      "HEALTHCHECK",
    ]);
    expect(instructions[0]!.flags).toEqual({ platform: "linux/amd64" });
    expect(instructions[1]!.args).toBe("echo one   && echo two");
    expect(instructions[2]!.json).toEqual(["node", "main.js"]);
    expect(instructions[3]!.json).toBeUndefined();
    expect(instructions[4]!.flags).toEqual({ interval: "5s" });
    expect(instructions[4]!.line).toBe(8);
  });

  it("honours the escape directive", () => {
    const [run] = parseInstructions("# escape=`\nRUN echo a `\n  b");
    expect(run!.args).toBe("echo a   b");
  });

  it("parses ENV in both forms, with quotes", () => {
    expect(parseKeyValues("A=1 B=\"two words\" C='x y'")).toEqual([
      ["A", "1"],
      ["B", "two words"],
      ["C", "x y"],
    ]);
    expect(parseKeyValues("LEGACY some value")).toEqual([["LEGACY", "some value"]]);
  });

  it("names stages, resolves global ARGs in FROM and refuses heredocs", () => {
    const dockerfile = parseDockerfile(`ARG BASE=node:24${DIGEST}\nFROM \${BASE} AS build\nFROM build\n`);
    expect(dockerfile.stages.map((stage) => [stage.name, stage.base])).toEqual([
      ["build", `node:24${DIGEST}`],
      [undefined, "build"],
    ]);
    expect(() => parseDockerfile("FROM x\nRUN <<EOF\necho\nEOF\n")).toThrow(/heredocs/);
  });
});

describe(".dockerignore", () => {
  const dockerignore = (text: string) => dockerignoreMatcher(dockerignorePatterns(text));

  it("matches like BuildKit: parents count, last match wins, ** spans segments", () => {
    const ignored = dockerignore("*\n!src\nsrc/**/*.snap\n!src/keep.snap\n**/secret*\n");
    expect(
      ["README.md", "docs/a.md", "src/x/y.snap", "src/deep/secret.txt", "secret.env"].map(ignored),
    ).toEqual([true, true, true, true, true]);
    expect(["src", "src/a.ts", "src/keep.snap"].map(ignored)).toEqual([false, false, false]);
  });

  it("sends the builder only the build inputs", () => {
    const ignored = dockerignore(readFileSync(join(REPO, ".dockerignore"), "utf8"));
    const sent = [
      "package.json",
      "package-lock.json",
      "tsconfig.json",
      "tsconfig.build.json",
      "api/main.ts",
      "api/db/migrations/0001_init.ts",
    ];
    const kept = [
      "infra/index.ts",
      "tests/container/rules.ts",
      "policies/index.ts",
      "node_modules/hono/package.json",
      ".git/HEAD",
      ".data/pg/PG_VERSION",
      "dist/api/main.js",
      "api/app.test.ts",
      ".env",
      "api/.env.local",
      "observability/compose.yaml",
      "Pulumi.prod.yaml",
      "coverage/lcov.info",
    ];
    expect(sent.filter(ignored)).toEqual([]);
    expect(kept.filter((path) => !ignored(path))).toEqual([]);
  });
});

describe("the API image's Dockerfile", () => {
  const dockerfile = parseDockerfile(DOCKERFILE);

  it("keeps every rule", () => {
    expect(flagged(DOCKERFILE)).toEqual([]);
  });

  it("runs the compiled API entry and health script from dist/", () => {
    // Readable summary of what the rules above prove, so a reviewer sees the contract at a glance.
    const runtime = dockerfile.stages.at(-1)!;
    const argv = runtime.instructions
      .filter((instruction) => instruction.name === "ENTRYPOINT" || instruction.name === "CMD")
      .flatMap((instruction) => instruction.json ?? []);
    expect(argv).toEqual(["/nodejs/bin/node", "--max-semi-space-size=8", "dist/api/main.js"]);
    expect(dockerfile.stages.map((stage) => stage.name)).toEqual(["build", "runtime"]);
  });

  it("has a bad case for every rule", () => {
    expect(new Set(BAD.map((bad) => bad.rule))).toEqual(new Set(RULES.map((rule) => rule.id)));
  });

  it.each(BAD)("$rule flags $label", ({ rule, mutate }) => {
    const mutated = mutate(DOCKERFILE);
    expect(mutated).not.toBe(DOCKERFILE);
    expect(rulesFlagging(mutated)).toContain(rule);
  });
});
