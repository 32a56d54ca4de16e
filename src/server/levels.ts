// Pyramid levels of a served dataset and chunk-wise reads of 2-D slices through the bounded chunk cache,
// within the read budget of read-budget.ts (decimated when a tile would cost more).
import { formatBytes } from "../core/bytes.js";
import type { Dataset } from "../core/dataset.js";
import { EocubeError, isEocubeError, throwIfAborted } from "../core/errors.js";
import type { GeoTransform, GridMapping } from "../core/gridmapping.js";
import { numberAt, sizeOf, type NdArray } from "../core/ndarray.js";
import type { ReadOptions, Variable } from "../core/variable.js";
import { variableOn } from "../expr/variable.js";
import { readPooled } from "../ops/buffers.js";
import type { LruCache } from "./cache.js";
import { MAX_WINDOW_VALUES, READ_BUDGET, readGate, readUnitOf, thinSamples, unitBudget, unitsAlong, type ReadUnit } from "./read-budget.js";

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
    {
      index: 0,
      width: gm.width,
      height: gm.height,
      transform: gm.transform,
      resolution: [Math.abs(dx), Math.abs(dy)],
      dataset: ds,
      factor: 1,
    },
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

/** The part of the read budget one chunk of a derived level may use when it is sampled from the base. */
const DERIVED_SHARE = 1 / 4;

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
  const v = variableOn(level.dataset, ref.variable) ?? ref.variable;
  const ch = v.chunks[v.dims.indexOf(ref.yDim)] ?? level.height;
  const cw = v.chunks[v.dims.indexOf(ref.xDim)] ?? level.width;
  return [effectiveChunk(ch, level.height), effectiveChunk(cw, level.width)];
}

/** The integers `a, a + 1, …, b − 1`. */
function* range(a: number, b: number): Generator<number> {
  for (let i = a; i < b; i++) yield i;
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

/** The level's own variable of a slice (an overview's, or the base's; a user variable computed from the level's variables). */
function levelVariable(level: Level, ref: SliceRef): Variable {
  const v = variableOn(level.dataset!, ref.variable);
  if (!v) throw new EocubeError("NOT_FOUND", `variable ${ref.variable.name} missing in level ${level.index}`, { field: ref.variable.name });
  return v;
}

/** The read unit of a level with a dataset (stored chunks, or its read windows when contiguous). */
function unitOf(level: Level, ref: SliceRef): ReadUnit {
  return readUnitOf(level.dataset!, levelVariable(level, ref), ref.yDim, ref.xDim, chunkShapeOf(level, ref));
}

/** What a slice is called in messages. */
const nameOf = (ref: SliceRef) => `variable ${ref.variable.name} of dataset ${ref.datasetId}`;

/**
 * Reads a window `[r0, r1) × [c0, c1)` of a level directly from its dataset (no cache), through the
 * process-wide read gate (counted as the stored chunks it decodes plus its float64 copy).
 */
async function readDirect(
  level: Level,
  ref: SliceRef,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  options?: ReadOptions,
): Promise<Float64Array> {
  const v = levelVariable(level, ref);
  const unit = unitOf(level, ref);
  const decoded = unit.chunked
    ? unitsAlong(r0, r1, unit.rows) * unitsAlong(c0, c1, unit.cols) * unit.bytes
    : (r1 - r0) * (c1 - c0) * (unit.bytes / (unit.rows * unit.cols));
  return readGate.run(decoded + (r1 - r0) * (c1 - c0) * 8, () => readDirectNow(v, ref, r0, r1, c0, c1, options));
}

async function readDirectNow(
  v: Variable,
  ref: SliceRef,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  options?: ReadOptions,
): Promise<Float64Array> {
  throwIfAborted(options?.signal);
  let k = 0;
  const sel = v.dims.map((d) =>
    d === ref.yDim ? ([r0, r1] as [number, number]) : d === ref.xDim ? ([c0, c1] as [number, number]) : ref.fixed[k++]!,
  );
  // the raw values are copied into float64 at once: read into a kept buffer (no fresh allocation per tile)
  let read: Awaited<ReturnType<typeof readPooled>>;
  try {
    read = await readPooled(v, sel, (r1 - r0) * (c1 - c0), options);
  } catch (err) {
    throw wrapReadError(err, ref);
  }
  let vals: Float64Array;
  try {
    vals = toFloatValues(read.block, v);
  } finally {
    read.done();
  }
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
export async function readChunk(
  cache: LruCache<Float64Array>,
  levels: Level[],
  li: number,
  ref: SliceRef,
  cy: number,
  cx: number,
  options?: ReadOptions,
): Promise<Float64Array> {
  // a chunk load is shared by every request that needs it (single flight): it runs with the cache's
  // shared signal, aborted only when every request waiting for it has gone; the caller's own signal
  // rejects its wait at once
  throwIfAborted(options?.signal);
  const chunk = await loadChunk(cache, levels, li, ref, cy, cx, options?.signal);
  throwIfAborted(options?.signal);
  return chunk;
}

function loadChunk(
  cache: LruCache<Float64Array>,
  levels: Level[],
  li: number,
  ref: SliceRef,
  cy: number,
  cx: number,
  signal?: AbortSignal,
): Promise<Float64Array> {
  const level = levels[li]!;
  const key = `${ref.datasetId}\u0000${li}\u0000${ref.variable.name}\u0000${ref.fixed.join(",")}\u0000${cy}\u0000${cx}`;
  return cache.getOrLoad(
    key,
    async (shared) => {
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
      return sampleLevel(cache, levels, 0, ref, rows, cols, { signal: shared }, DERIVED_SHARE);
    },
    signal ? { signal } : {},
  );
}

/** Sample positions (indices into `values`, negatives skipped) grouped by `Math.floor(value / edge)`, in group order. */
function groupSamples(values: Int32Array, edge: number): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  values.forEach((v, i) => {
    if (v < 0) return;
    const k = Math.floor(v / edge);
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(i);
  });
  return new Map([...groups].sort((a, b) => a[0] - b[0]));
}

/** Stored units (and pixels) that reading the whole effective chunks `keys` of edge `edge` along one axis of size `size` costs. */
function alongChunks(keys: Iterable<number>, edge: number, size: number, unit: number): { units: number; pixels: number } {
  let units = 0,
    pixels = 0;
  for (const k of keys) {
    const a = k * edge,
      b = Math.min(size, a + edge);
    units += unitsAlong(a, b, unit);
    pixels += b - a;
  }
  return { units, pixels };
}

/**
 * Gathers `values[rows[i], cols[j]]` of a level (all indices inside the level; negative = outside, NaN) into
 * a rows × cols array, within {@link READ_BUDGET}:
 * - dense: when the samples use most of the (effective) chunks under them and those fit the budget, the
 *   chunks are read whole through the chunk cache (also shared with other tiles);
 * - sparse: otherwise each stored chunk under the samples is read once, just the window of its samples,
 *   uncached; when even those chunks are more than the budget, only an even selection of chunk rows and
 *   columns is read and every other sample takes the value of the nearest sample read (a decimated picture).
 * Derived levels read their own (cached) chunks, each sampled from the base within a quarter of the budget
 * (a tile of 256 px covers one to nine of them, mostly four).
 * @param share the part of the budget this call may use [1]
 * @throws EocubeError TOO_LARGE when a single stored chunk decodes to more than the budget; read errors.
 */
export async function sampleLevel(
  cache: LruCache<Float64Array>,
  levels: Level[],
  li: number,
  ref: SliceRef,
  rows: Int32Array,
  cols: Int32Array,
  options?: ReadOptions,
  share = 1,
): Promise<Float64Array> {
  const level = levels[li]!;
  const [ch, cw] = chunkShapeOf(level, ref);
  const out = new Float64Array(rows.length * cols.length).fill(NaN);
  const rowChunks = groupSamples(rows, ch);
  const colChunks = groupSamples(cols, cw);
  if (rowChunks.size === 0 || colChunks.size === 0) return out;
  if (level.dataset) {
    const unit = unitOf(level, ref);
    const budget = unitBudget(unit, nameOf(ref), share);
    const ry = alongChunks(rowChunks.keys(), ch, level.height, unit.rows);
    const rx = alongChunks(colChunks.keys(), cw, level.width, unit.cols);
    let samples = 0;
    for (const g of rowChunks.values()) samples += g.length;
    let sampleCols = 0;
    for (const g of colChunks.values()) sampleCols += g.length;
    samples *= sampleCols;
    if (ry.units * rx.units > budget || samples * 4 < ry.pixels * rx.pixels) {
      await sampleSparse(level, ref, unit, budget, rows, cols, out, options);
      return out;
    }
  }
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

/** Reads at most this many stored chunks of one sparse sampling at once (the read gate bounds all of them together). */
const SPARSE_CONCURRENCY = 8;
/**
 * The fixed cost of one read in pixels of its window (a call into the reader; for HDF5 a round trip to its
 * worker process): the samples of a unit are read row by row instead of as one window when the rows' pixels
 * plus this per read are fewer than the window's (far-apart samples in a big chunk).
 */
const READ_COST_PX = 65_536;

/**
 * The sparse (decimated) path of {@link sampleLevel}: one uncached read per stored unit under the samples
 * (the window of its samples), at most `budget` units (thinned evenly, nearest sample for the rest).
 */
async function sampleSparse(
  level: Level,
  ref: SliceRef,
  unit: ReadUnit,
  budget: number,
  rows: Int32Array,
  cols: Int32Array,
  out: Float64Array,
  options?: ReadOptions,
): Promise<void> {
  let rowGroups = [...groupSamples(rows, unit.rows).values()];
  let colGroups = [...groupSamples(cols, unit.cols).values()];
  let rowRep: Int32Array | undefined;
  let colRep: Int32Array | undefined;
  const R = rowGroups.length,
    C = colGroups.length;
  if (R * C > budget) {
    const s = Math.sqrt(budget / (R * C));
    const keepR = Math.max(1, Math.min(R, Math.floor(R * s)));
    const keepC = Math.max(1, Math.min(C, Math.floor(budget / keepR)));
    ({ groups: rowGroups, rep: rowRep } = thinSamples(rows, rowGroups, keepR));
    ({ groups: colGroups, rep: colRep } = thinSamples(cols, colGroups, keepC));
  }
  const n = cols.length;
  const tasks: [number[], number[]][] = [];
  for (const rg of rowGroups) for (const cg of colGroups) tasks.push([rg, cg]);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const [rg, cg] = tasks[next++]!;
      let r0 = Infinity,
        r1 = -Infinity,
        c0 = Infinity,
        c1 = -Infinity;
      for (const p of rg) {
        r0 = Math.min(r0, rows[p]!);
        r1 = Math.max(r1, rows[p]! + 1);
      }
      for (const q of cg) {
        c0 = Math.min(c0, cols[q]!);
        c1 = Math.max(c1, cols[q]! + 1);
      }
      const w = c1 - c0;
      const sampleRows = new Set(rg.map((p) => rows[p]!)).size;
      if (sampleRows * (READ_COST_PX + w) >= (r1 - r0) * w) {
        // the window of the unit's samples at once
        const vals = await readDirect(level, ref, r0, r1, c0, c1, options);
        for (const p of rg) {
          const o = p * n,
            rr = (rows[p]! - r0) * w - c0;
          for (const q of cg) out[o + q] = vals[rr + cols[q]!]!;
        }
        continue;
      }
      // samples far apart inside the unit: one row strip per sample row instead of the whole window
      const byRow = new Map<number, number[]>();
      for (const p of rg) (byRow.get(rows[p]!) ?? byRow.set(rows[p]!, []).get(rows[p]!)!).push(p);
      for (const [r, ps] of byRow) {
        const vals = await readDirect(level, ref, r, r + 1, c0, c1, options);
        for (const p of ps) for (const q of cg) out[p * n + q] = vals[cols[q]! - c0]!;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SPARSE_CONCURRENCY, tasks.length) }, worker));
  if (!rowRep && !colRep) return;
  // samples not read take the value of the nearest sample read
  for (let i = 0; i < rows.length; i++) {
    if (rows[i]! < 0) continue;
    const ri = rowRep ? rowRep[i]! : i;
    for (let j = 0; j < n; j++) {
      if (cols[j]! < 0) continue;
      const cj = colRep ? colRep[j]! : j;
      if (ri !== i || cj !== j) out[i * n + j] = out[ri * n + cj]!;
    }
  }
}

/**
 * Reads the window `[r0, r1) × [c0, c1)` of a level (inside the level) through the chunk cache, rows × cols;
 * each chunk's part is copied row by row.
 */
export async function readWindow(
  cache: LruCache<Float64Array>,
  levels: Level[],
  li: number,
  ref: SliceRef,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  options?: ReadOptions,
): Promise<Float64Array> {
  const level = levels[li]!;
  const [ch, cw] = chunkShapeOf(level, ref);
  const w = c1 - c0;
  const values = (r1 - r0) * w;
  if (values > MAX_WINDOW_VALUES) {
    throw new EocubeError(
      "TOO_LARGE",
      `a window of ${r1 - r0}×${w} pixels (${values.toLocaleString("en-US")} values) of ${nameOf(ref)} is more than the ${MAX_WINDOW_VALUES.toLocaleString("en-US")} values one read may hold`,
      {
        field: "geometry",
        hint: "use a smaller area (geometry, bbox)",
      },
    );
  }
  if (level.dataset && values > 0) {
    // whole (effective) chunks through the cache when they fit the budget; else the window alone, uncached
    const unit = unitOf(level, ref);
    const budget = unitBudget(unit, nameOf(ref));
    const dense =
      alongChunks(range(Math.floor(r0 / ch), Math.ceil(r1 / ch)), ch, level.height, unit.rows).units *
      alongChunks(range(Math.floor(c0 / cw), Math.ceil(c1 / cw)), cw, level.width, unit.cols).units;
    if (dense > budget) {
      const direct = unit.chunked ? unitsAlong(r0, r1, unit.rows) * unitsAlong(c0, c1, unit.cols) : dense;
      if (direct > budget) {
        throw new EocubeError(
          "TOO_LARGE",
          `a window of ${r1 - r0}×${w} pixels of ${nameOf(ref)} needs ${direct.toLocaleString("en-US")} stored chunks of ${unit.rows}×${unit.cols} pixels (${formatBytes(direct * unit.bytes)}), more than one read may decode (${Math.min(budget, READ_BUDGET.chunks).toLocaleString("en-US")} chunks, ${formatBytes(READ_BUDGET.bytes)})`,
          {
            field: "geometry",
            hint: "use a smaller area, or rechunk the data into chunks of a few hundred pixels per side (eocube gen)",
          },
        );
      }
      return readDirect(level, ref, r0, r1, c0, c1, options);
    }
  }
  const out = new Float64Array(values);
  const jobs: Promise<void>[] = [];
  for (let cy = Math.floor(r0 / ch); cy * ch < r1; cy++) {
    for (let cx = Math.floor(c0 / cw); cx * cw < c1; cx++) {
      jobs.push(
        readChunk(cache, levels, li, ref, cy, cx, options).then((chunk) => {
          const chunkW = Math.min(level.width, (cx + 1) * cw) - cx * cw;
          const ra = Math.max(r0, cy * ch),
            rb = Math.min(r1, (cy + 1) * ch);
          const ca = Math.max(c0, cx * cw),
            cb = Math.min(c1, (cx + 1) * cw);
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
