// Pyramid levels of a served dataset and chunk-wise reads of 2-D slices through the bounded chunk cache.
import type { Dataset } from "../core/dataset.js";
import { EocubeError, isEocubeError, throwIfAborted } from "../core/errors.js";
import type { GeoTransform, GridMapping } from "../core/gridmapping.js";
import { numberAt, sizeOf, type NdArray } from "../core/ndarray.js";
import type { ReadOptions, Variable } from "../core/variable.js";
import type { LruCache } from "./cache.js";

/** Target tile size: derived levels stop once the whole grid fits into about one tile. */
const TILE = 256;
/** Largest chunk edge read at once; bigger native chunks (contiguous files) are read in windows of this size. */
const MAX_CHUNK = 1024;

/**
 * One level of a dataset's pyramid. Level 0 is the base grid; coarser levels come from the dataset's
 * `overviews` (COG overviews, `.levels`) or are derived from the base by nearest sampling at level-pixel
 * centres (base pixel `i·f + ⌊f/2⌋` for factor f).
 */
export interface Level {
  index: number;
  width: number;
  height: number;
  /** Affine of pixel edges, in the dataset CRS. */
  transform: GeoTransform;
  /** Pixel size in CRS units, x then y (positive). */
  resolution: [number, number];
  /** The dataset holding this level's variables (base or overview); undefined for derived levels. */
  dataset?: Dataset;
  /** Decimation factor relative to the base (derived levels: 2^index). */
  factor: number;
}

/**
 * Builds the pyramid of a dataset: base, then overviews if the dataset has them, else derived levels
 * (halving until the grid fits a 256-px tile).
 */
export function buildLevels(ds: Dataset, gm: GridMapping): Level[] {
  const [x0, dx, , y0, , dy] = gm.transform;
  const levels: Level[] = [
    { index: 0, width: gm.width, height: gm.height, transform: gm.transform, resolution: [Math.abs(dx), Math.abs(dy)], dataset: ds, factor: 1 },
  ];
  const overviews = ds.overviews.filter((o) => o.dims[gm.xDim] !== undefined && o.dims[gm.yDim] !== undefined);
  if (overviews.length > 0) {
    for (const o of overviews) {
      const w = o.dims[gm.xDim]!;
      const h = o.dims[gm.yDim]!;
      const fx = gm.width / w;
      const fy = gm.height / h;
      levels.push({
        index: levels.length,
        width: w,
        height: h,
        transform: [x0, dx * fx, 0, y0, 0, dy * fy],
        resolution: [Math.abs(dx * fx), Math.abs(dy * fy)],
        dataset: o,
        factor: Math.max(fx, fy),
      });
    }
    return levels;
  }
  for (let k = 1; Math.max(gm.width, gm.height) / 2 ** (k - 1) > TILE && k < 24; k++) {
    const f = 2 ** k;
    levels.push({
      index: k,
      width: Math.ceil(gm.width / f),
      height: Math.ceil(gm.height / f),
      transform: [x0, dx * f, 0, y0, 0, dy * f],
      resolution: [Math.abs(dx * f), Math.abs(dy * f)],
      factor: f,
    });
  }
  return levels;
}

/** What identifies a 2-D slice: the dataset id, variable, and the indices of its non-spatial dimensions. */
export interface SliceRef {
  datasetId: string;
  /** The base variable (level 0). */
  variable: Variable;
  /** Index per non-spatial dimension, in the variable's dimension order. */
  fixed: number[];
  xDim: string;
  yDim: string;
}

/** Native chunk edges below this are grouped (strips, small tiles) so that one read covers ≥ 256 px. */
const MIN_CHUNK = 128;

/** One chunk edge as read: native, grouped up to ≥ 256 when small, cut to 512 when bigger than 1024. */
function effectiveChunk(native: number, size: number): number {
  let c = Math.max(1, Math.min(native, size));
  if (c < MIN_CHUNK) c *= Math.ceil(TILE / c);
  if (c > MAX_CHUNK) c = MAX_CHUNK / 2;
  return Math.min(c, size);
}

/**
 * Chunk edge lengths `[rows, cols]` read at once for a level: the native chunking, grouped when small
 * (GeoTIFF strips) and split when huge (contiguous NetCDF), so reads stay near 256…1024 px per edge.
 */
export function chunkShapeOf(level: Level, ref: SliceRef): [number, number] {
  if (!level.dataset) return [TILE, TILE];
  const v = level.dataset.data_vars[ref.variable.name] ?? ref.variable;
  const ch = v.chunks[v.dims.indexOf(ref.yDim)] ?? level.height;
  const cw = v.chunks[v.dims.indexOf(ref.xDim)] ?? level.width;
  return [effectiveChunk(ch, level.height), effectiveChunk(cw, level.width)];
}

/** Values as float64 with fill values still present in attrs (undecoded readers) turned into NaN. */
export function toFloatValues(arr: NdArray, v: Variable): Float64Array {
  const n = sizeOf(arr.shape);
  const out = new Float64Array(n);
  const fills: number[] = [];
  for (const key of ["_FillValue", "missing_value", "nodata"]) {
    const f = v.attrs[key];
    if (typeof f === "number" && !Number.isNaN(f)) fills.push(f);
  }
  const d = arr.data;
  if (d instanceof Float64Array || d instanceof Float32Array) out.set(d);
  else for (let i = 0; i < n; i++) out[i] = numberAt(d, i);
  if (fills.length > 0) for (let i = 0; i < n; i++) if (fills.includes(out[i]!)) out[i] = NaN;
  return out;
}

function wrapReadError(err: unknown, ref: SliceRef): unknown {
  if (isEocubeError(err)) return err;
  return new EocubeError("INTERNAL", `reading ${ref.variable.name} of dataset ${ref.datasetId} failed`, { cause: err });
}

/** Reads a window `[r0, r1) × [c0, c1)` of a level directly from its dataset (no cache). */
async function readDirect(level: Level, ref: SliceRef, r0: number, r1: number, c0: number, c1: number, options?: ReadOptions): Promise<Float64Array> {
  const v = level.dataset!.data_vars[ref.variable.name] ?? level.dataset!.coords[ref.variable.name];
  if (!v) throw new EocubeError("NOT_FOUND", `variable ${ref.variable.name} missing in level ${level.index}`, { field: ref.variable.name });
  let k = 0;
  const sel = v.dims.map((d) => (d === ref.yDim ? ([r0, r1] as [number, number]) : d === ref.xDim ? ([c0, c1] as [number, number]) : ref.fixed[k++]!));
  let arr: NdArray;
  try {
    arr = await v.read(sel, options);
  } catch (err) {
    throw wrapReadError(err, ref);
  }
  const vals = toFloatValues(arr, v);
  if (v.dims.indexOf(ref.xDim) < v.dims.indexOf(ref.yDim)) {
    // stored [x, y]: transpose to rows = y
    const h = r1 - r0;
    const w = c1 - c0;
    const t = new Float64Array(h * w);
    for (let c = 0; c < w; c++) for (let r = 0; r < h; r++) t[r * w + c] = vals[c * h + r]!;
    return t;
  }
  return vals;
}

/**
 * Reads one chunk `[cy, cx]` of a level's 2-D slice as float64 rows × cols (NaN = no data), through `cache`.
 * Derived levels read the base chunks under them (also cached) and sample level-pixel centres.
 */
export async function readChunk(cache: LruCache<Float64Array>, levels: Level[], li: number, ref: SliceRef, cy: number, cx: number, options?: ReadOptions): Promise<Float64Array> {
  // a chunk load is shared by every request that needs it (single flight): it runs with the cache's
  // shared signal, aborted only when every request waiting for it has gone; the caller's own signal
  // rejects its wait at once
  throwIfAborted(options?.signal);
  const chunk = await loadChunk(cache, levels, li, ref, cy, cx, options?.signal);
  throwIfAborted(options?.signal);
  return chunk;
}

function loadChunk(cache: LruCache<Float64Array>, levels: Level[], li: number, ref: SliceRef, cy: number, cx: number, signal?: AbortSignal): Promise<Float64Array> {
  const level = levels[li]!;
  const key = `${ref.datasetId}\u0000${li}\u0000${ref.variable.name}\u0000${ref.fixed.join(",")}\u0000${cy}\u0000${cx}`;
  return cache.getOrLoad(key, async (shared) => {
    const [ch, cw] = chunkShapeOf(level, ref);
    const r0 = cy * ch;
    const c0 = cx * cw;
    const r1 = Math.min(level.height, r0 + ch);
    const c1 = Math.min(level.width, c0 + cw);
    if (level.dataset) return readDirect(level, ref, r0, r1, c0, c1, { signal: shared });
    const base = levels[0]!;
    const f = level.factor;
    const half = Math.floor(f / 2);
    const rows = new Int32Array(r1 - r0);
    const cols = new Int32Array(c1 - c0);
    for (let i = 0; i < rows.length; i++) rows[i] = Math.min(base.height - 1, (r0 + i) * f + half);
    for (let j = 0; j < cols.length; j++) cols[j] = Math.min(base.width - 1, (c0 + j) * f + half);
    return sampleLevel(cache, levels, 0, ref, rows, cols, { signal: shared });
  }, signal ? { signal } : {});
}

/**
 * Gathers `values[rows[i], cols[j]]` of a level (all indices inside the level) into a rows × cols array,
 * reading each chunk under the sample points once.
 */
export async function sampleLevel(cache: LruCache<Float64Array>, levels: Level[], li: number, ref: SliceRef, rows: Int32Array, cols: Int32Array, options?: ReadOptions): Promise<Float64Array> {
  const level = levels[li]!;
  const [ch, cw] = chunkShapeOf(level, ref);
  const out = new Float64Array(rows.length * cols.length).fill(NaN);
  const rowChunks = new Map<number, number[]>();
  rows.forEach((r, i) => {
    if (r < 0) return;
    const k = Math.floor(r / ch);
    (rowChunks.get(k) ?? rowChunks.set(k, []).get(k)!).push(i);
  });
  const colChunks = new Map<number, number[]>();
  cols.forEach((c, j) => {
    if (c < 0) return;
    const k = Math.floor(c / cw);
    (colChunks.get(k) ?? colChunks.set(k, []).get(k)!).push(j);
  });
  const jobs: Promise<void>[] = [];
  for (const [cy, ris] of rowChunks) {
    for (const [cx, cjs] of colChunks) {
      jobs.push(
        readChunk(cache, levels, li, ref, cy, cx, options).then((chunk) => {
          const w = Math.min(level.width, (cx + 1) * cw) - cx * cw;
          for (const i of ris) {
            const rr = (rows[i]! - cy * ch) * w - cx * cw;
            const o = i * cols.length;
            for (const j of cjs) out[o + j] = chunk[rr + cols[j]!]!;
          }
        }),
      );
    }
  }
  await Promise.all(jobs);
  return out;
}

/**
 * Reads the window `[r0, r1) × [c0, c1)` of a level (inside the level) through the chunk cache, rows × cols;
 * each chunk's part is copied row by row.
 */
export async function readWindow(cache: LruCache<Float64Array>, levels: Level[], li: number, ref: SliceRef, r0: number, r1: number, c0: number, c1: number, options?: ReadOptions): Promise<Float64Array> {
  const level = levels[li]!;
  const [ch, cw] = chunkShapeOf(level, ref);
  const w = c1 - c0;
  const out = new Float64Array((r1 - r0) * w);
  const jobs: Promise<void>[] = [];
  for (let cy = Math.floor(r0 / ch); cy * ch < r1; cy++) {
    for (let cx = Math.floor(c0 / cw); cx * cw < c1; cx++) {
      jobs.push(
        readChunk(cache, levels, li, ref, cy, cx, options).then((chunk) => {
          const chunkW = Math.min(level.width, (cx + 1) * cw) - cx * cw;
          const ra = Math.max(r0, cy * ch), rb = Math.min(r1, (cy + 1) * ch);
          const ca = Math.max(c0, cx * cw), cb = Math.min(c1, (cx + 1) * cw);
          for (let r = ra; r < rb; r++) {
            const src = (r - cy * ch) * chunkW + (ca - cx * cw);
            out.set(chunk.subarray(src, src + (cb - ca)), (r - r0) * w + (ca - c0));
          }
        }),
      );
    }
  }
  await Promise.all(jobs);
  return out;
}
