/**
 * twincloud:domainName: the stack's `url` is https://<domain> on both clouds, the platform's own URL stays
 * available as `endpointUrl`, and the DNS records / certificate each cloud needs are created when the stack
 * names a zone. Under Pulumi mocks with the real program.
 */
import { describe, expect, it } from "vitest";
import { parseDnsZoneId, relativeRecordName } from "../../infra/azure/ingress.js";
import type { StackOutputs } from "../../infra/outputs.js";
import { program } from "../../infra/program.js";
import { type CapturedResource, runUnderMocks } from "../../tools/mock/run.js";
import { assumedCertificateArn } from "../../tools/stacks/assumptions.js";

const ZONE_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dns/providers/Microsoft.Network/dnszones/twincloud.io";

const run = (stack: string, config: Record<string, string>) =>
  runUnderMocks<StackOutputs>(program, { stack, config });
const ofType = (resources: CapturedResource[], type: string) => resources.filter((r) => r.type === type);

describe("AWS domain", () => {
  const base = {
    "twincloud:cloud": "aws",
    "aws:region": "eu-west-1",
    "twincloud:alertEmail": "oncall@twincloud.io",
    "twincloud:certificateArn": assumedCertificateArn("eu-west-1"),
    "twincloud:domainName": "api.twincloud.io",
  };

  it("serves https://<domainName> as url, keeps the load balancer's URL, and writes the alias record into the zone", async () => {
    const { outputs, resources } = await run("prod", {
      ...base,
      "twincloud:hostedZoneId": "Z0123456789ABCDEFGHIJ",
    });
    expect(outputs.url).toBe("https://api.twincloud.io");
    expect(outputs.endpointUrl).toMatch(/^https:\/\/.+/);
    expect(outputs.endpointUrl).not.toContain("api.twincloud.io");
    const [record, ...more] = ofType(resources, "aws:route53/record:Record");
    expect(more).toEqual([]);
    const alb = ofType(resources, "aws:lb/loadBalancer:LoadBalancer")[0]!;
    expect(record!.props).toMatchObject({
      zoneId: "Z0123456789ABCDEFGHIJ",
      name: "api.twincloud.io",
      type: "A",
      aliases: [{ name: alb.state.dnsName, zoneId: alb.state.zoneId, evaluateTargetHealth: true }],
    });
    // The certificate the HTTPS listener serves is the configured one.
    const https = ofType(resources, "aws:lb/listener:Listener").find((l) => l.props.protocol === "HTTPS");
    expect(https?.props.certificateArn).toBe(base["twincloud:certificateArn"]);
  });

  it("without a hosted zone, creates no record (the operator points the name at endpointUrl)", async () => {
    const { outputs, resources } = await run("prod", base);
    expect(outputs.url).toBe("https://api.twincloud.io");
    expect(ofType(resources, "aws:route53/record:Record")).toEqual([]);
  });

  it("dev without a domain: url is the load balancer's plain-HTTP URL", async () => {
    const { outputs } = await run("dev", { "twincloud:cloud": "aws", "aws:region": "eu-west-1" });
    expect(outputs.url).toMatch(/^http:\/\//);
    expect(outputs.url).toBe(outputs.endpointUrl);
  });
});

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

describe("Azure database storage", () => {
  it("ignores storageSizeGB after creation, so auto-grow does not make later updates fail", async () => {
    const { resources } = await run("staging", {
      "twincloud:cloud": "azure",
      "azure-native:location": "westeurope",
    });
    const server = ofType(resources, "azure-native:dbforpostgresql:Server")[0]!;
    expect(server.props).toMatchObject({ storage: { autoGrow: "Enabled" } });
    expect(server.opts.ignoreChanges).toEqual(["storage.storageSizeGB"]);
  });
});
