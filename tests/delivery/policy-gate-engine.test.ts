/**
 * Why every deploying job previews with the policy pack before `pulumi up`, shown on the real Pulumi engine
 * (the CLI `npm run rehearse` builds, tools/rehearse/build-cli.sh; skipped when it has not been built).
 *
 * A throwaway project (two component resources, no provider, a file backend in a temp dir) and a throwaway
 * policy pack with one mandatory resource policy and one mandatory stack policy:
 * - `pulumi preview` with the pack exits non-zero on either violation and leaves the state untouched: the gate
 *   stops the job before anything changes;
 * - `pulumi up --skip-preview` (what pulumi/actions' `command: up` runs) with a stack-policy violation fails
 *   only after every resource was created: stack policies run after the changes;
 * - without a violation, `up` succeeds (the gate is not simply always red).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function builtCli(): string | undefined {
  try {
    return execFileSync("bash", [`${ROOT}tools/rehearse/build-cli.sh`, "--check"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .pop();
  } catch {
    return undefined;
  }
}

const bin = builtCli();
// These scenarios run a plain Node.js program the normal way, which needs Pulumi's Node.js language host next
// to the CLI. The CLI built here has none (the host is not on the Go module proxy; the rehearsal serves its
// program in-process instead), so they run only with a Pulumi release's CLI + host (a user's own `pulumi`).
// Without it, the mandatory-violation gate is still proven on the real engine by tests/rehearse/rehearse.test.ts.
const hasLanguageHost = bin !== undefined && existsSync(join(bin, "pulumi-language-nodejs"));
const dir = mkdtempSync(join(tmpdir(), "policy-gate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROGRAM = `const pulumi = require("@pulumi/pulumi");
class Thing extends pulumi.ComponentResource {
  constructor(name) { super("gate:index:Thing", name, {}, {}); this.registerOutputs({}); }
}
new Thing("first");
new Thing(process.env.SECOND_NAME || "second");
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

function pulumi(
  args: string[],
  extra: Record<string, string> = {},
): { status: number; stdout: string; output: string } {
  const result = spawnSync("pulumi", [...args, "--non-interactive"], {
    cwd: join(dir, "prog"),
    encoding: "utf8",
    timeout: 120_000,
    env: {
      PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: dir,
      PULUMI_HOME: join(dir, "home"),
      PULUMI_BACKEND_URL: `file://${join(dir, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "gate",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
      ...extra,
    },
  });
  return { status: result.status ?? -1, stdout: result.stdout, output: `${result.stdout}${result.stderr}` };
}

function resources(stack: string): string[] {
  const exported = pulumi(["stack", "export", "--stack", stack]);
  const state = JSON.parse(exported.stdout) as { deployment: { resources?: { urn: string }[] } };
  return (state.deployment.resources ?? []).map((r) => r.urn.split("::").pop() as string);
}

describe.skipIf(!hasLanguageHost)(
  "the policy gate on the real engine (CLI from tools/rehearse/build-cli.sh)",
  () => {
    const pack = ["--policy-pack", join(dir, "pack")];

    it("preview with the pack fails on a mandatory stack or resource violation and changes nothing", () => {
      setup();
      expect(pulumi(["stack", "init", "gate"]).status).toBe(0);
      const stackViolation = pulumi(["preview", "--stack", "gate", ...pack], { STACK_VIOLATION: "1" });
      expect(stackViolation.status).not.toBe(0);
      expect(stackViolation.output).toMatch(/\[mandatory\]\s+stack-check/);
      const resourceViolation = pulumi(["preview", "--stack", "gate", ...pack], { SECOND_NAME: "forbidden" });
      expect(resourceViolation.status).not.toBe(0);
      expect(resourceViolation.output).toMatch(/\[mandatory\]\s+no-forbidden/);
      expect(resources("gate")).toEqual([]);
    }, 240_000);

    it("up --skip-preview applies every resource before a stack policy refuses the update", () => {
      const up = pulumi(["up", "--yes", "--skip-preview", "--stack", "gate", ...pack], {
        STACK_VIOLATION: "1",
      });
      expect(up.status).not.toBe(0);
      expect(up.output).toMatch(/\[mandatory\]\s+stack-check/);
      expect(resources("gate").sort()).toEqual(["first", "gate-gate", "second"]);
    }, 240_000);

    it("without a violation the gated preview and the up pass", () => {
      expect(pulumi(["stack", "init", "clean"]).status).toBe(0);
      expect(pulumi(["preview", "--stack", "clean", ...pack]).status).toBe(0);
      expect(pulumi(["up", "--yes", "--skip-preview", "--stack", "clean", ...pack]).status).toBe(0);
      expect(resources("clean").sort()).toEqual(["first", "gate-clean", "second"]);
    }, 240_000);
  },
);
