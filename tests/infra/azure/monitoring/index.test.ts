// biome-ignore-all lint/suspicious/noExplicitAny: captured mock inputs are untyped JSON; the assertions are the type check.
/** infra/azure/monitoring/index.ts: the diagnostic settings into the Log Analytics workspace, per shipped stack. */
import { describe, expect, it } from "vitest";
import { fakeId } from "../../../../tools/mock/fake-id.js";
import { T, useAzureStacks } from "../../../support/azure-stack.js";
import { STACKS } from "../../../support/rendered.js";
import { plain } from "../../../support/stacks.js";

const run = useAzureStacks();

describe.each(STACKS)("Azure stack %s", (stack) => {
  it("sends the database logs and the vault's audit log to the workspace", () => {
    const r = run(stack);
    const settings = r.all("azure-native:monitor:DiagnosticSetting").map((d) => plain(d.props));
    expect(
      settings.map((d) => ({ resourceUri: d.resourceUri, workspaceId: d.workspaceId, logs: d.logs })),
    ).toEqual(
      expect.arrayContaining([
        {
          resourceUri: fakeId(r.one(T.server)),
          workspaceId: fakeId(r.one(T.workspace)),
          logs: [{ categoryGroup: "allLogs", enabled: true }],
        },
        {
          resourceUri: fakeId(r.one(T.vault)),
          workspaceId: fakeId(r.one(T.workspace)),
          logs: [{ categoryGroup: "audit", enabled: true }],
        },
      ]),
    );
    expect(settings).toHaveLength(2);
  });
});
