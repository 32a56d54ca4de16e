// `eocube catalog`: placeholder until its issue lands.
import type { Command } from "commander";
import { EocubeError } from "../core/errors.js";
import { runAction } from "./run.js";

/** Registers `eocube catalog` on the program. */
export function register(program: Command): void {
  program
    .command("catalog")
    .description("(not implemented yet)")
    .option("--json", "print JSON")
    .action(async (opts) => {
      await runAction(opts, async () => {
        throw new EocubeError("UNSUPPORTED", "eocube catalog is not implemented yet");
      });
    });
}
