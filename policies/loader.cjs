// Entry point the Pulumi policy runner `require()`s (package.json "main"). The runner registers ts-node for
// CommonJS only, while this repository is ESM TypeScript with `.js` import specifiers; tsx's ESM loader
// handles both, so load the pack through it. Resolves tsx and @pulumi/* from the repository root.
const { register } = require("tsx/esm/api");
const { pathToFileURL } = require("node:url");
const path = require("node:path");

register();
module.exports = import(pathToFileURL(path.join(__dirname, "index.ts")).href);
