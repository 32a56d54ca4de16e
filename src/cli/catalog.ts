// `eocube catalog`: catalog repository commands (`catalog init`).
import type { Command } from "commander";
import { initCatalog } from "../catalog/osc/init.js";
import { printJson, runAction } from "./run.js";

/** Registers `eocube catalog init <dir> [--json]` on the program. */
export function register(program: Command): void {
  const catalog = program.command("catalog").description("manage Open Science Catalog repositories");
  catalog
    .command("init")
    .description("create a new, valid OSC catalog git repository (root, seven sub-catalogs, six themes)")
    .argument("<dir>", "new or empty folder")
    .option("--json", "print JSON")
    .option("--verbose", "print more detail")
    .action(async (dir: string, opts: { json?: boolean; verbose?: boolean }) => {
      await runAction(opts, async () => {
        const result = await initCatalog(dir);
        if (opts.json) {
          printJson(result);
          return;
        }
        process.stdout.write(
          `initialised an Open Science Catalog in ${result.dir}: ${result.files.length} files` +
            (result.commit ? `, commit ${result.commit.slice(0, 12)}` : "") +
            "\n",
        );
        if (opts.verbose) process.stdout.write(`${result.files.map((f) => `  ${f}`).join("\n")}\n`);
      });
    });
  for (const c of catalog.commands) c.exitOverride();
}
