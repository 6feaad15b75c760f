/**
 * The rehearsal puts the real Pulumi engine in the loop (tools/rehearse/rehearse.ts): the CLI's own stack-config
 * validation and the policy-pack host refuse what mocks never see. These tests run `npm run rehearse`'s script
 * against a copy of the repository with one file changed, and check the CLI's own words in the output.
 *
 * They need a Pulumi CLI: one on PATH, the cached build, or Go to build it (once, several minutes). With none of
 * the three they are skipped, saying so. The pure helpers are tested without any CLI.
 */
import { spawn } from "node:child_process";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { canRehearse, languageHostNextTo, resolvePulumiCli } from "../../tools/rehearse/cli.js";
import { programEntry } from "../../tools/rehearse/program-server.js";
import { stackSetup } from "../../tools/rehearse/stack.js";
import { type PreviewStep, unsafeSteps } from "../../tools/rehearse/stateful.js";
import { policyVerdicts, resourceSummary } from "../../tools/rehearse/summary.js";
import { ASSUMED_ALERT_EMAIL, assumedCertificateArn } from "../../tools/stacks/assumptions.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCRIPT = path.join(ROOT, "tools/rehearse/rehearse.ts");

const available = canRehearse();
if (!available) {
  console.warn(
    "tests/rehearse: SKIPPED the real-engine tests: no `pulumi` on PATH, none cached and no Go toolchain " +
      "to build one (tools/rehearse/build-cli.sh). Install Go >= 1.26 or the Pulumi CLI to run them.",
  );
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/**
 * A copy of the repository in which `changes` (paths relative to the root) replace files: top-level entries are
 * symlinks, except the top-level directories of changed files, which are copied.
 */
function checkoutWith(changes: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "twincloud-rehearse-test-"));
  scratch.push(dir);
  const touched = new Set(Object.keys(changes).map((file) => file.split("/")[0]!));
  for (const entry of readdirSync(ROOT)) {
    if (entry === ".git") continue;
    if (!touched.has(entry)) symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
    else if (statSync(path.join(ROOT, entry)).isDirectory())
      cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  for (const [file, text] of Object.entries(changes)) writeFileSync(path.join(dir, file), text);
  return dir;
}

function editYaml(file: string, edit: (doc: Record<string, Record<string, unknown>>) => void): string {
  const doc = parseYaml(readFileSync(path.join(ROOT, file), "utf8")) as Record<
    string,
    Record<string, unknown>
  >;
  edit(doc);
  return stringifyYaml(doc);
}

function rehearseScript(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe.skipIf(!available)("rehearsal on the real engine", () => {
  beforeAll(() => {
    // Builds the CLI when neither a `pulumi` on PATH nor the cache has one (CI's first run).
    resolvePulumiCli();
  }, 20 * 60_000);

  it("fails with the CLI's 'missing configuration value' when Pulumi.yaml declares a key no stack sets", async () => {
    const root = checkoutWith({
      "Pulumi.yaml": editYaml("Pulumi.yaml", (doc) => {
        doc.config = {
          ...doc.config,
          "twincloud:rehearsalProbe": { type: "string", description: "declared, required, set by no stack" },
        };
      }),
    });
    const { code, output } = await rehearseScript(["--stack", "dev", "--root", root]);
    expect(code, output).toBe(1);
    expect(output).toMatch(/missing configuration value/i);
    expect(output).toContain("rehearsalProbe");
    expect(output).toMatch(/FAILED: preview failed/);
  }, 180_000);

  it("fails with the pack's mandatory violation when prod turns the database's deletion protection off", async () => {
    const root = checkoutWith({
      "Pulumi.prod.yaml": editYaml("Pulumi.prod.yaml", (doc) => {
        doc.config = { ...doc.config, "twincloud:dbDeletionProtection": false };
      }),
    });
    const { code, output } = await rehearseScript(["--stack", "prod", "--root", root]);
    expect(code, output).toBe(1);
    expect(output).toMatch(/mandatory/);
    expect(output).toContain("aws-rds-deletion-protection");
    expect(output).toMatch(/FAILED: preview failed/);
    // Which path ran the program and the pack: the real host when the CLI has one, else the in-process server.
    if (resolvePulumiCli().languageHost) expect(output).toMatch(/program: under the Node\.js language host/);
    else
      expect(output).toMatch(/program: served in-process by the Node\.js SDK's language runtime \(--client/);
  }, 300_000);
});

describe.skipIf(!available)("upgrade rehearsal", () => {
  it("fails, naming the step, when the current tree would delete the committed program's database", async () => {
    // The classic refactor slip: the database's URN changes (here its logical name; a new parent without an
    // alias does the same), so the engine plans a new instance and the deletion of the deployed one.
    const file = "infra/aws/database.ts";
    const source = readFileSync(path.join(ROOT, file), "utf8");
    const renamed = source.replace(
      /new aws\.rds\.Instance\(\s*identifier,/,
      'new aws.rds.Instance(identifier + "-moved",',
    );
    expect(renamed, `no \`new aws.rds.Instance(identifier, ...)\` in ${file} to rename`).not.toBe(source);
    const root = checkoutWith({ [file]: renamed });
    const { code, output } = await rehearseScript([
      "--stack",
      "dev",
      "--root",
      root,
      "--upgrade-from",
      "HEAD",
    ]);
    expect(code, output).toBe(1);
    expect(output).toMatch(
      /upgrade from HEAD: 1 protected or stateful resource\(s\) would be replaced or deleted/,
    );
    expect(output).toMatch(
      /UNSAFE delete\s+urn:pulumi:dev::twincloud::\S*aws:rds\/instance:Instance::twincloud-dev-db <- holds the database/,
    );
  }, 400_000);
});

describe("rehearsal without a CLI", () => {
  it("exits 2 with one message when there is no pulumi and no Go", async () => {
    const cache = mkdtempSync(path.join(tmpdir(), "twincloud-no-cli-"));
    scratch.push(cache);
    const { code, output } = await rehearseScript(["--stack", "dev"], {
      ...process.env,
      PATH: "/usr/bin:/bin",
      TWINCLOUD_PULUMI_CACHE: cache,
      TWINCLOUD_PULUMI_SOURCE: "cache",
    });
    expect(code, output).toBe(2);
    expect(output).toMatch(/no 'pulumi' on PATH and no Go toolchain/);
  }, 60_000);

  it("rejects a stack without a stack file (usage error, no CLI needed)", async () => {
    const { code, output } = await rehearseScript(["--stack", "nosuchstack"]);
    expect(code).toBe(64);
    expect(output).toMatch(/no stack file Pulumi\.nosuchstack\.yaml/);
  }, 60_000);
});

describe("rehearsal helpers", () => {
  it("uses a language host only when one is next to the CLI", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "twincloud-host-"));
    scratch.push(dir);
    writeFileSync(path.join(dir, "pulumi"), "#!/bin/sh\n");
    chmodSync(path.join(dir, "pulumi"), 0o755);
    expect(languageHostNextTo(path.join(dir, "pulumi"))).toBeUndefined();
    writeFileSync(path.join(dir, "pulumi-language-nodejs"), "#!/bin/sh\n");
    chmodSync(path.join(dir, "pulumi-language-nodejs"), 0o755);
    expect(languageHostNextTo(path.join(dir, "pulumi"))).toBe(path.join(dir, "pulumi-language-nodejs"));
  });

  it("serves the program Pulumi.yaml names, from the directory the engine would start it in", () => {
    expect(programEntry(ROOT)).toEqual({
      entry: path.join(ROOT, "infra/index.ts"),
      cwd: path.join(ROOT, "infra"),
    });
    const dir = mkdtempSync(path.join(tmpdir(), "twincloud-main-"));
    scratch.push(dir);
    mkdirSync(path.join(dir, "src"));
    writeFileSync(path.join(dir, "src/index.ts"), "export default () => ({});\n");
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: x\nruntime: nodejs\nmain: src\n");
    expect(programEntry(dir)).toEqual({ entry: path.join(dir, "src/index.ts"), cwd: path.join(dir, "src") });
  });

  it("assumes the offline plan's marked operator values where the stack file lacks them", () => {
    const prod = stackSetup(ROOT, "prod");
    expect(prod.config["twincloud:alertEmail"]).toBe(ASSUMED_ALERT_EMAIL);
    expect(prod.config["twincloud:certificateArn"]).toBe(assumedCertificateArn("eu-west-1"));
    expect(prod.assumptions.length).toBeGreaterThanOrEqual(2);
    const staging = stackSetup(ROOT, "staging", "aws");
    expect(staging.cloud).toBe("aws");
    expect(staging.config["aws:region"]).toBe("eu-west-1");
    expect(staging.assumptions.join("\n")).toMatch(/what-if/);
  });

  it("flags replacing or deleting a stateful or protected resource, and nothing else", () => {
    const step = (op: string, type: string, protect = false): PreviewStep => ({
      op,
      urn: `urn:pulumi:prod::twincloud::${type}::x`,
      oldState: { type, protect },
      newState: { type },
    });
    const unsafe = unsafeSteps([
      step("replace", "aws:rds/instance:Instance"),
      step("delete", "azure-native:keyvault:Vault"),
      step("update", "aws:rds/instance:Instance"),
      step("replace", "aws:iam/role:Role"),
      step("delete", "aws:iam/role:Role", true),
      step("same", "aws:s3/bucket:Bucket"),
    ]);
    expect(unsafe.map((s) => `${s.op} ${s.oldState?.type}`)).toEqual([
      "replace aws:rds/instance:Instance",
      "delete azure-native:keyvault:Vault",
      "delete aws:iam/role:Role",
    ]);
  });

  it("reads the CLI's policy verdicts and resource summary", () => {
    const output = [
      "Policies:",
      "    ❌ twincloud-security@v0.1.0 (local: policies)",
      "        - [mandatory]  aws-rds-deletion-protection  (aws:rds/instance:Instance: twincloud-prod-db)",
      "        - [advisory]  required-tags  (aws:s3/bucket:Bucket: logs)",
      "Resources:",
      "    + 118 to create",
      "",
      "Duration: 3s",
    ].join("\n");
    expect(policyVerdicts(output)).toEqual([
      { level: "mandatory", rule: "aws-rds-deletion-protection" },
      { level: "advisory", rule: "required-tags" },
    ]);
    expect(resourceSummary(output)).toEqual(["+ 118 to create"]);
  });
});
