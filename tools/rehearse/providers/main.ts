/**
 * Entry point of the stub provider plugins: `main.ts <package> [engine address]`. The launchers in bin/
 * (`pulumi-resource-<package>`) run it on Node's type stripping with register.mjs resolving `.js` imports.
 */
const [pkg] = process.argv.slice(2);
if (!pkg) {
  process.stderr.write("usage: main.ts <package> [engine-address]\n");
  process.exit(2);
}
if (pkg === "awsx") {
  const { serveAwsx } = await import("./awsx.js");
  await serveAwsx(process.argv.slice(3));
} else {
  const { serve } = await import("./server.js");
  await serve(pkg);
}
