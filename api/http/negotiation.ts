/**
 * RFC 9110 §12.5 proactive negotiation, for the only representations this API has: JSON for a success
 * (`application/json`), problem+json for an error, and optionally a content coding (br, gzip) on the way out.
 * Pure functions over header values; the middleware that use them are api/middleware/negotiation.ts and
 * api/middleware/compression.ts.
 */

interface Range {
  type: string;
  subtype: string;
  q: number;
}

/** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ); anything else is not a weight. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * The weight of a list member's parameters: its `q` (case-insensitive name), 1 without one, undefined when the
 * member is malformed (a bad qvalue), which then counts as absent from the list.
 */
function weight(params: string[]): number | undefined {
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq === -1) continue;
    if (param.slice(0, eq).trim().toLowerCase() !== "q") continue;
    const value = param.slice(eq + 1).trim();
    return QVALUE.test(value) ? Number(value) : undefined;
  }
  return 1;
}

function parseAccept(header: string): Range[] {
  const ranges: Range[] = [];
  for (const member of header.split(",")) {
    const [range = "", ...params] = member.split(";");
    const slash = range.indexOf("/");
    if (slash === -1) continue;
    const type = range.slice(0, slash).trim().toLowerCase();
    const subtype = range
      .slice(slash + 1)
      .trim()
      .toLowerCase();
    if (!TOKEN.test(type) || !TOKEN.test(subtype) || (type === "*" && subtype !== "*")) continue;
    const q = weight(params);
    if (q !== undefined) ranges.push({ type, subtype, q });
  }
  return ranges;
}

/**
 * The weight `Accept` gives `type/subtype`: that of the most specific matching range (exact, then type/*,
 * then * /*; the highest among equally specific ones), 0 when none matches. Media type parameters other than
 * q (`application/json; charset=utf-8`) are not compared: this API's JSON has none and is always UTF-8.
 */
function acceptWeight(ranges: Range[], type: string, subtype: string): number {
  let best = -1;
  let specificity = -1;
  for (const range of ranges) {
    const s =
      range.type === type && range.subtype === subtype
        ? 2
        : range.type === type && range.subtype === "*"
          ? 1
          : range.type === "*"
            ? 0
            : -1;
    if (s < 0 || s < specificity) continue;
    if (s > specificity || range.q > best) best = range.q;
    specificity = s;
  }
  return Math.max(best, 0);
}

/**
 * Whether a request's `Accept` lets the API answer: true when it is absent or empty (anything goes), or when
 * it gives `application/json` or `application/problem+json` a weight above 0 (`*` wildcards included, q=0
 * excludes, the most specific range wins: `application/json;q=0, * /*` still accepts problem+json).
 */
export function acceptsJson(header: string | undefined): boolean {
  if (header === undefined) return true;
  // The common values, without parsing.
  if (header === "application/json" || header === "*/*" || header === "application/problem+json") return true;
  if (header.trim() === "") return true;
  // Without weights every listed range has q=1: a full wildcard accepts (`application/json, text/plain, */*`).
  if (header.includes("*/*") && !/q\s*=/i.test(header)) return true;
  const ranges = parseAccept(header);
  return (
    acceptWeight(ranges, "application", "json") > 0 || acceptWeight(ranges, "application", "problem+json") > 0
  );
}

export type Coding = "br" | "gzip";
const BR = { coding: "br", required: false } as const;
const GZIP = { coding: "gzip", required: false } as const;
const NONE = { coding: undefined, required: false } as const;

/**
 * The content coding to answer with per `Accept-Encoding` (RFC 9110 §12.5.3): br or gzip, whichever has the
 * higher weight above 0 (br on a tie), a coding not listed taking `*`'s weight; undefined for none. `required`
 * is true when identity is excluded (`identity;q=0`, or `*;q=0` without an identity entry): then a response
 * the API would normally send uncompressed (below the size threshold) is compressed too.
 */
export function chooseCoding(header: string): { coding: Coding | undefined; required: boolean } {
  if (!header.includes(";")) {
    // No weights (`gzip, deflate, br`, what most clients send): every listed coding has q=1.
    let br = false;
    let gzip = false;
    for (const member of header.split(",")) {
      const coding = member.trim().toLowerCase();
      if (coding === "br" || coding === "*") br = true;
      else if (coding === "gzip" || coding === "x-gzip") gzip = true;
    }
    return br ? BR : gzip ? GZIP : NONE;
  }
  const weights = new Map<string, number>();
  for (const member of header.split(",")) {
    const [name = "", ...params] = member.split(";");
    const coding = name.trim().toLowerCase();
    if (coding === "" || !TOKEN.test(coding)) continue;
    const q = weight(params);
    if (q === undefined) continue;
    weights.set(coding, Math.max(q, weights.get(coding) ?? 0));
  }
  const any = weights.get("*");
  const of = (coding: string) => weights.get(coding) ?? any ?? 0;
  const br = of("br");
  const gzip = Math.max(of("gzip"), weights.get("x-gzip") ?? 0); // RFC 9110 §8.4.1.3: x-gzip is gzip
  const identity = weights.get("identity") ?? (any === 0 ? 0 : 1);
  const coding = br > 0 && br >= gzip ? "br" : gzip > 0 ? "gzip" : undefined;
  return { coding, required: identity === 0 };
}
