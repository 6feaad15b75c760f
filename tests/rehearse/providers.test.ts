/**
 * The rehearsal's stub provider plugins (tools/rehearse/providers), started as the engine starts them (the
 * `bin/pulumi-resource-<pkg>` launchers: a port on the first stdout line) and called over gRPC with the
 * generated client that @pulumi/pulumi ships: inputs checked against the SDK declarations (unknown and
 * missing properties refused), deterministic creates across processes, replacement diffs from the table,
 * invokes, and what the cloud refuses on delete.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffInputs } from "../../tools/rehearse/providers/diff.js";
import { replaceOnChanges } from "../../tools/rehearse/providers/replacements.js";
import { resourceSchema } from "../../tools/rehearse/providers/sdk-schema.js";
import { planSubnets } from "../../tools/rehearse/providers/subnets.js";
import { UNKNOWN } from "../../tools/rehearse/providers/values.js";

const require = createRequire(import.meta.url);
const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb.js");
const provproto = require("@pulumi/pulumi/proto/provider_pb.js");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb.js");
const structproto = require("google-protobuf/google/protobuf/struct_pb.js");

const BIN = join(import.meta.dirname, "../../tools/rehearse/providers/bin");
// biome-ignore lint/suspicious/noExplicitAny: generated protobuf messages
type Msg = any;

interface Plugin {
  proc: ChildProcess;
  call<T = Msg>(method: string, req: Msg): Promise<T>;
  close(): void;
}

const schemaCache = mkdtempSync(join(tmpdir(), "twincloud-schemas-"));
const cloudDir = mkdtempSync(join(tmpdir(), "twincloud-cloud-"));

/** Start `pulumi-resource-<pkg>` like the engine does and connect a client to the port it prints. */
async function start(pkg: string): Promise<Plugin> {
  const proc = spawn(join(BIN, `pulumi-resource-${pkg}`), ["127.0.0.1:1"], {
    cwd: join(import.meta.dirname, "../.."), // the engine starts plugins in the project directory
    // The launcher runs `node` from PATH: the one running the tests (Node ≥ 23.6 strips the types).
    env: {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
      TWINCLOUD_PROVIDER_SCHEMA_CACHE: schemaCache,
      TWINCLOUD_REHEARSAL_CLOUD_DIR: cloudDir,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (d) => {
      out += String(d);
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve(Number(line.trim()));
    });
    proc.on("exit", (code) => reject(new Error(`plugin exited ${code}: ${stderr}`)));
  });
  const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    proc,
    call: (method, req) =>
      new Promise((resolve, reject) => {
        client[method](req, (err: Error | null, resp: unknown) =>
          err ? reject(err) : resolve(resp as never),
        );
      }),
    close: () => {
      client.close();
      proc.kill();
    },
  };
}

const struct = (o: Record<string, unknown>) => structproto.Struct.fromJavaScript(o);
const urn = (type: string, name: string) => `urn:pulumi:dev::twincloud::${type}::${name}`;

async function configure(p: Plugin, vars: Record<string, string>): Promise<void> {
  const req = new provproto.ConfigureRequest();
  for (const [k, v] of Object.entries(vars)) req.getVariablesMap().set(k, v);
  req.setArgs(struct({}));
  req.setAcceptsecrets(true);
  await p.call("configure", req);
}

async function check(p: Plugin, type: string, name: string, news: Record<string, unknown>, olds = {}) {
  const req = new provproto.CheckRequest();
  req.setUrn(urn(type, name));
  req.setOlds(struct(olds));
  req.setNews(struct(news));
  req.setRandomseed(Buffer.from("seed"));
  const resp: Msg = await p.call("check", req);
  return {
    inputs: resp.getInputs().toJavaScript() as Record<string, unknown>,
    failures: resp
      .getFailuresList()
      .map((f: Msg) => ({ property: f.getProperty(), reason: f.getReason() })) as {
      property: string;
      reason: string;
    }[],
  };
}

async function create(
  p: Plugin,
  type: string,
  name: string,
  props: Record<string, unknown>,
  preview = false,
) {
  const req = new provproto.CreateRequest();
  req.setUrn(urn(type, name));
  req.setProperties(struct(props));
  req.setPreview(preview);
  const resp: Msg = await p.call("create", req);
  return { id: resp.getId() as string, outs: resp.getProperties().toJavaScript() as Record<string, unknown> };
}

async function diff(
  p: Plugin,
  type: string,
  oldInputs: Record<string, unknown>,
  news: Record<string, unknown>,
) {
  const req = new provproto.DiffRequest();
  req.setUrn(urn(type, "x"));
  req.setId("id");
  req.setOlds(struct(oldInputs));
  req.setOldInputs(struct(oldInputs));
  req.setNews(struct(news));
  const resp: Msg = await p.call("diff", req);
  return {
    changes: resp.getChanges() as number,
    replaces: resp.getReplacesList() as string[],
    diffs: resp.getDiffsList() as string[],
  };
}

const RDS = "aws:rds/instance:Instance";
const rdsInputs = {
  identifier: "twincloud-dev-db",
  engine: "postgres",
  engineVersion: "17",
  instanceClass: "db.t4g.micro",
  allocatedStorage: 20,
  storageEncrypted: true,
  deletionProtection: false,
  tags: { Project: "twincloud" },
};

describe("stub provider plugins over gRPC", () => {
  let aws: Plugin;
  let azure: Plugin;

  beforeAll(async () => {
    [aws, azure] = await Promise.all([start("aws"), start("azure-native")]);
    await configure(aws, { "aws:region": "eu-west-1" });
    await configure(azure, { "azure-native:location": "westeurope" });
  }, 60_000);

  afterAll(() => {
    aws?.close();
    azure?.close();
    rmSync(schemaCache, { recursive: true, force: true });
    rmSync(cloudDir, { recursive: true, force: true });
  });

  it("reports the SDK's version as the plugin version", async () => {
    const info: Msg = await aws.call("getPluginInfo", new emptyproto.Empty());
    expect(info.getVersion()).toBe("7.48.0");
  });

  it("refuses an unknown (misspelt) property and names the declared one", async () => {
    const { instanceClass, ...rest } = rdsInputs;
    const { failures } = await check(aws, RDS, "db", { ...rest, instanceClas: instanceClass });
    expect(failures).toContainEqual({
      property: "instanceClas",
      reason: expect.stringContaining('did you mean "instanceClass"'),
    });
    expect(failures).toContainEqual({
      property: "instanceClass",
      reason: expect.stringContaining('missing required property "instanceClass"'),
    });
  });

  it("refuses wrong types, unknown nested properties and closed-enum values", async () => {
    const bad = await check(aws, RDS, "db", { ...rdsInputs, allocatedStorage: { gb: 20 }, tags: ["x"] });
    expect(bad.failures.map((f) => f.property).sort()).toEqual(["allocatedStorage", "tags"]);
    const vault = await check(azure, "azure-native:keyvault:Vault", "vault", {
      resourceGroupName: "rg",
      properties: { tenantId: "t", sku: { family: "A", name: "gold" }, enableSoftDelet: true },
    });
    expect(vault.failures.map((f) => f.property).sort()).toEqual([
      "properties.enableSoftDelet",
      "properties.sku.name",
    ]);
    const missing = await check(azure, "azure-native:dbforpostgresql:Server", "db", { serverName: "x" });
    expect(missing.failures).toEqual([
      { property: "resourceGroupName", reason: expect.stringContaining("missing required property") },
    ]);
  });

  it("accepts valid inputs, unknowns and secrets, and autonames like the provider", async () => {
    const ok = await check(aws, "aws:iam/role:Role", "task", {
      assumeRolePolicy: "{}",
      description: UNKNOWN,
      tags: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: { a: "b" } },
    });
    expect(ok.failures).toEqual([]);
    expect(ok.inputs.name).toMatch(/^task-[0-9a-f]{7}$/);
    const again = await check(aws, "aws:iam/role:Role", "task", { assumeRolePolicy: "{}" }, ok.inputs);
    expect(again.inputs.name).toBe(ok.inputs.name);
    const unknownType = await check(aws, "aws:ec2/nope:Nope", "x", {});
    expect(unknownType.failures[0]?.reason).toMatch(/unknown resource type/);
  });

  it("creates deterministically, in another process too, and leaves computed values unknown on preview", async () => {
    const first = await create(aws, RDS, "db", rdsInputs);
    expect(first.id).toMatch(/^db-[0-9A-F]{26}$/);
    expect(first.outs.arn).toBe("arn:aws:rds:eu-west-1:111111111111:db:twincloud-dev-db");
    expect(first.outs.address).toMatch(/^twincloud-dev-db\.[0-9a-f]{12}\.eu-west-1\.rds\.amazonaws\.com$/);
    expect(first.outs).toHaveProperty("kmsKeyId", null); // declared, not computed: present as null
    const other = await start("aws");
    try {
      await configure(other, { "aws:region": "eu-west-1" });
      expect(await create(other, RDS, "db", rdsInputs)).toEqual(first);
    } finally {
      other.close();
    }
    const preview = await create(aws, RDS, "db", rdsInputs, true);
    expect(preview.id).toBe("");
    expect(preview.outs.arn).toBe(UNKNOWN);
    expect(preview.outs.identifier).toBe("twincloud-dev-db");
  });

  it("reports replacements for the stateful types' identity inputs, updates otherwise, nothing for no change", async () => {
    const DIFF_NONE = provproto.DiffResponse.DiffChanges.DIFF_NONE;
    const DIFF_SOME = provproto.DiffResponse.DiffChanges.DIFF_SOME;
    const same = await diff(aws, RDS, rdsInputs, { ...rdsInputs, tags: { Project: "twincloud" } });
    expect(same).toEqual({ changes: DIFF_NONE, replaces: [], diffs: [] });
    const renamed = await diff(aws, RDS, rdsInputs, {
      ...rdsInputs,
      identifier: "other",
      allocatedStorage: 40,
    });
    expect(renamed).toEqual({
      changes: DIFF_SOME,
      replaces: ["identifier"],
      diffs: ["allocatedStorage", "identifier"],
    });
    const resized = await diff(aws, RDS, rdsInputs, { ...rdsInputs, allocatedStorage: 40 });
    expect(resized).toEqual({ changes: DIFF_SOME, replaces: [], diffs: ["allocatedStorage"] });
    const server = {
      resourceGroupName: "rg",
      serverName: "pg",
      location: "westeurope",
      network: { delegatedSubnetResourceId: "a" },
    };
    const moved = await diff(azure, "azure-native:dbforpostgresql:Server", server, {
      ...server,
      network: { delegatedSubnetResourceId: "b" },
    });
    expect(moved.replaces).toEqual(["network"]);
  });

  it("answers the program's invokes with deterministic values and refuses others", async () => {
    const req = new provproto.InvokeRequest();
    req.setTok("aws:index/getAvailabilityZones:getAvailabilityZones");
    req.setArgs(struct({}));
    const resp: Msg = await aws.call("invoke", req);
    expect(resp.getReturn().toJavaScript().names).toEqual(["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    const unknown = new provproto.InvokeRequest();
    unknown.setTok("aws:ec2/getVpc:getVpc");
    unknown.setArgs(struct({}));
    await expect(aws.call("invoke", unknown)).rejects.toThrow(/does not answer this function/);
  });

  it("remembers pushed images for ecr.getImage when given a rehearsal cloud directory", async () => {
    const image = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/twincloud-dev-api:ctx-abc";
    const lookup = new provproto.InvokeRequest();
    lookup.setTok("aws:ecr/getImage:getImage");
    lookup.setArgs(struct({ repositoryName: "twincloud-dev-api", imageTag: "ctx-abc" }));
    await expect(aws.call("invoke", lookup)).rejects.toThrow(/ImageNotFoundException/);
    const docker = await start("docker");
    try {
      await configure(docker, {});
      const pushed = await create(docker, "docker:index/image:Image", "api", { imageName: image, build: {} });
      const found: Msg = await aws.call("invoke", lookup);
      expect(`${image.replace(/:ctx-abc$/, "")}@${found.getReturn().toJavaScript().imageDigest}`).toBe(
        pushed.outs.repoDigest,
      );
    } finally {
      docker.close();
    }
  });

  it("checks a docker.Image like pulumi-docker: defaults, a Dockerfile that must exist, no diff on credentials", async () => {
    const docker = await start("docker");
    try {
      await configure(docker, {});
      const image = {
        imageName: "r.example/api:1",
        build: { context: "api", dockerfile: "Nope.Dockerfile" },
      };
      const bad = await check(docker, "docker:index/image:Image", "api", image);
      expect(bad.failures).toEqual([
        {
          property: "build.dockerfile",
          reason: expect.stringContaining('could not open dockerfile at relative path "Nope.Dockerfile"'),
        },
      ]);
      // the plugin runs in the project directory, as the engine starts it
      const ok = await check(docker, "docker:index/image:Image", "api", {
        imageName: "r.example/api:1",
        build: {},
      });
      expect(ok.failures).toEqual([]);
      expect(ok.inputs).toMatchObject({
        buildOnPreview: false,
        build: { context: ".", dockerfile: "Dockerfile" },
      });
      const registry = { server: "r.example", username: "u", password: "p1" };
      const rotated = await diff(
        docker,
        "docker:index/image:Image",
        { ...ok.inputs, registry },
        { ...ok.inputs, registry: { ...registry, password: UNKNOWN } },
      );
      expect(rotated.changes).toBe(provproto.DiffResponse.DiffChanges.DIFF_NONE);
    } finally {
      docker.close();
    }
  });

  it("refuses to delete a database with deletion protection on, as RDS does", async () => {
    const req = new provproto.DeleteRequest();
    req.setUrn(urn(RDS, "db"));
    req.setId("db-X");
    req.setProperties(struct({ ...rdsInputs, deletionProtection: true }));
    await expect(aws.call("delete", req)).rejects.toThrow(/Cannot delete protected DB Instance/);
  });
});

describe("replacement table and awsx subnet layout (no process)", () => {
  it("lists the replacing inputs", () => {
    expect(replaceOnChanges("aws:ecr/repository:Repository")).toEqual([
      "name",
      "encryptionConfigurations",
      "region",
    ]);
    expect(replaceOnChanges("azure-native:containerregistry:Registry")).toEqual(
      expect.arrayContaining(["registryName", "resourceGroupName", "location"]),
    );
    expect(diffInputs("aws:s3/bucket:Bucket", { bucket: "a" }, { bucket: "b" }).replaces).toEqual(["bucket"]);
    // JSON documents compare by content, not key order
    expect(
      diffInputs("aws:iam/rolePolicy:RolePolicy", { policy: '{"a":1,"b":2}' }, { policy: '{"b":2,"a":1}' })
        .changes,
    ).toBe(false);
  });

  it("reads every type's inputs from the SDK declarations, whatever the file name's casing", () => {
    const ec2Service = resourceSchema("awsx:ecs:EC2Service");
    expect(ec2Service?.inputs).toHaveProperty("cluster");
    expect(resourceSchema("awsx:ec2:Vpc")?.objects["ec2.NatGatewayConfigurationArgs"]?.strategy).toEqual({
      type: { k: "enum", values: ["None", "Single", "OnePerAz"], name: "enums.ec2.NatGatewayStrategy" },
      required: true,
    });
    expect(resourceSchema("aws:nope/nope:Nope")).toBeUndefined();
  });

  it("lays out awsx subnets like the component's Auto strategy", () => {
    const layout = planSubnets(
      "vpc",
      "10.0.0.0/16",
      ["eu-west-1a", "eu-west-1b"],
      [
        { type: "Public", cidrMask: 24 },
        { type: "Private", cidrMask: 20 },
      ],
    );
    expect(layout.map((s) => [s.resourceName, s.cidrBlock])).toEqual([
      ["vpc-public-1", "10.0.0.0/24"],
      ["vpc-private-1", "10.0.16.0/20"],
      ["vpc-public-2", "10.0.128.0/24"],
      ["vpc-private-2", "10.0.144.0/20"],
    ]);
  });
});
