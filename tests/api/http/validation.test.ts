import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { compileRequestValidator } from "../../../api/http/validation.js";

/** The one-step validator only takes the route shapes it implements; anything else fails at start-up. */
const responses = { 200: { description: "ok" } } as const;
const never = (): never => {
  throw new Error("not called");
};
const compile = (request: Parameters<typeof createRoute>[0]["request"]) =>
  compileRequestValidator(
    createRoute({ method: "post", path: "/things", request, responses }),
    () => undefined,
    never,
  );

describe("compileRequestValidator", () => {
  it("accepts query, path, header and required JSON body schemas", () => {
    expect(() =>
      compile({
        query: z.object({ q: z.string() }),
        params: z.object({ id: z.string() }),
        headers: z.object({ "if-match": z.string() }),
        body: { required: true, content: { "application/json": { schema: z.object({}) } } },
      }),
    ).not.toThrow();
  });

  it.each([
    ["cookies", { cookies: z.object({ session: z.string() }) }, /cookie parameters are not supported/],
    [
      "an optional body",
      { body: { content: { "application/json": { schema: z.object({}) } } } },
      /only a required application\/json body/,
    ],
    [
      "a form body",
      {
        body: {
          required: true,
          content: { "application/x-www-form-urlencoded": { schema: z.object({}) } },
        },
      },
      /only a required application\/json body/,
    ],
  ])("refuses %s when the route is registered, naming the route", (_, request, message) => {
    expect(() => compile(request as never)).toThrow(message);
    expect(() => compile(request as never)).toThrow(/^POST \/things: /);
  });
});
