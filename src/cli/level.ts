// `eocube level`: write xcube's multi-level pyramid (.levels) of a dataset.
import type { Command } from "commander";
import { EocubeError } from "../core/errors.js";
import { writeLevels } from "../gen/level.js";
import { LEVEL_AGGS, type LevelAgg } from "../ops/levels.js";
import { progressBar } from "./progress.js";
import { printJson, runAction, withInterrupt, type GlobalOptions } from "./run.js";

interface LevelOptions extends GlobalOptions {
  output?: string;
  tileSize?: string;
  agg?: string;
  numLevels?: string;
  link?: boolean;
  replace?: boolean;
}

/** Registers `eocube level <input> -o out.levels` on the program. */
export function register(program: Command): void {
  program
    .command("level")
    .description("Write a multi-level pyramid (xcube .levels: .zlevels, 0.zarr … N.zarr) of a dataset, for fast display at low zoom")
    .argument("<input>", "dataset path or URL (Zarr, NetCDF, GeoTIFF)")
    .requiredOption("-o, --output <path>", "output folder, ending in .levels")
    .option("--tile-size <n|w,h>", "tile size in pixels", "256")
    .option("--agg <method>", `aggregation of coarser levels: ${LEVEL_AGGS.join("|")}`, "first")
    .option("--num-levels <n>", "number of levels (default: until one tile covers the grid)")
    .option("--link", "write 0.link naming the input instead of copying level 0 (local Zarr inputs)")
    .option("--replace", "replace an existing output")
    .option("--json", "print the result as JSON")
    .option("--verbose", "show stack traces of errors")
    .addHelpText("after", "\nExample:\n  eocube level ../shared/data/zarr/cube-1-250-250.zarr -o cube.levels --tile-size 256 --agg mean")
    .action(async (input: string, opts: LevelOptions) => {
      await runAction(opts, async () => {
        const ts = String(opts.tileSize ?? "256")
          .split(",")
          .map((s) => Number(s.trim()));
        if (ts.length > 2 || ts.some((n) => !Number.isInteger(n) || n <= 0)) {
          throw new EocubeError("INVALID_ARGUMENT", `--tile-size must be a positive integer or w,h, got ${opts.tileSize}`, {
            field: "--tile-size",
          });
        }
        const tileSize: [number, number] = [ts[0]!, ts[1] ?? ts[0]!];
        if (!LEVEL_AGGS.includes(opts.agg as LevelAgg)) {
          throw new EocubeError("INVALID_ARGUMENT", `--agg must be one of ${LEVEL_AGGS.join(", ")}, got ${opts.agg}`, { field: "--agg" });
        }
        const numLevels = opts.numLevels === undefined ? undefined : Number(opts.numLevels);
        // pixels of all levels (level 0 weighs most), printed in megapixels
        const bar = progressBar("level", opts, { unit: "Mpx", format: (px) => (px / 1e6).toFixed(1) });
        // Ctrl-C, SIGTERM or a closed stdout: the temporary folder is removed, exit 2 (CANCELLED; 141 quietly for the pipe)
        const result = await withInterrupt(
          (signal) =>
            writeLevels(input, opts.output!, {
              tileSize,
              agg: opts.agg as LevelAgg,
              numLevels,
              link: opts.link,
              replace: opts.replace,
              onProgress: (p) => bar.update(p.done, p.total, `level ${p.level}/${p.numLevels - 1}`),
              signal,
            }),
          { what: "eocube level" },
        ).finally(() => bar.stop());
        for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
        if (opts.json) printJson(result);
        else {
          process.stdout.write(`wrote ${result.output}: ${result.num_levels} levels, tile size ${result.tile_size.join("×")}\n`);
          for (const l of result.levels) process.stdout.write(`  ${l.level}: ${l.width} × ${l.height}\n`);
        }
      });
    });
}
