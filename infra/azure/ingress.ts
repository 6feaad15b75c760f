/**
 * The API's own domain on Azure (twincloud:domainName): a custom domain on the Container App with a free
 * managed certificate, and, when twincloud:dnsZoneId names an Azure DNS zone, the records that prove and
 * route the name.
 *
 * Ordering is Azure's: a managed certificate can only be created for a host name already added to an app in
 * the environment ("RequireCustomHostnameInEnvironment"), and the host name is only accepted once DNS proves
 * ownership (TXT `asuid.<name>` = the environment's verification id) and routes it (CNAME to the app's FQDN;
 * an A record to the environment's static IP for a zone apex). So: records → app (binding "Auto", which
 * binds the managed certificate to the host name once it is issued, with no second update of the app) →
 * certificate. Without a zone the operator creates the same two records before `pulumi up`
 * (docs/aws-vs-azure-side-by-side.md#custom-domain-on-azure).
 */
import * as app from "@pulumi/azure-native/app/index.js";
import * as dns from "@pulumi/azure-native/dns/index.js";
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceSpec } from "../spec/index.js";

export interface DnsZoneRef {
  resourceGroupName: string;
  zoneName: string;
}

/** `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/dnszones/<zone>` → its parts. */
export function parseDnsZoneId(id: string): DnsZoneRef {
  const match =
    /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/dnszones\/([^/]+)$/i.exec(
      id,
    );
  if (!match) throw new Error(`not an Azure DNS zone id: ${id}`);
  return { resourceGroupName: match[1]!, zoneName: match[2]!.toLowerCase() };
}

/** The record name inside the zone: "@" for the apex, else the labels before the zone name. */
export function relativeRecordName(domainName: string, zoneName: string): string {
  if (domainName === zoneName) return "@";
  if (!domainName.endsWith(`.${zoneName}`))
    throw new Error(`${domainName} is not in the DNS zone ${zoneName}`);
  return domainName.slice(0, -(zoneName.length + 1));
}

/** The custom domain entry of the Container App's ingress, or none. */
export function customDomainsFor(spec: ServiceSpec): { name: string; bindingType: "Auto" }[] | undefined {
  const domain = spec.ingress.domain;
  return domain ? [{ name: domain.name, bindingType: "Auto" }] : undefined;
}

export interface DomainRecordsArgs {
  spec: ServiceSpec;
  environment: app.ManagedEnvironment;
  /**
   * The Container App's FQDN (what the CNAME points at), `<app name>.<environment default domain>`: known
   * before the app exists, which must wait for these records.
   */
  appFqdn: pulumi.Input<string>;
}

/** DNS records that prove and route the domain, when the stack names an Azure DNS zone. */
export function createDomainRecords(
  args: DomainRecordsArgs,
  opts: pulumi.ComponentResourceOptions,
): dns.RecordSet[] {
  const domain = args.spec.ingress.domain;
  const { dnsZoneId } = args.spec.perCloud.azure;
  if (!domain || !dnsZoneId) return [];
  const zone = parseDnsZoneId(dnsZoneId);
  const name = relativeRecordName(domain.name, zone.zoneName);
  const verificationId = args.environment.customDomainConfiguration.apply(
    (c) => c?.customDomainVerificationId ?? "",
  );
  const common = { resourceGroupName: zone.resourceGroupName, zoneName: zone.zoneName, ttl: 300 };
  const verification = new dns.RecordSet(
    "domain-verification",
    {
      ...common,
      relativeRecordSetName: name === "@" ? "asuid" : `asuid.${name}`,
      recordType: "TXT",
      txtRecords: [{ value: [verificationId] }],
    },
    opts,
  );
  const route =
    name === "@"
      ? new dns.RecordSet(
          "domain-route",
          {
            ...common,
            relativeRecordSetName: "@",
            recordType: "A",
            aRecords: [{ ipv4Address: args.environment.staticIp }],
          },
          opts,
        )
      : new dns.RecordSet(
          "domain-route",
          {
            ...common,
            relativeRecordSetName: name,
            recordType: "CNAME",
            cnameRecord: { cname: args.appFqdn },
          },
          opts,
        );
  return [verification, route];
}

/** A zone apex cannot carry a CNAME. Without a zone id, a two-label name (example.org) is taken as an apex. */
function isApex(domain: { name: string }, dnsZoneId: string | undefined): boolean {
  if (dnsZoneId) return relativeRecordName(domain.name, parseDnsZoneId(dnsZoneId).zoneName) === "@";
  return domain.name.split(".").length === 2;
}

/** The free managed certificate for the domain, created once the app carries the host name. */
export function createManagedCertificate(
  spec: ServiceSpec,
  args: {
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    environment: app.ManagedEnvironment;
    app: app.ContainerApp;
    records: dns.RecordSet[];
  },
  opts: pulumi.ComponentResourceOptions,
): app.ManagedCertificate | undefined {
  const domain = spec.ingress.domain;
  if (!domain) return undefined;
  return new app.ManagedCertificate(
    "domain-certificate",
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      environmentName: args.environment.name,
      properties: {
        subjectName: domain.name,
        // CNAME validation for a sub-domain; an apex cannot have a CNAME, so HTTP validation there.
        domainControlValidation: isApex(domain, spec.perCloud.azure.dnsZoneId) ? "HTTP" : "CNAME",
      },
      tags: spec.tags,
    },
    { ...opts, dependsOn: [args.app, ...args.records] },
  );
}
