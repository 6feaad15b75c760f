// Resolves the `.js` specifiers of this folder's TypeScript sources (NodeNext style, as in the rest of the
// repository) to the `.ts` files next to them, so the plugins run on Node's own type stripping, without a
// compiler or ts-node in the loop (start-up cost matters: the engine starts one process per provider).
import { existsSync } from "node:fs";
import { registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

registerHooks({
  resolve(specifier, context, nextResolve) {
    if ((specifier.startsWith("./") || specifier.startsWith("../")) && specifier.endsWith(".js")) {
      const candidate = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
      if (existsSync(fileURLToPath(candidate))) return nextResolve(candidate.href, context);
    }
    return nextResolve(specifier, context);
  },
});
