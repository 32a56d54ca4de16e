// `eocube level`: write xcube's multi-level format (`.zlevels`, `0.zarr`…`N.zarr`, optional `0.link`).
// Layout as xcube writes it: xcube/core/mldataset/fs.py (FsMultiLevelDataset), `.zlevels` = {version, num_levels, …}.
import { rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { decodeCF } from "../core/cf.js";
import type { Dataset } from "../core/dataset.js";
import { EocubeError, throwIfAborted } from "../core/errors.js";
import { readGridMapping } from "../core/gridmapping-read.js";
import { openFormatDataset } from "../formats/open.js";
import { writeDataset } from "../formats/zarr/writer.js";
import { FileFileSystem } from "../fs/file.js";
import { recoverSiblings, siblingPath, swapInto } from "../fs/swap.js";
import { coarsen, levelAggOf, maxLevelsFor, numLevelsFor, type LevelAgg } from "../ops/levels.js";
import { rechunk } from "../ops/rechunk.js";
import { openDataset } from "../stores/open.js";
import { interruptedError } from "./run.js";

/** Options of {@link writeLevels}. */
export interface WriteLevelsOptions {
  /** Tile size in pixels, `[width, height]` (default 256 × 256). */
  tileSize?: [number, number];
  /** Aggregation of coarser levels (default `first`, like xcube; integers/flags always `first`). */
  agg?: LevelAgg;
  /** Number of levels (default: until the coarsest level fits in one tile). */
  numLevels?: number;
  /** Write `0.link` naming the input instead of copying level 0 (the input must be a Zarr store). */
  link?: boolean;
  /** Replace an existing output (default false → ALREADY_EXISTS). */
  replace?: boolean;
  /** Called after each level is written. */
  onLevel?: (level: number, numLevels: number) => void;
  /** Called after each chunk written, with the work done in pixels of all levels (see {@link LevelsProgress}). */
  onProgress?: (p: LevelsProgress) => void;
  signal?: AbortSignal;
}

/**
 * Progress of {@link writeLevels} in pixels of the 2-D grids: level i counts ⌈W/2^i⌉ × ⌈H/2^i⌉ (level 0 none
 * with `link`), and the level being written its share of chunks written.
 */
export interface LevelsProgress {
  /** Pixels written, all levels so far. */
  done: number;
  /** Pixels of all levels. */
  total: number;
  /** The level being written (0-based). */
  level: number;
  numLevels: number;
}

/** What {@link writeLevels} reports. */
export interface LevelsResult {
  output: string;
  num_levels: number;
  tile_size: [number, number];
  levels: Array<{ level: number; width: number; height: number }>;
  /** What the user should know about the run, e.g. that `numLevels` was capped. */
  notes: string[];
}

/**
 * Writes a multi-level pyramid of `input` (any path or URL `openDataset` opens) to the local
 * folder `output` (`*.levels`): level 0 at full resolution (or `0.link` with the input's absolute
 * path), level i downsampled by 2 from level i − 1 with `agg`, each level a consolidated Zarr v2 store chunked
 * by the tile size, and `.zlevels` written last (its `agg_methods` name the aggregation each
 * variable got, see `levelAggOf`). `numLevels` beyond the levels that still shrink the grid
 * (`maxLevelsFor`) is capped, with a note in the result. Everything goes to a hidden temporary sibling
 * that is swapped into place only on success (`swapInto`: an existing output is moved aside first and
 * removed last, so a kill never loses both); leftovers of killed runs are recovered first
 * (`recoverSiblings`). Aborted through `signal`, the temporary folder is removed (CANCELLED).
 * @throws EocubeError ALREADY_EXISTS (unless replace), INVALID_ARGUMENT (bad tile size, output
 *   name, link to a non-Zarr input), UNSUPPORTED (no regular grid), CANCELLED (aborted), plus the input's open errors.
 */
export async function writeLevels(input: string, output: string, options: WriteLevelsOptions = {}): Promise<LevelsResult> {
  try {
    return await levels(input, output, options);
  } catch (err) {
    throw interruptedError(err, options.signal, "eocube level", resolve(output.replace(/\/+$/, "")));
  }
}

async function levels(input: string, output: string, options: WriteLevelsOptions): Promise<LevelsResult> {
  const out = resolve(output.replace(/\/+$/, ""));
  if (!/\.levels$/.test(out)) {
    throw new EocubeError("INVALID_ARGUMENT", `the output ${output} must end in .levels`, { field: "-o", hint: "e.g. -o cube.levels" });
  }
  const [tw, th] = options.tileSize ?? [256, 256];
  if (!(Number.isInteger(tw) && tw > 0 && Number.isInteger(th) && th > 0)) {
    throw new EocubeError("INVALID_ARGUMENT", `--tile-size must be positive integers, got ${tw}×${th}`, { field: "--tile-size" });
  }
  const parent = dirname(out);
  const fs = new FileFileSystem(parent);
  // what killed runs left beside the output: restore an old pyramid caught mid-swap, remove temporary folders
  await recoverSiblings(fs, basename(out), { signal: options.signal });
  if (existsSync(out) && !options.replace) {
    throw new EocubeError("ALREADY_EXISTS", `${out} exists`, { path: out, hint: "pass --replace to overwrite it" });
  }
  const raw = await openDataset(input, { signal: options.signal });
  try {
    const ds = decodeCF(raw);
    const gm = await readGridMapping(ds, { signal: options.signal });
    if (!gm) throw new EocubeError("UNSUPPORTED", `${input} has no regular x/y grid to build levels from`, { path: input });
    let n = options.numLevels ?? numLevelsFor(gm.height, gm.width, th, tw);
    if (!(Number.isInteger(n) && n >= 1))
      throw new EocubeError("INVALID_ARGUMENT", `--num-levels must be a positive integer, got ${n}`, { field: "--num-levels" });
    const notes: string[] = [];
    const max = maxLevelsFor(gm.height, gm.width);
    if (n > max) {
      notes.push(
        `--num-levels ${n} capped at ${max}: level ${max - 1} is already 1 × 1 (the grid is ${gm.width} × ${gm.height}), further levels would repeat it`,
      );
      n = max;
    }
    const tmpName = siblingPath(basename(out), "tmp");
    const chunks = { [gm.yDim]: th, [gm.xDim]: tw, time: 1 };
    const level0 = rechunk(ds, chunks);
    const levels: LevelsResult["levels"] = [];
    // progress in pixels: each level weighs its grid's pixels (level 0 nothing when linked)
    const pixelsOf = (i: number) => (i === 0 && options.link ? 0 : Math.ceil(gm.width / 2 ** i) * Math.ceil(gm.height / 2 ** i));
    const totalPixels = Array.from({ length: n }, (_, i) => pixelsOf(i)).reduce((a, b) => a + b, 0);
    let donePixels = 0;
    const progressOf = (i: number) =>
      options.onProgress
        ? (done: number, total: number) =>
            options.onProgress?.({ done: donePixels + (pixelsOf(i) * done) / total, total: totalPixels, level: i, numLevels: n })
        : undefined;
    const levelDone = (i: number) => {
      donePixels += pixelsOf(i);
      options.onProgress?.({ done: donePixels, total: totalPixels, level: i, numLevels: n });
      options.onLevel?.(i, n);
    };
    try {
      if (options.link) {
        if (!/\.zarr\/?$/.test(input) || /^[a-z0-9]+:\/\//i.test(input)) {
          throw new EocubeError("INVALID_ARGUMENT", "--link needs a local Zarr input", {
            field: "--link",
            hint: "omit --link to copy level 0",
          });
        }
        await fs.put(`${tmpName}/0.link`, new TextEncoder().encode(resolve(input)));
      } else {
        await writeDataset(level0, fs, `${tmpName}/0.zarr`, { signal: options.signal, onChunk: progressOf(0) });
      }
      levels.push({ level: 0, width: gm.width, height: gm.height });
      levelDone(0);
      // level i is computed from the level i − 1 just written (like xcube), so each level reads a quarter
      // of the data of the one before; `mean` is then a mean of 2×2 means.
      let prev = ds;
      const opened: Dataset[] = [];
      try {
        for (let i = 1; i < n; i++) {
          const lv = await coarsen(prev, 2, { agg: options.agg ?? "first", tileSize: [th, tw], signal: options.signal });
          await writeDataset(rechunk(lv, chunks), fs, `${tmpName}/${i}.zarr`, { signal: options.signal, onChunk: progressOf(i) });
          if (i + 1 < n) {
            const raw = await openFormatDataset(fs, `${tmpName}/${i}.zarr`, { signal: options.signal });
            opened.push(raw);
            prev = decodeCF(raw);
          }
          levels.push({ level: i, width: Math.ceil(gm.width / 2 ** i), height: Math.ceil(gm.height / 2 ** i) });
          levelDone(i);
        }
      } finally {
        await Promise.all(opened.map((d) => d.close().catch(() => undefined)));
      }
      const zlevels = {
        version: "1.0",
        num_levels: n,
        tile_size: [tw, th],
        use_saved_levels: true,
        // the aggregation each variable's levels were computed with (flags and integers: first)
        agg_methods: Object.fromEntries(Object.entries(ds.data_vars).map(([k, v]) => [k, levelAggOf(v, options.agg ?? "first")])),
      };
      await fs.put(`${tmpName}/.zlevels`, new TextEncoder().encode(JSON.stringify(zlevels, null, 2)), { signal: options.signal });
      throwIfAborted(options.signal);
      await swapInto(fs, tmpName, basename(out));
    } catch (err) {
      await rm(fs.resolve(tmpName), { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    return { output: out, num_levels: n, tile_size: [tw, th], levels, notes };
  } finally {
    await raw.close().catch(() => undefined);
  }
}
