import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { runUnderMocks } from "../../../tools/mock/run.js";

describe("runUnderMocks", () => {
  it("captures resources with their inputs, parent and protect flag, and resolves outputs", async () => {
    const result = await runUnderMocks(
      async () => {
        const parent = new pulumi.ComponentResource("test:index:Group", "group");
        const bucket = new aws.s3.Bucket(
          "logs",
          { forceDestroy: true, tags: { a: "b" } },
          { parent, protect: true },
        );
        return { bucketId: bucket.id, cfg: new pulumi.Config("twincloud").require("cloud") };
      },
      { stack: "dev", config: { "twincloud:cloud": "aws", "aws:region": "eu-west-1" } },
    );
    const bucket = result.resources.find((r) => r.type === "aws:s3/bucket:Bucket");
    expect(bucket?.props).toMatchObject({ forceDestroy: true, tags: { a: "b" } });
    expect(bucket?.opts.protect).toBe(true);
    expect(bucket?.parent).toMatch(/test:index:Group::group$/);
    expect(result.outputs).toEqual({ bucketId: "logs-id", cfg: "aws" });
  });

  it("throws on an invoke nobody mocked", async () => {
    await expect(
      runUnderMocks(
        async () => {
          await pulumi.runtime.invoke("test:index/nobodyMocksThis:nobodyMocksThis", {});
          return {};
        },
        { stack: "dev", config: {} },
      ),
    ).rejects.toThrow(/unexpected invoke.*test:index\/nobodyMocksThis/);
  });
});
