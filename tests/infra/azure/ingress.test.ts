/**
 * infra/azure/ingress.ts: twincloud:domainName on Azure under mocks: `url` is https://<domain>, the app's own
 * URL stays available as `endpointUrl`, and the DNS records and managed certificate are created when the
 * stack names a zone.
 */
import { describe, expect, it } from "vitest";
import { parseDnsZoneId, relativeRecordName } from "../../../infra/azure/ingress.js";
import type { StackOutputs } from "../../../infra/outputs.js";
import { program } from "../../../infra/program.js";
import { type CapturedResource, runUnderMocks } from "../../../tools/mock/run.js";

const ZONE_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dns/providers/Microsoft.Network/dnszones/twincloud.io";

const run = (stack: string, config: Record<string, string>) =>
  runUnderMocks<StackOutputs>(program, { stack, config });
const ofType = (resources: CapturedResource[], type: string) => resources.filter((r) => r.type === type);

describe("Azure domain", () => {
  const base = {
    "twincloud:cloud": "azure",
    "azure-native:location": "westeurope",
    "twincloud:domainName": "api.twincloud.io",
  };

  it("binds the domain to the Container App with a managed certificate, after the DNS records that prove it", async () => {
    const { outputs, resources } = await run("staging", { ...base, "twincloud:dnsZoneId": ZONE_ID });
    expect(outputs.url).toBe("https://api.twincloud.io");
    expect(outputs.endpointUrl).toMatch(/^https:\/\/[a-z0-9.-]+$/);
    expect(outputs.endpointUrl).not.toContain("api.twincloud.io");
    const app = ofType(resources, "azure-native:app:ContainerApp")[0]!;
    const ingress = (app.props.configuration as { ingress: { customDomains?: unknown[] } }).ingress;
    expect(ingress.customDomains).toEqual([{ name: "api.twincloud.io", bindingType: "Auto" }]);

    const records = ofType(resources, "azure-native:dns:RecordSet");
    const txt = records.find((r) => r.props.recordType === "TXT")!;
    const cname = records.find((r) => r.props.recordType === "CNAME")!;
    const environment = ofType(resources, "azure-native:app:ManagedEnvironment")[0]!;
    expect(txt.props).toMatchObject({
      resourceGroupName: "dns",
      zoneName: "twincloud.io",
      relativeRecordSetName: "asuid.api",
      txtRecords: [
        {
          value: [
            (environment.state.customDomainConfiguration as { customDomainVerificationId: string })
              .customDomainVerificationId,
          ],
        },
      ],
    });
    expect(cname.props).toMatchObject({
      relativeRecordSetName: "api",
      cnameRecord: { cname: `${app.props.containerAppName}.${environment.state.defaultDomain}` },
    });
    // Azure accepts the host name on the app only once DNS proves it, and issues the certificate only for a
    // host name an app already has.
    expect(app.dependencies).toEqual(expect.arrayContaining([txt.urn, cname.urn]));
    const [certificate] = ofType(resources, "azure-native:app:ManagedCertificate");
    expect(certificate!.props).toMatchObject({
      environmentName: environment.state.name,
      properties: { subjectName: "api.twincloud.io", domainControlValidation: "CNAME" },
    });
    expect(certificate!.dependencies).toContain(app.urn);
  });

  it("without a domain: no custom domain, no certificate, url is the app's own HTTPS URL", async () => {
    const { outputs, resources } = await run("staging", {
      "twincloud:cloud": "azure",
      "azure-native:location": "westeurope",
    });
    expect(outputs.url).toBe(outputs.endpointUrl);
    expect(ofType(resources, "azure-native:app:ManagedCertificate")).toEqual([]);
    expect(ofType(resources, "azure-native:dns:RecordSet")).toEqual([]);
  });

  it("zone apex: an A record to the environment's static IP and HTTP validation", async () => {
    const { resources } = await run("staging", {
      ...base,
      "twincloud:domainName": "twincloud.io",
      "twincloud:dnsZoneId": ZONE_ID,
    });
    const records = ofType(resources, "azure-native:dns:RecordSet");
    expect(records.map((r) => [r.props.recordType, r.props.relativeRecordSetName]).sort()).toEqual([
      ["A", "@"],
      ["TXT", "asuid"],
    ]);
    const certificate = ofType(resources, "azure-native:app:ManagedCertificate")[0]!;
    expect(certificate.props).toMatchObject({ properties: { domainControlValidation: "HTTP" } });
  });

  it("parses zone ids and record names, refusing names outside the zone", () => {
    expect(parseDnsZoneId(ZONE_ID)).toEqual({ resourceGroupName: "dns", zoneName: "twincloud.io" });
    expect(relativeRecordName("a.b.twincloud.io", "twincloud.io")).toBe("a.b");
    expect(relativeRecordName("twincloud.io", "twincloud.io")).toBe("@");
    expect(() => relativeRecordName("api.other.io", "twincloud.io")).toThrow(/not in the DNS zone/);
  });
});
