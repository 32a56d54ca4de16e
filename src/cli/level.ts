// `eocube level`: write xcube's multi-level pyramid (.levels) of a dataset, in this process or on `eocube worker`s.
import type { Command } from "commander";
import { EocubeError } from "../core/errors.js";
import { LEVEL_AGGS, type LevelAgg } from "../ops/levels.js";
import { progressBar } from "./progress.js";
import { waitingNotice } from "./worker.js";
import { printJson, runAction, withInterrupt, type GlobalOptions, parsePositiveIntOption } from "./run.js";

interface LevelOptions extends GlobalOptions {
  output?: string;
  tileSize?: string;
  agg?: string;
  numLevels?: string;
  link?: boolean;
  replace?: boolean;
  executor?: string;
  resume?: string;
  attempts?: string;
}

/** Registers `eocube level <input> -o out.levels` on the program. */
export function register(program: Command): void {
  program
    .command("level")
    .description("Write a multi-level pyramid (xcube .levels: .zlevels, 0.zarr … N.zarr) of a dataset, for fast display at low zoom")
    .argument("[input]", "dataset path or URL (Zarr, NetCDF, GeoTIFF)")
    .option(
      "-o, --output <path>",
      "output folder, ending in .levels (required); or s3://bucket/prefix/name.levels (credentials from AWS_*)",
    )
    .option("--tile-size <n|w,h>", "tile size in pixels", "256")
    .option("--agg <method>", `aggregation of coarser levels: ${LEVEL_AGGS.join("|")}`, "first")
    .option("--num-levels <n>", "number of levels (default: until one tile covers the grid)")
    .option("--link", "write 0.link naming the input instead of copying level 0 (local Zarr inputs)")
    .option("--replace", "replace an existing output")
    .option(
      "--executor <where>",
      "where the chunk tasks run: local (this process, default) or redis://host:6379[/db] (BullMQ; start `eocube worker --redis …` processes; the output must be on a path every worker sees, or s3://)",
    )
    .option("--resume <run id>", "continue a distributed run whose coordinator was stopped (with --executor redis://…; no input needed)")
    .option("--attempts <n>", "attempts of a task before a distributed run fails (default 3)")
    .option("--json", "print the result as JSON")
    .option("--verbose", "show stack traces of errors")
    .addHelpText(
      "after",
      "\nExamples:\n  eocube level ../shared/data/zarr/cube-1-250-250.zarr -o cube.levels --tile-size 256 --agg mean\n  eocube level /data/cube.zarr -o /data/cube.levels --executor redis://redis:6379/0   (tasks run by `eocube worker --redis redis://redis:6379/0`)",
    )
    .action(async (input: string | undefined, opts: LevelOptions) => {
      await runAction(opts, async () => {
        // the executors (and the generator they pull in) are loaded when the action runs, not for `--help`
        const { executorOf } = await import("../gen/executors/index.js");
        const executor = executorOf(opts.executor);
        if (!opts.resume && (input === undefined || opts.output === undefined)) {
          throw new EocubeError(
            "INVALID_ARGUMENT",
            input === undefined ? "missing required argument 'input'" : "required option '-o, --output <path>' not specified",
            {
              field: input === undefined ? "input" : "-o",
              hint: "eocube level <input> -o out.levels (or --resume <run id> --executor redis://…)",
            },
          );
        }
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
        const attempts = parsePositiveIntOption(opts.attempts, "--attempts");
        // pixels of all levels (level 0 weighs most), printed in megapixels
        const bar = progressBar("level", opts, { unit: "Mpx", format: (px) => (px / 1e6).toFixed(1) });
        // on stderr also with --json (stdout holds the result alone)
        const onRun = (id: string) =>
          process.stderr.write(`eocube level: run ${id} on ${executor.name} (if stopped: eocube level --resume ${id} --executor …)\n`);
        // Ctrl-C, SIGTERM or a closed stdout: queued tasks and the temporary folder are removed, exit 2 (CANCELLED;
        // 141 quietly for the pipe)
        const result = await withInterrupt(
          (signal) =>
            executor.levels(input, opts.output, {
              tileSize,
              agg: opts.agg as LevelAgg,
              numLevels,
              link: opts.link,
              replace: opts.replace,
              onProgress: (p) => bar.update(p.done, p.total, `level ${p.level}/${p.numLevels - 1}`),
              signal,
              resume: opts.resume,
              onRun,
              attempts,
              onWaiting: waitingNotice("eocube level"),
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
