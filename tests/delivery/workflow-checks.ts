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
  "timeout-minutes"?: number;
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
  "continue-on-error"?: boolean | string;
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
function triggers(wf: Workflow): string[] {
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

/**
 * One combination of a job's matrix and the workflow's `workflow_dispatch` choice inputs. Matrix keys are bare
 * (`stack`, `cloud`); inputs are prefixed (`inputs.stack`).
 */
export type Combo = Record<string, unknown>;

/** Expand `${{ matrix.x }}` and `${{ inputs.x }}` with one combination. */
function expand(value: string, combo: Combo): string {
  return value
    .replace(/\$\{\{\s*matrix\.([\w-]+)\s*\}\}/g, (_, key: string) => String(combo[key] ?? `<matrix.${key}>`))
    .replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, key: string) =>
      String(combo[`inputs.${key}`] ?? `<inputs.${key}>`),
    );
}

function matrixCombos(job: Job): Combo[] {
  const matrix = job.strategy?.matrix;
  if (!matrix) return [{}];
  const include = matrix.include ?? [];
  const axes = Object.entries(matrix).filter(([k]) => k !== "include" && k !== "exclude");
  let combos: Combo[] = [{}];
  for (const [key, values] of axes) {
    if (!Array.isArray(values)) continue;
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  if (axes.length === 0) return include.length > 0 ? include : [{}];
  return [...combos, ...include];
}

type DispatchInput = { type?: string; options?: unknown[]; required?: boolean; description?: string };

/** The `workflow_dispatch` inputs of a workflow (empty when it has none). */
function dispatchInputs(wf: Workflow): Record<string, DispatchInput> {
  const on = wf.on;
  if (!isMap(on) || !isMap(on.workflow_dispatch)) return {};
  const inputs = on.workflow_dispatch.inputs;
  return isMap(inputs) ? (inputs as Record<string, DispatchInput>) : {};
}

/** Every combination of a job's matrix and the workflow's choice inputs. */
function jobCombos(wf: Workflow, job: Job): Combo[] {
  let combos = matrixCombos(job);
  for (const [name, input] of Object.entries(dispatchInputs(wf))) {
    if (input.type !== "choice" || !Array.isArray(input.options)) continue;
    combos = combos.flatMap((c) => (input.options ?? []).map((o) => ({ ...c, [`inputs.${name}`]: o })));
  }
  return combos;
}

/**
 * Whether an `if:` holds for a combination. Evaluates `matrix.x`/`inputs.x` `==`/`!=` `'v'` comparisons joined
 * by `&&` and `||` (no parentheses); anything else (`always()`, `github.*`) counts as true.
 */
function conditionHolds(condition: string | undefined, combo: Combo): boolean {
  if (!condition) return true;
  const expr = condition.replace(/^\s*\$\{\{|\}\}\s*$/g, "").trim();
  return expr.split("||").some((disjunct) =>
    disjunct.split("&&").every((term) => {
      const m = /^\s*(matrix|inputs)\.([\w-]+)\s*(==|!=)\s*'([^']*)'\s*$/.exec(term);
      if (!m) return true;
      const [, scope, key, op, value] = m;
      const actual = String(combo[scope === "inputs" ? `inputs.${key}` : (key as string)]);
      return op === "==" ? actual === value : actual !== value;
    }),
  );
}

/** Whether a step's `if:` holds for a combination (see conditionHolds). */
function stepActive(step: Step, combo: Combo): boolean {
  return conditionHolds(step.if, combo);
}

export interface PulumiRun {
  jobId: string;
  /** `preview`, `up`, ...; empty for an install-only step. */
  command: string;
  stack: string;
  policyPacks?: string;
  policyPackConfigs?: string;
  commentOnPr?: unknown;
  editPrComment?: unknown;
  pulumiVersion?: string;
  combo: Combo;
  stepIndex: number;
  step: Step;
}

/** Every pulumi/actions step, once per combination of matrix and choice inputs, with its stack resolved. */
export function pulumiRuns(wf: Workflow): PulumiRun[] {
  const runs: PulumiRun[] = [];
  for (const [jobId, job] of Object.entries(wf.jobs)) {
    for (const combo of jobCombos(wf, job)) {
      (job.steps ?? []).forEach((step, stepIndex) => {
        if (!/^pulumi\/actions@/.test(step.uses ?? "")) return;
        if (!stepActive(step, combo)) return;
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
          ...(w["pulumi-version"] !== undefined ? { pulumiVersion: String(w["pulumi-version"]) } : {}),
          commentOnPr: w["comment-on-pr"],
          editPrComment: w["edit-pr-comment"],
          combo,
          stepIndex,
          step,
        });
      });
    }
  }
  return runs;
}

const STACK_COMMANDS = ["preview", "up", "update", "refresh", "destroy"];
const DEPLOYS = ["up", "update"];

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

/** The cloud login a job performs before its pulumi step must match the stack's cloud. */
export function checkCloudLogin(wf: Workflow, cloudOfStack: (stack: string) => string): string[] {
  const problems: string[] = [];
  for (const run of pulumiRuns(wf)) {
    if (!STACK_COMMANDS.includes(run.command)) continue;
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

/** Jobs a job needs, directly or through the jobs it needs. */
export function neededJobs(wf: Workflow, jobId: string): Set<string> {
  const seen = new Set<string>();
  const visit = (id: string) => {
    for (const need of jobNeeds(wf.jobs[id] ?? { steps: [] })) {
      if (seen.has(need)) continue;
      seen.add(need);
      visit(need);
    }
  };
  visit(jobId);
  return seen;
}

const SMOKE = /tools\/smoke\/smoke\.ts/;

/**
 * The push pipeline: dev, staging and prod each `pulumi up` in a job of their own, each followed by a smoke test;
 * prod's job needs (directly or not) both dev's and staging's, so AWS code reaches prod only after the pipeline
 * applied it to dev, and uses the `production` environment (required reviewers).
 */
export function checkDeployOrder(wf: Workflow): string[] {
  const runs = pulumiRuns(wf).filter((r) => DEPLOYS.includes(r.command));
  const byStack = new Map(runs.map((r) => [r.stack, r]));
  const missing = ["dev", "staging", "prod"].filter((stack) => !byStack.has(stack));
  if (missing.length > 0)
    return [
      `expected pulumi up for dev, staging and prod; missing ${missing.join(", ")} (found ${runs.map((r) => r.stack).join(", ") || "none"})`,
    ];
  const problems: string[] = [];
  const [dev, staging, prod] = (["dev", "staging", "prod"] as const).map((stack) => byStack.get(stack)!);
  const prodNeeds = neededJobs(wf, prod!.jobId);
  for (const before of [dev!, staging!]) {
    if (before.jobId === prod!.jobId) problems.push(`${before.stack} and prod deploy in the same job`);
    else if (!prodNeeds.has(before.jobId))
      problems.push(`prod job ${prod!.jobId} does not need ${before.stack} job ${before.jobId}`);
  }
  if (envName(wf.jobs[prod!.jobId]!) !== "production")
    problems.push(`prod job ${prod!.jobId} does not use environment production`);
  for (const run of [dev!, staging!, prod!]) {
    const job = wf.jobs[run.jobId]!;
    const smoke = (job.steps ?? []).slice(run.stepIndex + 1).some((s) => SMOKE.test(s.run ?? ""));
    if (!smoke) problems.push(`job ${run.jobId}: no smoke test after pulumi up`);
  }
  return problems;
}

const sameList = (a?: string, b?: string) => (a ?? "").trim() === (b ?? "").trim();

/**
 * The policy gate: in every job that runs `pulumi up`, an earlier step of the same job previews the same stack
 * with the same policy packs and configs, unconditionally and without `continue-on-error`, and the `up` step
 * does not run after a failure (`always()`, `failure()`, `continue-on-error` on the gate).
 */
export function checkPreviewGate(wf: Workflow): string[] {
  const problems: string[] = [];
  const runs = pulumiRuns(wf);
  for (const up of runs.filter((r) => DEPLOYS.includes(r.command))) {
    const where = `job ${up.jobId} (${up.command} ${up.stack})`;
    const gate = runs.find(
      (r) =>
        r.jobId === up.jobId &&
        r.combo === up.combo &&
        r.command === "preview" &&
        r.stepIndex < up.stepIndex &&
        r.stack === up.stack,
    );
    if (!gate) {
      problems.push(`${where}: no pulumi preview of ${up.stack} before the up (up runs --skip-preview)`);
      continue;
    }
    if (
      !sameList(gate.policyPacks, up.policyPacks) ||
      !sameList(gate.policyPackConfigs, up.policyPackConfigs)
    )
      problems.push(`${where}: the preview gate uses other policy packs or configs than the up`);
    if (!gate.policyPacks || !gate.policyPackConfigs)
      problems.push(`${where}: the preview gate runs without the policy pack and its config`);
    const coe = gate.step["continue-on-error"];
    if (coe !== undefined && coe !== false)
      problems.push(`${where}: the preview gate has continue-on-error (a violation would not stop the job)`);
    if (gate.step.if) problems.push(`${where}: the preview gate is conditional (${gate.step.if})`);
    if (/\b(always|failure|cancelled)\(\)/.test(up.step.if ?? ""))
      problems.push(`${where}: the up step runs after a failed gate (if: ${up.step.if})`);
  }
  return problems;
}

export interface DeployGroup {
  workflow: string;
  jobId: string;
  stack: string;
  group: string;
  cancelInProgress: unknown;
}

/** The concurrency group of every job that deploys a stack, per stack it can deploy. */
export function deployGroups(file: string, wf: Workflow): DeployGroup[] {
  const groups: DeployGroup[] = [];
  const seen = new Set<string>();
  for (const run of pulumiRuns(wf).filter((r) => DEPLOYS.includes(r.command))) {
    const job = wf.jobs[run.jobId]!;
    const c = job.concurrency;
    const group = isMap(c) ? String(c.group ?? "") : typeof c === "string" ? c : "";
    const entry = {
      workflow: file,
      jobId: run.jobId,
      stack: run.stack,
      group: expand(group, run.combo),
      cancelInProgress: isMap(c) ? c["cancel-in-progress"] : undefined,
    };
    const key = `${entry.jobId}/${entry.stack}`;
    if (seen.has(key)) continue;
    seen.add(key);
    groups.push(entry);
  }
  return groups;
}

/**
 * Deployments of one stack queue behind each other in every workflow (one group per stack, shared by deploy and
 * rollback); different stacks never share a group (a prod approval waiting for days blocks no other stack); a
 * running deployment is never cancelled; no workflow that deploys has a workflow-level group (it would hold the
 * whole run, prod's approval wait included).
 */
export function checkDeployConcurrency(workflows: { file: string; wf: Workflow }[]): string[] {
  const problems: string[] = [];
  const all = workflows.flatMap(({ file, wf }) => deployGroups(file, wf));
  for (const { file, wf } of workflows) {
    if (wf.concurrency && deployGroups(file, wf).length > 0)
      problems.push(
        `${file}: workflow-level concurrency in a workflow that deploys (use one group per stack)`,
      );
  }
  for (const g of all) {
    const where = `${g.workflow} job ${g.jobId} (${g.stack})`;
    if (!g.group) {
      problems.push(`${where}: no job-level concurrency group`);
      continue;
    }
    if (/github\.(ref|sha|run_id|run_number|event)/.test(g.group) || /\$\{\{/.test(g.group))
      problems.push(`${where}: group "${g.group}" is not fixed per stack`);
    if (g.cancelInProgress !== false)
      problems.push(`${where}: cancel-in-progress must be false (never cancel a running pulumi up)`);
  }
  const stacksOfGroup = new Map<string, Set<string>>();
  const groupsOfStack = new Map<string, Set<string>>();
  for (const g of all.filter((g) => g.group)) {
    stacksOfGroup.set(g.group, (stacksOfGroup.get(g.group) ?? new Set()).add(g.stack));
    groupsOfStack.set(g.stack, (groupsOfStack.get(g.stack) ?? new Set()).add(g.group));
  }
  for (const [group, stacks] of stacksOfGroup)
    if (stacks.size > 1) problems.push(`group "${group}" is shared by stacks ${[...stacks].join(", ")}`);
  for (const [stack, groups] of groupsOfStack)
    if (groups.size > 1)
      problems.push(`stack ${stack} deploys under several groups: ${[...groups].join(", ")}`);
  return problems;
}

/** IAM's ceiling for a role's maximum session duration (12 h). */
const IAM_MAX_SESSION_SECONDS = 43_200;

/**
 * Every AWS OIDC login asks for a session at least as long as its job may run (`role-duration-seconds` >=
 * `timeout-minutes` * 60; the default is 1 h whatever the job timeout) and within IAM's 12 h ceiling.
 */
export function checkRoleDuration(wf: Workflow): string[] {
  const problems: string[] = [];
  for (const { jobId, job, step } of steps(wf)) {
    if (!/^aws-actions\/configure-aws-credentials@/.test(step.uses ?? "")) continue;
    const timeout = job["timeout-minutes"];
    const duration = Number(step.with?.["role-duration-seconds"]);
    if (typeof timeout !== "number") {
      problems.push(`job ${jobId}: no timeout-minutes (the role session must outlast the job)`);
      continue;
    }
    if (!Number.isInteger(duration)) {
      problems.push(`job ${jobId}: no role-duration-seconds (the default session is 1 h)`);
      continue;
    }
    if (duration < timeout * 60)
      problems.push(
        `job ${jobId}: role-duration-seconds ${duration} < timeout-minutes ${timeout} * 60 (the session can expire mid-update)`,
      );
    if (duration > IAM_MAX_SESSION_SECONDS)
      problems.push(`job ${jobId}: role-duration-seconds ${duration} exceeds IAM's 12 h maximum`);
  }
  return problems;
}

const TOKEN = "PULUMI_ACCESS_TOKEN";
const RUNS_CODE = /\b(npm|npx|node|tsx|yarn|pnpm|bun|make|python3?)\b|\.\/|\bbash\s+\S+\.sh\b/;
const runsPulumi = (script: string) => /(^|[\s;&|(])pulumi\s+\w/m.test(script);
const isPulumiStep = (step: Step) =>
  /^pulumi\/actions@/.test(step.uses ?? "") ||
  (runsPulumi(step.run ?? "") && !RUNS_CODE.test(step.run ?? ""));

/**
 * PULUMI_ACCESS_TOKEN is in the environment of the Pulumi steps only: never at workflow or job level (where
 * `npm ci` and every other step would see it), never on a step that runs anything but the Pulumi CLI; and every
 * step that talks to the Pulumi backend has it.
 */
export function checkPulumiTokenScope(wf: Workflow): string[] {
  const problems: string[] = [];
  const mentions = (env: unknown) => isMap(env) && Object.keys(env).includes(TOKEN);
  if (mentions(wf.env)) problems.push(`workflow-level env sets ${TOKEN}`);
  for (const [jobId, job] of Object.entries(wf.jobs)) {
    if (mentions(job.env)) problems.push(`job ${jobId}: job-level env sets ${TOKEN} (npm ci would see it)`);
    for (const step of job.steps ?? []) {
      const label = step.name ?? step.uses ?? step.run?.split("\n")[0] ?? "?";
      const has = mentions(step.env);
      const pulumi = isPulumiStep(step);
      if (has && !pulumi)
        problems.push(`job ${jobId}: step "${label}" is not a Pulumi step but gets ${TOKEN}`);
      const needsToken =
        (/^pulumi\/actions@/.test(step.uses ?? "") && step.with?.command !== undefined) ||
        runsPulumi(step.run ?? "");
      if (needsToken && !has) problems.push(`job ${jobId}: Pulumi step "${label}" has no ${TOKEN}`);
    }
  }
  return problems;
}

/**
 * Every pulumi/actions step pins one exact CLI version (`pulumi-version: X.Y.Z`; the action's default `^3`
 * floats). Returns the problems and the versions found.
 */
export function pulumiVersions(wf: Workflow): { problems: string[]; versions: Set<string> } {
  const problems: string[] = [];
  const versions = new Set<string>();
  for (const { jobId, step } of steps(wf)) {
    if (!/^pulumi\/actions@/.test(step.uses ?? "")) continue;
    const version = step.with?.["pulumi-version"];
    if (version === undefined) {
      problems.push(`job ${jobId}: pulumi/actions step "${step.name ?? ""}" without pulumi-version`);
      continue;
    }
    if (!/^\d+\.\d+\.\d+$/.test(String(version)))
      problems.push(`job ${jobId}: pulumi-version "${String(version)}" is not one exact X.Y.Z version`);
    versions.add(String(version));
  }
  return { problems, versions };
}

/** Compare two X.Y.Z versions. */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, "").split(".").map(Number);
  const pb = b.replace(/^v/, "").split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * The first major of each action used here whose `action.yml` says `runs.using: node24` (composite actions: the
 * first release whose inner actions all do). Read from each action's repository at its tags; an action missing
 * from this table is reported so that someone checks it before it is used.
 */
const NODE24_SINCE: Record<string, string> = {
  "actions/checkout": "5.0.0",
  "actions/setup-node": "5.0.0",
  "actions/upload-artifact": "6.0.0",
  "pulumi/actions": "7.0.0",
  "aws-actions/configure-aws-credentials": "6.0.0",
  "azure/login": "3.0.0",
  "docker/setup-buildx-action": "4.0.0",
  "docker/build-push-action": "7.0.0",
  "github/codeql-action/upload-sarif": "4.30.7", // the first v4 release
  // composite: v0.36.0 is the first whose inner actions/cache (v5) runs on Node 24
  "aquasecurity/trivy-action": "0.36.0",
};

/**
 * The pins in use, each resolved from a stored snapshot of the action's repository (`git rev-parse
 * <tag>^{commit}`); the release comment of a `uses:` line must name the release its SHA was resolved from.
 */
const VERIFIED_PINS: Record<string, string> = {
  "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1": "v7.0.1",
  "actions/setup-node@820762786026740c76f36085b0efc47a31fe5020": "v7.0.0",
  "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f": "v7.0.0",
  "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d": "v7.0.0",
  "aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c": "v6.2.3",
  "azure/login@f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca": "v3.0.1",
  "docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e": "v4.3.0",
  "docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a": "v7.3.0",
  "github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e": "v4.36.2",
  "aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25": "v0.36.0",
};

/** Every action runs on its Node 24 release line, and its SHA is one of the verified pins with a matching comment. */
export function checkNode24Actions(text: string): string[] {
  const problems: string[] = [];
  for (const line of text.split("\n")) {
    const match = /^\s*(?:-\s*)?uses:\s*([^\s#]+)\s*(?:#\s*(\S+))?/.exec(line);
    if (!match || match[1]?.startsWith("./") || match[1]?.startsWith("docker://")) continue;
    const ref = match[1] as string;
    const comment = match[2] ?? "";
    const action = ref.split("@")[0] as string;
    const since = NODE24_SINCE[action];
    if (!since) {
      problems.push(`${action}: not in NODE24_SINCE (check which release runs on node24 first)`);
      continue;
    }
    if (!/^v?\d+\.\d+\.\d+$/.test(comment) || compareVersions(comment, since) < 0)
      problems.push(`${ref} (${comment || "no release comment"}): ${action} runs on Node 24 from ${since}`);
    const verified = VERIFIED_PINS[ref];
    if (!verified) problems.push(`${ref}: not a verified pin (VERIFIED_PINS)`);
    else if (verified !== comment) problems.push(`${ref}: comment says ${comment}, the SHA is ${verified}`);
  }
  return problems;
}

/**
 * The summary job branch protection requires: needs every other job, runs always (`if: always()`, so a failed or
 * cancelled job cannot turn it into a skipped check, which GitHub counts as passing) and decides from
 * `needs.*.result`. Returns the job's id, or the problems.
 */
export function summaryJob(wf: Workflow): { jobId?: string; script?: string; problems: string[] } {
  const candidates = Object.entries(wf.jobs).filter(([, job]) => /\balways\(\)/.test(job.if ?? ""));
  if (candidates.length !== 1)
    return { problems: [`expected one summary job with if: always(), found ${candidates.length}`] };
  const [jobId, job] = candidates[0]!;
  const problems: string[] = [];
  const others = Object.keys(wf.jobs).filter((id) => id !== jobId);
  const needs = jobNeeds(job);
  const missing = others.filter((id) => !needs.includes(id));
  if (missing.length > 0) problems.push(`summary job ${jobId} does not need ${missing.join(", ")}`);
  if (job.if?.trim() !== "always()")
    problems.push(`summary job ${jobId}: if is "${job.if}", expected always()`);
  const step = (job.steps ?? []).find((s) => /needs\.\*\.result/.test(JSON.stringify(s.env ?? {})));
  if (!step?.run) problems.push(`summary job ${jobId}: no step that reads needs.*.result`);
  return { jobId, ...(step?.run ? { script: step.run } : {}), problems };
}

/**
 * Smoke tests: the URL is the stack output `url` (the public https://<domainName> when set, never the load
 * balancer's own host), and the API key is the secret stack output `bootstrapApiKey`, read with
 * `--show-secrets`, masked (`::add-mask::`) before any other use, and never written anywhere but $GITHUB_OUTPUT.
 */
export function checkSmokeTests(wf: Workflow): string[] {
  const problems: string[] = [];
  for (const [jobId, job] of Object.entries(wf.jobs)) {
    const all = job.steps ?? [];
    all.forEach((step, index) => {
      if (!SMOKE.test(step.run ?? "")) return;
      const where = `job ${jobId}: smoke test`;
      const env = step.env ?? {};
      const fromOutput = (value: unknown) => /steps\.([\w-]+)\.outputs\.([\w-]+)/.exec(String(value ?? ""));
      const url = fromOutput(env.SMOKE_URL);
      const key = fromOutput(env.SMOKE_API_KEY);
      if (!/--url "\$SMOKE_URL"/.test(step.run ?? ""))
        problems.push(`${where} does not call --url "$SMOKE_URL"`);
      if (!url || !key) {
        problems.push(`${where}: SMOKE_URL and SMOKE_API_KEY must come from an earlier step's outputs`);
        return;
      }
      const source = (id: string) => all.slice(0, index).find((s) => s.id === id);
      const urlStep = source(url[1] as string);
      const keyStep = source(key[1] as string);
      const urlScript = urlStep?.run ?? "";
      if (!/pulumi stack output url\b/.test(urlScript))
        problems.push(`${where}: the URL is not read with "pulumi stack output url"`);
      if (/endpointUrl|loadBalancer|dnsName|fqdn/i.test(JSON.stringify(env) + urlScript))
        problems.push(`${where}: calls the load balancer's own host (the certificate does not cover it)`);
      const script = keyStep?.run ?? "";
      if (!/pulumi stack output bootstrapApiKey --show-secrets\b/.test(script)) {
        problems.push(`${where}: the key is not the stack output bootstrapApiKey read with --show-secrets`);
        return;
      }
      const lines = script.split("\n");
      const read = lines.findIndex((l) => /bootstrapApiKey/.test(l));
      const variable = /(\w+)="\$\(pulumi stack output bootstrapApiKey/.exec(lines[read] ?? "")?.[1];
      if (!variable) {
        problems.push(`${where}: the key is not assigned to a shell variable`);
        return;
      }
      const uses = lines
        .map((line, i) => ({ line, i }))
        .filter(({ line, i }) => i > read && new RegExp(`\\$\\{?${variable}\\b`).test(line));
      if (!/^\s*echo "::add-mask::\$\{?\w+\}?"\s*$/.test(uses[0]?.line ?? ""))
        problems.push(
          `${where}: the key is not masked (echo "::add-mask::$${variable}") before its first use`,
        );
      for (const { line } of uses.slice(1)) {
        if (!/>>\s*"\$GITHUB_OUTPUT"/.test(line) && !/^\s*\[ -n "\$\{?\w+\}?" \]/.test(line))
          problems.push(`${where}: the key is used outside $GITHUB_OUTPUT: ${line.trim()}`);
      }
      if (/\bset -x\b|set -o xtrace/.test(script)) problems.push(`${where}: xtrace would print the key`);
      if (!hasToken(keyStep)) problems.push(`${where}: the step reading the key has no ${TOKEN}`);
    });
  }
  return problems;
}
const hasToken = (step: Step | undefined) => isMap(step?.env) && TOKEN in (step?.env ?? {});

/** Cloud credentials are acquired after `npm ci`, so dependency install scripts never see them. */
export function checkCredentialsAfterInstall(wf: Workflow): string[] {
  const problems: string[] = [];
  for (const [jobId, job] of Object.entries(wf.jobs)) {
    const all = job.steps ?? [];
    const install = all.findIndex((s) => /\bnpm (ci|install)\b/.test(s.run ?? ""));
    if (install < 0) continue;
    all.slice(0, install).forEach((s) => {
      if (OIDC_ACTIONS.some((p) => p.test(s.uses ?? "")))
        problems.push(
          `job ${jobId}: ${s.uses?.split("@")[0]} runs before npm ci (install scripts would see it)`,
        );
    });
  }
  return problems;
}

const BUILDS = /\bdocker\s+(build|buildx|push)\b|\bnpm run (build|image)\b/;

/**
 * The rollback workflow: dispatched by hand with a stack (choice of the stacks) and a digest; the digest is
 * checked before anything else; nothing is built; `twincloud:imageDigest` is set from the input (through env,
 * never interpolated into a script) before the preview gate and the up; the stack file is not committed.
 */
export function checkRollback(wf: Workflow, stacks: readonly string[]): string[] {
  const problems: string[] = [];
  if (JSON.stringify(triggers(wf)) !== JSON.stringify(["workflow_dispatch"]))
    problems.push(`triggers are [${triggers(wf).join(", ")}], expected [workflow_dispatch]`);
  const inputs = dispatchInputs(wf);
  const stack = inputs.stack;
  if (
    stack?.type !== "choice" ||
    JSON.stringify([...(stack.options ?? [])].sort()) !== JSON.stringify([...stacks].sort())
  )
    problems.push(`input stack must be a choice of ${stacks.join(", ")}`);
  if (inputs.digest?.type !== "string" || inputs.digest.required !== true)
    problems.push("input digest must be a required string");
  for (const [jobId, job] of Object.entries(wf.jobs)) {
    const all = job.steps ?? [];
    for (const step of all) {
      if (/^docker\//.test(step.uses ?? "") || BUILDS.test(step.run ?? ""))
        problems.push(`job ${jobId}: builds or pushes an image (${step.uses ?? step.run?.split("\n")[0]})`);
      if (/\$\{\{\s*inputs\./.test(step.run ?? ""))
        problems.push(`job ${jobId}: a script interpolates an input (pass it through env)`);
      if (/\bgit\s+(commit|push)\b/.test(step.run ?? "")) problems.push(`job ${jobId}: commits or pushes`);
    }
    const check = all.findIndex((s) => /sha256:\[0-9a-f\]\{64\}/.test(s.run ?? ""));
    const checkout = all.findIndex((s) => /^actions\/checkout@/.test(s.uses ?? ""));
    if (check < 0 || (checkout >= 0 && check > checkout))
      problems.push(`job ${jobId}: the digest's format is not checked before the checkout`);
    const pin = all.findIndex(
      (s) =>
        /pulumi config set\b.*twincloud:imageDigest "\$DIGEST"/.test(s.run ?? "") &&
        /\$\{\{\s*inputs\.digest\s*\}\}/.test(String(s.env?.DIGEST ?? "")),
    );
    const firstPulumi = all.findIndex((s) => /^pulumi\/actions@/.test(s.uses ?? "") && s.with?.command);
    if (pin < 0) problems.push(`job ${jobId}: twincloud:imageDigest is not set from inputs.digest`);
    else if (firstPulumi >= 0 && pin > firstPulumi)
      problems.push(`job ${jobId}: twincloud:imageDigest is set after the first preview/up`);
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

/** The API resource phase 1 leaves out, per cloud (the type of its URN; docs/database-identity.md). */
export const API_RESOURCE_TYPE: Record<string, string> = {
  aws: "aws:ecs/service:Service",
  azure: "azure-native:app:ContainerApp",
};

/**
 * Pulumi's URN glob (`pkg/resource/deploy/deployment.go` getMatcher, v3.274.1): `**` matches anything, `*`
 * anything but `:`.
 */
export function urnGlobMatches(glob: string, urn: string): boolean {
  const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = glob
    .split("**")
    .map((segment) => segment.split("*").map(quote).join("[^:]*"))
    .join(".*");
  return new RegExp(`^${pattern}$`).test(urn);
}

/**
 * Every job that deploys a stack runs it in three phases (docs/database-identity.md#the-deploy-pipeline), in
 * this order after the policy gate: (1) `pulumi up` that excludes the API resource of the stack's cloud and
 * its dependents (so the new image and the migrator exist, and the API keeps its task definition / revision);
 * (2) the stack output `migration` read by a Pulumi-only step and handed to tools/deploy/migrate.sh, which runs
 * the migrator and fails on its exit code / status, unconditionally and without continue-on-error; (3) the
 * full `pulumi up` (no exclude or target), then the smoke test. `apiUrn(stack)` is the API resource's URN.
 */
export function checkMigrationPhases(
  wf: Workflow,
  cloudOfStack: (stack: string) => string,
  apiUrn: (stack: string, cloud: string) => string,
): string[] {
  const problems: string[] = [];
  const runs = pulumiRuns(wf);
  for (const [jobId, job] of Object.entries(wf.jobs)) {
    const ups = runs.filter((r) => r.jobId === jobId && DEPLOYS.includes(r.command));
    if (ups.length === 0) continue;
    const stack = ups[0]!.stack;
    const cloud = cloudOfStack(stack);
    const where = `job ${jobId} (${stack}, ${cloud})`;
    const all = job.steps ?? [];
    const list = (value: unknown) =>
      String(value ?? "")
        .split(/[\n,]/)
        .map((item) => item.trim())
        .filter(Boolean);
    const phase1 = ups.filter((r) => list(r.step.with?.exclude).length > 0);
    const full = ups.filter(
      (r) => list(r.step.with?.exclude).length === 0 && list(r.step.with?.target).length === 0,
    );
    if (phase1.length !== 1 || full.length !== 1 || ups.length !== 2) {
      problems.push(
        `${where}: expected one pulumi up with exclude (phase 1) and one full pulumi up (phase 3)`,
      );
      continue;
    }
    const [first, last] = [phase1[0]!, full[0]!];
    const excluded = list(first.step.with?.exclude);
    const urn = apiUrn(stack, cloud);
    if (!excluded.some((glob) => urnGlobMatches(glob, urn)))
      problems.push(
        `${where}: phase 1 does not exclude the API resource ${urn} (exclude: ${excluded.join(", ")})`,
      );
    if (String(first.step.with?.["exclude-dependents"]) !== "true")
      problems.push(
        `${where}: phase 1 does not exclude the API resource's dependents (exclude-dependents: true)`,
      );
    const migrate = all.findIndex((step) => /\btools\/deploy\/migrate\.sh\b/.test(step.run ?? ""));
    if (migrate < 0) {
      problems.push(`${where}: no migration step (tools/deploy/migrate.sh)`);
      continue;
    }
    const step = all[migrate]!;
    if (!(first.stepIndex < migrate && migrate < last.stepIndex))
      problems.push(`${where}: the migration does not run between phase 1 and the full pulumi up`);
    if (step.if) problems.push(`${where}: the migration step is conditional (${step.if})`);
    const coe = step["continue-on-error"];
    if (coe !== undefined && coe !== false)
      problems.push(
        `${where}: the migration step has continue-on-error (a failed migration would not stop the deploy)`,
      );
    if (/\b(always|failure|cancelled)\(\)/.test(last.step.if ?? ""))
      problems.push(`${where}: the full pulumi up runs after a failed migration (if: ${last.step.if})`);
    const target = String(step.env?.MIGRATION_TARGET ?? "");
    const reader = /steps\.([\w-]+)\.outputs\.target/.exec(target)?.[1];
    const readIndex = all.findIndex((s) => s.id === reader);
    if (!reader || readIndex < 0 || !(first.stepIndex < readIndex && readIndex < migrate))
      problems.push(`${where}: MIGRATION_TARGET is not the stack output migration read after phase 1`);
    else if (!/pulumi stack output migration --json --stack "\$STACK"/.test(all[readIndex]!.run ?? ""))
      problems.push(`${where}: step ${reader} does not read pulumi stack output migration --json`);
  }
  return problems;
}

export { envName, jobNeeds, matrixCombos, steps };
