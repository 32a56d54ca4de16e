// A dataset's time coordinate: the one rule every layer uses to find it (CF §4.4) and read its times as epoch ms.
// Spec: CF conventions §4.4 "Time Coordinate", https://cfconventions.org/cf-conventions/cf-conventions.html#time-coordinate
import type { Dataset } from "./dataset.js";
import { toFloat64 } from "./ndarray.js";
import { decodeTimes, isTimeUnits } from "./time.js";
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

/**
 * All values of a time variable as epoch milliseconds (NaN for NaT), shape `[n]` flattened: datetimes as they
 * are, numbers in CF time units decoded in the variable's calendar.
 * @throws the variable's read errors; EocubeError CORRUPT_DATA / UNSUPPORTED for invalid units or calendars.
 */
export async function readTimes(v: Variable, options?: ReadOptions): Promise<Float64Array> {
  const arr = await v.read([], options);
  if (v.dtype === "datetime64[ns]") return toFloat64(arr);
  const calendar = typeof v.attrs.calendar === "string" ? v.attrs.calendar : undefined;
  return decodeTimes(arr.data as ArrayLike<number | bigint>, String(v.attrs.units), calendar);
}
