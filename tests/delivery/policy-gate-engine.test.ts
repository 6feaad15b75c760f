/**
 * Why every deploying job previews with the policy pack before `pulumi up`, shown on the real Pulumi engine:
 * the CLI `npm run rehearse` runs (a `pulumi` on PATH, else the one tools/rehearse/build-cli.sh builds), started
 * the way the rehearsal starts it (tools/rehearse/steps.ts `runStep`). With the CLI built here, which has no
 * Node.js language host, the program is served in-process (tools/rehearse/program-host.ts, `--client`) and the
 * CLI starts the policy pack through tools/rehearse/bin/pulumi-language-nodejs (RunPlugin only); with a release
 * CLI and its host, both run the normal way. Skipped, saying so, only where there is no CLI and no Go to build one.
 *
 * A throwaway project (two component resources, no provider, a file backend in a temp dir) and a throwaway
 * policy pack with one mandatory resource policy and one mandatory stack policy:
 * - `pulumi preview` with the pack exits non-zero on either violation and leaves the state untouched: the gate
 *   stops the job before anything changes;
 * - `pulumi up --skip-preview` (what pulumi/actions' `command: up` runs) with a stack-policy violation fails
 *   only after every resource was created: stack policies run after the changes;
 * - without a violation, `up` succeeds (the gate is not simply always red).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canRehearse, type PulumiCli, resolvePulumiCli } from "../../tools/rehearse/cli.js";
import { type Runner, rehearsalEnv, runStep } from "../../tools/rehearse/steps.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Per CLI command: the program host starts in about 1 s, the pack in 1-2 s; a hung engine fails the test. */
const COMMAND_TIMEOUT_MS = 90_000;

const available = canRehearse();
if (!available) {
  console.warn(
    "tests/delivery/policy-gate-engine: SKIPPED: no `pulumi` on PATH, none cached and no Go toolchain to build " +
      "one (tools/rehearse/build-cli.sh). Install Go >= 1.26 or the Pulumi CLI to run it.",
  );
}

const dir = mkdtempSync(join(tmpdir(), "policy-gate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The program's default export (what a Node.js language host and the in-process runtime both call).
const PROGRAM = `const pulumi = require("@pulumi/pulumi");
class Thing extends pulumi.ComponentResource {
  constructor(name) { super("gate:index:Thing", name, {}, {}); this.registerOutputs({}); }
}
module.exports = () => {
  new Thing("first");
  new Thing(process.env.SECOND_NAME || "second");
};
`;
const PACK = `const { PolicyPack } = require("@pulumi/policy");
new PolicyPack("gate-pack", { policies: [
  { name: "no-forbidden", description: "resource policy", enforcementLevel: "mandatory",
    validateResource: (args, report) => { if (args.name === "forbidden") report("a resource named forbidden"); } },
  { name: "stack-check", description: "stack policy", enforcementLevel: "mandatory",
    validateStack: (args, report) => { if (process.env.STACK_VIOLATION) report(args.resources.length + " resources"); } },
]});
`;

function setup(): void {
  for (const [sub, files] of Object.entries({
    prog: {
      "Pulumi.yaml": "name: gate\nruntime: nodejs\n",
      "package.json": '{"name":"gate","version":"0.0.0","main":"index.js"}\n',
      "index.js": PROGRAM,
    },
    pack: {
      "PulumiPolicy.yaml": "runtime: nodejs\n",
      "package.json": '{"name":"gate-pack","version":"0.0.1","main":"index.js"}\n',
      "index.js": PACK,
    },
  })) {
    mkdirSync(join(dir, sub), { recursive: true });
    symlinkSync(join(ROOT, "node_modules"), join(dir, sub, "node_modules"));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, sub, name), text);
  }
  mkdirSync(join(dir, "state"));
}

let cli: PulumiCli;

/**
 * One CLI command in the project, as the rehearsal runs it: `program` commands get their program served
 * in-process when the CLI has no language host. `extra` reaches the program host and the policy pack.
 */
async function pulumi(
  args: string[],
  extra: Record<string, string> = {},
  options: { program?: boolean } = {},
): Promise<{ status: number | null; stdout: string; output: string }> {
  const runner: Runner = {
    cli,
    env: { ...rehearsalEnv(cli, dir, ROOT), ...extra },
    steps: [],
    log: () => {},
  };
  const result = await runStep(
    runner,
    args[0] ?? "pulumi",
    join(dir, "prog"),
    [...args, "--non-interactive"],
    {
      quiet: true,
      timeoutMs: COMMAND_TIMEOUT_MS,
      ...options,
    },
  );
  return { status: result.code, stdout: result.stdout, output: result.output };
}

const withProgram = { program: true };

async function resources(stack: string): Promise<string[]> {
  const exported = await pulumi(["stack", "export", "--stack", stack]);
  const state = JSON.parse(exported.stdout) as { deployment: { resources?: { urn: string }[] } };
  return (state.deployment.resources ?? []).map((r) => r.urn.split("::").pop() as string);
}

describe.skipIf(!available)(
  "the policy gate on the real engine (the rehearsal's CLI and program path)",
  () => {
    const pack = ["--policy-pack", join(dir, "pack")];

    beforeAll(() => {
      // Builds the CLI when neither a `pulumi` on PATH nor the cache has one (CI's first run).
      cli = resolvePulumiCli();
      setup();
    }, 20 * 60_000);

    it("preview with the pack fails on a mandatory stack or resource violation and changes nothing", async () => {
      expect((await pulumi(["stack", "init", "gate"])).status).toBe(0);
      const stackViolation = await pulumi(
        ["preview", "--stack", "gate", ...pack],
        { STACK_VIOLATION: "1" },
        withProgram,
      );
      expect(stackViolation.status, stackViolation.output).not.toBe(0);
      expect(stackViolation.output).toMatch(/\[mandatory\]\s+stack-check/);
      const resourceViolation = await pulumi(
        ["preview", "--stack", "gate", ...pack],
        { SECOND_NAME: "forbidden" },
        withProgram,
      );
      expect(resourceViolation.status, resourceViolation.output).not.toBe(0);
      expect(resourceViolation.output).toMatch(/\[mandatory\]\s+no-forbidden/);
      expect(await resources("gate")).toEqual([]);
    }, 240_000);

    it("up --skip-preview applies every resource before a stack policy refuses the update", async () => {
      const up = await pulumi(
        ["up", "--yes", "--skip-preview", "--stack", "gate", ...pack],
        { STACK_VIOLATION: "1" },
        withProgram,
      );
      expect(up.status, up.output).not.toBe(0);
      expect(up.output).toMatch(/\[mandatory\]\s+stack-check/);
      expect((await resources("gate")).sort()).toEqual(["first", "gate-gate", "second"]);
    }, 240_000);

    it("without a violation the gated preview and the up pass", async () => {
      expect((await pulumi(["stack", "init", "clean"])).status).toBe(0);
      const preview = await pulumi(["preview", "--stack", "clean", ...pack], {}, withProgram);
      expect(preview.status, preview.output).toBe(0);
      const up = await pulumi(
        ["up", "--yes", "--skip-preview", "--stack", "clean", ...pack],
        {},
        withProgram,
      );
      expect(up.status, up.output).toBe(0);
      expect((await resources("clean")).sort()).toEqual(["first", "gate-clean", "second"]);
    }, 240_000);
  },
);
