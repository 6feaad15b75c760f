/**
 * Checks for the GitHub Actions workflows, as pure functions returning problems (empty = fine), so each can
 * be shown to fail on a bad snippet. Used by workflows.test.ts.
 */
import { validateWorkflow } from "@action-validator/core";
import { parse as parseYaml } from "yaml";

export type Workflow = {
  name?: string;
  on?: unknown;
  permissions?: unknown;
  concurrency?: unknown;
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
};
export type Job = {
  name?: string;
  if?: string;
  needs?: string | string[];
  permissions?: unknown;
  concurrency?: unknown;
  environment?: string | { name: string; url?: string };
  strategy?: { matrix?: Record<string, unknown> & { include?: Record<string, unknown>[] } };
  services?: Record<string, { image?: string; env?: Record<string, unknown> }>;
  env?: Record<string, unknown>;
  uses?: string;
  steps?: Step[];
};
export type Step = {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
};

/** The `on` key is a YAML 1.1 boolean to some parsers; `yaml` (1.2 core schema) keeps it a string. */
export function parseWorkflow(text: string): Workflow {
  const doc = parseYaml(text) as Workflow;
  if (!doc || typeof doc !== "object" || !doc.jobs) throw new Error("not a workflow: no jobs");
  return doc;
}

/** JSON-schema validation (SchemaStore's github-workflow schema, compiled into @action-validator/core). */
export function schemaProblems(text: string): string[] {
  const result = validateWorkflow(text);
  const flatten = (errors: typeof result.errors): string[] =>
    errors.flatMap((e) => [
      `${"path" in e ? e.path : ""} ${e.title}${e.detail ? `: ${e.detail}` : ""}`.trim(),
      ...("states" in e && e.states ? e.states.flatMap((s) => flatten(s.errors)) : []),
    ]);
  return flatten(result.errors);
}

const steps = (wf: Workflow) =>
  Object.entries(wf.jobs).flatMap(([jobId, job]) => (job.steps ?? []).map((step) => ({ jobId, job, step })));

/** Trigger names of a workflow (`on: push`, `on: [push, pull_request]` or `on: {push: ...}`). */
export function triggers(wf: Workflow): string[] {
  const on = wf.on;
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on.map(String);
  if (on && typeof on === "object") return Object.keys(on);
  return [];
}

export function checkTriggers(wf: Workflow, expected: string[]): string[] {
  const actual = triggers(wf).sort();
  const want = [...expected].sort();
  return JSON.stringify(actual) === JSON.stringify(want)
    ? []
    : [`triggers are [${actual.join(", ")}], expected [${want.join(", ")}]`];
}

const OIDC_ACTIONS = [/^aws-actions\/configure-aws-credentials@/, /^azure\/login@/, /^pulumi\/auth-actions@/];
const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Least privilege: a workflow-level `permissions` of at most `contents: read`; no `write-all`/`read-all`
 * anywhere; `id-token: write` only on jobs that exchange an OIDC token (a cloud/Pulumi login step).
 */
export function checkPermissions(wf: Workflow): string[] {
  const problems: string[] = [];
  const top = wf.permissions;
  if (top === undefined) problems.push("no workflow-level permissions (the default token may be read/write)");
  else if (!isMap(top)) problems.push(`workflow-level permissions is "${String(top)}", expected a map`);
  else {
    for (const [scope, level] of Object.entries(top)) {
      if (level !== "read" && level !== "none")
        problems.push(`workflow-level permissions grant ${scope}: ${level}`);
    }
  }
  for (const [jobId, job] of Object.entries(wf.jobs)) {
    const perms = job.permissions;
    if (typeof perms === "string") {
      problems.push(`job ${jobId}: permissions "${perms}" (name each scope instead)`);
      continue;
    }
    if (!isMap(perms)) continue;
    const usesOidc = (job.steps ?? []).some((s) => OIDC_ACTIONS.some((p) => p.test(s.uses ?? "")));
    if (perms["id-token"] === "write" && !usesOidc) {
      problems.push(`job ${jobId}: id-token: write without an OIDC login step`);
    }
    if (usesOidc && perms["id-token"] !== "write") {
      problems.push(`job ${jobId}: OIDC login step without id-token: write`);
    }
  }
  return problems;
}

const PINNED = /^[^@\s]+@[0-9a-f]{40}$/;

/** Every `uses:` is a local action or pinned to a full commit SHA; the raw text carries a `# vX` comment. */
export function checkPinned(wf: Workflow, text: string): string[] {
  const problems: string[] = [];
  const refs = [
    ...Object.entries(wf.jobs).flatMap(([jobId, job]) =>
      job.uses ? [{ where: `job ${jobId}`, uses: job.uses }] : [],
    ),
    ...steps(wf).flatMap(({ jobId, step }) =>
      step.uses ? [{ where: `job ${jobId}`, uses: step.uses }] : [],
    ),
  ];
  for (const { where, uses } of refs) {
    if (uses.startsWith("./")) continue;
    if (uses.startsWith("docker://")) {
      if (!/@sha256:[0-9a-f]{64}$/.test(uses)) problems.push(`${where}: ${uses} is not pinned by digest`);
      continue;
    }
    if (!PINNED.test(uses)) problems.push(`${where}: ${uses} is not pinned to a 40-hex commit SHA`);
  }
  for (const line of text.split("\n")) {
    const match = /^\s*(?:-\s*)?uses:\s*([^\s#]+)(.*)$/.exec(line);
    if (!match || match[1]?.startsWith("./")) continue;
    if (!/#\s*v?\d+(\.\d+)*/.test(match[2] ?? ""))
      problems.push(`${match[1]}: no "# vX.Y.Z" comment naming the release`);
  }
  return problems;
}

/** Concurrency at workflow level, or on every job. */
export function checkConcurrency(wf: Workflow): string[] {
  if (wf.concurrency) return [];
  const missing = Object.entries(wf.jobs)
    .filter(([, job]) => !job.concurrency)
    .map(([id]) => id);
  return missing.length === 0 ? [] : [`no concurrency group for job(s) ${missing.join(", ")}`];
}

const LONG_LIVED = [
  /AWS_SECRET_ACCESS_KEY/i,
  /aws-secret-access-key/i,
  /AWS_ACCESS_KEY_ID/i,
  /aws-access-key-id/i,
  /AZURE_CLIENT_SECRET/i,
  /ARM_CLIENT_SECRET/i,
  /client-secret/i,
  /^\s*creds:/m,
];

/** No long-lived cloud keys: OIDC only. */
export function checkNoLongLivedKeys(text: string): string[] {
  return LONG_LIVED.filter((p) => p.test(text)).map(
    (p) => `references a long-lived cloud credential (${p.source})`,
  );
}

/** Expand `${{ matrix.x }}` with one matrix combination. */
function expand(value: string, combo: Record<string, unknown>): string {
  return value.replace(/\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g, (_, key: string) =>
    String(combo[key] ?? `<matrix.${key}>`),
  );
}

function matrixCombos(job: Job): Record<string, unknown>[] {
  const matrix = job.strategy?.matrix;
  if (!matrix) return [{}];
  const include = matrix.include ?? [];
  const axes = Object.entries(matrix).filter(([k]) => k !== "include" && k !== "exclude");
  let combos: Record<string, unknown>[] = [{}];
  for (const [key, values] of axes) {
    if (!Array.isArray(values)) continue;
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  if (axes.length === 0) return include.length > 0 ? include : [{}];
  return [...combos, ...include];
}

export interface PulumiRun {
  jobId: string;
  command: string;
  stack: string;
  policyPacks?: string;
  policyPackConfigs?: string;
  commentOnPr?: unknown;
  editPrComment?: unknown;
  combo: Record<string, unknown>;
  stepIndex: number;
}

/** Every pulumi/actions step, once per matrix combination, with its stack resolved. */
export function pulumiRuns(wf: Workflow): PulumiRun[] {
  const runs: PulumiRun[] = [];
  for (const [jobId, job] of Object.entries(wf.jobs)) {
    for (const combo of matrixCombos(job)) {
      (job.steps ?? []).forEach((step, stepIndex) => {
        if (!/^pulumi\/actions@/.test(step.uses ?? "")) return;
        const w = step.with ?? {};
        const stackName = expand(String(w["stack-name"] ?? ""), combo);
        runs.push({
          jobId,
          command: String(w.command ?? ""),
          stack: stackName.split("/").pop() ?? "",
          ...(w.policyPacks !== undefined
            ? { policyPacks: expand(String(w.policyPacks), combo).trim() }
            : {}),
          ...(w.policyPackConfigs !== undefined
            ? { policyPackConfigs: expand(String(w.policyPackConfigs), combo).trim() }
            : {}),
          commentOnPr: w["comment-on-pr"],
          editPrComment: w["edit-pr-comment"],
          combo,
          stepIndex,
        });
      });
    }
  }
  return runs;
}

/** Every preview/up runs the policy pack with the config of its own stack, after `npm ci`. */
export function checkPolicyPacks(wf: Workflow, stacks: readonly string[]): string[] {
  const problems: string[] = [];
  for (const run of pulumiRuns(wf)) {
    if (!["preview", "up", "update"].includes(run.command)) continue;
    const where = `job ${run.jobId} (${run.command} ${run.stack || "?"})`;
    if (!stacks.includes(run.stack))
      problems.push(`${where}: stack "${run.stack}" is not one of ${stacks.join(", ")}`);
    if (run.policyPacks !== "policies")
      problems.push(`${where}: policyPacks is ${run.policyPacks ?? "missing"}, expected policies`);
    const expected = `policies/config/${run.stack}.json`;
    if (run.policyPackConfigs !== expected) {
      problems.push(
        `${where}: policyPackConfigs is ${run.policyPackConfigs ?? "missing"}, expected ${expected}`,
      );
    }
    const job = wf.jobs[run.jobId];
    const before = (job?.steps ?? []).slice(0, run.stepIndex);
    if (!before.some((s) => /\bnpm ci\b/.test(s.run ?? ""))) {
      problems.push(
        `${where}: no "npm ci" before the pulumi step (the action does not install dependencies)`,
      );
    }
  }
  return problems;
}

/** Whether a step's `if:` holds for a matrix combination (only `matrix.x == 'v'` comparisons are evaluated). */
export function stepActive(step: Step, combo: Record<string, unknown>): boolean {
  if (!step.if) return true;
  const comparisons = [...step.if.matchAll(/matrix\.([\w-]+)\s*==\s*'([^']*)'/g)];
  return comparisons.every(([, key, value]) => String(combo[key as string]) === value);
}

/** The cloud login a job performs before its pulumi step must match the stack's cloud. */
export function checkCloudLogin(wf: Workflow, cloudOfStack: (stack: string) => string): string[] {
  const problems: string[] = [];
  for (const run of pulumiRuns(wf)) {
    const job = wf.jobs[run.jobId];
    const cloud = cloudOfStack(run.stack);
    if (run.combo.cloud !== undefined && run.combo.cloud !== cloud) {
      problems.push(
        `job ${run.jobId}: matrix says ${run.stack} is on ${String(run.combo.cloud)}, Pulumi.${run.stack}.yaml says ${cloud}`,
      );
    }
    const logins = (job?.steps ?? []).slice(0, run.stepIndex).filter((s) => stepActive(s, run.combo));
    const aws = logins.some((s) => /^aws-actions\/configure-aws-credentials@/.test(s.uses ?? ""));
    const azure = logins.some((s) => /^azure\/login@/.test(s.uses ?? ""));
    if (cloud === "aws" && !aws)
      problems.push(`job ${run.jobId} (${run.stack}): no AWS OIDC login before pulumi`);
    if (cloud === "azure" && !azure)
      problems.push(`job ${run.jobId} (${run.stack}): no Azure OIDC login before pulumi`);
  }
  return problems;
}

const jobNeeds = (job: Job) =>
  job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
const envName = (job: Job) => (typeof job.environment === "string" ? job.environment : job.environment?.name);

/** prod's `pulumi up` runs in a job that needs the staging job and uses the `production` environment. */
export function checkDeployOrder(wf: Workflow): string[] {
  const runs = pulumiRuns(wf).filter((r) => r.command === "up" || r.command === "update");
  const staging = runs.find((r) => r.stack === "staging");
  const prod = runs.find((r) => r.stack === "prod");
  if (!staging || !prod)
    return [
      `expected pulumi up for staging and prod (found ${runs.map((r) => r.stack).join(", ") || "none"})`,
    ];
  const problems: string[] = [];
  const prodJob = wf.jobs[prod.jobId]!;
  if (prod.jobId === staging.jobId) problems.push("staging and prod deploy in the same job");
  if (!jobNeeds(prodJob).includes(staging.jobId))
    problems.push(`prod job ${prod.jobId} does not need staging job ${staging.jobId}`);
  if (envName(prodJob) !== "production")
    problems.push(`prod job ${prod.jobId} does not use environment production`);
  for (const run of [staging, prod]) {
    const job = wf.jobs[run.jobId]!;
    const smoke = (job.steps ?? [])
      .slice(run.stepIndex + 1)
      .some((s) => /tests\/smoke\/smoke\.ts/.test(s.run ?? ""));
    if (!smoke) problems.push(`job ${run.jobId}: no smoke test after pulumi up`);
  }
  return problems;
}

/** A workflow_run workflow must never check out or run the pull request's code. */
export function checkWorkflowRunSafety(wf: Workflow): string[] {
  if (!triggers(wf).includes("workflow_run")) return [];
  return steps(wf)
    .filter(
      ({ step }) =>
        /^actions\/checkout@/.test(step.uses ?? "") ||
        /\bnpm (ci|install|run)\b|\bnpx\b/.test(step.run ?? ""),
    )
    .map(
      ({ jobId, step }) =>
        `job ${jobId}: workflow_run job checks out or runs code (${step.uses ?? step.run?.split("\n")[0]})`,
    );
}

export { envName, jobNeeds, matrixCombos, steps };
