/**
 * Versioned migrations, in order. They are TypeScript modules holding SQL text (not .sql files) so that
 * `tsc -p tsconfig.build.json` ships them in dist/ with no copy step. Never edit an applied migration:
 * add the next number. Each one runs inside the migration transaction, so no `CREATE INDEX CONCURRENTLY`.
 */
import init from "./0001_init.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [{ version: 1, name: "init", sql: init }];
