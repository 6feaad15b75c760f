/**
 * Runs the real Pulumi program in-process under Pulumi's own mocks (`pulumi.runtime.setMocks`) and captures
 * every resource it registers, with the options a policy or a plan needs (parent, protect, dependencies).
 * No CLI, no credentials, no network. Used by the infra tests, the policy tests and the offline plan.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_NAME } from "../../infra/spec/constants.js";
import { mockInvokes as awsInvokes, mockResourceState as awsMockState } from "./aws.js";
import { mockInvokes as azureInvokes, mockResourceState as azureMockState } from "./azure.js";
import { fakeId } from "./fake-id.js";

export interface CapturedResource {
  type: string;
  name: string;
  urn: string;
  /** The resource's inputs, as the program set them (what CrossGuard resource policies see). */
  props: Record<string, unknown>;
  /** The mocked outputs (inputs plus cloud-computed fake values). */
  state: Record<string, unknown>;
  custom: boolean;
  parent?: string;
  dependencies: string[];
  opts: {
    protect: boolean;
    provider?: string;
    ignoreChanges: string[];
    deleteBeforeReplace: boolean;
    /** Aliases as the SDK sends them: an old URN, or a spec (`noParent`: "was a child of the stack"). */
    aliases: CapturedAlias[];
  };
}

export type InvokeHandler = (inputs: Record<string, unknown>) => Record<string, unknown>;

export interface MockRunOptions {
  project?: string;
  stack: string;
  /** Full config keys, e.g. { "twincloud:cloud": "aws", "aws:region": "eu-west-1" }. */
  config: Record<string, string>;
  /**
   * Full keys of `config` the CLI would hand over as secrets (`pulumi config set --secret`; it lists them in
   * PULUMI_CONFIG_SECRET_KEYS), e.g. ["twincloud:sentryDsn"]. The program reads them with `requireSecret`.
   */
  secretConfigKeys?: string[];
  /** Extra or overriding invoke handlers by token; any token without a handler throws. */
  invokes?: Record<string, InvokeHandler>;
  /** Run as `pulumi preview` would (outputs unknown, applies skipped). */
  preview?: boolean;
}

export interface MockRunResult<TOutputs = Record<string, unknown>> {
  resources: CapturedResource[];
  outputs: TOutputs;
  /** Every invoke token the program called, in order. */
  invokes: string[];
}

export { fakeId };

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProtect(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getDeletebeforereplace(): boolean;
  getAliasesList(): {
    getUrn(): string;
    getSpec():
      | { getName(): string; getType(): string; getParenturn(): string; getNoparent(): boolean }
      | undefined;
  }[];
}

export type CapturedAlias =
  | { urn: string }
  | { name?: string; type?: string; parentUrn?: string; noParent?: boolean };

function capturedAliases(req: RegisterRequest): CapturedAlias[] {
  return req.getAliasesList().map((alias) => {
    const spec = alias.getSpec();
    if (!spec) return { urn: alias.getUrn() };
    return {
      ...(spec.getName() ? { name: spec.getName() } : {}),
      ...(spec.getType() ? { type: spec.getType() } : {}),
      ...(spec.getParenturn() ? { parentUrn: spec.getParenturn() } : {}),
      ...(spec.getNoparent() ? { noParent: true } : {}),
    };
  });
}

let running = false;

/**
 * Run `program` for one stack under mocks and return what it registered. Runs are serialised: the Pulumi
 * runtime is process-global state.
 */
export async function runUnderMocks<TOutputs>(
  program: () => Promise<TOutputs>,
  options: MockRunOptions,
): Promise<MockRunResult<TOutputs>> {
  if (running) throw new Error("runUnderMocks: one run at a time (the Pulumi runtime is process-global)");
  running = true;
  try {
    const project = options.project ?? PROJECT_NAME;
    const invokeHandlers: Record<string, InvokeHandler> = {
      ...awsInvokes,
      ...azureInvokes,
      ...options.invokes,
    };
    const calledInvokes: string[] = [];
    const unexpectedInvokes: string[] = [];
    const inputs = new Map<string, Record<string, unknown>>();
    const states = new Map<string, Record<string, unknown>>();
    const custom = new Map<string, boolean>();

    const mocks: pulumi.runtime.Mocks = {
      newResource(args) {
        const extra = awsMockState(args) ?? azureMockState(args) ?? {};
        const state = { ...args.inputs, ...extra };
        const id = args.custom === false ? undefined : args.id || fakeId(args);
        inputs.set(`${args.type}::${args.name}`, args.inputs as Record<string, unknown>);
        states.set(`${args.type}::${args.name}`, state);
        custom.set(`${args.type}::${args.name}`, args.custom !== false);
        return { id, state };
      },
      call(args) {
        calledInvokes.push(args.token);
        const handler = invokeHandlers[args.token];
        if (!handler) {
          // Throwing here loses the message inside the SDK and leaves an unhandled rejection behind, so
          // record the token, answer empty, and fail the whole run below.
          unexpectedInvokes.push(args.token);
          return {};
        }
        return handler(args.inputs as Record<string, unknown>);
      },
    };

    pulumi.runtime.setAllConfig(options.config, options.secretConfigKeys ?? []);
    await pulumi.runtime.setMocks(mocks, project, options.stack, options.preview ?? false);

    // Wrap the mock monitor's registerResource to record the resource options the mock API does not pass on.
    const monitor = (pulumi.runtime as unknown as { getMonitor(): unknown }).getMonitor() as {
      registerResource(req: RegisterRequest, cb: (err: unknown, res: { getUrn(): string }) => void): unknown;
    };
    const captured: CapturedResource[] = [];
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) =>
      original(req, (err, res) => {
        try {
          if (!err && res) {
            const key = `${req.getType()}::${req.getName()}`;
            const state = states.get(key) ?? {};
            const parent = req.getParent();
            captured.push({
              type: req.getType(),
              name: req.getName(),
              urn: res.getUrn(),
              props: inputs.get(key) ?? {},
              state,
              custom: custom.get(key) ?? true,
              ...(parent ? { parent } : {}),
              dependencies: req.getDependenciesList(),
              opts: {
                protect: req.getProtect(),
                ...(req.getProvider() ? { provider: req.getProvider() } : {}),
                ignoreChanges: req.getIgnorechangesList(),
                deleteBeforeReplace: req.getDeletebeforereplace(),
                aliases: capturedAliases(req),
              },
            });
          }
        } catch (error) {
          // A failure here must not hang the run: surface it through the callback instead.
          return callback(error, res);
        }
        callback(err, res);
      });

    let outputs: TOutputs | undefined;
    let stackOutputs: Record<string, unknown> | undefined;
    try {
      stackOutputs = await pulumi.runtime.runInPulumiStack(async () => {
        outputs = await program();
        return outputs as Record<string, unknown>;
      });
      // The stack's outputs can settle before resources whose inputs wait on other outputs (task definitions,
      // alarms, dashboards) have registered: wait for every outstanding RPC so the capture is complete.
      await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    } finally {
      if (unexpectedInvokes.length > 0) {
        // biome-ignore lint/correctness/noUnsafeFinally: an unmocked invoke must fail the run, whatever followed.
        throw new Error(
          `unexpected invoke(s) ${unexpectedInvokes.join(", ")}: add a mock for each in tools/mock/{aws,azure}.ts`,
        );
      }
    }
    const resolved = (await resolveOutputs(stackOutputs ?? outputs)) as TOutputs;
    return { resources: captured, outputs: resolved, invokes: calledInvokes };
  } finally {
    running = false;
  }
}

async function resolveOutputs(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    return new Promise((resolve) =>
      (value as pulumi.Output<unknown>).apply((v) => resolve(resolveOutputs(v))),
    );
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveOutputs));
  if (value && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolveOutputs(v)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}
