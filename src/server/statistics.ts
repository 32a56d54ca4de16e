// Statistics of one 2-D slice: the value at a point, or count/minimum/maximum/mean/deviation and a
// histogram over the pixels whose centres lie in a polygon (xcube's /statistics semantics).
import type { ReadOptions } from "../core/variable.js";
import type { DatasetsContext, ServedDataset } from "./datasets.js";
import { planPolygonMasks, pointPixel, polygonMasksPaced, type Geometry, type MaskPlan } from "./geojson.js";
import { readWindow, type SliceRef } from "./levels.js";
import { Pacer, type WorkBudget } from "./work.js";

/** Options of {@link computeStatistics}. */
export interface StatisticsOptions extends ReadOptions {
  /** The polygon's mask plan when the caller made it (to check its cost first) [default: planned here]. */
  plan?: MaskPlan;
  /** Server-wide budget of values held at once: the polygon's window is reserved from it before reading. */
  budget?: WorkBudget;
  /** Yields to the event loop during long masks and sums [default: a pacer of `signal`]. */
  pacer?: Pacer;
}

/** Histogram bins (xcube's default). */
export const BIN_COUNT = 100;

/** Result of {@link computeStatistics}; `{count: 0}` when no valid pixel. */
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
 * Statistics of a slice over a geometry. A point gives `{count: 1, minimum = maximum = mean = value,
 * deviation: 0}`; a polygon gives the population standard deviation and a 100-bin density histogram.
 * @throws EocubeError CANCELLED/TIMEOUT when `options.signal` aborts; read errors.
 */
export async function computeStatistics(
  ctx: DatasetsContext,
  sd: ServedDataset,
  slice: SliceRef,
  geometry: Geometry,
  options: StatisticsOptions = {},
): Promise<StatisticsResult> {
  if (geometry.type === "Point") {
    const px = pointPixel(sd.gm, geometry.coordinates[0], geometry.coordinates[1]);
    if (!px) return { count: 0 };
    const [r, c] = px;
    const v = (await readWindow(ctx.chunkCache, sd.levels, 0, slice, r, r + 1, c, c + 1, options))[0]!;
    return Number.isNaN(v) ? { count: 0 } : { count: 1, minimum: v, maximum: v, mean: v, deviation: 0 };
  }
  // one window, or two for a polygon crossing the grid's longitude seam
  const plan = options.plan ?? planPolygonMasks(sd.gm, geometry.polygons);
  if (!plan) return { count: 0 };
  const pacer = options.pacer ?? new Pacer(options.signal);
  const readOpts = options.signal ? { signal: options.signal } : {};
  const release = options.budget ? await options.budget.acquire(plan.pixels * 17 + 4096, options.signal) : () => undefined;
  try {
    const masks = await polygonMasksPaced(plan, pacer);
    if (masks.length === 0) return { count: 0 };
    const parts = await Promise.all(
      masks.map(async (m) => ({
        vals: await readWindow(ctx.chunkCache, sd.levels, 0, slice, m.r0, m.r1, m.c0, m.c1, readOpts),
        mask: m.count === m.mask.length ? undefined : m.mask, // a polygon covering its whole window
      })),
    );
    await pacer.tick();
    return summarize(parts);
  } finally {
    release();
  }
}

/** count/minimum/maximum/mean/deviation/histogram of the finite values of the parts where their mask is 1. */
function summarize(parts: { vals: Float64Array; mask: Uint8Array | undefined }[]): StatisticsResult {
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
