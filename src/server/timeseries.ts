// Time series of a variable at a point or aggregated over a polygon, read along time from only the
// chunks under the geometry; results are produced in order so that large ones can be streamed.
import { EocubeError, throwIfAborted } from "../core/errors.js";
import { toIsoString } from "../core/time.js";
import type { ReadOptions } from "../core/variable.js";
import type { DatasetsContext, ServedDataset } from "./datasets.js";
import { pointPixel, polygonMasks, type Geometry } from "./geojson.js";
import { readWindow, toFloatValues, type SliceRef } from "./levels.js";
import { parseTimeLabel, timeRangeIndices } from "./slices.js";

/** Spatial aggregation methods (xcube's names). */
export const AGG_METHODS = ["mean", "median", "std", "min", "max", "count"] as const;
/** One aggregation method. */
export type AggMethod = (typeof AGG_METHODS)[number];

/** One time-series entry: `time` (ISO 'Z') plus one key per aggregation method (null = no data). */
export type TimeSeriesValue = Record<string, string | number | null>;

/** Options of {@link timeSeries}. */
export interface TimeSeriesOptions extends ReadOptions {
  aggMethods: AggMethod[];
  /** ISO start/end (inclusive, compared at the label's precision: see `timeRangeIndices`) of the time range. */
  startDate?: string;
  endDate?: string;
  /** undefined: all steps (missing as null); −1: only valid steps; n > 0: the n most recent valid steps. */
  maxValids?: number;
}

/**
 * Parses `aggMethods` ("mean,median" or a list) [default ["mean"]].
 * @throws EocubeError INVALID_PARAMS naming the allowed methods.
 */
export function parseAggMethods(value: unknown): AggMethod[] {
  if (value === undefined || value === "") return ["mean"];
  const list = (Array.isArray(value) ? value : String(value).split(",")).map((s) => String(s).trim()).filter(Boolean);
  for (const m of list) {
    if (!(AGG_METHODS as readonly string[]).includes(m)) {
      throw new EocubeError("INVALID_PARAMS", `unknown aggregation method ${JSON.stringify(m.slice(0, 40))}`, { field: "aggMethods", hint: `use ${AGG_METHODS.join(", ")}` });
    }
  }
  return [...new Set(list)] as AggMethod[];
}

/** Statistics of the finite values of `vals` where `mask` is 1 (all when mask is undefined). */
export function aggregate(vals: Float64Array, mask: Uint8Array | undefined, methods: readonly AggMethod[]): Record<string, number | null> {
  let n = 0, sum = 0, min = Infinity, max = -Infinity;
  const needMedian = methods.includes("median");
  const kept: number[] = [];
  for (let k = 0; k < vals.length; k++) {
    if (mask && !mask[k]) continue;
    const v = vals[k]!;
    if (v !== v) continue;
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
    if (needMedian) kept.push(v);
  }
  const mean = n > 0 ? sum / n : NaN;
  let std = NaN;
  if (n > 0 && methods.includes("std")) {
    let ss = 0;
    for (let k = 0; k < vals.length; k++) {
      if (mask && !mask[k]) continue;
      const v = vals[k]!;
      if (v === v) ss += (v - mean) * (v - mean);
    }
    std = Math.sqrt(ss / n);
  }
  let median = NaN;
  if (n > 0 && needMedian) {
    kept.sort((a, b) => a - b);
    median = n % 2 ? kept[(n - 1) / 2]! : (kept[n / 2 - 1]! + kept[n / 2]!) / 2;
  }
  const out: Record<string, number | null> = {};
  const fin = (x: number) => (Number.isFinite(x) ? x : null);
  for (const m of methods) {
    out[m] = m === "count" ? n : fin({ mean, median, std, min, max }[m]);
  }
  return out;
}

/**
 * Yields the time series of `slice.variable` for one geometry, oldest first (with maxValids > 0 the
 * most recent valid ones, still oldest first). Points take the pixel containing them; polygons
 * aggregate the pixels whose centres lie inside. A geometry outside the grid yields nothing.
 * `slice.fixed` gives the indices of non-time, non-spatial dims; its entry for time is replaced.
 * @throws EocubeError INVALID_PARAMS/OUT_OF_RANGE for bad dates (startDate after endDate: INVALID_PARAMS) or maxValids; INVALID_PARAMS (field `varName`)
 *   when the variable has no time dimension.
 */
export async function* timeSeries(ctx: DatasetsContext, sd: ServedDataset, slice: SliceRef, geometry: Geometry, opts: TimeSeriesOptions): AsyncGenerator<TimeSeriesValue> {
  if (!sd.times || !sd.timeName || !slice.variable.dims.includes(sd.timeName)) {
    throw new EocubeError("INVALID_PARAMS", `variable ${JSON.stringify(slice.variable.name)} of dataset ${JSON.stringify(sd.entry.id)} has no time dimension, so it has no time series`, {
      field: "varName",
      hint: `use a variable with a time dimension, or POST /statistics/${sd.entry.id}/${slice.variable.name} for its values over the geometry`,
    });
  }
  const mv = opts.maxValids;
  if (mv !== undefined && !(mv === -1 || (Number.isInteger(mv) && mv > 0))) {
    throw new EocubeError("INVALID_PARAMS", `maxValids must be -1 or a positive integer, was ${mv}`, { field: "maxValids" });
  }
  if (opts.startDate && opts.endDate) {
    const a = parseTimeLabel(opts.startDate, "startDate");
    const b = parseTimeLabel(opts.endDate, "endDate");
    if (a.ms > b.ms) {
      throw new EocubeError("INVALID_PARAMS", `startDate ${opts.startDate.slice(0, 40)} is after endDate ${opts.endDate.slice(0, 40)}`, { field: "startDate", hint: "give startDate ≤ endDate (both inclusive)" });
    }
  }
  const [t0, t1] = timeRangeIndices(sd.times, opts.startDate, opts.endDate);
  const v = slice.variable;
  const nonSpatial = v.dims.filter((d) => d !== slice.xDim && d !== slice.yDim);
  const tPos = nonSpatial.indexOf(sd.timeName);
  const methods = opts.aggMethods;

  // windows [r0, r1) × [c0, c1) under the geometry (two for a polygon crossing the longitude seam); the
  // values of one step are the windows' values one after the other, as is the mask
  let windows: { r0: number; r1: number; c0: number; c1: number }[];
  let mask: Uint8Array | undefined;
  if (geometry.type === "Point") {
    const px = pointPixel(sd.gm, geometry.coordinates[0], geometry.coordinates[1]);
    if (!px) return;
    const [r, c] = px;
    windows = [{ r0: r, r1: r + 1, c0: c, c1: c + 1 }];
  } else {
    const parts = polygonMasks(sd.gm, geometry.polygons);
    if (parts.length === 0) return;
    windows = parts;
    mask = parts.length === 1 ? parts[0]!.mask : concat(parts.map((p) => p.mask), Uint8Array);
  }
  const timeChunk = v.chunks[v.dims.indexOf(sd.timeName)] ?? 1;

  // values of one time step
  const stepValues = async (t: number): Promise<Float64Array> => {
    const fixed = slice.fixed.slice();
    fixed[tPos] = t;
    const parts = await Promise.all(windows.map((w) => readWindow(ctx.chunkCache, sd.levels, 0, { ...slice, fixed }, w.r0, w.r1, w.c0, w.c1, opts)));
    return parts.length === 1 ? parts[0]! : concat(parts, Float64Array);
  };
  // values of a block of time steps [ta, tb) read at once (time-chunked storage), step-major
  const blockValues = async (ta: number, tb: number): Promise<Float64Array[]> => {
    if (timeChunk <= 1) return Promise.all(Array.from({ length: tb - ta }, (_, k) => stepValues(ta + k)));
    const perWindow = await Promise.all(windows.map(async ({ r0, r1, c0, c1 }) => {
      // the time range, the window's rows and columns, and the fixed index of every other dimension
      // (slice.fixed holds one index per non-spatial dimension, time included, in the variable's order)
      let k = 0;
      const sel = v.dims.map((d) => {
        if (d === slice.yDim) return [r0, r1] as [number, number];
        if (d === slice.xDim) return [c0, c1] as [number, number];
        const i = slice.fixed[k++]!;
        return d === sd.timeName ? ([ta, tb] as [number, number]) : i;
      });
      const arr = await v.read(sel, opts);
      const all = toFloatValues(arr, v);
      return stepMajor(all, v.dims.filter((d) => d === sd.timeName || d === slice.yDim || d === slice.xDim), sd.timeName!, slice.yDim, slice.xDim, tb - ta, r1 - r0, c1 - c0);
    }));
    return Array.from({ length: tb - ta }, (_, s) => (perWindow.length === 1 ? perWindow[0]![s]! : concat(perWindow.map((w) => w[s]!), Float64Array)));
  };

  const block = Math.max(timeChunk, 8);
  const entry = (t: number, vals: Float64Array): TimeSeriesValue | undefined => {
    const agg = aggregate(vals, mask, methods.includes("count") ? methods : [...methods, "count"]);
    const valid = (agg.count as number) > 0;
    if (!valid && mv !== undefined) return undefined;
    const out: TimeSeriesValue = {};
    for (const m of methods) out[m] = agg[m] ?? null;
    out.count = agg.count!;
    out.time = toIsoString(sd.times![t]!);
    return out;
  };

  if (mv !== undefined && mv > 0) {
    const found: TimeSeriesValue[] = [];
    for (let tb = t1 + 1; tb > t0 && found.length < mv; tb -= block) {
      throwIfAborted(opts.signal);
      const ta = Math.max(t0, tb - block);
      const vals = await blockValues(ta, tb);
      for (let t = tb - 1; t >= ta && found.length < mv; t--) {
        const e = entry(t, vals[t - ta]!);
        if (e) found.push(e);
      }
    }
    yield* found.reverse();
    return;
  }
  for (let ta = t0; ta <= t1; ta += block) {
    throwIfAborted(opts.signal);
    const tb = Math.min(t1 + 1, ta + block);
    const vals = await blockValues(ta, tb);
    for (let t = ta; t < tb; t++) {
      const e = entry(t, vals[t - ta]!);
      if (e) yield e;
    }
  }
}

/**
 * Splits values read as the kept dimensions `kept` (time, y and x in any order, C order) into one
 * `[rows, cols]` array per time step.
 */
function stepMajor(all: Float64Array, kept: string[], tDim: string, yDim: string, xDim: string, nt: number, nr: number, nc: number): Float64Array[] {
  const n = nr * nc;
  if (kept[0] === tDim && kept[1] === yDim) return Array.from({ length: nt }, (_, s) => all.subarray(s * n, (s + 1) * n));
  const size: Record<string, number> = { [tDim]: nt, [yDim]: nr, [xDim]: nc };
  const stride: Record<string, number> = {};
  let st = 1;
  for (let i = kept.length - 1; i >= 0; i--) {
    stride[kept[i]!] = st;
    st *= size[kept[i]!]!;
  }
  const [sT, sY, sX] = [stride[tDim]!, stride[yDim]!, stride[xDim]!];
  return Array.from({ length: nt }, (_, s) => {
    const out = new Float64Array(n);
    for (let r = 0; r < nr; r++) for (let c = 0; c < nc; c++) out[r * nc + c] = all[s * sT + r * sY + c * sX]!;
    return out;
  });
}

/** The arrays one after the other. */
function concat<T extends Float64Array | Uint8Array>(parts: T[], Ctor: { new (n: number): T }): T {
  const out = new Ctor(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
