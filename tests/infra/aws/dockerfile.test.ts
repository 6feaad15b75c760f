/** infra/aws/dockerfile.ts: the user and health check the task definitions take from the Dockerfile. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONTAINER_USER, dockerfileFacts, readDockerfile } from "../../../infra/aws/dockerfile.js";

describe("Dockerfile facts", () => {
  it("reads the repository's Dockerfile: numeric non-root user and its exec-form health check", () => {
    const facts = readDockerfile(".", "Dockerfile");
    expect(facts.user).toMatch(/^[1-9]\d*:\d+$/);
    expect(facts.healthCheck.join(" ")).toMatch(/healthcheck\.js$/);
    const text = readFileSync("Dockerfile", "utf8");
    if (/^USER 65532/m.test(text)) expect(facts.user).toBe("65532:65532");
  });

  it("parses the final stage only, joins continuation lines, never returns root", () => {
    const facts = dockerfileFacts(
      [
        "FROM node:24 AS build",
        "USER 0",
        "FROM gcr.io/distroless/nodejs24-debian13:nonroot AS runtime",
        "HEALTHCHECK --interval=30s \\",
        '  CMD ["/nodejs/bin/node", "dist/api/healthcheck.js"]',
      ].join("\n"),
    );
    expect(facts).toEqual({
      user: "65532:65532",
      healthCheck: ["/nodejs/bin/node", "dist/api/healthcheck.js"],
    });
    expect(dockerfileFacts("FROM node:24-slim\nUSER node\n").user).toBe("1000:1000");
    expect(dockerfileFacts("FROM node:24-slim\nUSER root\n").user).toBe(DEFAULT_CONTAINER_USER);
    expect(dockerfileFacts(undefined)).toEqual({
      user: DEFAULT_CONTAINER_USER,
      healthCheck: ["node", "dist/api/healthcheck.js"],
    });
  });
});
