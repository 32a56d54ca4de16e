// The time extent of one data asset: its time coordinate, else ACDD/product global attributes, else its
// datetime-valued variables (e.g. per-observation times of station or swath files).
import type { Dataset } from "../../core/dataset.js";
import { readTimes, timeRange, timeSpan } from "../../core/coords.js";
import { parseTimeAttribute, toIsoString } from "../../core/time.js";

export { parseTimeAttribute };

/** Pairs of global attributes giving the first and last instant, in the order they are tried (ACDD first). */
export const TIME_ATTRIBUTE_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ["time_coverage_start", "time_coverage_end"], // ACDD 1.3
  ["start_date", "stop_date"], // ENVISAT/Sentinel-3 products (`14-APR-2017 10:27:29.454657`)
  ["start_time", "stop_time"],
  ["start_date", "end_date"],
  ["start_time", "end_time"],
];

/** Datetime variables larger than this (values) are not read for the time extent. */
const MAX_TIME_VALUES = 10_000_000;

/** The first attribute pair of {@link TIME_ATTRIBUTE_PAIRS} whose start parses (end = start when it is missing). */
export function timeFromAttributes(attrs: Record<string, unknown>): [string, string] | undefined {
  for (const [startKey, endKey] of TIME_ATTRIBUTE_PAIRS) {
    const s = parseTimeAttribute(attrs[startKey]);
    if (s === undefined) continue;
    const e = attrs[endKey] === undefined ? s : parseTimeAttribute(attrs[endKey]);
    if (e === undefined) continue;
    return [toIsoString(Math.min(s, e)), toIsoString(Math.max(s, e))];
  }
  return undefined;
}

/** Min/max over every datetime-valued (CF-decoded) variable of at most 10^7 values, NaT ignored. */
export async function timeFromDatetimeVariables(ds: Dataset, signal?: AbortSignal): Promise<[string, string] | undefined> {
  const vars = Object.values(ds.variables).filter((v) => v.dtype === "datetime64[ns]" && v.size > 0 && v.size <= MAX_TIME_VALUES);
  const arrays: Float64Array[] = [];
  for (const v of vars) arrays.push(await readTimes(v, { signal }));
  return timeSpan(...arrays);
}

/**
 * `[first, last]` instant (ISO 8601 'Z', equal for one instant) of a dataset, from the first source that has
 * one: (1) the time coordinate, widened to its bounds (core/coords.ts `timeRange`), (2) global attributes ({@link TIME_ATTRIBUTE_PAIRS}),
 * (3) datetime-valued variables (min/max, NaT ignored; reads their values).
 * @throws the read errors of the variables; CANCELLED.
 */
export async function datasetTime(ds: Dataset, signal?: AbortSignal): Promise<[string, string] | undefined> {
  return (await timeRange(ds, { bounds: true, signal })) ?? timeFromAttributes(ds.attrs) ?? (await timeFromDatetimeVariables(ds, signal));
}
