/**
 * The served OpenAPI document passes Redocly CLI (`recommended`) and Spectral (`spectral:oas`) with no error
 * and no warning (a rule turned off in redocly.yaml or .spectral.yaml says why there). `npm run lint:openapi`
 * runs the same and prints the findings.
 */
import { describe, expect, it } from "vitest";
import { lintOpenApi } from "../../../tools/openapi/lint.js";

describe("the OpenAPI document", () => {
  it("has no Redocly or Spectral finding", async () => {
    const findings = await lintOpenApi();
    expect(findings.map((f) => `${f.tool} ${f.severity} ${f.rule} ${f.where}: ${f.message}`)).toEqual([]);
  }, 180_000);

  it("is what the linters are given: info, servers, an operationId and a description per operation", async () => {
    const { openApiDocument } = await import("../../../tools/openapi/document.js");
    const doc = await openApiDocument();
    expect(doc.servers?.length).toBeGreaterThan(0);
    expect(doc.info.license?.name).toBeTruthy();
    expect(doc.info.contact).toBeDefined();
    for (const item of Object.values(doc.paths ?? {})) {
      for (const method of ["get", "post", "patch", "delete"] as const) {
        const operation = item[method];
        if (!operation) continue;
        expect(operation.operationId).toMatch(/^[a-z][A-Za-z]+$/);
        expect(operation.description?.length).toBeGreaterThan(20);
      }
    }
  });
});
