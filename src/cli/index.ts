// The `eocube` command: builds the commander program from one module per command and runs it.
import { Command, CommanderError } from "commander";
import { EXIT_PIPE_CLOSED, exitState, handleClosedPipes, pipeState, printError } from "./run.js";

/** The command modules by command name, each registering one (sub)command on the program. */
const COMMANDS: Record<string, () => Promise<{ register(program: Command): void }>> = {
  describe: () => import("./describe.js"),
  list: () => import("./list.js"),
  publish: () => import("./publish.js"),
  "generate-config": () => import("./generate-config.js"),
  "lint-dataset": () => import("./lint-dataset.js"),
  validate: () => import("./validate.js"),
  catalog: () => import("./catalog.js"),
  serve: () => import("./serve.js"),
  gen: () => import("./gen.js"),
  level: () => import("./level.js"),
  prr: () => import("./prr.js"),
  worker: () => import("./worker.js"),
  store: () => import("./store.js"),
  subset: () => import("./subset.js"),
  ml: () => import("./ml.js"),
  studio: () => import("./studio.js"),
  reproduce: () => import("./reproduce.js"),
};

/** Commands that open data through the stores: store plugins are registered before they run. */
const STORE_COMMANDS = new Set([
  "describe",
  "list",
  "publish",
  "generate-config",
  "lint-dataset",
  "serve",
  "gen",
  "level",
  "prr",
  "studio",
  "reproduce",
  "ml",
  "subset",
]);

/**
 * Builds the program (no parsing). With `argv`, only the module of the command named in it is
 * loaded, so `eocube publish` does not pay for loading the server or the generator; without a
 * known command name (e.g. `eocube --help`) every command is registered.
 */
export async function buildProgram(argv?: string[]): Promise<Command> {
  const program = new Command("eocube")
    .description("Earth-observation data cubes: describe, generate, serve, and publish to the Open Science Catalog.")
    .version(process.env.npm_package_version ?? "0.1.0")
    .showHelpAfterError()
    .exitOverride();
  const named = argv?.slice(2).find((a) => !a.startsWith("-"));
  const wanted = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
  for (const name of wanted) {
    const mod = await COMMANDS[name]!();
    mod.register(program);
  }
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/**
 * Runs the CLI with `argv` (as `process.argv`) and resolves to the exit code:
 * 0 ok, 2 user error (bad arguments, bad input, interrupted by Ctrl-C), 1 internal error, 141 when the
 * reader of stdout went away (`| head`; the command stops quietly, see `handleClosedPipes`).
 */
export async function main(argv: string[]): Promise<number> {
  exitState.code = 0;
  handleClosedPipes();
  try {
    const program = await buildProgram(argv);
    const named = argv.slice(2).find((a) => !a.startsWith("-"));
    if (named !== undefined && STORE_COMMANDS.has(named)) await (await import("../stores/plugins.js")).loadStorePlugins();
    await program.parseAsync(argv);
    return pipeState.closed ? EXIT_PIPE_CLOSED : exitState.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help / --version exit 0; usage errors (unknown option, missing argument) are user errors.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (pipeState.closed) return EXIT_PIPE_CLOSED;
    printError(err);
    return 1;
  }
}
