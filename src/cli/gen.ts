// `eocube gen`: generate a cube from a gen2 request or an xcube legacy `xcube gen` config.
import type { Command } from "commander";
import { formatBytes, parseByteSize } from "../core/bytes.js";
import { EocubeError } from "../core/errors.js";
import { DEFAULT_MAX_OUTPUT_BYTES } from "../gen/defaults.js";
import type { GenProgress, GenResult } from "../gen/run.js";
import type { RunSummary } from "../gen/executors/index.js";
import type { GenInfo } from "../gen/plan.js";
import { progressBar } from "./progress.js";
import { waitingNotice } from "./worker.js";
import { printJson, runAction, withInterrupt, type GlobalOptions, parsePositiveIntOption } from "./run.js";

// The generator (gen/run.js and the stores, formats and operations it pulls in: ~100 modules) and the executors are
// imported when the action runs, not when the command is registered, so `eocube gen --help` and argument errors do
// not load them (docs/performance.md, start-up).

interface GenOptions extends GlobalOptions {
  info?: boolean;
  workers?: string;
  output?: string;
  replace?: boolean;
  maxOutputSize?: string;
  executor?: string;
  resume?: string;
  attempts?: string;
  runs?: boolean;
}

/** Registers `eocube gen <request> [inputs...]` on the program. */
export function register(program: Command): void {
  program
    .command("gen")
    .description(
      "Generate a data cube (Zarr) from a gen request: open → subset → resample in space and time → merge → write, chunk-parallel",
    )
    .argument("[request]", "gen request: xcube gen2 YAML/JSON (input_configs, cube_config, output_config) or xcube's legacy gen config")
    .argument("[inputs...]", "input files for a legacy config (like `xcube gen -c config.yml INPUT...`); default its input_paths")
    .option("--info", "print the target grid, sizes, chunk count and estimated bytes; compute nothing")
    .option(
      "--workers <n>",
      "threads computing chunks (default: the number of cores): the main thread, and n − 1 worker threads started once the job looks longer than about 4 CPU-s while at least half a core is idle (env EOCUBE_GEN_INLINE_MS; 0 = at once, on n threads); 0 = the main thread only",
    )
    .option(
      "-o, --output <path>",
      "output path (overrides output_config; the legacy config's output_path): .zarr, or .nc (NetCDF4) / .tif (Cloud Optimized GeoTIFF)",
    )
    .option("--replace", "replace an existing output")
    .option(
      "--max-output-size <size>",
      `refuse a plan whose estimated output (uncompressed) exceeds this size, e.g. 500G, 2T (default ${formatBytes(DEFAULT_MAX_OUTPUT_BYTES)})`,
    )
    .option(
      "--executor <where>",
      "where the chunk tasks run: local (worker threads, default) or redis://host:6379[/db] (BullMQ; start `eocube worker --redis …` processes)",
    )
    .option("--resume <run id>", "continue a distributed run whose coordinator was stopped (with --executor redis://…; no request needed)")
    .option("--attempts <n>", "attempts of a task before a distributed run fails (default 3)")
    .option(
      "--runs",
      "list the distributed runs (gen and level) in the Redis of --executor: running, or left by a coordinator that died (resume or discard them)",
    )
    .option("--json", "print JSON (progress as JSON lines on stdout)")
    .option("--verbose", "show stack traces of errors")
    .addHelpText(
      "after",
      "\nExamples:\n  eocube gen examples/gen-request.yaml --info\n  eocube gen examples/gen-request.yaml --workers 2\n  eocube gen ../shared/data/gen/xcube_sst_demo_config.yml ../shared/data/netcdf3/*.nc -o sst-cube.zarr\n  eocube gen request.yaml --executor redis://redis:6379/0   (tasks run by `eocube worker --redis redis://redis:6379/0`)",
    )
    .action(async (request: string | undefined, inputs: string[], opts: GenOptions) => {
      await runAction(opts, async () => {
        const [{ executorOf }, { loadGenRequest }, { genInfo }] = await Promise.all([
          import("../gen/executors/index.js"),
          import("../gen/request.js"),
          import("../gen/run.js"),
        ]);
        const executor = executorOf(opts.executor);
        if (opts.runs) {
          if (!opts.executor || opts.executor === "local") {
            throw new EocubeError("INVALID_ARGUMENT", "--runs lists the runs of a Redis: give --executor redis://host:6379[/db]", {
              field: "--runs",
            });
          }
          const runs = await (await import("../gen/executors/index.js")).listRuns(opts.executor);
          if (opts.json) printJson(runs);
          else process.stdout.write(formatRuns(runs, executor.name));
          return;
        }
        const attempts = parsePositiveIntOption(opts.attempts, "--attempts");
        let workers: number | undefined;
        if (opts.workers !== undefined) {
          workers = Number(opts.workers);
          if (!Number.isInteger(workers) || workers < 0) {
            throw new EocubeError("INVALID_ARGUMENT", `--workers must be a non-negative integer, got ${opts.workers}`, {
              field: "--workers",
            });
          }
        }
        let maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES;
        if (opts.maxOutputSize !== undefined) {
          const n = parseByteSize(opts.maxOutputSize);
          if (n === undefined || n <= 0) {
            throw new EocubeError("INVALID_ARGUMENT", `--max-output-size must be a size such as 500G or 2T, got ${opts.maxOutputSize}`, {
              field: "--max-output-size",
              hint: "a number of bytes, or with K, M, G or T (powers of 1024)",
            });
          }
          maxOutputBytes = n;
        }
        if (request === undefined && !opts.resume) {
          throw new EocubeError("INVALID_ARGUMENT", "missing required argument 'request'", {
            field: "request",
            hint: "eocube gen <request.yaml> (or --resume <run id> --executor redis://…)",
          });
        }
        const req =
          request === undefined
            ? undefined
            : await loadGenRequest(request, { inputs, output: opts.output, replace: opts.replace ? true : undefined });
        if (opts.info) {
          if (!req) throw new EocubeError("INVALID_ARGUMENT", "--info needs a request, not --resume", { field: "--info" });
          const info = await genInfo(req);
          if (opts.json) printJson(info);
          else process.stdout.write(formatInfo(info, maxOutputBytes));
          return;
        }
        const bar = progressBar("gen", opts, { unit: "tasks" });
        const onProgress = (p: GenProgress) => {
          if (opts.json) process.stdout.write(`${JSON.stringify({ event: "progress", ...p })}\n`);
          else bar.update(p.done, p.total, `${formatBytes(p.bytes)} written`);
        };
        // Ctrl-C, SIGTERM or a closed stdout (`| head`): stop submitting, let running tasks end, remove the
        // temporary store, exit 2 (CANCELLED; 141 quietly for the pipe)
        let result: GenResult;
        try {
          const onRun = (id: string) => {
            if (opts.json) process.stdout.write(`${JSON.stringify({ event: "run", id, executor: executor.name })}\n`);
            else process.stderr.write(`eocube gen: run ${id} on ${executor.name} (if stopped: eocube gen --resume ${id} --executor …)\n`);
          };
          result = await withInterrupt(
            (signal) =>
              executor.run(req, {
                workers,
                onProgress,
                maxOutputBytes,
                signal,
                resume: opts.resume,
                onRun,
                attempts,
                onWaiting: waitingNotice("eocube gen", opts.json),
              }),
            { what: "eocube gen" },
          );
        } finally {
          bar.stop();
        }
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({
              event: "done",
              output: result.info.output,
              bytes_written: result.bytes_written,
              seconds: result.seconds,
              chunks: result.info.chunks,
            })}\n`,
          );
        } else {
          const fileFormat = req?.output.format && req.output.format !== "zarr" ? req.output.format : undefined;
          process.stdout.write(
            fileFormat
              ? `wrote ${result.info.output} (${fileFormat === "netcdf" ? "NetCDF4" : "Cloud Optimized GeoTIFF"}): ${result.info.variables.length} variables, ${formatBytes(result.bytes_written)} in ${result.seconds.toFixed(1)} s\n`
              : `wrote ${result.info.output}: ${result.info.variables.length} variables, ${result.info.chunks} chunks, ${formatBytes(result.bytes_written)} in ${result.seconds.toFixed(1)} s\n`,
          );
        }
      });
    });
}

/** The human form of `--runs`: a line per run (`redis`: the executor's URL without password). */
export function formatRuns(runs: RunSummary[], redis: string): string {
  if (!runs.length) return `no runs in ${redis}\n`;
  return runs
    .map(
      (r) =>
        `${r.id}  ${r.kind.padEnd(5)}  ${`${r.done}/${r.total} jobs`.padEnd(14)}  ${r.output}  ${
          r.coordinator
            ? `coordinated by ${r.coordinator}`
            : `no coordinator: resume it (eocube ${r.kind} --resume ${r.id} --executor ${redis}), or resume it and press Ctrl-C to discard it`
        }\n`,
    )
    .join("");
}

/** The human form of `--info`; with `maxBytes`, a plan over it says that gen would refuse it. */
export function formatInfo(info: GenInfo, maxBytes?: number): string {
  const g = info.grid;
  const lines = [
    `target grid: ${g.crs}, ${g.width} × ${g.height} pixels (${g.x_dim} × ${g.y_dim}), resolution ${g.spatial_res.map((r) => Number(r.toPrecision(8))).join(" × ")}`,
    `bbox:        [${g.bbox.map((v) => Number(v.toPrecision(10))).join(", ")}]`,
    `dims:        ${Object.entries(info.dims)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ")}`,
  ];
  if (info.time) lines.push(`time:        ${info.time.start} … ${info.time.end} (${info.time.steps} steps)`);
  lines.push(`inputs:      ${info.inputs}`);
  lines.push("variables:");
  for (const v of info.variables)
    lines.push(
      `  ${v.name.padEnd(20)} ${v.dtype.padEnd(8)} (${v.dims.join(", ")}) [${v.shape.join(", ")}] chunks [${v.chunks.join(", ")}]`,
    );
  lines.push(`chunks:      ${info.chunks} in ${info.tasks} tasks`);
  const over = maxBytes !== undefined && info.estimated_bytes > maxBytes;
  lines.push(
    `estimated:   ${formatBytes(info.estimated_bytes)} uncompressed${over ? ` (over the ${formatBytes(maxBytes)} limit: gen refuses it unless --max-output-size allows it)` : ""}`,
  );
  lines.push(`output:      ${info.output}`);
  return `${lines.join("\n")}\n`;
}
