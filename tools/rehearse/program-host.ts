/**
 * Serves one Pulumi program to the CLI the way the Automation API serves an inline program: the Node.js SDK's
 * own in-process language runtime (`LanguageServer` in @pulumi/pulumi/automation/server.js) on a local gRPC
 * port, which the CLI reaches through `pulumi preview|up|destroy --client=127.0.0.1:<port>`.
 *
 *   node --import tsx tools/rehearse/program-host.ts <entry module>
 *
 * It imports the entry (Pulumi.yaml `main`, for example infra/index.ts) and hands its default export to the
 * server, prints `port <n>` as its first stdout line, and serves until its stdin closes (the runner holds it
 * open for one CLI command) or it is killed. Started by the runner (tools/rehearse/program-server.ts) in the
 * directory the engine would start the program in (the directory of `main`), one process per CLI command, like
 * the Node.js language host starts one node per run. @pulumi/pulumi and @grpc/grpc-js are resolved from the
 * entry's location, so the server and the program share one SDK instance (an --upgrade-from worktree's own).
 *
 * Used when no `pulumi-language-nodejs` is next to the CLI: the Go language host is not served by the Go module
 * proxy, so the CLI the rehearsal builds has none (tools/rehearse/build-cli.sh).
 */
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

interface GrpcModule {
  Server: new (
    options?: Record<string, unknown>,
  ) => {
    addService(service: unknown, implementation: unknown): void;
    bindAsync(
      address: string,
      credentials: unknown,
      callback: (error: Error | null, port: number) => void,
    ): void;
    forceShutdown(): void;
  };
  ServerCredentials: { createInsecure(): unknown };
}

async function main(argv: string[]) {
  const entry = argv[0];
  if (!entry) {
    console.error("usage: node --import tsx tools/rehearse/program-host.ts <entry module>");
    return 64;
  }
  const absolute = path.resolve(entry);
  const requireFromEntry = createRequire(absolute);
  const grpc = requireFromEntry("@grpc/grpc-js") as GrpcModule;
  const { LanguageServer } = requireFromEntry("@pulumi/pulumi/automation/server") as {
    LanguageServer: new (program: () => unknown) => unknown;
  };
  const langrpc = requireFromEntry("@pulumi/pulumi/proto/language_grpc_pb") as {
    LanguageRuntimeService: unknown;
  };
  const { grpcChannelOptions } = requireFromEntry("@pulumi/pulumi/runtime/settings") as {
    grpcChannelOptions: Record<string, unknown>;
  };

  const loaded = (await import(pathToFileURL(absolute).href)) as { default?: unknown };
  const program = loaded.default;
  if (typeof program !== "function") {
    console.error(`program-host: ${entry} has no default export function (the Pulumi program)`);
    return 1;
  }
  const server = new grpc.Server({ ...grpcChannelOptions });
  server.addService(langrpc.LanguageRuntimeService, new LanguageServer(program as () => unknown));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  process.stdout.write(`port ${port}\n`);
  await new Promise<void>((resolve) => {
    process.stdin.on("end", resolve);
    process.stdin.on("close", resolve);
    process.stdin.resume();
  });
  server.forceShutdown();
  return 0;
}

process.exit(await main(process.argv.slice(2)));
