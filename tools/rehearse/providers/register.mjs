// Resolves the `.js` specifiers of this folder's TypeScript sources (NodeNext style, as in the rest of the
// repository) to the `.ts` files next to them, so the plugins run on Node's own type stripping, without a
// compiler or ts-node in the loop (start-up cost matters: the engine starts one process per provider).
import { existsSync } from "node:fs";
import * as nodeModule from "node:module";
import { fileURLToPath } from "node:url";

const [major, minor] = process.versions.node.split(".").map(Number);
const stripsTypes = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
if (typeof nodeModule.registerHooks !== "function" || !stripsTypes) {
  process.stderr.write(
    `twincloud rehearsal stub providers need Node.js >= 22.18 (type stripping, module.registerHooks); ${process.execPath} is ${process.version}. Put Node 24 first on PATH or set TWINCLOUD_NODE.\n`,
  );
  process.exit(1);
}

nodeModule.registerHooks({
  resolve(specifier, context, nextResolve) {
    if ((specifier.startsWith("./") || specifier.startsWith("../")) && specifier.endsWith(".js")) {
      const candidate = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
      if (existsSync(fileURLToPath(candidate))) return nextResolve(candidate.href, context);
    }
    return nextResolve(specifier, context);
  },
});
