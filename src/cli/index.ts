// The `eocube` command: builds the commander program from one module per command and runs it.
import { Command, CommanderError } from "commander";
import { EXIT_PIPE_CLOSED, exitState, handleClosedPipes, pipeState, printError } from "./run.js";

/**
 * The commands by name: a one-line summary for the top-level help, and the module that registers the
 * command (with its full description and options) on the program.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ register(program: Command): void }> }> = {
  describe: { summary: "describe a dataset: dims, variables, CRS, bbox, time range", load: () => import("./describe.js") },
  list: { summary: "list the datasets under a folder or store", load: () => import("./list.js") },
  publish: { summary: "publish a dataset and its workflow to an OSC catalog (git, PR)", load: () => import("./publish.js") },
  "generate-config": {
    summary: "write dataset-config.yaml and workflow-config.yaml templates",
    load: () => import("./generate-config.js"),
  },
  "lint-dataset": { summary: "check a dataset's CF and OSC metadata", load: () => import("./lint-dataset.js") },
  validate: { summary: "validate an OSC catalog with the OSC's rules", load: () => import("./validate.js") },
  catalog: { summary: "manage Open Science Catalog repositories", load: () => import("./catalog.js") },
  serve: { summary: "serve data cubes over HTTP (xcube-compatible) with a viewer", load: () => import("./serve.js") },
  gen: { summary: "generate a cube from a request (YAML/JSON)", load: () => import("./gen.js") },
  level: { summary: "write a multi-level pyramid of a dataset", load: () => import("./level.js") },
  prr: { summary: "build a STAC collection for the ESA Project Results Repository", load: () => import("./prr.js") },
  worker: { summary: "process gen and level tasks from a Redis queue", load: () => import("./worker.js") },
  store: { summary: "list the data stores and show their params", load: () => import("./store.js") },
  subset: { summary: "write a subset of a dataset as NetCDF4, Zarr or COG", load: () => import("./subset.js") },
  ml: { summary: "training data for machine learning: splits and training sets", load: () => import("./ml.js") },
  studio: { summary: "browse a local OSC catalog and publish with a form", load: () => import("./studio.js") },
  reproduce: { summary: "re-run a published workflow", load: () => import("./reproduce.js") },
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
 * Builds the program (no parsing). With `argv` naming a command (`eocube gen …`, `eocube help gen`), only
 * that command's module is loaded, so `eocube publish` does not pay for loading the server or the generator.
 * Otherwise (`eocube --help`, `--version`, an unknown command) each command is a stub carrying its summary,
 * and no command module is loaded; without `argv` every command is registered in full.
 */
export async function buildProgram(argv?: string[]): Promise<Command> {
  const program = new Command("eocube")
    .description("Earth-observation data cubes: describe, generate, serve, and publish to the Open Science Catalog.")
    .version(await packageVersion())
    .showHelpAfterError()
    .exitOverride();
  const named = commandName(argv);
  const wanted = argv === undefined ? Object.keys(COMMANDS) : named !== undefined ? [named] : [];
  for (const name of wanted) (await COMMANDS[name]!.load()).register(program);
  if (argv !== undefined && named === undefined) {
    for (const [name, { summary }] of Object.entries(COMMANDS)) program.command(name).description(summary);
    program.addHelpText("after", "\nRun `eocube <command> --help` for a command's arguments and options.");
  }
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** The known command named in `argv` (also after `help`), or undefined. */
function commandName(argv: string[] | undefined): string | undefined {
  const words = argv?.slice(2).filter((a) => !a.startsWith("-")) ?? [];
  const name = words[0] === "help" ? words[1] : words[0];
  return name !== undefined && name in COMMANDS ? name : undefined;
}

/** The version in eocube's package.json (read at run time, so it holds outside `npm run` too). */
async function packageVersion(): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  try {
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
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
    const named = commandName(argv);
    // store plugins are registered just before a store command's action runs: `--help` and argument errors do not
    // load the store registry (and every built-in store with it)
    if (named !== undefined && STORE_COMMANDS.has(named))
      program.hook("preAction", async () => (await import("../stores/plugins.js")).loadStorePlugins().then(() => undefined));
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
