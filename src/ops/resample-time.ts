// resampleInTime: lazily aggregate a dataset over calendar periods ("8D", "1M"), NaN-aware, with time_bnds.
import { giveBuffer, readPooled, takeBuffer } from "./buffers.js";
import { Dataset } from "../core/dataset.js";
import { EocubeError } from "../core/errors.js";
import { allocate, isFloat, sizeOf, type DType, type NdArray } from "../core/ndarray.js";
import type { Selection } from "../core/selection.js";
import type { Encoding, Variable } from "../core/variable.js";
import { readCoord } from "./coords.js";
import { foldSimd, STRIP } from "./fold-simd.js";
import { timeDim } from "../core/coords.js";
import { isoDuration } from "../core/time.js";
import { memoryVariable } from "./grid.js";
import type { NumArray } from "./kernels.js";
import { dropDims, normSel, numericValues } from "./lazy.js";
import { isFlagVariable } from "./resample-space.js";
import { parsePeriod, periodBins, type Period } from "./time.js";

/** Aggregation methods of {@link resampleInTime} (xarray's resample reductions, `skipna=True`). */
export type TimeMethod = "mean" | "min" | "max" | "median" | "sum" | "count" | "first" | "last" | "std";

/** The methods, for schemas and messages. */
export const TIME_METHODS: readonly TimeMethod[] = ["mean", "min", "max", "median", "sum", "count", "first", "last", "std"];

/** Options of {@link resampleInTime}. */
export interface ResampleInTimeOptions {
  /** Period: `"1D"`, `"8D"`, `"1W"`, `"1M"`, `"1Y"`, `"3H"` (see `parsePeriod`). */
  period: string;
  /** Method for all variables or per variable name (default `mean`; flag variables use `first`). */
  method?: TimeMethod | Record<string, TimeMethod>;
  signal?: AbortSignal;
}

/**
 * Aggregates every data variable having the time dimension (it must be the first dim) over the
 * bins of `period` (see `periodBins`: fixed periods start at midnight of the first day, months and
 * years on calendar boundaries). NaN values are skipped (`skipna` like xarray; all-NaN → NaN,
 * `count` → 0, `sum` → 0). `std` is the population standard deviation (ddof = 0, xarray's default).
 * The output `time` is the bin start (xarray's label for "8D", "1MS", "1YS"), with `time_bnds`
 * `[start, end)`; empty bins between the first and last time are kept (NaN).
 * Output dtypes: floats keep theirs; integers give float64 for mean/median/std/sum, int32 for count,
 * and their own dtype for min/max/first/last.
 * @throws EocubeError INVALID_ARGUMENT for a bad period or method; UNSUPPORTED without a time dim.
 */
export async function resampleInTime(ds: Dataset, options: ResampleInTimeOptions): Promise<Dataset> {
  const period: Period = parsePeriod(options.period);
  const td = timeDim(ds);
  if (!td) throw new EocubeError("UNSUPPORTED", "the dataset has no time dimension to resample", { field: "time_period" });
  const t = await readCoord(ds, td, options.signal);
  if (t.length === 0) throw new EocubeError("OUT_OF_RANGE", "the dataset has no time steps", { field: "time" });
  for (let i = 1; i < t.length; i++) {
    if (!(t[i]! >= t[i - 1]!)) throw new EocubeError("UNSUPPORTED", "the time coordinate is not sorted ascending", { field: td });
  }
  const bins = periodBins(period, t[0]!, t[t.length - 1]!);
  // members of bin b: source indices [start[b], stop[b])
  const start = new Int32Array(bins.length);
  const stop = new Int32Array(bins.length);
  let i = 0;
  bins.forEach(([a, b], k) => {
    while (i < t.length && t[i]! < a) i++;
    start[k] = i;
    while (i < t.length && t[i]! < b) i++;
    stop[k] = i;
  });
  const nb = bins.length;
  const times = new Float64Array(nb);
  const bnds = new Float64Array(nb * 2);
  bins.forEach(([a, b], k) => {
    times[k] = a;
    bnds[2 * k] = a;
    bnds[2 * k + 1] = b;
  });
  const srcTime = ds.coords[td];
  const coords: Record<string, Variable> = {};
  for (const [name, c] of Object.entries(ds.coords)) {
    if (name === td) {
      coords[td] = memoryVariable(
        td,
        [td],
        { data: times, shape: [nb], dtype: "datetime64[ns]" },
        {
          ...Object.fromEntries(Object.entries(srcTime?.attrs ?? {}).filter(([k]) => !["units", "calendar"].includes(k))),
          standard_name: "time",
          bounds: `${td}_bnds`,
        },
      );
      coords[`${td}_bnds`] = memoryVariable(`${td}_bnds`, [td, "bnds"], { data: bnds, shape: [nb, 2], dtype: "datetime64[ns]" });
    } else if (!c.dims.includes(td)) {
      coords[name] = c;
    }
  }
  const data_vars: Record<string, Variable> = {};
  for (const [name, v] of Object.entries(ds.data_vars)) {
    if (!v.dims.includes(td)) {
      data_vars[name] = v;
      continue;
    }
    if (name === `${td}_bnds` || name === "time_bnds") continue;
    if (v.dims[0] !== td) {
      throw new EocubeError("UNSUPPORTED", `variable ${name}: time must be its first dimension, got ${v.dims.join(", ")}`, { field: name });
    }
    let method = (typeof options.method === "string" ? options.method : options.method?.[name]) ?? "mean";
    if (!TIME_METHODS.includes(method)) {
      throw new EocubeError("INVALID_ARGUMENT", `unknown time aggregation method ${JSON.stringify(method)}`, {
        field: "method",
        hint: `use one of ${TIME_METHODS.join(", ")}`,
      });
    }
    if (isFlagVariable(v) && !["first", "last", "min", "max", "count"].includes(method)) method = "first";
    data_vars[name] = aggregatedVariable(v, nb, start, stop, method);
  }
  const attrs = { ...ds.attrs, time_coverage_resolution: isoDuration(period) };
  return new Dataset({ coords, data_vars, attrs, encoding: { ...ds.encoding } });
}

function outDtypeOf(dtype: DType, method: TimeMethod): DType {
  if (method === "count") return "int32";
  if (isFloat(dtype)) return dtype;
  if (["min", "max", "first", "last"].includes(method) && dtype !== "int64" && dtype !== "uint64") return dtype;
  return "float64";
}

function aggregatedVariable(v: Variable, nb: number, start: Int32Array, stop: Int32Array, method: TimeMethod): Variable {
  const shape = [nb, ...v.shape.slice(1)];
  const dtype = outDtypeOf(v.dtype, method);
  const attrs = { ...v.attrs };
  const encoding: Encoding = { ...v.encoding, dtype: undefined, chunks: undefined };
  attrs.cell_methods = `time: ${method === "mean" ? "mean" : method === "std" ? "standard_deviation" : method === "count" ? "sum" : method}`;
  if (method === "count") {
    delete attrs.units;
    delete attrs._FillValue;
    delete attrs.valid_min;
    delete attrs.valid_max;
    delete attrs.missing_value;
    // counts are never missing: no fill value (a NaN fill for int32 is invalid Zarr, xarray refuses it)
    delete encoding._FillValue;
    delete encoding.missing_value;
  }
  return v.with({
    shape,
    dtype,
    chunks: [1, ...v.chunks.slice(1)],
    attrs,
    encoding,
    readsInto: true, // aggregate writes every output value: an out buffer is the output block
    read: async (selection: Selection = [], readOptions) => {
      const { out: given, ...options } = readOptions ?? {}; // the input block's read gets a pooled buffer instead
      const norm = normSel(v.name, shape, selection);
      const b0 = norm[0]!.start;
      const b1 = norm[0]!.stop;
      const rest = norm.slice(1);
      const P = sizeOf(rest.map((d) => d.stop - d.start));
      const n = (b1 - b0) * P;
      const out = (given ? (given.length === n ? given : given.subarray(0, n)) : allocate(dtype, n)) as NumArray;
      const result: NdArray = { data: out, shape: norm.map((d) => d.stop - d.start), dtype };
      const s0 = start[b0]!;
      const s1 = b1 > b0 ? stop[b1 - 1]! : s0;
      const restSel = rest.map((d) => [d.start, d.stop] as [number, number]);
      if (s1 > s0 && P > 0 && isPlaneMethod(method)) {
        // fused: each step is read into one pooled plane and folded into the bin's accumulators at once, so a task holds
        // one plane instead of the block of all its steps (8-day mean: 2 MiB instead of up to 8 MiB per task); the
        // accumulators are this call's own (pooled): reads of other tasks may run between the awaits. A float64 output
        // is its own sum accumulator (the bin's part of `out`: same operations, same bits, one plane less), and counts of
        // bins of at most 255 steps are bytes
        const accInOut = out instanceof Float64Array;
        // a float64 input's first step of a bin is read straight into the bin's part of a float64 output and turned into
        // the accumulators (or the result) in place: no plane of its own to read, no accumulators to clear
        const firstInOut = accInOut && v.dtype === "float64" && method !== "count";
        const acc = accInOut ? undefined : (takeBuffer("float64", P) as Float64Array);
        let maxK = 0;
        for (let b = b0; b < b1; b++) maxK = Math.max(maxK, stop[b]! - start[b]!);
        const cnt = takeBuffer(maxK <= 255 ? "uint8" : "int32", P) as Counts;
        try {
          for (let b = b0; b < b1; b++) {
            const k = stop[b]! - start[b]!;
            const accB = acc ?? (out as Float64Array).subarray((b - b0) * P, (b - b0 + 1) * P);
            if (k === 0) {
              aggregate(method, undefined, 0, 0, P, out, (b - b0) * P, EMPTY_SCRATCH);
              continue;
            }
            for (let m = 0; m < k; m++) {
              if (m === 0 && firstInOut) {
                await v.read([[start[b]!, start[b]! + 1], ...restSel], { ...options, out: accB });
                const sums = method === "mean" || method === "sum";
                const done = sums
                  ? simdStrips(k === 1 && method === "mean" ? "onlyMean" : "first", undefined, accB, cnt, P, k > 1, false)
                  : 0;
                firstInPlace(method as Exclude<PlaneMethod, "count">, accB, P, cnt, k === 1, done);
                continue;
              }
              const read = await readPooled(v, [[start[b]! + m, start[b]! + m + 1], ...restSel], P, options);
              try {
                const src = numericValues(read.block);
                // the sums of a float64 step (not a bin's first) in WebAssembly, as far as it goes (all but an odd last value)
                const sums = m > 0 && (method === "mean" || method === "sum") && src instanceof Float64Array;
                if (m < k - 1) foldPlane(method, src, P, m, accB, cnt, sums ? simdStrips("fold", src, accB, cnt, P, true, true) : 0);
                else {
                  const kernel = method === "mean" ? "lastMean" : "fold"; // the result in the sums: the bin's part of `out`
                  const done = sums && accInOut ? simdStrips(kernel, src as Float64Array, accB, cnt, P, false, true) : 0;
                  foldLastPlane(method, src, P, m, accB, cnt, out, (b - b0) * P, done);
                }
              } finally {
                read.done();
              }
            }
          }
        } finally {
          giveBuffer(acc);
          giveBuffer(cnt);
        }
        return dropDims(result, norm);
      }
      let src: NumArray | undefined;
      let done: () => void = () => {};
      if (s1 > s0 && P > 0) {
        // the input block (all the steps of the bins) goes into a pooled buffer: it is dropped once aggregated
        const read = await readPooled(v, [[s0, s1], ...restSel], (s1 - s0) * P, options);
        src = numericValues(read.block);
        done = read.done;
      }
      try {
        const scratch = new Float64Array(Math.max(1, s1 - s0));
        for (let b = b0; b < b1; b++) {
          aggregate(method, src, (start[b]! - s0) * P, stop[b]! - start[b]!, P, out, (b - b0) * P, scratch);
        }
      } finally {
        done();
      }
      return dropDims(result, norm);
    },
  });
}

/** Per-thread accumulators of {@link aggregatePlanes}, grown as needed. */
let accBuf = new Float64Array(0);
let cntBuf = new Int32Array(0);
const EMPTY_SCRATCH = new Float64Array(1);

type PlaneMethod = "mean" | "sum" | "count" | "min" | "max";
/** Per-pixel counts of valid steps of a bin: bytes when a bin has at most 255 steps. */
type Counts = Int32Array | Uint8Array;
const isPlaneMethod = (m: TimeMethod): m is PlaneMethod => m === "mean" || m === "sum" || m === "count" || m === "min" || m === "max";

/**
 * Runs `kernel` of the WebAssembly fold module (fold-simd.ts) over the first ⌊P/2⌋·2 values, strip by strip: the
 * step's values `src` (when given), the sums `acc` and (`countsIn`) the counts are copied into the module's strips and
 * the sums and (`countsOut`) the counts copied back. The same operations per value as the JavaScript folds (same bits).
 * @returns how many values it did: 0 without the module or with counts of more than a byte (the caller does the rest)
 */
function simdStrips(
  kernel: "fold" | "first" | "lastMean" | "onlyMean",
  src: Float64Array | undefined,
  acc: Float64Array,
  cnt: Counts,
  P: number,
  countsOut: boolean,
  countsIn: boolean,
): number {
  const f = cnt instanceof Uint8Array ? foldSimd() : undefined;
  if (!f) return 0;
  const E = P - (P % 2);
  for (let o = 0; o < E; o += STRIP) {
    const n = Math.min(STRIP, E - o);
    if (src) f.src.set(src.subarray(o, o + n));
    f.acc.set(acc.subarray(o, o + n));
    if (countsIn) f.cnt.set(cnt.subarray(o, o + n));
    f[kernel](n);
    acc.set(f.acc.subarray(0, n), o);
    if (countsOut) cnt.set(f.cnt.subarray(0, n), o);
  }
  return E;
}

/**
 * Folds plane `m` (0 = the bin's first) of `P` values into the accumulators `acc`, `cnt` (≥ P each): the steps of
 * {@link aggregatePlanes} one plane at a time, so the same operations per pixel in the same order (same bits). Pixels
 * before `from` are left alone ({@link simdStrips} has done them; m > 0 only).
 */
function foldPlane(method: PlaneMethod, src: NumArray, P: number, m: number, acc: Float64Array, cnt: Counts, from = 0): void {
  if (method === "min" || method === "max") {
    if (m === 0) acc.fill(NaN, 0, P);
    if (method === "min") {
      for (let p = from; p < P; p++) {
        const x = src[p]!;
        if (x === x && !(x >= acc[p]!)) acc[p] = x;
      }
    } else {
      for (let p = from; p < P; p++) {
        const x = src[p]!;
        if (x === x && !(x <= acc[p]!)) acc[p] = x;
      }
    }
    return;
  }
  if (m === 0) {
    acc.fill(0, 0, P);
    cnt.fill(0, 0, P);
  }
  for (let p = from; p < P; p++) {
    const x = src[p]!;
    if (x === x) {
      acc[p] += x;
      cnt[p]++;
    }
  }
}

/**
 * The bin's first plane, already in `acc` (its first P values), turned in place into what {@link foldPlane} (m = 0)
 * makes of it — the sums (NaN → 0) and counts (0 or 1), or for min/max the plane with NaN as the no-value mark — or,
 * when it is the bin's only plane (`only`), into the result {@link foldLastPlane} (m = 0) writes: the same operations
 * per pixel (same bits: `0 + x` turns −0 into +0, any NaN becomes the canonical NaN). Pixels before `from` are left
 * alone ({@link simdStrips} has done them).
 */
function firstInPlace(method: Exclude<PlaneMethod, "count">, acc: Float64Array, P: number, cnt: Counts, only: boolean, from = 0): void {
  if (method === "min" || method === "max") {
    for (let p = from; p < P; p++) {
      const x = acc[p]!;
      acc[p] = x === x ? x : NaN;
    }
  } else if (only) {
    // (0 + x) / 1 is 0 + x; a sum of no value is 0
    const none = method === "mean" ? NaN : 0;
    for (let p = from; p < P; p++) {
      const x = acc[p]!;
      acc[p] = x === x ? 0 + x : none;
    }
  } else {
    for (let p = from; p < P; p++) {
      const x = acc[p]!;
      const valid = x === x;
      acc[p] = valid ? 0 + x : 0;
      cnt[p] = +valid;
    }
  }
}

/**
 * Folds the bin's last plane `m` (m = 0: the only one) and writes the result into `out[outOff + p]` in the same pass:
 * {@link foldPlane} then the last loop of {@link aggregatePlanes}, the same operations per pixel (same bits), without
 * another pass over the accumulators.
 * Pixels before `from` are left alone ({@link simdStrips} has done them; m > 0 only).
 */
function foldLastPlane(
  method: PlaneMethod,
  src: NumArray,
  P: number,
  m: number,
  acc: Float64Array,
  cnt: Counts,
  out: NumArray,
  outOff: number,
  from = 0,
): void {
  if (method === "min" || method === "max") {
    const isMin = method === "min";
    for (let p = from; p < P; p++) {
      const x = src[p]!;
      let a = m === 0 ? NaN : acc[p]!;
      if (isMin ? x === x && !(x >= a) : x === x && !(x <= a)) a = x;
      out[outOff + p] = a;
    }
    return;
  }
  if (method === "mean") {
    if (m === 0) {
      for (let p = from; p < P; p++) {
        const x = src[p]!;
        out[outOff + p] = x === x ? (0 + x) / 1 : NaN;
      }
      return;
    }
    for (let p = from; p < P; p++) {
      const x = src[p]!;
      let a = acc[p]!;
      let c = cnt[p]!;
      if (x === x) {
        a += x;
        c++;
      }
      out[outOff + p] = c ? a / c : NaN;
    }
    return;
  }
  for (let p = from; p < P; p++) {
    const x = src[p]!;
    let a = m === 0 ? 0 : acc[p]!;
    let c = m === 0 ? 0 : cnt[p]!;
    if (x === x) {
      a += x;
      c++;
    }
    out[outOff + p] = method === "sum" ? a : c;
  }
}

/**
 * Plane-by-plane (sequential memory) form of mean/sum/count/min/max: same order of operations per
 * pixel as the pixel-by-pixel loop, so the same results bit for bit.
 */
function aggregatePlanes(
  method: "mean" | "sum" | "count" | "min" | "max",
  src: NumArray,
  off: number,
  k: number,
  P: number,
  out: NumArray,
  outOff: number,
): void {
  if (accBuf.length < P) {
    accBuf = new Float64Array(P);
    cntBuf = new Int32Array(P);
  }
  const acc = accBuf;
  const cnt = cntBuf;
  if (method === "min" || method === "max") {
    acc.fill(NaN, 0, P);
    const isMin = method === "min";
    for (let m = 0; m < k; m++) {
      const base = off + m * P;
      if (isMin) {
        for (let p = 0; p < P; p++) {
          const x = src[base + p]!;
          if (x === x && !(x >= acc[p]!)) acc[p] = x;
        }
      } else {
        for (let p = 0; p < P; p++) {
          const x = src[base + p]!;
          if (x === x && !(x <= acc[p]!)) acc[p] = x;
        }
      }
    }
    for (let p = 0; p < P; p++) out[outOff + p] = acc[p]!;
    return;
  }
  acc.fill(0, 0, P);
  cnt.fill(0, 0, P);
  for (let m = 0; m < k; m++) {
    const base = off + m * P;
    for (let p = 0; p < P; p++) {
      const x = src[base + p]!;
      if (x === x) {
        acc[p] += x;
        cnt[p]++;
      }
    }
  }
  if (method === "mean") for (let p = 0; p < P; p++) out[outOff + p] = cnt[p] ? acc[p]! / cnt[p]! : NaN;
  else if (method === "sum") for (let p = 0; p < P; p++) out[outOff + p] = acc[p]!;
  else for (let p = 0; p < P; p++) out[outOff + p] = cnt[p]!;
}

/**
 * Reduces `k` consecutive planes of `P` values (`src[off + m·P + p]`) into `out[outOff + p]`, skipping NaN.
 */
export function aggregate(
  method: TimeMethod,
  src: NumArray | undefined,
  off: number,
  k: number,
  P: number,
  out: NumArray,
  outOff: number,
  scratch: Float64Array,
): void {
  const empty = method === "count" || method === "sum" ? 0 : NaN;
  if (!src || k === 0) {
    for (let p = 0; p < P; p++) out[outOff + p] = empty;
    return;
  }
  if (method === "mean" || method === "sum" || method === "count" || method === "min" || method === "max") {
    aggregatePlanes(method, src, off, k, P, out, outOff);
    return;
  }
  for (let p = 0; p < P; p++) {
    let n = 0;
    let acc = 0;
    let r = NaN;
    switch (method) {
      case "first":
        for (let m = 0; m < k; m++) {
          const x = src[off + m * P + p]!;
          if (x === x) {
            r = x;
            break;
          }
        }
        break;
      case "last":
        for (let m = k - 1; m >= 0; m--) {
          const x = src[off + m * P + p]!;
          if (x === x) {
            r = x;
            break;
          }
        }
        break;
      case "std": {
        for (let m = 0; m < k; m++) {
          const x = src[off + m * P + p]!;
          if (x === x) {
            acc += x;
            n++;
          }
        }
        if (n) {
          const mean = acc / n;
          let ss = 0;
          for (let m = 0; m < k; m++) {
            const x = src[off + m * P + p]!;
            if (x === x) ss += (x - mean) * (x - mean);
          }
          r = Math.sqrt(ss / n);
        }
        break;
      }
      case "median": {
        for (let m = 0; m < k; m++) {
          const x = src[off + m * P + p]!;
          if (x === x) scratch[n++] = x;
        }
        if (n) {
          const s = scratch.subarray(0, n).sort();
          r = n % 2 ? s[(n - 1) >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
        }
        break;
      }
    }
    out[outOff + p] = r;
  }
}
