import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { TIERS } from "../../infra/spec.js";
import {
  checkCloudLogin,
  checkConcurrency,
  checkDeployOrder,
  checkNoLongLivedKeys,
  checkPermissions,
  checkPinned,
  checkPolicyPacks,
  checkTriggers,
  checkWorkflowRunSafety,
  envName,
  type Job,
  jobNeeds,
  matrixCombos,
  parseWorkflow,
  pulumiRuns,
  schemaProblems,
  steps,
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
};

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
  it("deploys staging then, behind the production environment, prod, smoke-testing each", () => {
    expect(checkDeployOrder(wf)).toEqual([]);
    expect(envName(wf.jobs.production as Job)).toBe("production");
    expect(jobNeeds(wf.jobs.production as Job)).toEqual(["staging"]);
  });
  it("only deploys from pushes to main and never cancels a running deployment", () => {
    expect(wf.on).toEqual({ push: { branches: ["main"] } });
    expect(wf.concurrency).toMatchObject({ "cancel-in-progress": false });
  });
  it("passes the smoke API key from a secret", () => {
    const smoke = steps(wf).filter(({ step }) => /tests\/smoke\/smoke\.ts/.test(step.run ?? ""));
    expect(smoke).toHaveLength(2);
    for (const { step } of smoke)
      expect(step.env?.SMOKE_API_KEY).toBe(`${EXPR_OPEN} secrets.SMOKE_API_KEY }}`);
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

  it("deploy order: prod without needs, without the production environment, without smoke tests", () => {
    const yaml = [
      "on: push",
      "jobs:",
      "  staging:",
      "    runs-on: x",
      "    steps:",
      "      - run: npm ci",
      pulumiStep("staging", "policies/config/staging.json"),
      "  prod:",
      "    runs-on: x",
      "    environment: prod-ish",
      "    steps:",
      "      - run: npm ci",
      pulumiStep("prod", "policies/config/prod.json"),
      "",
    ].join("\n");
    const problems = checkDeployOrder(parseWorkflow(yaml));
    expect(problems.some((p) => p.includes("does not need staging"))).toBe(true);
    expect(problems.some((p) => p.includes("environment production"))).toBe(true);
    expect(problems.filter((p) => p.includes("no smoke test"))).toHaveLength(2);
  });

  it("workflow_run: checking out and running code is refused", () => {
    const wf = parseWorkflow(
      `on:\n  workflow_run: {workflows: [preview], types: [completed]}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@${"0".repeat(40)} # v5\n      - run: npm ci\n`,
    );
    expect(checkWorkflowRunSafety(wf)).toHaveLength(2);
  });
});
