/**
 * The rules the API image's Dockerfile must keep. Each rule returns the problems it finds (empty = pass), so
 * the test can show that every rule really flags a bad Dockerfile, not only that the good one passes.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, posix, relative } from "node:path";
import {
  copyPaths,
  type Dockerfile,
  execCommand,
  finalStage,
  findStage,
  healthcheckCommand,
  type Instruction,
  lastOf,
  nodeScriptIndex,
  parseKeyValues,
  type Stage,
  stageEnv,
  stageWorkdir,
} from "../../infra/dockerfile.js";

export interface RuleContext {
  /** Repository root: where the TypeScript sources of the built entry points live. */
  repoRoot: string;
  /** Ports the image must EXPOSE (the API's defaults from api/config.ts). */
  ports: number[];
  /** Environment variable names that carry secrets (api/config.ts SECRET_ENV_VARS). */
  secretNames: readonly string[];
}

export interface Rule {
  id: string;
  description: string;
  check: (dockerfile: Dockerfile, context: RuleContext) => string[];
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;
/** Names that look like they hold a secret, whatever the API calls them. */
const SECRET_LOOKING =
  /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH|CONNECTION_?STRING|DSN)/i;
const NODE_BINARY = /(^|\/)node$/;

const isStageRef = (dockerfile: Dockerfile, stage: Stage) =>
  findStage(dockerfile, stage.base, stage.index) !== undefined || stage.base === "scratch";

/** The tsconfig the build runs (`npm run build` = `tsc -p tsconfig.build.json`), with `extends` resolved. */
function buildTsconfig(repoRoot: string): { outDir: string; rootDir: string; include: string[] } {
  const read = (file: string): Record<string, unknown> =>
    JSON.parse(readFileSync(join(repoRoot, file), "utf8"));
  const build = read("tsconfig.build.json") as {
    extends?: string;
    compilerOptions?: Record<string, string>;
    include?: string[];
  };
  const base = (build.extends ? read(build.extends) : {}) as typeof build;
  const options = { ...base.compilerOptions, ...build.compilerOptions };
  return {
    outDir: posix.normalize(options.outDir ?? "dist"),
    rootDir: posix.normalize(options.rootDir ?? "."),
    include: build.include ?? base.include ?? [],
  };
}

/**
 * A script the image runs (`dist/api/main.js`, relative to WORKDIR or absolute) must be (1) inside a
 * directory the final stage copies from the build's output directory and (2) the compiled form of a
 * TypeScript source that exists and that the build compiles.
 */
function builtScriptProblems(
  dockerfile: Dockerfile,
  context: RuleContext,
  script: string | undefined,
  what: string,
): string[] {
  if (!script) return [`${what}: no script argument for node`];
  const runtime = finalStage(dockerfile);
  const workdir = stageWorkdir(dockerfile, runtime);
  const absolute = script.startsWith("/") ? posix.normalize(script) : posix.join(workdir, script);
  const tsconfig = buildTsconfig(context.repoRoot);
  const copied = runtime.instructions
    .filter((instruction) => instruction.name === "COPY" && instruction.flags.from)
    .map((instruction) => {
      const { sources, dest } = copyPaths(instruction);
      return { sources, dest: dest.startsWith("/") ? posix.normalize(dest) : posix.join(workdir, dest) };
    })
    .find(({ sources, dest }) => {
      const outDirCopied = sources.some(
        (source) => posix.basename(posix.normalize(source)) === tsconfig.outDir,
      );
      return outDirCopied && (absolute === dest || absolute.startsWith(`${dest.replace(/\/$/, "")}/`));
    });
  if (!copied) {
    return [
      `${what}: ${script} is not inside a directory the final stage copies from the build's ${tsconfig.outDir}/`,
    ];
  }
  const inOutDir = posix.relative(copied.dest, absolute);
  if (!inOutDir.endsWith(".js")) return [`${what}: ${script} is not a compiled .js file`];
  const source = posix.join(tsconfig.rootDir, inOutDir.replace(/\.js$/, ".ts"));
  const problems: string[] = [];
  if (!existsSync(join(context.repoRoot, source))) {
    problems.push(`${what}: ${script} would be compiled from ${source}, which does not exist`);
  }
  const included = tsconfig.include.some((dir) => {
    const rel = relative(dir, source);
    return !rel.startsWith("..") && !rel.startsWith("/");
  });
  if (!included)
    problems.push(`${what}: ${source} is outside the build's include (${tsconfig.include.join(", ")})`);
  return problems;
}

/** The final stage's effective command: ENTRYPOINT argv + CMD argv (both must be exec form). */
function effectiveCommand(stage: Stage): { argv?: string[]; problems: string[] } {
  const entrypoint = lastOf(stage, "ENTRYPOINT");
  const cmd = lastOf(stage, "CMD");
  const problems: string[] = [];
  for (const instruction of [entrypoint, cmd]) {
    if (instruction && !instruction.json) {
      problems.push(
        `${instruction.name} (line ${instruction.line}) is in shell form: /bin/sh becomes PID 1 and SIGTERM never reaches node (and distroless has no shell)`,
      );
    }
  }
  if (!cmd && !entrypoint) problems.push("the final stage sets neither ENTRYPOINT nor CMD");
  if (problems.length > 0) return { problems };
  return { argv: execCommand(stage), problems };
}

/** The script of `node [--flags] script`. */
const nodeScript = (argv: string[]): string | undefined => argv[nodeScriptIndex(argv)];

export const RULES: Rule[] = [
  {
    id: "multi-stage",
    description: "at least two stages: build tools never ship in the runtime image",
    check: (dockerfile) =>
      dockerfile.stages.length >= 2
        ? []
        : [`${dockerfile.stages.length} FROM instruction(s); expected at least 2`],
  },
  {
    id: "pinned-bases",
    description: "every external base image is pinned by @sha256 digest",
    check: (dockerfile) =>
      dockerfile.stages
        .filter((stage) => !isStageRef(dockerfile, stage))
        .filter((stage) => !DIGEST.test(stage.base))
        .map(
          (stage) => `FROM ${stage.base} (line ${stage.from.line}) is not pinned by @sha256:<64 hex> digest`,
        ),
  },
  {
    id: "non-root-user",
    description: "the final stage sets a USER that is not root",
    check: (dockerfile) => {
      const user = lastOf(finalStage(dockerfile), "USER");
      if (!user) return ["the final stage has no USER instruction (images run as root by default)"];
      const [name, group] = user.args.split(":");
      return name === "root" || name === "0" || group === "0" || group === "root"
        ? [`USER ${user.args} (line ${user.line}) is root`]
        : [];
    },
  },
  {
    id: "healthcheck-exec",
    description: "the final stage has an exec-form HEALTHCHECK running a built node script",
    check: (dockerfile, context) => {
      const instruction = lastOf(finalStage(dockerfile), "HEALTHCHECK");
      if (!instruction) return ["the final stage has no HEALTHCHECK"];
      const command = healthcheckCommand(instruction);
      if (command.form === "none")
        return [`HEALTHCHECK (line ${instruction.line}) is disabled or has no CMD`];
      if (command.form === "shell") {
        return [
          `HEALTHCHECK (line ${instruction.line}) is in shell form; the distroless runtime has no shell`,
        ];
      }
      const argv = command.argv!;
      if (!NODE_BINARY.test(argv[0] ?? "")) return [`HEALTHCHECK runs ${argv[0]}, expected node`];
      return builtScriptProblems(dockerfile, context, nodeScript(argv), "HEALTHCHECK");
    },
  },
  {
    id: "no-secrets",
    description:
      "no ENV or ARG in any stage names a secret (they would be baked into the image or its history)",
    check: (dockerfile, context) => {
      const declared: Array<{ name: string; instruction: Instruction }> = [];
      const all = [...dockerfile.instructions];
      for (const instruction of all) {
        if (instruction.name !== "ENV" && instruction.name !== "ARG") continue;
        for (const [name] of parseKeyValues(instruction.args)) declared.push({ name, instruction });
      }
      return declared
        .filter(({ name }) => context.secretNames.includes(name) || SECRET_LOOKING.test(name))
        .map(
          ({ name, instruction }) =>
            `${instruction.name} ${name} (line ${instruction.line}) looks like a secret`,
        );
    },
  },
  {
    id: "expose-ports",
    description: "the final stage EXPOSEs the API's and the metrics' default ports",
    check: (dockerfile, context) => {
      const exposed = finalStage(dockerfile)
        .instructions.filter((instruction) => instruction.name === "EXPOSE")
        .flatMap((instruction) => instruction.args.split(/\s+/))
        .map((port) => Number(port.replace(/\/tcp$/i, "")));
      return context.ports
        .filter((port) => !exposed.includes(port))
        .map((port) => `port ${port} is not EXPOSEd by the final stage`);
    },
  },
  {
    id: "entry-is-built",
    description: "ENTRYPOINT+CMD are exec form and run node on a script the build produces",
    check: (dockerfile, context) => {
      const { argv, problems } = effectiveCommand(finalStage(dockerfile));
      if (!argv) return problems;
      if (!NODE_BINARY.test(argv[0] ?? ""))
        return [`the image runs ${argv.join(" ")}, expected node <script>`];
      return builtScriptProblems(dockerfile, context, nodeScript(argv), "CMD");
    },
  },
  {
    id: "node-env-production",
    description: "the final stage sets NODE_ENV=production",
    check: (dockerfile) => {
      const env = stageEnv(dockerfile, finalStage(dockerfile));
      return env.NODE_ENV === "production"
        ? []
        : [`NODE_ENV is ${env.NODE_ENV ?? "unset"} in the final stage`];
    },
  },
  {
    id: "lockfile-install",
    description: "dependencies come from the lockfile (`npm ci`), never `npm install`",
    check: (dockerfile) => {
      const runs = dockerfile.instructions.filter((instruction) => instruction.name === "RUN");
      const problems = runs
        .filter((run) => /\bnpm\s+(install|i|add)\b/.test(run.args))
        .map((run) => `RUN (line ${run.line}) uses npm install; use npm ci`);
      if (!runs.some((run) => /\bnpm\s+ci\b/.test(run.args))) problems.push("no stage runs npm ci");
      return problems;
    },
  },
  {
    id: "production-dependencies",
    description: "the runtime's node_modules comes from a stage that dropped the devDependencies",
    check: (dockerfile) => {
      const runtime = finalStage(dockerfile);
      const copy = runtime.instructions.find(
        (instruction) =>
          instruction.name === "COPY" &&
          instruction.flags.from !== undefined &&
          copyPaths(instruction).sources.some((source) => posix.basename(source) === "node_modules"),
      );
      if (!copy) return ["the final stage copies no node_modules from a build stage"];
      const source = findStage(dockerfile, copy.flags.from!, runtime.index);
      if (!source) return [`COPY --from=${copy.flags.from} (line ${copy.line}) names no earlier stage`];
      const pruned = source.instructions.some(
        (instruction) =>
          instruction.name === "RUN" &&
          /\bnpm\s+(prune|ci)\b[^&|;]*--omit[= ]dev\b|\bnpm\s+(prune|ci)\b[^&|;]*--production\b/.test(
            instruction.args,
          ),
      );
      return pruned
        ? []
        : [`stage ${source.name ?? source.index} never runs npm prune --omit=dev (or npm ci --omit=dev)`];
    },
  },
];

export function checkDockerfile(
  dockerfile: Dockerfile,
  context: RuleContext,
): Array<{ rule: string; problem: string }> {
  return RULES.flatMap((rule) =>
    rule.check(dockerfile, context).map((problem) => ({ rule: rule.id, problem })),
  );
}
