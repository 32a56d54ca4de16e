// Query → 2-D slice: picks the index of every non-spatial dimension (time nearest, other dims by label).
import { EocubeError } from "../core/errors.js";
import { parseIsoTime } from "../core/time.js";
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

/**
 * The index of the time nearest to `text` (ISO 8601) on the time axis.
 * Times more than one median step (one day for a single time) beyond the first or last label are refused.
 * @throws EocubeError INVALID_PARAMS (not a time), OUT_OF_RANGE (outside the axis).
 */
export function timeIndex(times: Float64Array, text: string, field = "time"): number {
  let ms: number;
  try {
    ms = parseIsoTime(text);
  } catch {
    throw new EocubeError("INVALID_PARAMS", `${field} ${JSON.stringify(text.slice(0, 64))} is not an ISO 8601 time`, { field, hint: "use e.g. 2017-01-16T10:09:22Z" });
  }
  const n = times.length;
  const steps: number[] = [];
  for (let i = 1; i < n; i++) steps.push(Math.abs(times[i]! - times[i - 1]!));
  steps.sort((a, b) => a - b);
  const tol = steps.length > 0 ? steps[Math.floor(steps.length / 2)]! : 86_400_000;
  const lo = Math.min(times[0]!, times[n - 1]!) - tol;
  const hi = Math.max(times[0]!, times[n - 1]!) + tol;
  if (!(ms >= lo && ms <= hi)) {
    throw new EocubeError("OUT_OF_RANGE", `${field} ${text.slice(0, 64)} lies outside the time axis ${new Date(times[0]!).toISOString()} … ${new Date(times[n - 1]!).toISOString()}`, { field });
  }
  return nearestIndex(times, ms);
}

/**
 * The indices of `v`'s non-spatial dimensions from query parameters: the time dimension from `time`
 * (nearest; default the last time), any other dimension from a parameter named like it (nearest label,
 * or an integer index when it has no coordinate; default 0).
 * @throws EocubeError INVALID_PARAMS / OUT_OF_RANGE for bad values.
 */
export async function sliceOf(ctx: DatasetsContext, sd: ServedDataset, v: Variable, query: Record<string, unknown>, options?: ReadOptions): Promise<SliceRef> {
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
      if (!Number.isInteger(k) || k < 0 || k >= size) throw new EocubeError("OUT_OF_RANGE", `${d}=${q.slice(0, 64)} is not an index 0…${size - 1}`, { field: d });
      fixed.push(k);
    }
  }
  return { datasetId: sd.entry.id, variable: v, fixed, xDim: sd.gm.xDim, yDim: sd.gm.yDim };
}
