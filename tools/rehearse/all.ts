/**
 * Rehearses every shipped stack, one after the other (2 cores: in parallel they only slow each other down):
 *
 *   npm run rehearse:all [-- --what-if]
 *
 * --what-if adds the clouds the shipped stacks do not cover per tier (staging on AWS, prod on Azure).
 * Every rehearsal runs even when one fails; the exit code is non-zero when any failed, and the last line is
 * "rehearsals: N passed, N failed".
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./rehearse.ts", import.meta.url));

export const SHIPPED: readonly string[][] = [
  ["--stack", "dev"],
  ["--stack", "staging"],
  ["--stack", "prod"],
];
export const WHAT_IF: readonly string[][] = [
  ["--stack", "staging", "--cloud", "aws"],
  ["--stack", "prod", "--cloud", "azure"],
];

function run(args: readonly string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, ...args], { stdio: "inherit" });
    child.on("close", resolve);
  });
}

async function main(argv: string[]): Promise<number> {
  const runs = argv.includes("--what-if") ? [...SHIPPED, ...WHAT_IF] : SHIPPED;
  const results: { args: string; code: number | null; seconds: number }[] = [];
  for (const args of runs) {
    const started = performance.now();
    console.log(`\n=== npm run rehearse -- ${args.join(" ")}`);
    const code = await run(args);
    results.push({ args: args.join(" "), code, seconds: (performance.now() - started) / 1000 });
  }
  console.log("\n=== rehearsals");
  for (const result of results) {
    const verdict = result.code === 0 ? "ok    " : `FAILED (exit ${result.code})`;
    console.log(`${verdict} ${result.args.padEnd(32)} ${result.seconds.toFixed(1)} s`);
  }
  const failed = results.filter((result) => result.code !== 0).length;
  console.log(`rehearsals: ${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
