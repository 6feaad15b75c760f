/**
 * A stub resource provider speaking Pulumi's ResourceProvider gRPC protocol (pulumi/proto/provider.proto, the
 * generated code shipped in @pulumi/pulumi/proto), for one package: aws, azure-native, docker, random (and
 * docker-build). The engine starts it as `pulumi-resource-<pkg>` and reads the port from its first stdout
 * line. This file is the gRPC service only; the work is elsewhere: Check validates inputs and autonames
 * (check.ts), Diff compares old and new inputs and reports replacements from replacements.ts (diff.ts),
 * Create/Update return deterministic computed outputs (outputs/, one table per package keyed by type token),
 * Invoke answers the functions the program calls (invokes.ts). Nothing here touches the network or any cloud.
 */
import { createRequire } from "node:module";
import { checkConfigFailures, checkResource, ENGINE_CONFIG_KEYS } from "./check.js";
import { awsRegion, CloudError, InvokeError, type ProviderContext } from "./cloud.js";
import { diffInputs } from "./diff.js";
import { invoke } from "./invokes.js";
import { resourceState } from "./outputs/index.js";
import { resourceSchema, sdkVersion } from "./sdk-schema.js";
import type { Failure } from "./validate.js";
import { isPlainObject, type Props, reveal, UNKNOWN, urnParts, type Value } from "./values.js";

const require = createRequire(import.meta.url);

// The generated gRPC/protobuf modules (CommonJS, untyped here: their .d.ts files are reached through `any`).
// biome-ignore lint/suspicious/noExplicitAny: generated protobuf classes
type Msg = any;
type Callback = (err: Partial<import("@grpc/grpc-js").StatusObject> | Error | null, value?: unknown) => void;
interface Call {
  request: Msg;
}

const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb.js");
const provproto = require("@pulumi/pulumi/proto/provider_pb.js");
const plugproto = require("@pulumi/pulumi/proto/plugin_pb.js");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb.js");
const structproto = require("google-protobuf/google/protobuf/struct_pb.js");

const PropertyDiffKind = provproto.PropertyDiff.Kind as Record<string, number>;
const DiffChanges = provproto.DiffResponse.DiffChanges as Record<string, number>;

/** Strip `undefined` (protobuf Structs cannot hold it) and keep everything else. */
function clean(v: Value): Value {
  if (Array.isArray(v)) return v.map((e) => (e === undefined ? null : clean(e)));
  if (isPlainObject(v)) {
    const out: Props = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = clean(x);
    return out;
  }
  return v;
}

function toStruct(props: Props): Msg {
  return structproto.Struct.fromJavaScript(clean(props));
}

function fromStruct(s: Msg | undefined): Props {
  return s ? (s.toJavaScript() as Props) : {};
}

function grpcError(code: number, message: string): { code: number; details: string; message: string } {
  return { code, details: message, message };
}

function unimplemented(name: string) {
  return (_call: Call, cb: Callback) =>
    cb(grpcError(grpc.status.UNIMPLEMENTED, `${name} is not implemented`));
}

export class StubProvider {
  readonly ctx: ProviderContext;
  readonly version: string;
  private configured = false;

  constructor(pkg: string) {
    this.ctx = { pkg, config: {} };
    let version = "0.0.0";
    try {
      version = sdkVersion(pkg);
    } catch {
      // a package the project does not install (docker-build is only pulled in by awsx)
    }
    this.version = version;
  }

  // ---- plugin and config

  getPluginInfo(_call: Call, cb: Callback) {
    const resp = new plugproto.PluginInfo();
    resp.setVersion(this.version);
    cb(null, resp);
  }

  getSchema(_call: Call, cb: Callback) {
    const resp = new provproto.GetSchemaResponse();
    resp.setSchema(
      JSON.stringify({ name: this.ctx.pkg, version: this.version, resources: {}, functions: {} }),
    );
    cb(null, resp);
  }

  getMapping(_call: Call, cb: Callback) {
    const resp = new provproto.GetMappingResponse();
    resp.setProvider("");
    resp.setData("");
    cb(null, resp);
  }

  getMappings(_call: Call, cb: Callback) {
    cb(null, new provproto.GetMappingsResponse());
  }

  checkConfig(call: Call, cb: Callback) {
    try {
      const news = fromStruct(call.request.getNews());
      const resp = new provproto.CheckResponse();
      resp.setInputs(toStruct(news));
      resp.setFailuresList(this.failureMessages(checkConfigFailures(this.ctx.pkg, news)));
      cb(null, resp);
    } catch (e) {
      cb(e as Error);
    }
  }

  diffConfig(call: Call, cb: Callback) {
    try {
      const req = call.request;
      const olds = req.hasOldInputs() ? fromStruct(req.getOldInputs()) : fromStruct(req.getOlds());
      const news = fromStruct(req.getNews());
      for (const k of ENGINE_CONFIG_KEYS) {
        delete olds[k];
        delete news[k];
      }
      const d = diffInputs(`pulumi:providers:${this.ctx.pkg}`, olds, news);
      // A provider in another region/location/subscription manages other resources: replace it.
      const identity = ["region", "location", "subscriptionId", "tenantId"];
      const replaces = d.diffs.filter((k) => identity.includes(k));
      cb(null, this.diffResponse({ ...d, replaces }));
    } catch (e) {
      cb(e as Error);
    }
  }

  configure(call: Call, cb: Callback) {
    const req = call.request;
    const config: Props = {};
    const variables = req.getVariablesMap() as Map<string, string> & {
      forEach(f: (v: string, k: string) => void): void;
    };
    variables.forEach((v: string, k: string) => {
      const key = k.replace(new RegExp(`^${this.ctx.pkg}:(config:)?`), "");
      config[key] = v;
    });
    if (req.hasArgs()) {
      for (const [k, v] of Object.entries(fromStruct(req.getArgs()))) config[k] = v;
    }
    this.ctx.config = config;
    if (this.ctx.pkg === "aws" && !awsRegion(this.ctx) && !reveal(config.region)) {
      cb(
        grpcError(
          grpc.status.INVALID_ARGUMENT,
          "Missing required configuration key 'aws:region': the AWS provider needs a region (set `aws:region` in the stack or `region` on the provider)",
        ),
      );
      return;
    }
    this.configured = true;
    const resp = new provproto.ConfigureResponse();
    resp.setAcceptsecrets(true);
    resp.setSupportspreview(true);
    resp.setAcceptresources(false);
    resp.setAcceptoutputs(false);
    cb(null, resp);
  }

  // ---- resources

  private failureMessages(failures: Failure[]): Msg[] {
    return failures.map((f) => {
      const m = new provproto.CheckFailure();
      m.setProperty(f.property);
      m.setReason(f.reason);
      return m;
    });
  }

  check(call: Call, cb: Callback) {
    try {
      const req = call.request;
      const urn: string = req.getUrn();
      // The engine's random seed makes autonames differ between stacks and after a replacement, as at the
      // real providers; TWINCLOUD_STABLE_AUTONAMES=1 derives them from the URN only (reproducible plans).
      const seedBytes =
        process.env.TWINCLOUD_STABLE_AUTONAMES === "1" || !req.getRandomseed_asB64
          ? ""
          : req.getRandomseed_asB64();
      const { inputs, failures } = checkResource(
        this.ctx.pkg,
        this.version,
        urn,
        fromStruct(req.getOlds()),
        fromStruct(req.getNews()),
        `${urn}:${seedBytes}`,
      );
      const resp = new provproto.CheckResponse();
      resp.setInputs(toStruct(inputs));
      resp.setFailuresList(this.failureMessages(failures));
      cb(null, resp);
    } catch (e) {
      cb(e as Error);
    }
  }

  private diffResponse(d: {
    changes: boolean;
    diffs: string[];
    replaces: string[];
    detailed: Record<string, { kind: string }>;
  }): Msg {
    const resp = new provproto.DiffResponse();
    resp.setChanges(d.changes ? DiffChanges.DIFF_SOME : DiffChanges.DIFF_NONE);
    resp.setDiffsList(d.diffs);
    resp.setReplacesList(d.replaces);
    resp.setHasdetaileddiff(true);
    const map = resp.getDetaileddiffMap();
    for (const [path, { kind }] of Object.entries(d.detailed)) {
      const pd = new provproto.PropertyDiff();
      pd.setKind(PropertyDiffKind[kind] ?? PropertyDiffKind.UPDATE);
      pd.setInputdiff(true);
      map.set(path, pd);
    }
    return resp;
  }

  diff(call: Call, cb: Callback) {
    try {
      const req = call.request;
      const { type } = urnParts(req.getUrn());
      const oldInputs = req.hasOldInputs() ? fromStruct(req.getOldInputs()) : fromStruct(req.getOlds());
      const news = fromStruct(req.getNews());
      const d = diffInputs(type, oldInputs, news, req.getIgnorechangesList());
      cb(null, this.diffResponse(d));
    } catch (e) {
      cb(e as Error);
    }
  }

  private state(urn: string, inputs: Props, preview: boolean, olds?: Props): { id: string; props: Props } {
    const { type, name } = urnParts(urn);
    const schema = resourceSchema(type);
    const outputNames = schema?.outputs ?? [];
    if (preview) {
      // Like the real providers: what the inputs say is known, the cloud's computed values are not yet.
      const props: Props = { ...(olds ?? {}), ...inputs };
      if (!olds) for (const o of outputNames) if (!(o in props)) props[o] = UNKNOWN;
      return { id: "", props };
    }
    const created = resourceState(this.ctx, { type, urnName: name, inputs, outputNames, push: true });
    const props: Props = { ...inputs, ...created.outputs };
    // Like the real providers, every declared output is in the state, null when the cloud has no value
    // (a missing one would read as unknown in the next preview).
    for (const o of outputNames) if (!(o in props)) props[o] = null;
    return { id: created.id, props };
  }

  create(call: Call, cb: Callback) {
    try {
      const req = call.request;
      const inputs = fromStruct(req.getProperties());
      const { id, props } = this.state(req.getUrn(), inputs, req.getPreview());
      const resp = new provproto.CreateResponse();
      resp.setId(id);
      resp.setProperties(toStruct(props));
      cb(null, resp);
    } catch (e) {
      cb(e as Error);
    }
  }

  update(call: Call, cb: Callback) {
    try {
      const req = call.request;
      const olds = fromStruct(req.getOlds());
      const news = fromStruct(req.getNews());
      const { props } = this.state(req.getUrn(), news, req.getPreview(), req.getPreview() ? olds : undefined);
      const resp = new provproto.UpdateResponse();
      resp.setProperties(toStruct(props));
      cb(null, resp);
    } catch (e) {
      cb(e as Error);
    }
  }

  read(call: Call, cb: Callback) {
    // No cloud to read from: the recorded state is the truth (a rehearsal has no drift).
    const req = call.request;
    const resp = new provproto.ReadResponse();
    resp.setId(req.getId());
    resp.setProperties(req.getProperties());
    if (req.hasInputs()) resp.setInputs(req.getInputs());
    cb(null, resp);
  }

  delete(call: Call, cb: Callback) {
    const req = call.request;
    const { type } = urnParts(req.getUrn());
    const props = reveal(fromStruct(req.getProperties())) as Props;
    // What the real API refuses on delete (the engine's `protect` is checked before this).
    if (type === "aws:rds/instance:Instance" && props.deletionProtection === true) {
      cb(
        grpcError(
          grpc.status.FAILED_PRECONDITION,
          `deleting RDS DB Instance (${String(props.identifier)}): InvalidParameterCombination: Cannot delete protected DB Instance, please disable deletion protection and try again.`,
        ),
      );
      return;
    }
    cb(null, new emptyproto.Empty());
  }

  invoke(call: Call, cb: Callback) {
    try {
      const req = call.request;
      const tok: string = req.getTok();
      const args = fromStruct(req.getArgs());
      const result = this.invokeResult(tok, args);
      const resp = new provproto.InvokeResponse();
      resp.setReturn(toStruct(result));
      cb(null, resp);
    } catch (e) {
      if (e instanceof InvokeError) {
        cb(grpcError(grpc.status.UNIMPLEMENTED, e.message));
        return;
      }
      if (e instanceof CloudError) {
        cb(grpcError(grpc.status.UNKNOWN, e.message));
        return;
      }
      cb(e as Error);
    }
  }

  invokeResult(tok: string, args: Props): Props {
    if (tok === "pulumi:providers:aws/terraformConfig") return { result: { region: awsRegion(this.ctx) } };
    return invoke(this.ctx, tok, args);
  }

  cancel(_call: Call, cb: Callback) {
    cb(null, new emptyproto.Empty());
  }

  attach(_call: Call, cb: Callback) {
    cb(null, new emptyproto.Empty());
  }

  get isConfigured(): boolean {
    return this.configured;
  }
}

/** Start the gRPC server for one package; resolves with the port (also printed on stdout for the engine). */
export async function serve(pkg: string, print = true): Promise<{ port: number; stop: () => void }> {
  const provider = new StubProvider(pkg);
  const server = new grpc.Server({
    "grpc.max_receive_message_length": 1024 * 1024 * 400,
    "grpc.max_send_message_length": 1024 * 1024 * 400,
  });
  const bind = <K extends keyof StubProvider>(k: K) =>
    (provider[k] as (c: Call, cb: Callback) => void).bind(provider);
  server.addService(provrpc.ResourceProviderService, {
    handshake: unimplemented("Handshake"),
    parameterize: unimplemented("Parameterize"),
    getSchema: bind("getSchema"),
    checkConfig: bind("checkConfig"),
    diffConfig: bind("diffConfig"),
    configure: bind("configure"),
    invoke: bind("invoke"),
    call: unimplemented("Call"),
    check: bind("check"),
    diff: bind("diff"),
    create: bind("create"),
    read: bind("read"),
    list: (call: { emit(e: string, v: unknown): void }) =>
      call.emit("error", grpcError(grpc.status.UNIMPLEMENTED, "List is not implemented")),
    update: bind("update"),
    delete: bind("delete"),
    construct: unimplemented(`Construct (${pkg} has no components)`),
    cancel: bind("cancel"),
    getPluginInfo: bind("getPluginInfo"),
    attach: bind("attach"),
    getMapping: bind("getMapping"),
    getMappings: bind("getMappings"),
  } as unknown as import("@grpc/grpc-js").UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    );
  });
  if (print) process.stdout.write(`${port}\n`);
  return { port, stop: () => server.forceShutdown() };
}
