import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { TIERS } from "../../infra/spec/index.js";
import { captureStack } from "../observability/stack-captures.js";
import { stackSpec } from "../support/stacks.js";
import {
  API_RESOURCE_TYPE,
  checkCloudLogin,
  checkConcurrency,
  checkCredentialsAfterInstall,
  checkDeployConcurrency,
  checkDeployOrder,
  checkMigrationPhases,
  checkNode24Actions,
  checkNoLongLivedKeys,
  checkPermissions,
  checkPinned,
  checkPolicyPacks,
  checkPreviewGate,
  checkPulumiTokenScope,
  checkRoleDuration,
  checkRollback,
  checkSmokeTests,
  checkTriggers,
  checkWorkflowRunSafety,
  compareVersions,
  deployGroups,
  envName,
  type Job,
  jobNeeds,
  matrixCombos,
  neededJobs,
  parseWorkflow,
  pulumiRuns,
  pulumiVersions,
  schemaProblems,
  steps,
  summaryJob,
  urnGlobMatches,
  type Workflow,
} from "./workflow-checks.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIR = `${ROOT}.github/workflows/`;
const text = (file: string) => readFileSync(`${DIR}${file}`, "utf8");
const load = (file: string) => parseWorkflow(text(file));
const cloudOfStack = (stack: string): string =>
  String(
    (parseYaml(readFileSync(`${ROOT}Pulumi.${stack}.yaml`, "utf8")) as { config: Record<string, unknown> })
      .config["twincloud:cloud"],
  );

/** `${{`, built so that no string literal looks like a mistaken template placeholder. */
const EXPR_OPEN = "$" + "{{";
const MATRIX_STACK = `${EXPR_OPEN} matrix.stack }}`;

const FILES = readdirSync(DIR).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
const EXPECTED_TRIGGERS: Record<string, string[]> = {
  "ci.yml": ["push", "pull_request"],
  "preview.yml": ["pull_request"],
  "preview-comment.yml": ["workflow_run"],
  "deploy.yml": ["push"],
  "rollback.yml": ["workflow_dispatch"],
};
/** Workflows whose pull-request checks branch protection requires, through their summary job. */
const REQUIRED_CHECKS: Record<string, string> = { "ci.yml": "ci ok", "preview.yml": "preview ok" };

describe("every workflow", () => {
  it("is one of the expected workflows", () => {
    expect(FILES.sort()).toEqual(Object.keys(EXPECTED_TRIGGERS).sort());
  });

  describe.each(FILES)("%s", (file) => {
    it("validates against the GitHub workflow JSON schema", () => {
      expect(schemaProblems(text(file))).toEqual([]);
    });
    it("has the expected triggers", () => {
      expect(checkTriggers(load(file), EXPECTED_TRIGGERS[file] ?? [])).toEqual([]);
    });
    it("grants least privilege", () => {
      expect(checkPermissions(load(file))).toEqual([]);
    });
    it("pins every action to a commit SHA with a release comment", () => {
      expect(checkPinned(load(file), text(file))).toEqual([]);
    });
    it("sets a concurrency group", () => {
      expect(checkConcurrency(load(file))).toEqual([]);
    });
    it("references no long-lived cloud keys", () => {
      expect(checkNoLongLivedKeys(text(file))).toEqual([]);
    });
    it("runs the policy pack with the stack's config on every preview and up", () => {
      expect(checkPolicyPacks(load(file), TIERS)).toEqual([]);
      expect(checkCloudLogin(load(file), cloudOfStack)).toEqual([]);
    });
    it("never runs pull-request code with a write token (workflow_run)", () => {
      expect(checkWorkflowRunSafety(load(file))).toEqual([]);
    });
    it("previews with the policy pack before every pulumi up, in the same job (the gate)", () => {
      expect(checkPreviewGate(load(file))).toEqual([]);
    });
    it("gives PULUMI_ACCESS_TOKEN to the Pulumi steps only (not to npm ci)", () => {
      expect(checkPulumiTokenScope(load(file))).toEqual([]);
    });
    it("acquires cloud credentials only after npm ci", () => {
      expect(checkCredentialsAfterInstall(load(file))).toEqual([]);
    });
    it("asks for AWS role sessions that outlast the job timeout", () => {
      expect(checkRoleDuration(load(file))).toEqual([]);
    });
    it("pins one exact Pulumi CLI version on every pulumi/actions step", () => {
      expect(pulumiVersions(load(file)).problems).toEqual([]);
    });
    it("uses each action's Node 24 release line, at a verified SHA", () => {
      expect(checkNode24Actions(text(file))).toEqual([]);
    });
    it("smoke-tests the stack output url with the masked secret output bootstrapApiKey", () => {
      expect(checkSmokeTests(load(file))).toEqual([]);
    });
  });
});

describe("across workflows", () => {
  const all = FILES.map((file) => ({ file, wf: load(file) }));

  it("one concurrency group per stack, shared by deploy and rollback, none shared between stacks", () => {
    expect(checkDeployConcurrency(all)).toEqual([]);
    const groups = all.flatMap(({ file, wf }) => deployGroups(file, wf));
    const groupOf = (workflow: string, stack: string) =>
      groups.find((g) => g.workflow === workflow && g.stack === stack)?.group;
    for (const stack of TIERS) {
      expect(groupOf("deploy.yml", stack)).toBe(`deploy-${stack}`);
      expect(groupOf("rollback.yml", stack)).toBe(`deploy-${stack}`);
    }
  });

  it("pins the same Pulumi CLI everywhere: the one npm run rehearse builds, not older than @pulumi/pulumi", () => {
    const versions = new Set(all.flatMap(({ wf }) => [...pulumiVersions(wf).versions]));
    expect(versions.size).toBe(1);
    const [version] = [...versions] as [string];
    const rehearse = /^VERSION=v?(\d+\.\d+\.\d+)$/m.exec(
      readFileSync(`${ROOT}tools/rehearse/build-cli.sh`, "utf8"),
    )?.[1];
    expect(version).toBe(rehearse);
    const lock = JSON.parse(readFileSync(`${ROOT}package-lock.json`, "utf8")) as {
      packages: Record<string, { version?: string }>;
    };
    const sdk = lock.packages["node_modules/@pulumi/pulumi"]?.version ?? "";
    expect(compareVersions(version, sdk)).toBeGreaterThanOrEqual(0);
  });

  describe.each(Object.entries(REQUIRED_CHECKS))("%s summary job", (file, checkName) => {
    const { jobId, script, problems } = summaryJob(load(file));
    it(`"${checkName}" needs every other job and always runs`, () => {
      expect(problems).toEqual([]);
      expect(load(file).jobs[jobId as string]?.name).toBe(checkName);
    });
    const run = (results: string) => {
      try {
        execFileSync("bash", ["-eo", "pipefail", "-c", script ?? "exit 3"], {
          env: { PATH: process.env.PATH ?? "", RESULTS: results },
          stdio: "pipe",
        });
        return 0;
      } catch (error) {
        return (error as { status: number }).status;
      }
    };
    it("passes when every job succeeded or was skipped by design (forks, Dependabot)", () => {
      expect(run("success success")).toBe(0);
      expect(run("skipped success")).toBe(0);
    });
    it("fails when a job failed or was cancelled", () => {
      expect(run("success failure")).toBe(1);
      expect(run("cancelled success")).toBe(1);
    });
  });
});

describe("ci.yml", () => {
  const wf = load("ci.yml");
  const all = steps(wf);
  const runs = all.map(({ step }) => step.run ?? "").join("\n");

  it("tests on Node 22 and 24 with PostgreSQL 17 and TEST_DATABASE_URL", () => {
    const test = wf.jobs.test as Job;
    expect(matrixCombos(test).map((c) => c.node)).toEqual([22, 24]);
    expect(test.services?.postgres?.image).toBe("postgres:17");
    expect(String(test.env?.TEST_DATABASE_URL)).toMatch(/^postgres:\/\/.+@localhost:5432\//);
    for (const command of ["npm run lint", "npm run typecheck", "vitest run --coverage", "npm ci"]) {
      expect(runs).toContain(command);
    }
    expect(runs).toMatch(/apt-get install .*prometheus/);
    expect(
      all.some(
        ({ step }) => /^actions\/upload-artifact@/.test(step.uses ?? "") && step.with?.path === "coverage/",
      ),
    ).toBe(true);
  });

  it("audits dependencies at high severity", () => {
    expect(runs).toContain("npm audit --audit-level=high");
  });

  it("builds the image for linux/amd64 with a cache and fails Trivy on CRITICAL, uploading SARIF", () => {
    const image = wf.jobs.image as Job;
    const build = image.steps?.find((s) => /^docker\/build-push-action@/.test(s.uses ?? ""));
    expect(build?.with).toMatchObject({ platforms: "linux/amd64", "cache-from": "type=gha" });
    expect(image.steps?.some((s) => /^docker\/setup-buildx-action@/.test(s.uses ?? ""))).toBe(true);
    const gate = image.steps?.find(
      (s) => /^aquasecurity\/trivy-action@/.test(s.uses ?? "") && s.with?.["exit-code"] === "1",
    );
    expect(gate?.with?.severity).toBe("CRITICAL");
    expect(image.steps?.some((s) => /^github\/codeql-action\/upload-sarif@/.test(s.uses ?? ""))).toBe(true);
  });

  it("grants security-events: write to the image job only", () => {
    const writers = Object.entries(wf.jobs)
      .filter(
        ([, job]) => (job.permissions as Record<string, string> | undefined)?.["security-events"] === "write",
      )
      .map(([id]) => id);
    expect(writers).toEqual(["image"]);
  });
});

describe("preview.yml", () => {
  const wf = load("preview.yml");
  const previews = pulumiRuns(wf).filter((r) => r.command === "preview");

  it("previews every stack with PR comments that are edited in place", () => {
    expect(previews.map((r) => r.stack).sort()).toEqual([...TIERS].sort());
    for (const run of previews) {
      expect(run.commentOnPr).toBe(true);
      expect(run.editPrComment).toBe(true);
    }
  });

  it("skips the cloud preview for forks and uses per-PR-and-stack concurrency that cancels", () => {
    const job = wf.jobs[previews[0]!.jobId] as Job;
    expect(job.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    expect(job.permissions).toEqual({ contents: "read", "pull-requests": "write", "id-token": "write" });
    const concurrency = job.concurrency as { group: string; "cancel-in-progress": boolean };
    expect(concurrency.group).toContain("github.event.pull_request.number");
    expect(concurrency.group).toContain("matrix.stack");
    expect(concurrency["cancel-in-progress"]).toBe(true);
  });

  it("builds the offline plan with no secrets and no write permission, and uploads it", () => {
    const job = wf.jobs["offline-plan"] as Job;
    expect(job.if).toBeUndefined(); // runs for forks too
    expect(job.permissions).toEqual({ contents: "read" });
    expect(JSON.stringify(job)).not.toContain("secrets.");
    const script = (job.steps ?? []).map((s) => s.run ?? "").join("\n");
    expect(script).toContain("npm run --silent plan --");
    expect(script).toContain("--diff-against");
    expect(
      job.steps?.some(
        (s) => /^actions\/upload-artifact@/.test(s.uses ?? "") && s.with?.name === "offline-plan",
      ),
    ).toBe(true);
  });
});

describe("preview-comment.yml", () => {
  it("posts the uploaded plan from the base repository's context after preview runs", () => {
    const wf = load("preview-comment.yml");
    expect(wf.on).toMatchObject({ workflow_run: { workflows: ["preview"], types: ["completed"] } });
    const job = Object.values(wf.jobs)[0] as Job;
    expect(job.permissions).toEqual({ actions: "read", "pull-requests": "write" });
    expect(text("preview-comment.yml")).toContain("--name offline-plan");
  });
});

describe("deploy.yml", () => {
  const wf = load("deploy.yml");
  it("deploys dev (AWS) and staging (Azure), then prod behind the production environment, smoke-testing each", () => {
    expect(checkDeployOrder(wf)).toEqual([]);
    expect(jobNeeds(wf.jobs.production as Job).sort()).toEqual(["dev", "staging"]);
    expect(envName(wf.jobs.production as Job)).toBe("production");
    expect(envName(wf.jobs.dev as Job)).toBe("dev");
    expect(cloudOfStack("dev")).toBe(cloudOfStack("prod")); // dev rehearses prod's cloud
  });
  it("only deploys from pushes to main; no workflow-level group; never cancels a running deployment", () => {
    expect(wf.on).toEqual({ push: { branches: ["main"] } });
    expect(wf.concurrency).toBeUndefined();
    for (const job of Object.values(wf.jobs))
      expect(job.concurrency).toMatchObject({ "cancel-in-progress": false });
  });
  it("needs no hand-made smoke key (SMOKE_API_KEY stays an optional override)", () => {
    const readers = steps(wf).filter(({ step }) => /bootstrapApiKey --show-secrets/.test(step.run ?? ""));
    expect(readers).toHaveLength(3);
    for (const { step } of readers) {
      expect(step.env?.SMOKE_API_KEY_OVERRIDE).toBe(`${EXPR_OPEN} secrets.SMOKE_API_KEY }}`);
      expect(step.run).toMatch(/if \[ -n "\$SMOKE_API_KEY_OVERRIDE" \]/);
    }
  });
  it("reads only stack outputs the program declares (infra/outputs.ts)", () => {
    const declared = readFileSync(`${ROOT}infra/outputs.ts`, "utf8");
    const read = FILES.flatMap((file) =>
      [...text(file).matchAll(/pulumi stack output (\w+)/g)].map((m) => m[1]),
    );
    expect(new Set(read)).toEqual(new Set(["url", "bootstrapApiKey", "imageDigest", "migration"]));
    for (const name of new Set(read))
      expect(declared).toMatch(new RegExp(`^\\s+${name}: pulumi\\.Output<\\w+>;`, "m"));
  });
  it("migrates between a pulumi up of everything but the API and the full pulumi up, failing on the migrator", () => {
    expect(checkMigrationPhases(wf, cloudOfStack, apiUrn)).toEqual([]);
    // The exit code / status is checked by the script the step runs (tests/delivery/migrate-script.test.ts).
    const migrations = steps(wf).filter(({ step }) => /tools\/deploy\/migrate\.sh/.test(step.run ?? ""));
    expect(migrations.map(({ jobId }) => jobId).sort()).toEqual(["dev", "production", "staging"]);
    for (const { step } of migrations) {
      // The pipeline stops waiting after the spec's timeout; the migrator's script gets no Pulumi token.
      expect(Number(step.env?.MIGRATION_TIMEOUT_SECONDS)).toBe(
        stackSpec("dev", "aws").migration.timeoutSeconds,
      );
      expect(Object.keys(step.env ?? {})).not.toContain("PULUMI_ACCESS_TOKEN");
    }
  });
  it("excludes exactly the API service / app in phase 1, as the program names it (URN globs as v3.274.1 matches them)", async () => {
    for (const [stack, cloud] of [
      ["dev", "aws"],
      ["staging", "azure"],
      ["prod", "aws"],
    ] as const) {
      const { resources } = await captureStack(stack, cloud);
      const excludes = pulumiRuns(wf)
        .filter((r) => r.stack === stack && r.command === "up")
        .flatMap((r) =>
          String(r.step.with?.exclude ?? "")
            .split(/[\n,]/)
            .filter(Boolean),
        );
      const excluded = resources.filter((r) => excludes.some((glob) => urnGlobMatches(glob, r.urn)));
      expect(excluded.map((r) => r.urn)).toEqual([apiUrn(stack, cloud)]);
      // The migrator is not left out: phase 1 registers it.
      const migrator = resources.filter((r) =>
        /:(TaskDefinition::.*-migrate|Job::migrator-job)$/.test(r.urn),
      );
      expect(migrator).toHaveLength(1);
    }
  }, 120_000);
  it("never logs Docker in to a registry (the program obtains registry credentials itself)", () => {
    expect(text("deploy.yml")).not.toMatch(/docker login|az acr login|docker\/login-action/);
  });
});

/** The API resource's URN the program registers (tests/observability/stack-captures.ts runs it to check). */
function apiUrn(stack: string, cloud: string): string {
  const name = cloud === "aws" ? `twincloud-${stack}-api` : "api";
  return `urn:pulumi:${stack}::twincloud::twincloud:${cloud}:Service$${API_RESOURCE_TYPE[cloud]}::${name}`;
}

describe("the smoke-test inputs step, run with a stand-in pulumi CLI", () => {
  const KEY = "k3y-0f-the-bootstrap-s3cret";
  const readers = FILES.flatMap((file) =>
    steps(load(file))
      .filter(({ step }) => /bootstrapApiKey --show-secrets/.test(step.run ?? ""))
      .map(({ jobId, step }) => ({ where: `${file} ${jobId}`, script: step.run as string })),
  );
  const run = (script: string, override = "") => {
    const dir = mkdtempSync(join(tmpdir(), "smoke-inputs-"));
    const fake = [
      "#!/usr/bin/env bash",
      'echo "$*" >> "$PULUMI_CALLS"',
      'case "$3" in',
      `  bootstrapApiKey) [ "$4" = --show-secrets ] && echo "${KEY}" ;;`,
      "  url) echo https://api.example.org ;;",
      "  imageDigest) echo reg.example/api@sha256:$(printf 'a%.0s' {1..64}) ;;",
      "  *) exit 1 ;;",
      "esac",
    ].join("\n");
    writeFileSync(join(dir, "pulumi"), fake, { mode: 0o755 });
    for (const f of ["out", "summary", "calls"]) writeFileSync(join(dir, f), "");
    const stdout = execFileSync("bash", ["-eo", "pipefail", "-c", script], {
      env: {
        PATH: `${dir}:${process.env.PATH ?? ""}`,
        STACK: "org/dev",
        SMOKE_API_KEY_OVERRIDE: override,
        GITHUB_OUTPUT: join(dir, "out"),
        GITHUB_STEP_SUMMARY: join(dir, "summary"),
        PULUMI_CALLS: join(dir, "calls"),
      },
      encoding: "utf8",
    });
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    const result = { stdout, output: read("out"), summary: read("summary"), calls: read("calls") };
    rmSync(dir, { recursive: true, force: true });
    return result;
  };

  it("exists in every deploying job (3 in deploy.yml, 1 in rollback.yml)", () => {
    expect(readers.map((r) => r.where).sort()).toEqual([
      "deploy.yml dev",
      "deploy.yml production",
      "deploy.yml staging",
      "rollback.yml rollback",
    ]);
  });
  it.each(readers)("$where: masks the key before anything else and prints it nowhere", ({ script }) => {
    const { stdout, output, summary, calls } = run(script);
    expect(stdout.split("\n").filter((l) => l.includes(KEY))).toEqual([`::add-mask::${KEY}`]);
    expect(output).toContain(`api-key=${KEY}\n`);
    expect(output).toContain("url=https://api.example.org\n");
    expect(summary).not.toContain(KEY);
    expect(summary).toMatch(/@sha256:a{64}/);
    expect(calls).toContain("stack output bootstrapApiKey --show-secrets --stack org/dev");
  });
  it.each(readers)("$where: an SMOKE_API_KEY override skips the bootstrap key", ({ script }) => {
    const { output, calls } = run(script, "override-key");
    expect(output).toContain("api-key=override-key\n");
    expect(calls).not.toContain("bootstrapApiKey");
  });
});

describe("rollback.yml", () => {
  const wf = load("rollback.yml");
  it("is dispatched by hand with a stack and a digest, builds nothing and pins the digest for this run", () => {
    expect(checkRollback(wf, TIERS)).toEqual([]);
  });
  it("runs the same gate, up and smoke test as deploy.yml for every stack, with that stack's cloud login", () => {
    const ups = pulumiRuns(wf).filter((r) => r.command === "up");
    expect(ups.map((r) => r.stack).sort()).toEqual([...TIERS].sort());
    expect(checkPreviewGate(wf)).toEqual([]);
    expect(checkCloudLogin(wf, cloudOfStack)).toEqual([]);
  });
  it("deploys prod through the production environment (its reviewers and its deploy role)", () => {
    expect(String(envName(wf.jobs.rollback as Job))).toContain("inputs.stack == 'prod' && 'production'");
  });
  it("accepts an image reference by digest (as the imageDigest output prints it) and nothing else", () => {
    const check = wf.jobs.rollback?.steps?.[0]?.run ?? "";
    const accepts = (digest: string) => {
      try {
        execFileSync("bash", ["-c", check], {
          env: { PATH: process.env.PATH ?? "", GITHUB_REF: "refs/heads/main", DIGEST: digest },
          stdio: "pipe",
        });
        return true;
      } catch {
        return false;
      }
    };
    const sha = "a".repeat(64);
    expect(accepts(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/twincloud-api@sha256:${sha}`)).toBe(true);
    expect(accepts(`twincloudprod.azurecr.io/twincloud-api@sha256:${sha}`)).toBe(true);
    expect(accepts(`twincloud-api@sha256:${sha}`)).toBe(false); // no registry
    expect(accepts(`reg.io/api:latest`)).toBe(false); // a tag, not a digest
    expect(accepts(`reg.io/api@sha256:${sha.slice(1)}`)).toBe(false);
    expect(accepts(`reg.io/api@sha256:${sha}; curl evil`)).toBe(false);
  });
});

describe("preview.yml offline plan, run with a stand-in npm (dev passes, staging blocked, prod fails)", () => {
  const job = load("preview.yml").jobs["offline-plan"] as Job;
  const script = (name: RegExp) => (job.steps ?? []).find((s) => name.test(s.name ?? ""))?.run ?? "exit 9";
  const fakeNpm = [
    "#!/usr/bin/env bash",
    'stack=""; format=""; prev=""',
    'for a in "$@"; do [ "$prev" = --stack ] && stack=$a; [ "$prev" = --format ] && format=$a; prev=$a; done',
    'case "$format" in json) echo \'{"version":1,"clouds":[]}\' ;; *) echo "plan of $stack ($format)" ;; esac',
    'case "$stack" in staging) exit 3 ;; prod) [ "$format" = json ] && exit 1 ;; esac',
    "exit 0",
  ].join("\n");
  const run = (body: string, dir: string, cwd = dir, extra: Record<string, string> = {}) => {
    const bin = join(dir, "bin");
    try {
      const stdout = execFileSync("bash", ["-eo", "pipefail", "-c", body], {
        cwd,
        env: { PATH: `${bin}:${process.env.PATH ?? ""}`, ...extra },
        encoding: "utf8",
      });
      return { status: 0, stdout };
    } catch (error) {
      return { status: (error as { status: number }).status, stdout: (error as { stdout: string }).stdout };
    }
  };
  const setup = () => {
    const dir = mkdtempSync(join(tmpdir(), "offline-plan-"));
    execFileSync("mkdir", [
      "-p",
      join(dir, "bin"),
      join(dir, "plan-out/base"),
      join(dir, ".base/infra/offline"),
    ]);
    writeFileSync(join(dir, "bin/npm"), fakeNpm, { mode: 0o755 });
    writeFileSync(join(dir, ".base/infra/offline/plan.ts"), "");
    for (const f of ["out", "summary"]) writeFileSync(join(dir, f), "");
    return dir;
  };

  it("keeps a blocked base plan for the diff and drops a failed one", () => {
    const dir = setup();
    expect(run(script(/Plan of the base branch/), dir, join(dir, ".base")).status).toBe(0);
    expect(readdirSync(join(dir, "plan-out/base")).sort()).toEqual(["dev.json", "staging.json"]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("plans and comments every stack, marks the blocked one, then the gate step fails the job", () => {
    const dir = setup();
    const env = {
      GITHUB_OUTPUT: join(dir, "out"),
      GITHUB_STEP_SUMMARY: join(dir, "summary"),
      PR_NUMBER: "7",
    };
    const result = run(script(/Plan of this pull request/), dir, dir, env);
    expect(result.status).toBe(0);
    const comment = readFileSync(join(dir, "plan-out/comment.md"), "utf8");
    expect(comment).toContain("<b>dev</b></summary>");
    expect(comment).toContain("<b>staging</b> — BLOCKED</summary>");
    expect(comment).toContain("prod: the plan failed (exit 1)");
    expect(readFileSync(join(dir, "plan-out/pr-number"), "utf8").trim()).toBe("7");
    expect(
      readdirSync(join(dir, "plan-out"))
        .filter((f) => f.endsWith(".json"))
        .sort(),
    ).toEqual(["dev.json", "staging.json"]);
    const outputs = readFileSync(join(dir, "out"), "utf8");
    expect(outputs).toContain("blocked=staging\n");
    expect(outputs).toContain("failed=prod\n");
    const names = (job.steps ?? []).map((s) => s.name ?? s.uses ?? "");
    const gateIndex = names.findIndex((n) => /^Gate/.test(n));
    expect(gateIndex).toBeGreaterThan(names.findIndex((n) => /^Upload the plan/.test(n)));
    const gate = script(/^Gate/);
    expect(run(gate, dir, dir, { BLOCKED: "staging", FAILED: "" }).status).toBe(1);
    expect(run(gate, dir, dir, { BLOCKED: "", FAILED: "prod" }).status).toBe(1);
    expect(run(gate, dir, dir, { BLOCKED: "", FAILED: "" }).status).toBe(0);
    expect(run(gate, dir, dir, { BLOCKED: "", FAILED: "", REHEARSAL_FAILED: "prod" }).status).toBe(1);
    rmSync(dir, { recursive: true, force: true });
  });

  it("rehearses every stack on the real engine, puts its preview in the comment and reports failures", () => {
    const dir = setup();
    // A stand-in `npm run rehearse`: dev and staging write their preview, prod fails before writing one.
    writeFileSync(
      join(dir, "bin/npm"),
      [
        "#!/usr/bin/env bash",
        'stack=""; out=""; prev=""',
        'for a in "$@"; do [ "$prev" = --stack ] && stack=$a; [ "$prev" = --out ] && out=$a; prev=$a; done',
        '[ "$stack" = prod ] && { echo "error: preview failed: mandatory policy"; exit 1; }',
        'mkdir -p "$out" && echo "+ aws:rds/instance:Instance $stack-db create" > "$out/preview.txt"',
      ].join("\n"),
      { mode: 0o755 },
    );
    writeFileSync(join(dir, "plan-out/comment.md"), "");
    const result = run(script(/^Engine rehearsal/), dir, dir, { GITHUB_OUTPUT: join(dir, "out") });
    expect(result.status).toBe(0);
    const comment = readFileSync(join(dir, "plan-out/comment.md"), "utf8");
    expect(comment).toContain("## Engine rehearsal");
    expect(comment).toContain("<b>dev</b>: engine preview</summary>");
    expect(comment).toContain("+ aws:rds/instance:Instance staging-db create");
    expect(comment).toContain("<b>prod</b>: engine preview — FAILED (exit 1)</summary>");
    expect(comment).toContain("error: preview failed: mandatory policy");
    expect(readFileSync(join(dir, "out"), "utf8")).toContain("failed=prod\n");
    const names = (job.steps ?? []).map((s) => s.name ?? s.uses ?? "");
    expect(names.findIndex((n) => /^Engine rehearsal/.test(n))).toBeLessThan(
      names.findIndex((n) => /^Upload the plan/.test(n)),
    );
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("preview.yml for forks and Dependabot", () => {
  it("skips the cloud preview where secrets are missing; the summary job still reports", () => {
    const job = load("preview.yml").jobs["cloud-preview"] as Job;
    expect(job.if).toContain("github.actor != 'dependabot[bot]'");
    expect(job.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    expect(neededJobs(load("preview.yml"), "preview-ok").has("cloud-preview")).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The checkers themselves must catch what they are for.

const bad = (yaml: string): { wf: Workflow; text: string } => ({ wf: parseWorkflow(yaml), text: yaml });

describe("the checkers fail on bad workflows", () => {
  it("schema: a misspelt key and a bad permission level", () => {
    const { text: t } = bad(
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: {contents: maybe}\n    steps:\n      - rn: echo\n",
    );
    expect(schemaProblems(t).length).toBeGreaterThan(0);
  });

  it("triggers: pull_request_target instead of pull_request", () => {
    const { wf } = bad("on: [pull_request_target]\njobs: {a: {runs-on: x, steps: [{run: echo}]}}\n");
    expect(checkTriggers(wf, ["pull_request"])).toHaveLength(1);
  });

  it("permissions: missing, write-all, top-level writes, id-token without OIDC, OIDC without id-token", () => {
    expect(
      checkPermissions(bad("on: push\njobs: {a: {runs-on: x, steps: [{run: echo}]}}\n").wf),
    ).toHaveLength(1);
    expect(
      checkPermissions(
        bad("on: push\npermissions: write-all\njobs: {a: {runs-on: x, steps: [{run: echo}]}}\n").wf,
      ),
    ).toHaveLength(1);
    expect(
      checkPermissions(
        bad("on: push\npermissions: {contents: write}\njobs: {a: {runs-on: x, steps: [{run: echo}]}}\n").wf,
      ),
    ).toEqual(["workflow-level permissions grant contents: write"]);
    expect(
      checkPermissions(
        bad(
          "on: push\npermissions: {}\njobs: {a: {runs-on: x, permissions: write-all, steps: [{run: echo}]}}\n",
        ).wf,
      ),
    ).toHaveLength(1);
    expect(
      checkPermissions(
        bad(
          "on: push\npermissions: {}\njobs: {a: {runs-on: x, permissions: {id-token: write}, steps: [{run: echo}]}}\n",
        ).wf,
      ),
    ).toEqual(["job a: id-token: write without an OIDC login step"]);
    expect(
      checkPermissions(
        bad(
          `on: push\npermissions: {}\njobs: {a: {runs-on: x, permissions: {contents: read}, steps: [{uses: "azure/login@${"a".repeat(40)}"}]}}\n`,
        ).wf,
      ),
    ).toEqual(["job a: OIDC login step without id-token: write"]);
  });

  it("pinning: tags, short SHAs, missing release comments; local actions are fine", () => {
    const yaml = [
      "on: push",
      "jobs:",
      "  a:",
      "    runs-on: x",
      "    steps:",
      "      - uses: actions/checkout@v5",
      "      - uses: actions/setup-node@a0853c2 # v5",
      `      - uses: docker/setup-buildx-action@${"e".repeat(40)}`,
      "      - uses: ./.github/actions/local",
      "",
    ].join("\n");
    const problems = checkPinned(parseWorkflow(yaml), yaml);
    expect(problems.filter((p) => p.includes("not pinned"))).toHaveLength(2);
    expect(problems.filter((p) => p.includes("comment"))).toHaveLength(2); // checkout and buildx
    expect(problems.join("\n")).not.toContain("./.github/actions/local");
  });

  it("concurrency: a job without a group", () => {
    expect(
      checkConcurrency(bad("on: push\njobs: {a: {runs-on: x, steps: [{run: echo}]}}\n").wf),
    ).toHaveLength(1);
  });

  it("long-lived keys: AWS secret keys and Azure client secrets", () => {
    expect(
      checkNoLongLivedKeys(`aws-secret-access-key: ${EXPR_OPEN} secrets.AWS_SECRET_ACCESS_KEY }}`).length,
    ).toBeGreaterThan(0);
    expect(
      checkNoLongLivedKeys(`env:\n  ARM_CLIENT_SECRET: ${EXPR_OPEN} secrets.AZURE_CLIENT_SECRET }}`).length,
    ).toBeGreaterThan(0);
    expect(checkNoLongLivedKeys(`with:\n  creds: ${EXPR_OPEN} secrets.AZURE_CREDENTIALS }}`)).toHaveLength(1);
  });

  const pulumiStep = (stack: string, config: string | undefined, packs = "policies") =>
    [
      `      - uses: pulumi/actions@${"8".repeat(40)} # v6.6.1`,
      "        with:",
      "          command: up",
      `          stack-name: org/${stack}`,
      `          policyPacks: ${packs}`,
      ...(config ? [`          policyPackConfigs: ${config}`] : []),
    ].join("\n");

  it("policy packs: missing pack, missing config, another stack's config, no npm ci", () => {
    const wf = (body: string, npmCi = true) =>
      parseWorkflow(
        `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n${npmCi ? "      - run: npm ci\n" : ""}${body}\n`,
      );
    expect(checkPolicyPacks(wf(pulumiStep("prod", "policies/config/prod.json")), TIERS)).toEqual([]);
    expect(checkPolicyPacks(wf(pulumiStep("prod", undefined)), TIERS)).toHaveLength(1);
    expect(checkPolicyPacks(wf(pulumiStep("prod", "policies/config/dev.json")), TIERS)).toHaveLength(1);
    expect(
      checkPolicyPacks(wf(pulumiStep("prod", "policies/config/prod.json", "other")), TIERS),
    ).toHaveLength(1);
    expect(checkPolicyPacks(wf(pulumiStep("prod", "policies/config/prod.json"), false), TIERS)).toHaveLength(
      1,
    );
  });

  it("policy packs in a matrix: the config must follow the stack", () => {
    const yaml = (config: string) =>
      parseWorkflow(
        `on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n        stack: [dev, prod]\n    steps:\n      - run: npm ci\n${pulumiStep(MATRIX_STACK, config)}\n`,
      );
    expect(checkPolicyPacks(yaml(`policies/config/${MATRIX_STACK}.json`), TIERS)).toEqual([]);
    expect(checkPolicyPacks(yaml("policies/config/prod.json"), TIERS)).toHaveLength(1); // wrong for dev
  });

  it("cloud login: a stack whose cloud gets no OIDC login, a matrix cloud that contradicts the stack file", () => {
    const wf = parseWorkflow(
      `on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n        include: [{stack: staging, cloud: aws}]\n    steps:\n      - run: npm ci\n      - if: matrix.cloud == 'aws'\n        uses: aws-actions/configure-aws-credentials@${"b".repeat(40)} # v4\n${pulumiStep(MATRIX_STACK, `policies/config/${MATRIX_STACK}.json`)}\n`,
    );
    const problems = checkCloudLogin(wf, () => "azure");
    expect(problems.some((p) => p.includes("matrix says staging is on aws"))).toBe(true);
    expect(problems.some((p) => p.includes("no Azure OIDC login"))).toBe(true);
  });

  const job = (id: string, body: string[], extra: string[] = []) => [
    `  ${id}:`,
    "    runs-on: x",
    ...extra,
    "    steps:",
    "      - run: npm ci",
    ...body,
  ];
  const preview = (stack: string) =>
    pulumiStep(stack, `policies/config/${stack}.json`).replace("command: up", "command: preview");

  it("migration phases: migrate after the full up, no exclude of the API, continue-on-error, no target read", () => {
    const deploy = text("deploy.yml");
    const good = parseWorkflow(deploy);
    expect(checkMigrationPhases(good, cloudOfStack, apiUrn)).toEqual([]);
    const broken = (edit: (wf: Workflow) => void) => {
      const wf = parseWorkflow(deploy);
      edit(wf);
      return checkMigrationPhases(wf, cloudOfStack, apiUrn).join("\n");
    };
    const devSteps = (wf: Workflow) => wf.jobs.dev!.steps!;
    const indexOf = (wf: Workflow, pattern: RegExp) =>
      devSteps(wf).findIndex((step) => pattern.test(step.name ?? ""));
    // The migration moved after the full update: the API would start before its schema and role exist.
    expect(
      broken((wf) => {
        const all = devSteps(wf);
        const [migration] = all.splice(indexOf(wf, /^Migrate \(dev\)/), 1);
        all.splice(indexOf(wf, /phase 3/) + 1, 0, migration!);
      }),
    ).toMatch(/job dev .*: the migration does not run between phase 1 and the full pulumi up/);
    // Phase 1 leaves out the migrator's task definition instead of the service.
    expect(
      broken((wf) => {
        devSteps(wf)[indexOf(wf, /phase 1/)]!.with!.exclude = "**$aws:ecs/taskDefinition:TaskDefinition::*";
      }),
    ).toMatch(
      /job dev .*: phase 1 does not exclude the API resource urn:pulumi:dev::twincloud::twincloud:aws:Service\$aws:ecs\/service:Service::twincloud-dev-api/,
    );
    // Only the service, not what depends on it (its scaling target, alarms).
    expect(
      broken((wf) => {
        delete devSteps(wf)[indexOf(wf, /phase 1/)]!.with!["exclude-dependents"];
      }),
    ).toMatch(/job dev .*: phase 1 does not exclude the API resource's dependents/);
    // A failed migration must stop the deploy.
    expect(
      broken((wf) => {
        devSteps(wf)[indexOf(wf, /^Migrate \(dev\)/)]!["continue-on-error"] = true;
      }),
    ).toMatch(/job dev .*: the migration step has continue-on-error/);
    expect(
      broken((wf) => {
        wf.jobs.staging!.steps!.find((step) => /phase 3/.test(step.name ?? ""))!.if = "always()";
      }),
    ).toMatch(/job staging .*: the full pulumi up runs after a failed migration/);
    // The target must be the stack output, read after phase 1 registered the new migrator.
    expect(
      broken((wf) => {
        const all = devSteps(wf);
        const [reader] = all.splice(indexOf(wf, /^Migration target/), 1);
        all.splice(indexOf(wf, /phase 1/), 0, reader!);
      }),
    ).toMatch(/job dev .*: MIGRATION_TARGET is not the stack output migration read after phase 1/);
    // No migration step at all in prod.
    expect(
      broken((wf) => {
        wf.jobs.production!.steps = wf.jobs.production!.steps!.filter(
          (step) => !/^Migrate/.test(step.name ?? ""),
        );
      }),
    ).toMatch(/job production .*: no migration step/);
    // One update only (no phase 1).
    expect(
      broken((wf) => {
        wf.jobs.staging!.steps = wf.jobs.staging!.steps!.filter((step) => !/phase 1/.test(step.name ?? ""));
      }),
    ).toMatch(/job staging .*: expected one pulumi up with exclude/);
  });

  it("deploy order: prod not after dev (AWS first applied in prod), no production environment, no smoke tests", () => {
    const yaml = [
      "on: push",
      "jobs:",
      ...job("dev", [pulumiStep("dev", "policies/config/dev.json")]),
      ...job("staging", [pulumiStep("staging", "policies/config/staging.json")]),
      ...job(
        "prod",
        [pulumiStep("prod", "policies/config/prod.json")],
        ["    needs: staging", "    environment: prod-ish"],
      ),
      "",
    ].join("\n");
    const problems = checkDeployOrder(parseWorkflow(yaml));
    expect(problems.some((p) => p.includes("does not need dev job dev"))).toBe(true);
    expect(problems.some((p) => p.includes("does not need staging"))).toBe(false);
    expect(problems.some((p) => p.includes("environment production"))).toBe(true);
    expect(problems.filter((p) => p.includes("no smoke test"))).toHaveLength(3);
    // A transitive need is enough: prod needs staging, which needs dev.
    const chained = yaml.replace("  staging:\n    runs-on: x", "  staging:\n    runs-on: x\n    needs: dev");
    expect(checkDeployOrder(parseWorkflow(chained)).some((p) => p.includes("does not need dev"))).toBe(false);
    const noDev = [
      "on: push",
      "jobs:",
      ...job("staging", [pulumiStep("staging", "policies/config/staging.json")]),
      "",
    ];
    expect(checkDeployOrder(parseWorkflow(noDev.join("\n")))[0]).toContain("missing dev, prod");
  });

  it("preview gate: up without a preview, a preview of another stack, continue-on-error, up after a failure", () => {
    const wf = (body: string[]) => parseWorkflow(["on: push", "jobs:", ...job("a", body), ""].join("\n"));
    const up = pulumiStep("prod", "policies/config/prod.json");
    expect(checkPreviewGate(wf([preview("prod"), up]))).toEqual([]);
    expect(checkPreviewGate(wf([up]))[0]).toContain("no pulumi preview of prod before the up");
    expect(checkPreviewGate(wf([up, preview("prod")]))[0]).toContain("no pulumi preview");
    expect(checkPreviewGate(wf([preview("dev"), up]))[0]).toContain("no pulumi preview");
    const noPack = preview("prod").replace(/\n\s+policyPacks: policies\n\s+policyPackConfigs: \S+/, "");
    expect(checkPreviewGate(wf([noPack, up])).join()).toContain("without the policy pack");
    const tolerant = preview("prod").replace(
      "        with:",
      "        continue-on-error: true\n        with:",
    );
    expect(checkPreviewGate(wf([tolerant, up])).join()).toContain("continue-on-error");
    const stubborn = up.replace("        with:", "        if: always()\n        with:");
    expect(checkPreviewGate(wf([preview("prod"), stubborn])).join()).toContain("runs after a failed gate");
  });

  it("concurrency: one group for the whole run, a per-commit group, stacks sharing a group, cancelling", () => {
    const yaml = (groups: [string, string][], top = "") =>
      parseWorkflow(
        [
          "on: push",
          top,
          "jobs:",
          ...groups.flatMap(([stack, group]) =>
            job(
              stack,
              [preview(stack), pulumiStep(stack, `policies/config/${stack}.json`)],
              [`    concurrency: {group: "${group}", cancel-in-progress: false}`],
            ),
          ),
          "",
        ].join("\n"),
      );
    const good = yaml([
      ["staging", "deploy-staging"],
      ["prod", "deploy-prod"],
    ]);
    expect(checkDeployConcurrency([{ file: "d.yml", wf: good }])).toEqual([]);
    const whole = yaml(
      [
        ["staging", "deploy-staging"],
        ["prod", "deploy-prod"],
      ],
      "concurrency: deploy",
    );
    expect(checkDeployConcurrency([{ file: "d.yml", wf: whole }])[0]).toContain("workflow-level concurrency");
    const shared = yaml([
      ["staging", "deploy"],
      ["prod", "deploy"],
    ]);
    expect(checkDeployConcurrency([{ file: "d.yml", wf: shared }]).join()).toContain(
      "shared by stacks staging, prod",
    );
    const perCommit = yaml([["prod", `deploy-${EXPR_OPEN} github.sha }}`]]);
    expect(checkDeployConcurrency([{ file: "d.yml", wf: perCommit }]).join()).toContain(
      "not fixed per stack",
    );
    const other = yaml([["prod", "rollback-prod"]]);
    expect(
      checkDeployConcurrency([
        { file: "d.yml", wf: good },
        { file: "r.yml", wf: other },
      ]).join(),
    ).toContain("stack prod deploys under several groups");
    const cancelling = parseWorkflow(
      [
        "on: push",
        "jobs:",
        ...job(
          "prod",
          [preview("prod"), pulumiStep("prod", "policies/config/prod.json")],
          ["    concurrency: {group: deploy-prod, cancel-in-progress: true}"],
        ),
        "",
      ].join("\n"),
    );
    expect(checkDeployConcurrency([{ file: "d.yml", wf: cancelling }]).join()).toContain(
      "cancel-in-progress",
    );
  });

  it("role duration: missing, shorter than the job timeout, above IAM's ceiling, job without a timeout", () => {
    const wf = (timeout: string, duration: string) =>
      parseWorkflow(
        `on: push\njobs:\n  a:\n    runs-on: x\n${timeout}    steps:\n      - uses: aws-actions/configure-aws-credentials@${"b".repeat(40)} # v6.2.3\n        with: {role-to-assume: r, aws-region: eu-west-1${duration}}\n`,
      );
    expect(checkRoleDuration(wf("    timeout-minutes: 90\n", ", role-duration-seconds: 5400"))).toEqual([]);
    expect(checkRoleDuration(wf("    timeout-minutes: 90\n", ""))[0]).toContain("no role-duration-seconds");
    expect(checkRoleDuration(wf("    timeout-minutes: 90\n", ", role-duration-seconds: 3600"))[0]).toContain(
      "< timeout-minutes 90",
    );
    expect(
      checkRoleDuration(wf("    timeout-minutes: 900\n", ", role-duration-seconds: 54000"))[0],
    ).toContain("12 h");
    expect(checkRoleDuration(wf("", ", role-duration-seconds: 3600"))[0]).toContain("no timeout-minutes");
  });

  it("token scope: at job level, on npm ci, missing on a Pulumi step", () => {
    const token = `PULUMI_ACCESS_TOKEN: "${EXPR_OPEN} secrets.PULUMI_ACCESS_TOKEN }}"`;
    const jobLevel = parseWorkflow(
      `on: push\njobs:\n  a:\n    runs-on: x\n    env: {${token}}\n    steps:\n      - run: npm ci\n`,
    );
    expect(checkPulumiTokenScope(jobLevel)[0]).toContain("job-level env");
    const onInstall = parseWorkflow(
      `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: npm ci\n        env: {${token}}\n`,
    );
    expect(checkPulumiTokenScope(onInstall)[0]).toContain("is not a Pulumi step");
    const mixed = parseWorkflow(
      `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: pulumi stack output url && npx tsx x.ts\n        env: {${token}}\n`,
    );
    expect(checkPulumiTokenScope(mixed)[0]).toContain("is not a Pulumi step");
    const missing = parseWorkflow(
      `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: pulumi stack output url\n${pulumiStep("prod", "policies/config/prod.json")}\n`,
    );
    expect(checkPulumiTokenScope(missing)).toHaveLength(2);
  });

  it("credentials: a cloud login before npm ci", () => {
    const wf = parseWorkflow(
      `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: azure/login@${"a".repeat(40)} # v3.0.1\n      - run: npm ci\n`,
    );
    expect(checkCredentialsAfterInstall(wf)[0]).toContain("azure/login runs before npm ci");
  });

  it("CLI version: missing, a range, the action's floating default", () => {
    const wf = (version: string) =>
      parseWorkflow(
        `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: pulumi/actions@${"8".repeat(40)} # v7.0.0\n        with: {command: up, stack-name: org/dev${version}}\n`,
      );
    expect(pulumiVersions(wf(", pulumi-version: 3.274.1")).problems).toEqual([]);
    expect(pulumiVersions(wf("")).problems[0]).toContain("without pulumi-version");
    expect(pulumiVersions(wf(', pulumi-version: "^3"')).problems[0]).toContain("not one exact");
  });

  it("node 24: an action on its Node 20 line, an unknown action, a comment that lies about the SHA", () => {
    const node20 = "      - uses: actions/checkout@08eba0b27e820071cde6df949e0beb9ba4906955 # v4.3.0";
    expect(checkNode24Actions(node20).join()).toContain("runs on Node 24 from 5.0.0");
    expect(checkNode24Actions(`      - uses: someone/action@${"c".repeat(40)} # v1.0.0`)[0]).toContain(
      "not in NODE24_SINCE",
    );
    const lie = "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.0";
    expect(checkNode24Actions(lie)).toEqual([
      "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1: comment says v7.0.0, the SHA is v7.0.1",
    ]);
  });

  it("summary job: missing, not always(), not needing every job", () => {
    const base =
      "on: push\njobs:\n  a: {runs-on: x, steps: [{run: echo}]}\n  b: {runs-on: x, steps: [{run: echo}]}\n";
    expect(summaryJob(parseWorkflow(base)).problems[0]).toContain("found 0");
    const partial = `${base}  ok:\n    if: always()\n    needs: [a]\n    runs-on: x\n    steps:\n      - env: {R: "${EXPR_OPEN} join(needs.*.result, ' ') }}"}\n        run: echo\n`;
    expect(summaryJob(parseWorkflow(partial)).problems).toEqual(["summary job ok does not need b"]);
    const notAlways = partial.replace("if: always()", "if: always() && github.event_name == 'push'");
    expect(summaryJob(parseWorkflow(notAlways)).problems.join()).toContain("expected always()");
  });

  it("smoke tests: the load balancer's host, a hand-made key, an unmasked key, a printed key", () => {
    const wf = (script: string, url = "pulumi stack output url --stack s") =>
      parseWorkflow(
        [
          "on: push",
          "jobs:",
          "  a:",
          "    runs-on: x",
          "    steps:",
          "      - id: in",
          `        env: {PULUMI_ACCESS_TOKEN: "${EXPR_OPEN} secrets.PULUMI_ACCESS_TOKEN }}"}`,
          "        run: |",
          `          url="$(${url})"`,
          ...script.split("\n").map((l) => `          ${l}`),
          "      - env:",
          `          SMOKE_URL: ${EXPR_OPEN} steps.in.outputs.url }}`,
          `          SMOKE_API_KEY: ${EXPR_OPEN} steps.in.outputs.api-key }}`,
          '        run: npx tsx tools/smoke/smoke.ts --url "$SMOKE_URL"',
          "",
        ].join("\n"),
      );
    const read = 'key="$(pulumi stack output bootstrapApiKey --show-secrets --stack s)"';
    const good = [read, 'echo "::add-mask::$key"', 'echo "api-key=$key" >> "$GITHUB_OUTPUT"'].join("\n");
    expect(checkSmokeTests(wf(good))).toEqual([]);
    expect(checkSmokeTests(wf(good, "pulumi stack output endpointUrl --stack s")).join()).toContain(
      "load balancer",
    );
    const handMade = `key="$SMOKE_API_KEY"\necho "::add-mask::$key"\necho "api-key=$key" >> "$GITHUB_OUTPUT"`;
    expect(checkSmokeTests(wf(handMade)).join()).toContain("bootstrapApiKey read with --show-secrets");
    const late = [read, 'echo "api-key=$key" >> "$GITHUB_OUTPUT"', 'echo "::add-mask::$key"'].join("\n");
    expect(checkSmokeTests(wf(late)).join()).toContain("not masked");
    const printed = [read, 'echo "::add-mask::$key"', 'echo "key is $key"'].join("\n");
    expect(checkSmokeTests(wf(printed)).join()).toContain("used outside $GITHUB_OUTPUT");
    const traced = ["set -x", read, 'echo "::add-mask::$key"'].join("\n");
    expect(checkSmokeTests(wf(traced)).join()).toContain("xtrace");
  });

  it("rollback: a build, an input interpolated into a script, no digest check, no pin, a pin after the gate", () => {
    const header = [
      "on:",
      "  workflow_dispatch:",
      "    inputs:",
      "      stack: {type: choice, options: [dev, staging, prod], required: true}",
      "      digest: {type: string, required: true}",
      "jobs:",
      "  r:",
      "    runs-on: x",
      "    steps:",
    ];
    const check = "      - run: '[[ $DIGEST =~ ^[a-z]+@sha256:[0-9a-f]{64}$ ]]'";
    const checkout = `      - uses: actions/checkout@${"0".repeat(40)} # v7.0.1`;
    const pin = [
      '      - run: pulumi config set --stack s twincloud:imageDigest "$DIGEST"',
      `        env: {DIGEST: "${EXPR_OPEN} inputs.digest }}"}`,
    ];
    const gate = preview(`${EXPR_OPEN} inputs.stack }}`);
    const wf = (body: string[]) => parseWorkflow([...header, ...body, ""].join("\n"));
    expect(checkRollback(wf([check, checkout, ...pin, gate]), TIERS)).toEqual([]);
    expect(
      checkRollback(wf([check, checkout, "      - run: docker build .", ...pin, gate]), TIERS).join(),
    ).toContain("builds or pushes");
    const injected = `      - run: pulumi config set twincloud:imageDigest ${EXPR_OPEN} inputs.digest }}`;
    expect(checkRollback(wf([check, checkout, injected, gate]), TIERS).join()).toContain(
      "interpolates an input",
    );
    expect(checkRollback(wf([checkout, check, ...pin, gate]), TIERS).join()).toContain("not checked before");
    expect(checkRollback(wf([check, checkout, gate, ...pin]), TIERS).join()).toContain(
      "after the first preview",
    );
    expect(checkRollback(wf([check, checkout, gate]), TIERS).join()).toContain("not set from inputs.digest");
    const pushTriggered = parseWorkflow(["on: push", ...header.slice(5), check, ""].join("\n"));
    expect(checkRollback(pushTriggered, TIERS).join()).toContain("expected [workflow_dispatch]");
  });

  it("workflow_run: checking out and running code is refused", () => {
    const wf = parseWorkflow(
      `on:\n  workflow_run: {workflows: [preview], types: [completed]}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@${"0".repeat(40)} # v5\n      - run: npm ci\n`,
    );
    expect(checkWorkflowRunSafety(wf)).toHaveLength(2);
  });
});
