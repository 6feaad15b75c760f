import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { acceptsJson, chooseCoding } from "../../../api/http/negotiation.js";

describe("Accept (RFC 9110 §12.5.1)", () => {
  it("accepts no header, an empty one, wildcards and either JSON type", () => {
    for (const accept of [
      undefined,
      "",
      "*/*",
      "application/*",
      "application/json",
      "Application/JSON; charset=utf-8",
      "application/problem+json",
      "text/html, application/json;q=0.1",
      "text/html;q=0.9, */*;q=0.01",
      "application/json;q=0, */*", // JSON refused, but problem+json still acceptable through */*
    ]) {
      expect(acceptsJson(accept), String(accept)).toBe(true);
    }
  });

  it("refuses a header that gives both JSON types no weight", () => {
    for (const accept of [
      "text/html",
      "text/*",
      "application/xml, text/csv",
      "application/json;q=0, application/problem+json;q=0",
      "application/*;q=0, */*",
      "*/*;q=0",
      "application/json;q=0",
      "application/json;q=2", // not a qvalue: the member is ignored
      "application/vnd.other+json",
      "garbage",
    ]) {
      expect(acceptsJson(accept), accept).toBe(false);
    }
  });

  it("the most specific range wins over wildcards, whatever the order", () => {
    expect(acceptsJson("*/*;q=0, application/json")).toBe(true);
    expect(acceptsJson("application/json, */*;q=0")).toBe(true);
    expect(acceptsJson("application/*;q=0, application/json;q=0.5")).toBe(true);
    expect(acceptsJson("application/json;q=0, application/*;q=1, application/problem+json;q=0")).toBe(false);
  });

  it("property: never throws, and adding `application/json` with a positive weight always accepts", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (header) => {
        acceptsJson(header);
        expect(acceptsJson(`${header.replaceAll("json", "x")}, application/json;q=0.5`)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe("Accept-Encoding (RFC 9110 §12.5.3)", () => {
  it("honours q=0 and weights; br on a tie; * for unlisted codings", () => {
    expect(chooseCoding("gzip;q=0")).toEqual({ coding: undefined, required: false });
    expect(chooseCoding("gzip;q=0, br")).toEqual({ coding: "br", required: false });
    expect(chooseCoding("br;q=0, gzip")).toEqual({ coding: "gzip", required: false });
    expect(chooseCoding("br;q=0.5, gzip")).toEqual({ coding: "gzip", required: false });
    expect(chooseCoding("gzip, br")).toEqual({ coding: "br", required: false });
    expect(chooseCoding("x-gzip")).toEqual({ coding: "gzip", required: false });
    expect(chooseCoding("*")).toEqual({ coding: "br", required: false });
    expect(chooseCoding("*;q=0.5, br;q=0")).toEqual({ coding: "gzip", required: false });
    expect(chooseCoding("deflate")).toEqual({ coding: undefined, required: false });
    expect(chooseCoding("GZIP;Q=0")).toEqual({ coding: undefined, required: false });
  });

  it("identity excluded (identity;q=0, or *;q=0 without identity) requires a coding", () => {
    expect(chooseCoding("gzip, identity;q=0")).toEqual({ coding: "gzip", required: true });
    expect(chooseCoding("identity;q=0")).toEqual({ coding: undefined, required: true });
    expect(chooseCoding("*;q=0")).toEqual({ coding: undefined, required: true });
    expect(chooseCoding("br, *;q=0")).toEqual({ coding: "br", required: true });
    expect(chooseCoding("*;q=0, identity")).toEqual({ coding: undefined, required: false });
  });
});
