// The `eocube` command: builds the commander program from one module per command and runs it.
import { Command, CommanderError } from "commander";
import { exitState, printError } from "./run.js";

/** The command modules, each registering one (sub)command on the program. */
const COMMANDS = [
  () => import("./describe.js"),
  () => import("./list.js"),
  () => import("./publish.js"),
  () => import("./generate-config.js"),
  () => import("./validate.js"),
  () => import("./catalog.js"),
  () => import("./serve.js"),
  () => import("./gen.js"),
  () => import("./level.js"),
  () => import("./prr.js"),
];

/** Builds the program with every command registered (no parsing). */
export async function buildProgram(): Promise<Command> {
  const program = new Command("eocube")
    .description("Earth-observation data cubes: describe, generate, serve, and publish to the Open Science Catalog.")
    .version(process.env.npm_package_version ?? "0.1.0")
    .showHelpAfterError()
    .exitOverride();
  for (const load of COMMANDS) {
    const mod = await load();
    mod.register(program);
  }
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/**
 * Runs the CLI with `argv` (as `process.argv`) and resolves to the exit code:
 * 0 ok, 2 user error (bad arguments, bad input), 1 internal error.
 */
export async function main(argv: string[]): Promise<number> {
  exitState.code = 0;
  try {
    const program = await buildProgram();
    await program.parseAsync(argv);
    return exitState.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help / --version exit 0; usage errors (unknown option, missing argument) are user errors.
      return err.exitCode === 0 ? 0 : 2;
    }
    printError(err);
    return 1;
  }
}
