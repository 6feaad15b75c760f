/**
 * A Node.js "language host" that only runs policy packs, for the rehearsal's CLI (which has no
 * `pulumi-language-nodejs`: that Go module is not served by the Go module proxy; tools/rehearse/build-cli.sh).
 *
 * Why it is needed: the CLI (v3.274.1, pkg/resource/plugin/plugin.go ExecPlugin) starts a policy pack directory
 * only through the language runtime its PulumiPolicy.yaml names (`runtime: nodejs` → `pulumi-language-nodejs`,
 * its RunPlugin call); without one, `pulumi preview --policy-pack policies` fails with "could not start policy
 * pack ... no language plugin 'pulumi-language-nodejs' found". (The `pulumi-analyzer-policy-<runtime>` fallback
 * exists only in sdk/go/common/resource/plugin/analyzer_plugin.go, which the CLI does not use.)
 *
 * What it does: serves Pulumi's LanguageRuntime gRPC service (the generated code @pulumi/pulumi ships,
 * proto/language_grpc_pb.js, on @grpc/grpc-js) and prints its port, as every plugin does. RunPlugin starts the
 * Node.js SDK's own policy runner, `node @pulumi/pulumi/cmd/run-policy-pack <args> <pack directory>` (resolved
 * from the pack's directory, as Node resolves it; "usage: RUN <engine-address> <program>"), in the pack's
 * directory with the environment the CLI sends, and streams its stdout, stderr and exit code back. Every other
 * method is unimplemented: `Run` answers with an error, because the rehearsal serves the program itself
 * through the SDK's in-process language runtime (`--client`, tools/rehearse/program-host.ts).
 *
 * Started by tools/rehearse/bin/pulumi-language-nodejs, which the runner puts on the CLI's PATH only when no
 * language host is next to the CLI.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const grpc = require("@grpc/grpc-js");
const langrpc = require("@pulumi/pulumi/proto/language_grpc_pb");
const langproto = require("@pulumi/pulumi/proto/language_pb");
const plugproto = require("@pulumi/pulumi/proto/plugin_pb");
const { grpcChannelOptions } = require("@pulumi/pulumi/runtime/settings");

interface RunPluginRequest {
  getPwd(): string;
  getArgsList(): string[];
  getEnvList(): string[];
  getKind(): string;
  getInfo(): { getProgramDirectory(): string; getRootDirectory(): string } | undefined;
}

interface ServerStream {
  request: RunPluginRequest;
  write(message: unknown): boolean;
  end(): void;
  on(event: "cancelled", listener: () => void): void;
}

type Callback = (error: Error | null, response?: unknown) => void;

function unimplemented(method: string) {
  return (_call: unknown, callback: Callback) => {
    const error = Object.assign(
      new Error(
        `${method}: the rehearsal's policy-pack host runs policy packs only (tools/rehearse/policy-host.ts); ` +
          "the program is served in-process through --client",
      ),
      { code: grpc.status.UNIMPLEMENTED },
    );
    callback(error);
  };
}

function response(field: "stdout" | "stderr" | "exitcode", value: Uint8Array | number) {
  const message = new langproto.RunPluginResponse();
  if (field === "stdout") message.setStdout(value);
  else if (field === "stderr") message.setStderr(value);
  else message.setExitcode(value);
  return message;
}

function runPlugin(call: ServerStream) {
  const request = call.request;
  const info = request.getInfo();
  const packDir = info?.getProgramDirectory() || info?.getRootDirectory() || request.getPwd();
  let runner: string;
  try {
    runner = createRequire(path.join(packDir, "package.json")).resolve("@pulumi/pulumi/cmd/run-policy-pack");
  } catch {
    call.write(
      response(
        "stderr",
        Buffer.from(`Cannot find module '@pulumi/pulumi/cmd/run-policy-pack' from ${packDir}\n`),
      ),
    );
    call.write(response("exitcode", 1));
    call.end();
    return;
  }
  const env: NodeJS.ProcessEnv = {};
  for (const entry of request.getEnvList()) {
    const equals = entry.indexOf("=");
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  const child = spawn(process.execPath, [runner, ...request.getArgsList(), packDir], {
    cwd: packDir,
    env: Object.keys(env).length > 0 ? env : process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdoutOpen = true;
  let stderrOpen = true;
  let exitCode: number | undefined;
  const finish = () => {
    if (stdoutOpen || stderrOpen || exitCode === undefined) return;
    call.write(response("exitcode", exitCode));
    call.end();
  };
  child.stdout.on("data", (chunk: Buffer) => call.write(response("stdout", chunk)));
  child.stderr.on("data", (chunk: Buffer) => call.write(response("stderr", chunk)));
  child.stdout.on("close", () => {
    stdoutOpen = false;
    finish();
  });
  child.stderr.on("close", () => {
    stderrOpen = false;
    finish();
  });
  child.on("exit", (code, signal) => {
    exitCode = code ?? (signal ? 128 : 1);
    finish();
  });
  child.on("error", (error) => {
    call.write(response("stderr", Buffer.from(`${error.message}\n`)));
    exitCode = 1;
    stdoutOpen = stderrOpen = false;
    finish();
  });
  call.on("cancelled", () => child.kill("SIGTERM"));
}

const server = new grpc.Server({ ...grpcChannelOptions });
server.addService(langrpc.LanguageRuntimeService, {
  runPlugin,
  getPluginInfo(_call: unknown, callback: Callback) {
    const info = new plugproto.PluginInfo();
    info.setVersion("0.0.0-twincloud-rehearsal");
    callback(null, info);
  },
  run: unimplemented("Run"),
  getRequiredPlugins: unimplemented("GetRequiredPlugins"),
  getRequiredPackages: unimplemented("GetRequiredPackages"),
  installDependencies: unimplemented("InstallDependencies"),
});
server.bindAsync(
  "127.0.0.1:0",
  grpc.ServerCredentials.createInsecure(),
  (error: Error | null, port: number) => {
    if (error) {
      console.error(`policy-host: ${error.message}`);
      process.exit(1);
    }
    process.stdout.write(`${port}\n`);
  },
);
// The CLI ends a plugin by closing its stdin or killing it.
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
