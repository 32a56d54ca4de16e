// `eocube prr <config.yaml> -o <dir> [--force] [--json]` and `eocube prr --init [-o file]`.
import type { Command } from "commander";
import { EocubeError } from "../core/errors.js";
import { progressBar } from "./progress.js";
import { runAction, printJson } from "./run.js";

/** Registers `eocube prr` on the program. */
export function register(program: Command): void {
  program
    .command("prr")
    .description("build a self-contained, validated STAC collection for the ESA Project Results Repository from a YAML config")
    .argument("[config]", "the PRR config (YAML); write a template with --init")
    .option("-o, --output <path>", "output folder (with --init: the template file, default prr-config.yaml)")
    .option("--force", "replace an existing output folder (or template file)")
    .option("--init", "write an annotated config template")
    .option("--json", "print the result (or error) as JSON")
    .option("--verbose", "print stack traces of errors")
    .action(
      async (config: string | undefined, opts: { output?: string; force?: boolean; init?: boolean; json?: boolean; verbose?: boolean }) => {
        await runAction(opts, async () => {
          const prr = await import("../catalog/prr/index.js");
          if (opts.init) {
            const file = opts.output ?? "prr-config.yaml";
            await prr.writePrrTemplate(file, { force: opts.force });
            if (opts.json) printJson({ template: file });
            else process.stdout.write(`wrote ${file}\n`);
            return;
          }
          if (!config) {
            throw new EocubeError("INVALID_ARGUMENT", "missing the config file", {
              hint: "eocube prr prr-config.yaml -o out/ (or eocube prr --init)",
            });
          }
          if (!opts.output)
            throw new EocubeError("INVALID_ARGUMENT", "missing -o <dir>", {
              field: "--output",
              hint: "eocube prr prr-config.yaml -o out/",
            });
          // one bar per step: items read (checksums, extents), then asset files/folders copied
          const bars = { read: progressBar("prr read", opts, { unit: "items" }), copy: progressBar("prr copy", opts, { unit: "assets" }) };
          const result = await prr
            .writePrrCollection(config, {
              outDir: opts.output,
              force: opts.force,
              onProgress: (p) => {
                if (p.step === "copy") bars.read.stop();
                bars[p.step].update(p.done, p.total);
              },
            })
            .finally(() => {
              bars.read.stop();
              bars.copy.stop();
            });
          if (opts.json) {
            printJson({
              output: result.outDir,
              files: result.files,
              asset_files: result.assetFiles,
              warnings: result.warnings,
              extent: result.collection.extent,
            });
            return;
          }
          for (const w of result.warnings) process.stderr.write(`warning: ${w.item}${w.asset ? `/${w.asset}` : ""}: ${w.message}\n`);
          const ext = result.collection.extent as { spatial: { bbox: number[][] }; temporal: { interval: string[][] } };
          const lines = [
            `wrote ${result.files.length} STAC documents to ${opts.output} (collection ${String(result.collection.id)}, ${result.files.length - 1} items), all valid`,
            `  bbox ${JSON.stringify(ext.spatial.bbox[0])}`,
            `  time ${ext.temporal.interval[0]!.join(" .. ")}`,
            ...(result.assetFiles.length > 0
              ? [`  ${result.assetFiles.length} asset file(s) copied next to their items (asset_files: copy)`]
              : []),
          ];
          for (const f of result.files) lines.push(`  ${f}`);
          process.stdout.write(`${lines.join("\n")}\n`);
        });
      },
    );
}
