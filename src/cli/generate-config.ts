// `eocube generate-config`: writes annotated dataset-config.yaml and workflow-config.yaml templates.
import type { Command } from "commander";
import { writeConfigTemplates } from "../catalog/osc/templates.js";
import { printJson, runAction } from "./run.js";

/** Registers `eocube generate-config [-o DIR] [--force] [--json]` on the program. */
export function register(program: Command): void {
  program
    .command("generate-config")
    .description("write annotated dataset-config.yaml and workflow-config.yaml templates (deep-code compatible)")
    .option("-o, --output <dir>", "folder to write the templates into", ".")
    .option("--force", "overwrite existing files")
    .option("--json", "print JSON")
    .option("--verbose", "print more detail")
    .action(async (opts: { output: string; force?: boolean; json?: boolean; verbose?: boolean }) => {
      await runAction(opts, async () => {
        const files = await writeConfigTemplates(opts.output, { force: opts.force });
        if (opts.json) printJson({ files });
        else process.stdout.write(files.map((f) => `wrote ${f}`).join("\n") + "\n");
      });
    });
}
