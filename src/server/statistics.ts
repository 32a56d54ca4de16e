// Statistics of one 2-D slice: the value at a point, or count/minimum/maximum/mean/deviation and a
// histogram over the pixels whose centres lie in a polygon (xcube's /statistics semantics).
import type { ReadOptions } from "../core/variable.js";
import type { DatasetsContext, ServedDataset } from "./datasets.js";
import { Pacer } from "../core/pacer.js";
import { type MaskPlan, planPolygonMasks, pointPixel, polygonMasksPaced } from "../ops/masks.js";
import { type StatisticsResult, summarize } from "../ops/statistics.js";
import type { Geometry } from "./geojson.js";
import { readWindow, type SliceRef } from "./levels.js";
import type { WorkBudget } from "./work.js";

/** Options of {@link computeStatistics}. */
export interface StatisticsOptions extends ReadOptions {
  /** The polygon's mask plan when the caller made it (to check its cost first) [default: planned here]. */
  plan?: MaskPlan;
  /** Server-wide budget of values held at once: the polygon's window is reserved from it before reading. */
  budget?: WorkBudget;
  /** Yields to the event loop during long masks and sums [default: a pacer of `signal`]. */
  pacer?: Pacer;
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
