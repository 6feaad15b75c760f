/**
 * One embedded PostgreSQL for every API test file (each file then creates its own database, so files
 * run in parallel). Set TEST_DATABASE_URL to use an existing server instead (its user must be allowed
 * to CREATE DATABASE).
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { importEmbeddedPostgres } from "../../api/embedded-postgres.js";
import { freePort } from "../support/ports.js";
import { chownToPostgresWhenRoot } from "../support/postgres-owner.js";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/** Only API test files need PostgreSQL: skip the start-up when the run is filtered to other folders. */
function runIncludesApiTests(): boolean {
  const filters = process.argv
    .slice(2)
    .filter((arg) => !arg.startsWith("-") && arg !== "run" && !arg.includes("vitest"));
  const elsewhere = (f: string) =>
    f.startsWith("policies") ||
    f.startsWith("infra") ||
    (f.startsWith("tests/") && !f.startsWith("tests/api"));
  return filters.length === 0 || filters.some((f) => !elsewhere(f));
}

export default async function setup(project: TestProject) {
  if (process.env.TEST_DATABASE_URL) {
    project.provide("databaseUrl", process.env.TEST_DATABASE_URL);
    return;
  }
  if (!runIncludesApiTests()) {
    project.provide("databaseUrl", "");
    return;
  }
  // Without its exit hook: on beforeExit it calls process.exit(0), which would turn a failing run green.
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const dir = mkdtempSync(join(tmpdir(), "twincloud-pg-"));
  // initdb creates data/ itself, but only if it can write into dir.
  chownToPostgresWhenRoot(dir);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "postgres",
    password: "postgres",
    persistent: false,
    // Test speed over durability; enough connections for parallel files.
    postgresFlags: [
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "max_connections=300",
    ],
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  project.provide("databaseUrl", `postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
  return async () => {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
