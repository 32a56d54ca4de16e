// `eocube subset`: cut variables, a bbox and a time range out of a dataset and write them as NetCDF4, Zarr or a
// Cloud Optimized GeoTIFF.
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { EocubeError } from "../core/errors.js";
import type { BBox } from "../core/gridmapping.js";
import type { GeoTiffWriteResult } from "../formats/geotiff-write.js";
import { fsAndPathFromUrl } from "../fs/url.js";
import { subset } from "../ops/subset.js";
import { openDataset } from "../stores/open.js";
import { printJson, runAction, withInterrupt, type GlobalOptions } from "./run.js";

interface SubsetCliOptions extends GlobalOptions {
  output?: string;
  bbox?: string;
  timeRange?: string;
  variables?: string;
  format?: string;
  replace?: boolean;
}

/** The output formats of `eocube subset`. */
export const SUBSET_FORMATS = ["netcdf", "zarr", "geotiff"] as const;

/** The output format a path implies: `.zarr` → zarr, `.tif`/`.tiff` → geotiff, else netcdf. */
export function formatOfOutput(output: string): (typeof SUBSET_FORMATS)[number] {
  return /\.zarr\/?$/i.test(output) ? "zarr" : /\.tiff?$/i.test(output) ? "geotiff" : "netcdf";
}

/**
 * Parses `--bbox w,s,e,n` (the dataset's CRS) into `[west, south, east, north]`.
 * @throws EocubeError INVALID_ARGUMENT naming `--bbox` unless four numbers with west < east and south < north.
 */
export function parseBboxOption(text: string): BBox {
  const parts = text.split(",").map((s) => Number(s.trim()));
  if (parts.length !== 4 || parts.some((x) => !Number.isFinite(x)) || !(parts[0]! < parts[2]!) || !(parts[1]! < parts[3]!)) {
    throw new EocubeError(
      "INVALID_ARGUMENT",
      `--bbox must be west,south,east,north with west < east and south < north, got ${JSON.stringify(text)}`,
      {
        field: "--bbox",
        hint: "e.g. --bbox 1,51,2,52 (in the dataset's CRS)",
      },
    );
  }
  return parts as BBox;
}

/** Registers `eocube subset <dataset> -o out` on the program. */
export function register(program: Command): void {
  program
    .command("subset")
    .description("Write a subset of a dataset (variables, bbox, time range) as NetCDF4, Zarr or a Cloud Optimized GeoTIFF")
    .argument("<dataset>", "dataset path or URL (Zarr, NetCDF, GeoTIFF, levels)")
    .requiredOption("-o, --output <path>", "output file (.nc, .tif) or folder (.zarr)")
    .option("--bbox <w,s,e,n>", "bounding box in the dataset's CRS: cells intersecting it are kept")
    .option("--time-range <start/end>", "ISO 8601 times, inclusive; a date-only end includes its day; .. for open")
    .option("--variables <names>", "comma-separated data variables (default all)")
    .option(
      "--format <format>",
      `output format: ${SUBSET_FORMATS.join("|")} (default from the output's extension, else netcdf); geotiff: one band per variable at one time step, or one band per time step of one variable`,
    )
    .option("--replace", "replace an existing output")
    .option("--json", "print the result as JSON")
    .option("--verbose", "show stack traces of errors")
    .addHelpText(
      "after",
      "\nExamples:\n  eocube subset ../shared/data/zarr/cube-1-250-250.zarr --bbox 1,51,2,52 --time-range 2017-01-16/2017-01-26 --variables conc_chl -o chl.nc\n  eocube subset ../shared/data/zarr/cube-1-250-250.zarr --bbox 1,51,2,52 --time-range 2017-01-16/2017-01-26 --variables conc_chl -o chl.tif",
    )
    .action(async (input: string, opts: SubsetCliOptions) => {
      await runAction(opts, async () => {
        const output = opts.output!;
        const format = opts.format ?? formatOfOutput(output);
        if (!(SUBSET_FORMATS as readonly string[]).includes(format)) {
          throw new EocubeError("INVALID_ARGUMENT", `--format must be one of ${SUBSET_FORMATS.join(", ")}, got ${JSON.stringify(format)}`, {
            field: "--format",
            hint: "e.g. --format geotiff, or an output ending in .nc, .zarr or .tif",
          });
        }
        let time_range: [string | null, string | null] | undefined;
        if (opts.timeRange !== undefined) {
          const parts = opts.timeRange.split("/");
          if (parts.length !== 2) {
            throw new EocubeError("INVALID_ARGUMENT", `--time-range must be start/end, got ${JSON.stringify(opts.timeRange)}`, {
              field: "--time-range",
              hint: "e.g. --time-range 2017-01-16/2017-01-26, or ../2017-01-26",
            });
          }
          time_range = parts.map((p) => (p === ".." || p === "" ? null : p)) as [string | null, string | null];
        }
        if (format !== "zarr" && /^[a-z][a-z0-9+.-]*:\/\//i.test(output)) {
          throw new EocubeError("INVALID_ARGUMENT", `--output ${output}: ${format} is written to a local file only`, {
            field: "--output",
            hint: "write a local file and upload it, or use --format zarr for s3:// and other stores",
          });
        }
        if (existsSync(output) && !opts.replace) {
          throw new EocubeError("ALREADY_EXISTS", `${output} already exists`, { path: output, hint: "use --replace to overwrite it" });
        }
        const t0 = performance.now();
        const result = await withInterrupt(
          async (signal) => {
            const ds = await openDataset(input, { signal });
            const sub = await subset(ds, {
              ...(opts.variables ? { variable_names: opts.variables.split(",").map((s) => s.trim()) } : {}),
              ...(opts.bbox !== undefined ? { bbox: parseBboxOption(opts.bbox) } : {}),
              ...(time_range ? { time_range } : {}),
              signal,
            });
            let geotiff: GeoTiffWriteResult | undefined;
            if (format === "netcdf") await (await import("../formats/netcdf4-write.js")).writeNetcdf4(sub, output, { signal });
            else if (format === "geotiff") {
              try {
                geotiff = await (await import("../formats/geotiff-write.js")).writeGeoTiff(sub, output, { signal });
              } catch (err) {
                if (err instanceof EocubeError && err.field === "bands" && err.code === "INVALID_ARGUMENT")
                  throw new EocubeError("INVALID_ARGUMENT", err.message, {
                    field: "--variables",
                    hint: "choose one time step (--time-range 2017-01-16/2017-01-16) or one variable (--variables NAME); or write netcdf",
                  });
                throw err;
              }
            } else {
              const { fs, path } = fsAndPathFromUrl(output);
              await (await import("../formats/zarr/writer.js")).writeDataset(sub, fs, path, { replace: opts.replace, signal });
            }
            return {
              output,
              format,
              dims: sub.dims,
              variables: Object.keys(sub.data_vars),
              ...(geotiff ? { geotiff } : {}),
              seconds: (performance.now() - t0) / 1000,
            };
          },
          { what: "eocube subset" },
        );
        const g = result.geotiff;
        if (opts.json) printJson(result);
        else if (g)
          process.stdout.write(
            `wrote ${result.output} (Cloud Optimized GeoTIFF): ${g.width} × ${g.height} px, ${g.crs}, ${g.dtype}, nodata ${g.nodata ?? "none"}, ` +
              `${g.overviews.length} overview${g.overviews.length === 1 ? "" : "s"}, ${g.bands.length} band${g.bands.length === 1 ? "" : "s"} in ${result.seconds.toFixed(1)} s\n` +
              g.bands
                .map(
                  (b, i) =>
                    `  band ${i + 1}: ${b.variable}${b.description !== b.variable ? ` ${b.description}` : ""}${b.units ? ` (${b.units})` : ""}\n`,
                )
                .join(""),
          );
        else
          process.stdout.write(
            `wrote ${result.output} (${result.format}): ${result.variables.join(", ")}; ${Object.entries(result.dims)
              .map(([k, v]) => `${k}=${v}`)
              .join(", ")} in ${result.seconds.toFixed(1)} s\n`,
          );
      });
    });
}
