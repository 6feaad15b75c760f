/**
 * The outside uptime check (when `spec.cloudMetrics` is on): a workspace-based Application Insights resource,
 * a standard availability test requesting `url` + the readiness path from five Azure test locations, and a
 * metric alert to the stack's action group when at least two locations fail.
 *
 * Frequency: a standard test runs every 300, 600 or 900 seconds from each location; 300 s (the smallest
 * allowed) from five locations probes the API about once a minute on average (Azure Monitor, "Application
 * Insights availability tests": "with a default frequency of five minutes and five test locations, your site is
 * tested on average every minute").
 */
import * as applicationinsights from "@pulumi/azure-native/applicationinsights/index.js";
import * as monitor from "@pulumi/azure-native/monitor/index.js";
import type * as operationalinsights from "@pulumi/azure-native/operationalinsights/index.js";
import * as pulumi from "@pulumi/pulumi";
import { RUNBOOK_PATH } from "../../spec/constants.js";
import type { GroupArgs } from "../group.js";

/** Shared with the AWS alarm of the same meaning: the runbook anchor. */
export const UPTIME_CHECK_FAILED_ID = "api-uptime-check-failed";
/** Seconds between runs from each location: the smallest a standard test accepts (300, 600 or 900). */
export const AVAILABILITY_TEST_FREQUENCY_SECONDS = 300;
/** Availability test location ids (Azure's list): East US, West US, West Europe, North Europe, Southeast Asia. */
const AVAILABILITY_TEST_LOCATIONS = [
  "us-va-ash-azr",
  "us-ca-sjc-azr",
  "emea-nl-ams-azr",
  "emea-gb-db3-azr",
  "apac-sg-sin-azr",
] as const;
/** Failing locations that page: one alone is more often the test location's network than the API. */
const FAILED_LOCATIONS_TO_ALERT = 2;

export interface Uptime {
  component: applicationinsights.Component;
  test: applicationinsights.WebTest;
  alert: monitor.MetricAlert;
}

export function createUptimeCheck(
  args: GroupArgs & {
    name: string;
    workspace: operationalinsights.Workspace;
    url: pulumi.Input<string>;
    actionGroupId: pulumi.Input<string>;
  },
  opts: pulumi.ComponentResourceOptions,
): Uptime {
  const { spec, resourceGroupName, location } = args;
  const component = new applicationinsights.Component(
    "app-insights",
    {
      resourceGroupName,
      location,
      resourceName: args.name,
      kind: "web",
      applicationType: "web",
      workspaceResourceId: args.workspace.id,
      ingestionMode: "LogAnalytics",
      tags: spec.tags,
    },
    opts,
  );
  const testName = `${spec.name}-api-ready`;
  const test = new applicationinsights.WebTest(
    "uptime",
    {
      resourceGroupName,
      location,
      webTestName: testName,
      syntheticMonitorId: testName,
      description: `GET ${spec.container.health.ready} from outside Azure's network of the stack`,
      kind: "standard",
      webTestKind: "standard",
      enabled: true,
      frequency: AVAILABILITY_TEST_FREQUENCY_SECONDS,
      timeout: 30,
      retryEnabled: true,
      locations: AVAILABILITY_TEST_LOCATIONS.map((id) => ({ location: id })),
      request: {
        requestUrl: pulumi.interpolate`${args.url}${spec.container.health.ready}`,
        httpVerb: "GET",
        followRedirects: false,
        parseDependentRequests: false,
      },
      validationRules: { expectedHttpStatusCode: 200, sSLCheck: true, sSLCertRemainingLifetimeCheck: 7 },
      // Azure links a test to its Application Insights resource by this tag.
      tags: component.id.apply((id) => ({ ...spec.tags, [`hidden-link:${id}`]: "Resource" })),
    },
    opts,
  );
  const alertName = `${spec.name}-${UPTIME_CHECK_FAILED_ID}`;
  const alert = new monitor.MetricAlert(
    UPTIME_CHECK_FAILED_ID,
    {
      resourceGroupName,
      location: "global",
      ruleName: alertName,
      description: `The outside availability test finds the API's ${spec.container.health.ready} failing from ${FAILED_LOCATIONS_TO_ALERT} or more locations. Runbook: ${RUNBOOK_PATH}#${UPTIME_CHECK_FAILED_ID}`,
      severity: 1,
      enabled: true,
      scopes: [test.id, component.id],
      evaluationFrequency: "PT1M",
      windowSize: "PT5M",
      autoMitigate: true,
      criteria: {
        odataType: "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria",
        webTestId: test.id,
        componentId: component.id,
        failedLocationCount: FAILED_LOCATIONS_TO_ALERT,
      },
      actions: [{ actionGroupId: args.actionGroupId }],
      tags: spec.tags,
    },
    opts,
  );
  return { component, test, alert };
}
