// A dataset's time coordinate and time range: the one rule every layer uses to find it (CF §4.4), read its times
// as epoch ms and give its first and last instant.
// Spec: CF conventions §4.4 "Time Coordinate", https://cfconventions.org/cf-conventions/cf-conventions.html#time-coordinate
import type { Dataset } from "./dataset.js";
import { finiteRange, toFloat64 } from "./ndarray.js";
import type { Selection } from "./selection.js";
import { decodeTimes, isTimeUnits, toIsoString } from "./time.js";
import type { ReadOptions, Variable } from "./variable.js";

/** Options of {@link timeCoord}. */
export interface TimeCoordOptions {
  /**
   * Also accept a 1-D auxiliary time coordinate (one not named like its dimension, e.g. `time(obs)` of station
   * data) when there is no time dimension coordinate [default false].
   */
  auxiliary?: boolean;
}

/** True when `v` holds times: CF-decoded datetimes (`datetime64[ns]`) or numbers in CF time units (`<unit> since <date>`). */
export function isTimeVariable(v: Variable): boolean {
  return v.dtype === "datetime64[ns]" || (v.dtype !== "str" && v.dtype !== "object" && isTimeUnits(v.attrs.units));
}

/**
 * The dataset's time coordinate: among its 1-D coordinates holding times ({@link isTimeVariable}), a dimension
 * coordinate (named like its dimension), preferring the one called `time`, then one with `standard_name: time` or
 * `axis: T`, then the first; with `auxiliary`, the same choice among 1-D auxiliary coordinates when no dimension
 * coordinate holds times. Undefined when there is none.
 */
export function timeCoord(ds: Dataset, options: TimeCoordOptions = {}): Variable | undefined {
  const times = Object.values(ds.coords).filter((v) => v.ndim === 1 && isTimeVariable(v));
  const pick = (vs: Variable[]): Variable | undefined =>
    vs.find((v) => v.name === "time") ?? vs.find((v) => v.attrs.standard_name === "time" || v.attrs.axis === "T") ?? vs[0];
  return pick(times.filter((v) => v.dims[0] === v.name)) ?? (options.auxiliary ? pick(times) : undefined);
}

/**
 * The name of the dataset's time dimension: the dimension of its time coordinate ({@link timeCoord}), else a
 * dimension called `time` (that may have no coordinate). Undefined when there is neither.
 */
export function timeDim(ds: Dataset): string | undefined {
  return timeCoord(ds)?.dims[0] ?? ("time" in ds.dims ? "time" : undefined);
}

/** Options of {@link readTimes}. */
export interface ReadTimesOptions extends ReadOptions {
  /** The part to read [default: all]. */
  selection?: Selection;
}

/**
 * The values of a time variable as epoch milliseconds (NaN for NaT), flattened in row-major order: datetimes as
 * they are, numbers in CF time units decoded in the variable's calendar.
 * @throws the variable's read errors; EocubeError CORRUPT_DATA / UNSUPPORTED for invalid units or calendars.
 */
export async function readTimes(v: Variable, options: ReadTimesOptions = {}): Promise<Float64Array> {
  const { selection = [], ...readOptions } = options;
  const arr = await v.read(selection, readOptions);
  if (v.dtype === "datetime64[ns]") return toFloat64(arr);
  const calendar = typeof v.attrs.calendar === "string" ? v.attrs.calendar : undefined;
  return decodeTimes(arr.data as ArrayLike<number | bigint>, String(v.attrs.units), calendar);
}

/**
 * `[first, last]` instant (ISO 8601 'Z') of epoch-ms values in one or more arrays: their minimum and maximum, NaN
 * (NaT) skipped; undefined when none is finite.
 */
export function timeSpan(...arrays: ArrayLike<number>[]): [string, string] | undefined {
  const r = finiteRange(...arrays);
  return r && [toIsoString(r[0]), toIsoString(r[1])];
}

/** Options of {@link timeRange}. */
export interface TimeRangeOptions extends ReadOptions, TimeCoordOptions {
  /**
   * Widen the range to the time coordinate's CF bounds variable (named by its `bounds` attribute or encoding, else
   * `<name>_bnds`), when that holds times [default false].
   */
  bounds?: boolean;
}

/** The CF bounds variable of time coordinate `t` holding times (CF §7.1), if any. */
function timeBounds(ds: Dataset, t: Variable): Variable | undefined {
  const named = t.attrs.bounds ?? t.encoding.bounds;
  const b = ds.variables[typeof named === "string" ? named : `${t.name}_bnds`];
  return b && b.dims[0] === t.dims[0] && isTimeVariable(b) ? b : undefined;
}

/**
 * `[first, last]` instant (ISO 8601 'Z', equal for one step) of the dataset's time coordinate ({@link timeCoord}),
 * widened to its bounds with `bounds`. CF coordinate variables are strictly monotonic (CF §1.3), so only the
 * first and last step are read (two chunks at most per variable); when any of those is NaT, all values are
 * read and NaT skipped. Undefined without a time coordinate or without a valid time.
 * @throws the variables' read errors (CANCELLED, TIMEOUT, …).
 */
export async function timeRange(ds: Dataset, options: TimeRangeOptions = {}): Promise<[string, string] | undefined> {
  const { bounds, auxiliary, ...readOptions } = options;
  const t = timeCoord(ds, { auxiliary });
  const n = t?.shape[0] ?? 0;
  if (!t || n === 0) return undefined;
  const b = bounds ? timeBounds(ds, t) : undefined;
  const vars = b ? [t, b] : [t];
  const ends = await Promise.all(
    vars.flatMap((v) => (n === 1 ? [0] : [0, n - 1]).map((i) => readTimes(v, { ...readOptions, selection: [i] }))),
  );
  if (!ends.some((a) => a.some(Number.isNaN))) return timeSpan(...ends);
  const all = await Promise.all(vars.map((v) => readTimes(v, readOptions)));
  return timeSpan(...all);
}
