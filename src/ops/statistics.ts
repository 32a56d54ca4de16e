// Pure statistics over masked values: the spatial aggregations of time series (xcube's aggMethods) and
// count/minimum/maximum/mean/deviation with a numpy-style density histogram (xcube's /statistics).

/** Spatial aggregation methods (xcube's names). */
export const AGG_METHODS = ["mean", "median", "std", "min", "max", "count"] as const;
/** One aggregation method. */
export type AggMethod = (typeof AGG_METHODS)[number];

/**
 * Statistics of the finite values of `vals` where `mask` is 1 (all when mask is undefined): one entry
 * per method, `count` a number, the others null when no value is finite (std: population).
 */
export function aggregate(vals: Float64Array, mask: Uint8Array | undefined, methods: readonly AggMethod[]): Record<string, number | null> {
  let n = 0,
    sum = 0,
    min = Infinity,
    max = -Infinity;
  const needMedian = methods.includes("median");
  const kept = needMedian ? new Float64Array(vals.length) : undefined;
  for (let k = 0; k < vals.length; k++) {
    if (mask && !mask[k]) continue;
    const v = vals[k]!;
    if (v !== v) continue;
    if (kept) kept[n] = v;
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
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
  if (n > 0 && kept) {
    const sorted = kept.subarray(0, n).sort();
    median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  }
  const out: Record<string, number | null> = {};
  const fin = (x: number) => (Number.isFinite(x) ? x : null);
  for (const m of methods) {
    out[m] = m === "count" ? n : fin({ mean, median, std, min, max }[m]);
  }
  return out;
}

/** Histogram bins (xcube's default). */
export const BIN_COUNT = 100;

/** Result of {@link summarize} (and of the server's `computeStatistics`); `{count: 0}` when no valid pixel. */
export interface StatisticsResult {
  count: number;
  minimum?: number;
  maximum?: number;
  mean?: number;
  deviation?: number;
  /** Density histogram over [minimum, maximum] (numpy.histogram with density=True). */
  histogram?: { values: number[]; edges: number[] };
}

/**
 * count/minimum/maximum/mean/deviation (population) and a {@link BIN_COUNT}-bin density histogram over
 * [minimum, maximum] of the finite values of the parts where their mask is 1 (all of a part without a
 * mask); several parts are one population (e.g. the two windows of a polygon crossing a grid's seam).
 * @returns `{count: 0}` when no value is finite and inside.
 */
export function summarize(parts: { vals: Float64Array; mask: Uint8Array | undefined }[]): StatisticsResult {
  let n = 0,
    sum = 0,
    min = Infinity,
    max = -Infinity;
  for (const { vals, mask } of parts) {
    for (let k = 0; k < vals.length; k++) {
      const v = vals[k]!;
      if (v !== v || (mask && !mask[k])) continue;
      n++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (n === 0) return { count: 0 };
  const mean = sum / n;
  let ss = 0;
  const counts = new Float64Array(BIN_COUNT);
  const width = (max - min) / BIN_COUNT;
  const edges = Array.from({ length: BIN_COUNT + 1 }, (_, i) => (width > 0 ? min + i * width : min - 0.5 + i / BIN_COUNT));
  edges[BIN_COUNT] = width > 0 ? max : min + 0.5;
  const e = Float64Array.from(edges);
  const norm = width > 0 ? BIN_COUNT / (max - min) : 0;
  for (const { vals, mask } of parts) {
    for (let k = 0; k < vals.length; k++) {
      const v = vals[k]!;
      if (v !== v || (mask && !mask[k])) continue;
      ss += (v - mean) * (v - mean);
      // numpy.histogram's binning: floor((v − min)·bins/(max − min)), corrected against the edges
      let b = width > 0 ? Math.floor((v - min) * norm) : BIN_COUNT / 2;
      if (b >= BIN_COUNT) b = BIN_COUNT - 1;
      if (v < e[b]!) b--;
      else if (b < BIN_COUNT - 1 && v >= e[b + 1]!) b++;
      counts[b]!++;
    }
  }
  const binW = width > 0 ? width : 1 / BIN_COUNT;
  return {
    count: n,
    minimum: min,
    maximum: max,
    mean,
    deviation: Math.sqrt(ss / n),
    histogram: { values: Array.from(counts, (c) => c / (n * binW)), edges },
  };
}
