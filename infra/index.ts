/** Pulumi entry point (Pulumi.yaml `main`): the default export's result becomes the stack outputs. */
import { program } from "./program.js";

export default program;
