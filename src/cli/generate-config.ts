// `eocube generate-config`: writes annotated dataset and workflow config templates (deep-code's command: same
// -o/--output-dir, and deep-code's file names with --deep-code-names).
import type { Command } from "commander";
import { writeConfigTemplates } from "../catalog/osc/templates.js";
import { printJson, runAction } from "./run.js";

/** Registers `eocube generate-config [-o|--output-dir DIR] [--deep-code-names] [--force] [--json]` on the program. */
export function register(program: Command): void {
  program
    .command("generate-config")
    .description("write annotated dataset-config.yaml and workflow-config.yaml templates (deep-code compatible)")
    .option("-o, --output-dir <dir>", "folder to write the templates into (deep-code's option; created when missing)", ".")
    .option("--output <dir>", "the same as --output-dir")
    .option("--deep-code-names", "name the files as deep-code does: dataset_config.yaml and workflow_config.yaml")
    .option("--force", "overwrite existing files")
    .option("--json", "print JSON")
    .option("--verbose", "print more detail")
    .action(
      async (opts: { outputDir: string; output?: string; deepCodeNames?: boolean; force?: boolean; json?: boolean; verbose?: boolean }) => {
        await runAction(opts, async () => {
          const files = await writeConfigTemplates(opts.output ?? opts.outputDir, {
            force: opts.force,
            names: opts.deepCodeNames ? "deep-code" : "eocube",
          });
          if (opts.json) printJson({ files });
          else process.stdout.write(`${files.map((f) => `wrote ${f}`).join("\n")}\n`);
        });
      },
    );
}
