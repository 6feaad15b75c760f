/**
 * The pack as the Pulumi CLI runs it: `@pulumi/pulumi/cmd/run-policy-pack` started in policies/ (what the
 * `pulumi-analyzer-policy` plugin does for `--policy-pack policies`), driven over the analyzer gRPC protocol
 * the engine uses: GetAnalyzerInfo, Configure (with policies/config/prod.json), Analyze, AnalyzeStack.
 * The module that constructs the PolicyPack is only ever loaded in that child process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPolicyConfig } from "../../policies/evaluate.js";
import { PACK_NAME, policies } from "../../policies/pack.js";
import { awsStack, find, type Props } from "./fixtures.js";

const require = createRequire(import.meta.url);
const grpc = require("@grpc/grpc-js");
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");

const POLICIES_DIR = fileURLToPath(new URL("../../policies/", import.meta.url));
const RUNNER = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
const LEVEL = ["advisory", "mandatory", "disabled", "remediate"];

let child: ChildProcess;
// biome-ignore lint/suspicious/noExplicitAny: generated gRPC client.
let client: any;

function call<T>(method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))),
  );
}

function options(protect = false) {
  const o = new analyzerPb.AnalyzerResourceOptions();
  o.setProtect(protect);
  return o;
}

interface Diagnostic {
  policyName: string;
  level: string;
  message: string;
  urn: string;
}
// biome-ignore lint/suspicious/noExplicitAny: generated protobuf message.
const diagnostics = (res: any): Diagnostic[] =>
  // biome-ignore lint/suspicious/noExplicitAny: generated protobuf message.
  res.getDiagnosticsList().map((d: any) => ({
    policyName: d.getPolicyname(),
    level: LEVEL[d.getEnforcementlevel()] ?? "?",
    message: d.getMessage(),
    urn: d.getUrn(),
  }));

async function analyze(type: string, name: string, props: Props, protect = false): Promise<Diagnostic[]> {
  const req = new analyzerPb.AnalyzeRequest();
  req.setType(type);
  req.setName(name);
  req.setUrn(`urn:pulumi:prod::twincloud::${type}::${name}`);
  req.setProperties(Struct.fromJavaScript(props));
  req.setOptions(options(protect));
  return diagnostics(await call("analyze", req));
}

beforeAll(async () => {
  child = spawn(process.execPath, [RUNNER, "127.0.0.1:0", "."], {
    cwd: POLICIES_DIR,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`policy pack did not start: ${stderr}`)), 60_000);
    child.stdout?.on("data", (d) => {
      const match = /^(\d+)\s*$/m.exec(String(d));
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on("exit", (code) => reject(new Error(`policy pack exited (${code}): ${stderr}`)));
  });
  client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

  // Configure as the engine does with --policy-pack-config policies/config/prod.json.
  const configure = new analyzerPb.ConfigureAnalyzerRequest();
  const map = configure.getPolicyconfigMap();
  for (const [name, entry] of Object.entries(loadPolicyConfig("prod"))) {
    const { enforcementLevel, ...props } = typeof entry === "string" ? { enforcementLevel: entry } : entry;
    const pc = new analyzerPb.PolicyConfig();
    pc.setEnforcementlevel(LEVEL.indexOf(enforcementLevel ?? "advisory"));
    pc.setProperties(Struct.fromJavaScript(props));
    map.set(name, pc);
  }
  await call("configure", configure);
}, 90_000);

afterAll(() => {
  client?.close();
  child?.kill();
});

describe("the pack under the real policy runner", () => {
  it("serves every policy of pack.ts under its name", async () => {
    // biome-ignore lint/suspicious/noExplicitAny: generated protobuf message.
    const info: any = await call("getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe(PACK_NAME);
    // biome-ignore lint/suspicious/noExplicitAny: generated protobuf message.
    const names = info.getPoliciesList().map((p: any) => p.getName());
    expect(names.sort()).toEqual(policies.map((p) => p.name).sort());
  });

  it("blocks a public, unencrypted database (mandatory) and names the fix", async () => {
    const db = find(awsStack("prod"), "db").props;
    const d = await analyze("aws:rds/instance:Instance", "db", { ...db, publiclyAccessible: true }, true);
    const found = d.filter((x) => x.policyName === "aws-rds-not-public");
    expect(found).toHaveLength(1);
    expect(found[0]?.level).toBe("mandatory");
    expect(found[0]?.message).toMatch(/publiclyAccessible: false/);
  });

  it("passes the compliant database and applies the prod config's thresholds (30-day backups)", async () => {
    const db = find(awsStack("prod"), "db").props;
    expect(await analyze("aws:rds/instance:Instance", "db", db, true)).toEqual([]);
    const short = await analyze(
      "aws:rds/instance:Instance",
      "db",
      { ...db, backupRetentionPeriod: 14 },
      true,
    );
    expect(short.map((x) => `${x.level} ${x.policyName}`)).toEqual(["mandatory aws-rds-backup-retention"]);
  });

  it("sees opts.protect: an unprotected prod database is blocked", async () => {
    const db = find(awsStack("prod"), "db").props;
    const d = await analyze("aws:rds/instance:Instance", "db", db, false);
    expect(d.map((x) => `${x.level} ${x.policyName}`)).toEqual(["mandatory stateful-resources-protected"]);
  });

  it("turns an unknown (preview) value into an advisory can't-run diagnostic", async () => {
    const db = find(awsStack("prod"), "db").props;
    const d = await analyze(
      "aws:rds/instance:Instance",
      "db",
      { ...db, publiclyAccessible: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7" },
      true,
    );
    expect(d.map((x) => `${x.level} ${x.policyName}`)).toEqual(["advisory aws-rds-not-public"]);
    expect(d[0]?.message).toMatch(/during preview/);
  });

  it("runs the stack policies over outputs (reachability through security groups)", async () => {
    const stack = awsStack("prod");
    find(stack, "svc-sg").props.ingress = [
      { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
    ];
    const req = new analyzerPb.AnalyzeStackRequest();
    req.setResourcesList(
      stack.map((r) => {
        const ar = new analyzerPb.AnalyzerResource();
        ar.setType(r.type);
        ar.setName(r.name);
        ar.setUrn(r.urn);
        ar.setProperties(Struct.fromJavaScript({ id: `${r.name}-id`, ...r.props }));
        ar.setOptions(options(r.opts?.protect ?? false));
        return ar;
      }),
    );
    const d = await diagnostics(await call("analyzeStack", req));
    expect(d.map((x) => `${x.level} ${x.policyName} ${x.urn.split("::").pop()}`)).toEqual([
      "mandatory network-reachability svc-sg",
    ]);
  });
});
