// Query → 2-D slice: picks the index of every non-spatial dimension (time nearest, other dims by label).
import { EocubeError } from "../core/errors.js";
import { parseTimeText, toIsoString } from "../core/time.js";
import type { ReadOptions, Variable } from "../core/variable.js";
import type { DatasetsContext, ServedDataset } from "./datasets.js";
import type { SliceRef } from "./levels.js";

/** Index of the value nearest to `x` in `values` (ascending or descending); ties go to the lower index. */
export function nearestIndex(values: ArrayLike<number>, x: number): number {
  let best = 0;
  let bestD = Infinity;
  for (let i = 0; i < values.length; i++) {
    const d = Math.abs(values[i]! - x);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** A parsed time label: epoch ms (whole ms) and the precision it was written at. */
export interface TimeLabel {
  /** The label's instant in epoch ms, rounded to whole ms (fractions beyond ms are rounded, not cut). */
  ms: number;
  /** The label's precision in ms: 86,400,000 for a date, 3,600,000 / 60,000 / 1,000 for hours / minutes / seconds, 100 / 10 / 1 for fractions. */
  unit: number;
  /** True for a date without a time ("2017-01-16"). */
  dateOnly: boolean;
}

/**
 * Parses an ISO 8601 date or date-time (no zone = UTC; core/time.ts `parseTimeText`) as a {@link TimeLabel}.
 * Fractions of a second of any length are accepted (nanosecond labels as numpy prints them) and rounded to
 * whole ms, the precision of every served time (see `DatasetsContext`).
 * @throws EocubeError INVALID_PARAMS (not a time), naming `field`.
 */
export function parseTimeLabel(text: string, field = "time"): TimeLabel {
  const t = parseTimeText(text);
  if (!t || !Number.isFinite(t.ms)) {
    throw new EocubeError("INVALID_PARAMS", `${field} ${JSON.stringify(text.slice(0, 64))} is not an ISO 8601 time`, {
      field,
      hint: "use a time label of /datasets/{id}, e.g. 2017-01-16T10:09:21.834Z, or a date such as 2017-01-16",
    });
  }
  return { ms: Math.round(t.ms), unit: Math.max(1, t.unit), dateOnly: t.dateOnly };
}

/**
 * The inclusive index range `[i0, i1]` of the times (ascending, whole ms) that a start and an end label
 * select, compared at each label's precision: a date covers its whole UTC day; a time given to the second
 * (or minute, hour, 1/10 s …) covers the instants that round or truncate to it, so labels printed by
 * xcube (rounded to seconds), by eocube (whole ms) or by numpy (ns) all select their own step.
 * `toleranceMs` widens the range further: times within it before the start or after the end are in (xcube's
 * time-series `tolerance`) [default 0].
 * `i0 > i1` when nothing lies in the range.
 * @throws EocubeError INVALID_PARAMS for labels that are not times.
 */
export function timeRangeIndices(times: ArrayLike<number>, start?: string, end?: string, toleranceMs = 0): [number, number] {
  let i0 = 0;
  let i1 = times.length - 1;
  if (start !== undefined && start !== "") {
    const l = parseTimeLabel(start, "startDate");
    const lo = Math.min(l.dateOnly || l.unit === 1 ? l.ms : l.ms - l.unit / 2, l.ms - toleranceMs);
    while (i0 <= i1 && times[i0]! < lo) i0++;
  }
  if (end !== undefined && end !== "") {
    const l = parseTimeLabel(end, "endDate");
    const hi = Math.max(l.ms + l.unit, l.ms + toleranceMs + 1); // exclusive
    while (i1 >= i0 && times[i1]! >= hi) i1--;
  }
  return [i0, i1];
}

/** Epoch ms rounded to whole ms: the one precision of served times (labels, bounds, nearest matches). */
export function roundTimes(values: Float64Array): Float64Array {
  return values.map((t) => (Number.isFinite(t) ? Math.round(t) : t));
}

/**
 * The index of the time nearest to `text` (ISO 8601) on the time axis.
 * Times more than one median step (one day for a single time) beyond the first or last label are refused.
 * @throws EocubeError INVALID_PARAMS (not a time), OUT_OF_RANGE (outside the axis).
 */
export function timeIndex(times: Float64Array, text: string, field = "time"): number {
  const { ms } = parseTimeLabel(text, field);
  const n = times.length;
  const steps: number[] = [];
  for (let i = 1; i < n; i++) steps.push(Math.abs(times[i]! - times[i - 1]!));
  steps.sort((a, b) => a - b);
  const tol = steps.length > 0 ? steps[Math.floor(steps.length / 2)]! : 86_400_000;
  const lo = Math.min(times[0]!, times[n - 1]!) - tol;
  const hi = Math.max(times[0]!, times[n - 1]!) + tol;
  if (!(ms >= lo && ms <= hi)) {
    throw new EocubeError(
      "OUT_OF_RANGE",
      `${field} ${text.slice(0, 64)} lies outside the time axis ${toIsoString(times[0]!)} … ${toIsoString(times[n - 1]!)}`,
      { field },
    );
  }
  return nearestIndex(times, ms);
}

/**
 * Checks that every query parameter of a route is either one of its own (`known`) or names a non-time,
 * non-spatial dimension of `v` (whose label {@link sliceOf} then selects).
 * @throws EocubeError INVALID_PARAMS naming the parameter, with the dimensions it may name as a hint.
 */
export function checkDimParams(sd: ServedDataset, v: Variable, query: Record<string, unknown>, known: readonly string[]): void {
  const others = v.dims.filter((d) => d !== sd.gm.xDim && d !== sd.gm.yDim && d !== sd.timeName);
  for (const key of Object.keys(query)) {
    if (known.includes(key) || others.includes(key)) continue;
    const isTime = key === sd.timeName || key === "time";
    throw new EocubeError(
      "INVALID_PARAMS",
      `unknown query parameter ${JSON.stringify(key.slice(0, 64))}: not a parameter of this route nor a dimension of variable ${v.name} to select`,
      {
        field: key.slice(0, 64),
        hint: isTime
          ? "select the time range with startDate and endDate"
          : `parameters: ${known.join(", ")}${others.length > 0 ? `; dimensions (by coordinate label, default the first): ${others.join(", ")}` : ""}`,
      },
    );
  }
}

/**
 * The indices of `v`'s non-spatial dimensions from query parameters: the time dimension from `time`
 * (nearest; default the last time), any other dimension from a parameter named like it (nearest label,
 * or an integer index when it has no coordinate; default 0).
 * @throws EocubeError INVALID_PARAMS / OUT_OF_RANGE for bad values.
 */
export async function sliceOf(
  ctx: DatasetsContext,
  sd: ServedDataset,
  v: Variable,
  query: Record<string, unknown>,
  options?: ReadOptions,
): Promise<SliceRef> {
  const fixed: number[] = [];
  for (let i = 0; i < v.dims.length; i++) {
    const d = v.dims[i]!;
    if (d === sd.gm.xDim || d === sd.gm.yDim) continue;
    const size = v.shape[i]!;
    if (d === sd.timeName && sd.times) {
      const t = query.time;
      fixed.push(typeof t === "string" && t !== "" && t !== "current" ? timeIndex(sd.times, t) : size - 1);
      continue;
    }
    const q = query[d];
    if (typeof q !== "string" || q === "") {
      fixed.push(0);
      continue;
    }
    const coord = sd.dataset.coords[d];
    if (coord && coord.ndim === 1) {
      const labels = await ctx.coordValues(sd, d, options);
      if (Array.isArray(labels)) {
        const k = labels.indexOf(q);
        if (k < 0) throw new EocubeError("OUT_OF_RANGE", `${d}=${q.slice(0, 64)} is not a label of dimension ${d}`, { field: d });
        fixed.push(k);
      } else if (coord.dtype === "datetime64[ns]") {
        fixed.push(timeIndex(labels, q, d));
      } else {
        const x = Number(q);
        if (!Number.isFinite(x)) throw new EocubeError("INVALID_PARAMS", `${d}=${q.slice(0, 64)} is not a number`, { field: d });
        fixed.push(nearestIndex(labels, x));
      }
    } else {
      const k = Number(q);
      if (!Number.isInteger(k) || k < 0 || k >= size)
        throw new EocubeError("OUT_OF_RANGE", `${d}=${q.slice(0, 64)} is not an index 0…${size - 1}`, { field: d });
      fixed.push(k);
    }
  }
  return { datasetId: sd.entry.id, variable: v, fixed, xDim: sd.gm.xDim, yDim: sd.gm.yDim };
}
