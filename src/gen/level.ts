// `eocube level`: write xcube's multi-level format (`.zlevels`, `0.zarr`…`N.zarr`, optional `0.link`).
// Layout as xcube writes it: xcube/core/mldataset/fs.py (FsMultiLevelDataset), `.zlevels` = {version, num_levels, …}.
// The plan and each level's lazy dataset are shared by both executors (here in-process; bullmq-levels.ts on workers).
import { resolve } from "node:path";
import { decodeCF } from "../core/cf.js";
import type { Dataset } from "../core/dataset.js";
import type { Attrs } from "../core/variable.js";
import { EocubeError, throwIfAborted } from "../core/errors.js";
import { readGridMapping } from "../core/gridmapping-read.js";
import { openFormatDataset } from "../formats/open.js";
import { datasetPlan, writeDataset } from "../formats/zarr/writer.js";
import type { FileSystem } from "../fs/types.js";
import { recoverSiblings, siblingPath, storeExists, swapInto } from "../fs/swap.js";
import { fsAndPathFromUrl } from "../fs/url.js";
import { coarsen, type LevelAgg, levelAggOf, maxLevelsFor, numLevelsFor } from "../ops/levels.js";
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

/** A checked pyramid plan (plain JSON: a distributed run keeps it in Redis). */
export interface LevelsPlan {
  /** The input as given (path or URL). */
  input: string;
  /** The input as every process opens it: an absolute path, or the URL. */
  source: string;
  /** Absolute output folder (`*.levels`), or its URL (`s3://bucket/prefix/cube.levels`). */
  output: string;
  /** Tile size `[width, height]` in pixels. */
  tileSize: [number, number];
  agg: LevelAgg;
  numLevels: number;
  link: boolean;
  replace: boolean;
  /** Chunk size per dim name of every level (y, x: the tile; time: 1). */
  chunks: Record<string, number>;
  /** Grid size per level. */
  levels: LevelsResult["levels"];
  /** `.zlevels`, written last. */
  zlevels: Record<string, unknown>;
  notes: string[];
}

/** A planned pyramid with its input open (`close()` it). */
export interface OpenLevels {
  plan: LevelsPlan;
  /** The input, CF-decoded. */
  ds: Dataset;
  close(): Promise<void>;
}

const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);

/**
 * Checks the options of a pyramid, opens its input and plans the levels (sizes, chunking, `.zlevels`);
 * `numLevels` beyond the levels that still shrink the grid (`maxLevelsFor`) is capped with a note. Reads
 * metadata and coordinates only; the output is not touched.
 * @throws EocubeError INVALID_ARGUMENT (output name, tile size, level count, link to a non-Zarr input),
 *   UNSUPPORTED (no regular grid), plus the input's open errors.
 */
export async function openLevels(input: string, output: string, options: WriteLevelsOptions = {}): Promise<OpenLevels> {
  const out = isUrl(output) ? output.replace(/\/+$/, "") : resolve(output.replace(/\/+$/, ""));
  if (!/\.levels$/.test(out)) {
    throw new EocubeError("INVALID_ARGUMENT", `the output ${output} must end in .levels`, { field: "-o", hint: "e.g. -o cube.levels" });
  }
  const [tw, th] = options.tileSize ?? [256, 256];
  if (!(Number.isInteger(tw) && tw > 0 && Number.isInteger(th) && th > 0)) {
    throw new EocubeError("INVALID_ARGUMENT", `--tile-size must be positive integers, got ${tw}×${th}`, { field: "--tile-size" });
  }
  if (options.link && (!/\.zarr\/?$/.test(input) || isUrl(input))) {
    throw new EocubeError("INVALID_ARGUMENT", "--link needs a local Zarr input", { field: "--link", hint: "omit --link to copy level 0" });
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
    const agg = options.agg ?? "first";
    const plan: LevelsPlan = {
      input,
      source: isUrl(input) ? input : resolve(input),
      output: out,
      tileSize: [tw, th],
      agg,
      numLevels: n,
      link: options.link ?? false,
      replace: options.replace ?? false,
      chunks: { [gm.yDim]: th, [gm.xDim]: tw, time: 1 },
      levels: Array.from({ length: n }, (_, i) => ({
        level: i,
        width: Math.ceil(gm.width / 2 ** i),
        height: Math.ceil(gm.height / 2 ** i),
      })),
      zlevels: {
        version: "1.0",
        num_levels: n,
        tile_size: [tw, th],
        use_saved_levels: true,
        // the aggregation each variable's levels were computed with (flags and integers: first)
        agg_methods: Object.fromEntries(Object.entries(ds.data_vars).map(([k, v]) => [k, levelAggOf(v, agg)])),
      },
      notes,
    };
    return { plan, ds, close: () => raw.close().catch(() => undefined) };
  } catch (err) {
    await raw.close().catch(() => undefined);
    throw err;
  }
}

/** Pixels of level `i` in progress reports (level 0 none when linked). */
export function levelPixels(plan: LevelsPlan, i: number): number {
  const l = plan.levels[i]!;
  return i === 0 && plan.link ? 0 : l.width * l.height;
}

/** The key of level `i`'s Zarr store inside the (temporary) pyramid folder `folder`. */
export const levelKey = (folder: string, i: number) => `${folder}/${i}.zarr`;

/**
 * The lazy dataset of level `i` as it is written: level 0 is the input rechunked by the tile; level i > 0
 * is `src` downsampled by 2 with the plan's aggregation, rechunked alike. `src` must be the input for
 * levels 0 and 1 and level i − 1 as written (read back, CF-decoded) for i ≥ 2, as xcube computes them (so
 * each level reads a quarter of the data of the one before; `mean` is then a mean of 2×2 means).
 */
export async function levelDataset(plan: LevelsPlan, src: Dataset, i: number, options: { signal?: AbortSignal } = {}): Promise<Dataset> {
  if (i === 0) return rechunk(src, plan.chunks);
  const [tw, th] = plan.tileSize;
  return rechunk(await coarsen(src, 2, { agg: plan.agg, tileSize: [th, tw], signal: options.signal }), plan.chunks);
}

/**
 * Opens level `i` as written into `folder` of `fs` (the source of level i + 1), CF-decoded; `close()` it.
 * @throws EocubeError from opening the Zarr store.
 */
export async function openWrittenLevel(fs: FileSystem, folder: string, i: number, options: { signal?: AbortSignal } = {}) {
  const raw = await openFormatDataset(fs, levelKey(folder, i), options);
  return { ds: decodeCF(raw), close: () => raw.close().catch(() => undefined) };
}

/**
 * Opens the source {@link levelDataset} needs for level `i` in another process: the input (CF-decoded) for
 * levels 0 and 1, level i − 1 as written into `folder` of `fs` otherwise; `close()` it.
 * @throws EocubeError from opening the input or the level.
 */
export async function openLevelSource(plan: LevelsPlan, fs: FileSystem, folder: string, i: number, options: { signal?: AbortSignal } = {}) {
  if (i >= 2) return openWrittenLevel(fs, folder, i - 1, options);
  const raw = await openDataset(plan.source, options);
  return { ds: decodeCF(raw), close: () => raw.close().catch(() => undefined) };
}

/**
 * How each variable of a level dataset is written (spec and conversion, as `writeDataset` writes them: see
 * `datasetPlan`), by name, and the group attributes.
 * @throws EocubeError UNSUPPORTED for string variables.
 */
export function levelWritePlan(lv: Dataset): { byName: Map<string, ReturnType<typeof datasetPlan>["plans"][number]>; attrs: Attrs } {
  const { plans, attrs } = datasetPlan(lv);
  return { byName: new Map(plans.map((p) => [p.spec.name, p])), attrs };
}

/**
 * Writes a multi-level pyramid of `input` (any path or URL `openDataset` opens) to the folder `output`
 * (`*.levels`; a local path, or an `s3://` URL with credentials and endpoint from the environment): level 0 at full resolution (or `0.link` with the input's absolute
 * path), level i downsampled by 2 from level i − 1 with `agg` ({@link levelDataset}), each level a
 * consolidated Zarr v2 store chunked by the tile size, and `.zlevels` written last (its `agg_methods` name
 * the aggregation each variable got, see `levelAggOf`). Everything goes to a hidden temporary sibling
 * that is swapped into place only on success (`swapInto`: an existing output is moved aside first and
 * removed last, so a kill never loses both); leftovers of killed runs are recovered first
 * (`recoverSiblings`). Aborted through `signal`, the temporary folder is removed (CANCELLED). The
 * distributed form is the executors' `levels` (`eocube level --executor redis://…`).
 * @throws EocubeError ALREADY_EXISTS (unless replace), INVALID_ARGUMENT (bad tile size, output
 *   name, link to a non-Zarr input), UNSUPPORTED (no regular grid), CANCELLED (aborted), plus the input's open errors.
 */
export async function writeLevels(input: string, output: string, options: WriteLevelsOptions = {}): Promise<LevelsResult> {
  try {
    return await levels(input, output, options);
  } catch (err) {
    throw interruptedError(err, options.signal, "eocube level", isUrl(output) ? output : resolve(output.replace(/\/+$/, "")));
  }
}

/**
 * The output of a plan as the file system of its parent folder (local, or an object store: `s3://bucket/p/x.levels`
 * → the s3 store at `bucket/p`, credentials and endpoint from the environment, AWS_*) and the folder's name in it.
 * @throws EocubeError INVALID_ARGUMENT for a malformed or unsupported URL.
 */
export function levelsOutputFs(plan: Pick<LevelsPlan, "output">): { fs: FileSystem; name: string } {
  const { fs, path } = fsAndPathFromUrl(plan.output);
  return { fs, name: path };
}

/**
 * Prepares the output folder of a plan in `fs` (its parent's, see {@link levelsOutputFs}): recovers what killed
 * runs left beside it, then refuses an existing output unless `replace`. Returns a fresh temporary sibling name.
 * @throws EocubeError ALREADY_EXISTS.
 */
export async function beginLevels(plan: LevelsPlan, fs: FileSystem, options: { signal?: AbortSignal } = {}): Promise<string> {
  const name = levelsOutputFs(plan).name;
  // what killed runs left beside the output: restore an old pyramid caught mid-swap, remove temporary folders
  await recoverSiblings(fs, name, { signal: options.signal });
  if ((await storeExists(fs, name, { signal: options.signal })) && !plan.replace) {
    throw new EocubeError("ALREADY_EXISTS", `${plan.output} exists`, { path: plan.output, hint: "pass --replace to overwrite it" });
  }
  return siblingPath(name, "tmp");
}

/** Writes `.zlevels` into the finished temporary folder and swaps it into place (see {@link writeLevels}). */
export async function commitLevels(plan: LevelsPlan, fs: FileSystem, tmpName: string, options: { signal?: AbortSignal } = {}) {
  await fs.put(`${tmpName}/.zlevels`, new TextEncoder().encode(JSON.stringify(plan.zlevels, null, 2)), { signal: options.signal });
  throwIfAborted(options.signal);
  await swapInto(fs, tmpName, levelsOutputFs(plan).name);
}

/** The result of a written plan. */
export function levelsResult(plan: LevelsPlan): LevelsResult {
  return { output: plan.output, num_levels: plan.numLevels, tile_size: plan.tileSize, levels: plan.levels, notes: plan.notes };
}

async function levels(input: string, output: string, options: WriteLevelsOptions): Promise<LevelsResult> {
  const opened = await openLevels(input, output, options);
  const { plan, ds } = opened;
  try {
    const { fs } = levelsOutputFs(plan);
    const tmpName = await beginLevels(plan, fs, options);
    const n = plan.numLevels;
    // progress in pixels: each level weighs its grid's pixels (level 0 nothing when linked)
    const totalPixels = plan.levels.reduce((a, l) => a + levelPixels(plan, l.level), 0);
    let donePixels = 0;
    const progressOf = (i: number) =>
      options.onProgress
        ? (done: number, total: number) =>
            options.onProgress?.({ done: donePixels + (levelPixels(plan, i) * done) / total, total: totalPixels, level: i, numLevels: n })
        : undefined;
    const levelDone = (i: number) => {
      donePixels += levelPixels(plan, i);
      options.onProgress?.({ done: donePixels, total: totalPixels, level: i, numLevels: n });
      options.onLevel?.(i, n);
    };
    try {
      if (plan.link) await fs.put(`${tmpName}/0.link`, new TextEncoder().encode(plan.source));
      else
        await writeDataset(await levelDataset(plan, ds, 0), fs, levelKey(tmpName, 0), {
          signal: options.signal,
          onChunk: progressOf(0),
          inPlace: true,
        });
      levelDone(0);
      let prev: { ds: Dataset; close(): Promise<unknown> } | undefined;
      try {
        for (let i = 1; i < n; i++) {
          const lv = await levelDataset(plan, prev?.ds ?? ds, i, options);
          await writeDataset(lv, fs, levelKey(tmpName, i), { signal: options.signal, onChunk: progressOf(i), inPlace: true });
          await prev?.close();
          prev = i + 1 < n ? await openWrittenLevel(fs, tmpName, i, options) : undefined;
          levelDone(i);
        }
      } finally {
        await prev?.close();
      }
      await commitLevels(plan, fs, tmpName, options);
    } catch (err) {
      await fs.delete(`${tmpName}/`).catch(() => undefined);
      throw err;
    }
    return levelsResult(plan);
  } finally {
    await opened.close();
  }
}
