/**
 * infra/azure/monitoring/uptime.ts (issue 15): the outside availability test of url + /health/ready and its
 * alert, where `twincloud:cloudMetrics` is on (staging, prod).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { HEALTH_PATHS } from "../../../../api/config.js";
import {
  AVAILABILITY_TEST_FREQUENCY_SECONDS,
  UPTIME_CHECK_FAILED_ID,
} from "../../../../infra/azure/monitoring/uptime.js";
import { fakeId } from "../../../../tools/mock/fake-id.js";
import { type AzureRun, captureAzure, M } from "../../../support/azure-stack.js";
import { byType, one } from "../../../support/rendered.js";

type Doc = Record<string, unknown>;

describe.each(["staging", "prod"] as const)("%s", (tier) => {
  let run: AzureRun;
  beforeAll(async () => {
    run = await captureAzure(tier);
  }, 120_000);

  it("probes url + /health/ready from outside every 300 s per location and alerts the action group", () => {
    const test = one(run.resources, M.webTest);
    const component = one(run.resources, M.component);
    const workspace = one(run.resources, "azure-native:operationalinsights:Workspace");
    expect(component.props.workspaceResourceId).toBe(fakeId(workspace));
    expect(test.props.webTestKind).toBe("standard");
    expect(test.props.frequency).toBe(AVAILABILITY_TEST_FREQUENCY_SECONDS);
    expect((test.props.locations as Doc[]).length).toBeGreaterThanOrEqual(5);
    expect((test.props.request as Doc).requestUrl).toBe(`${run.outputs.url}${HEALTH_PATHS.ready}`);
    expect((test.props.tags as Record<string, string>)[`hidden-link:${fakeId(component)}`]).toBe("Resource");

    const actionGroup = one(run.resources, "azure-native:monitor:ActionGroup");
    const alert = byType(run.resources, "azure-native:monitor:MetricAlert").find(
      (a) => a.props.ruleName === `twincloud-${tier}-${UPTIME_CHECK_FAILED_ID}`,
    );
    expect(alert, "availability alert").toBeDefined();
    expect(alert!.props.criteria).toMatchObject({
      odataType: "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria",
      webTestId: fakeId(test),
      componentId: fakeId(component),
    });
    expect(alert!.props.actions).toEqual([{ actionGroupId: fakeId(actionGroup) }]);
    expect(String(alert!.props.description)).toContain(`docs/runbook.md#${UPTIME_CHECK_FAILED_ID}`);
  });
});
