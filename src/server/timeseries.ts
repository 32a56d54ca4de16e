// Time series of a variable at a point or aggregated over a polygon: planned (and costed) before any read,
// then read along time from only the chunks under the geometry, block by block within a memory budget.
import { EocubeError, isEocubeError } from "../core/errors.js";
import { toIsoString } from "../core/time.js";
import type { ReadOptions } from "../core/variable.js";
import type { DatasetsContext, ServedDataset } from "./datasets.js";
import { Pacer } from "../core/pacer.js";
import { type MaskPlan, planPolygonMasks, pointLocator, polygonMasksPaced } from "../ops/masks.js";
import { AGG_METHODS, type AggMethod, aggregate } from "../ops/statistics.js";
import type { Geometry } from "./geojson.js";
import { readPooled } from "../ops/buffers.js";
import { chunkShapeOf, readWindow, toFloatValues, type SliceRef } from "./levels.js";
import { parseTimeLabel, timeRangeIndices } from "./slices.js";
import type { WorkBudget } from "./work.js";

/** One time-series entry: `time` (ISO 'Z') plus one key per aggregation method (null = no data). */
export type TimeSeriesValue = Record<string, string | number | null>;

/** Options of {@link timeSeries}. */
export interface TimeSeriesOptions extends ReadOptions {
  aggMethods: AggMethod[];
  /** ISO start/end (inclusive, compared at the label's precision: see `timeRangeIndices`) of the time range. */
  startDate?: string;
  endDate?: string;
  /** Widens [startDate, endDate] by this many ms on both sides (xcube's `tolerance`, given in seconds) [default 0]. */
  toleranceMs?: number;
  /** undefined: all steps (missing as null); −1: only valid steps; n > 0: the n most recent valid steps. */
  maxValids?: number;
  /** Server-wide budget of values held at once: each geometry reserves its share before reading. */
  budget?: WorkBudget;
  /** Yields to the event loop during long masks and aggregations [default: a pacer of `signal`]. */
  pacer?: Pacer;
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
      throw new EocubeError("INVALID_PARAMS", `unknown aggregation method ${JSON.stringify(m.slice(0, 40))}`, {
        field: "aggMethods",
        hint: `use ${AGG_METHODS.join(", ")}`,
      });
    }
  }
  return [...new Set(list)] as AggMethod[];
}

/** Where one geometry lies on the grid: a pixel, a planned polygon mask, or nowhere. */
export type GeometryPlan = { kind: "point"; row: number; col: number } | { kind: "polygon"; plan: MaskPlan } | { kind: "outside" };

/** The time series of a request, planned before any read: its steps and the work of each geometry. */
export interface TimeSeriesPlan {
  /** Inclusive time-index range `[t0, t1]` (t0 > t1: no step). */
  range: [number, number];
  /** Steps in the range. */
  steps: number;
  geometries: GeometryPlan[];
  /** Pixels under all geometries (their windows) × steps: the values the request reads. */
  pixelSteps: number;
  /** Edge × pixel-row crossings of the polygon masks. */
  crossings: number;
}

/**
 * Checks a time-series request and plans it without reading values: the time axis, dates and maxValids,
 * the pixel or mask window of every geometry (O(vertices)), and the work in pixel reads.
 * @throws EocubeError INVALID_PARAMS/OUT_OF_RANGE for bad dates (startDate after endDate: INVALID_PARAMS)
 *   or maxValids; INVALID_PARAMS (field `varName`) when the variable has no time dimension.
 */
export function planTimeSeries(
  sd: ServedDataset,
  slice: SliceRef,
  geometries: Geometry[],
  opts: Pick<TimeSeriesOptions, "startDate" | "endDate" | "maxValids" | "toleranceMs">,
): TimeSeriesPlan {
  if (!sd.times || !sd.timeName || !slice.variable.dims.includes(sd.timeName)) {
    throw new EocubeError(
      "INVALID_PARAMS",
      `variable ${JSON.stringify(slice.variable.name)} of dataset ${JSON.stringify(sd.entry.id)} has no time dimension, so it has no time series`,
      {
        field: "varName",
        hint: `use a variable with a time dimension, or POST /statistics/${sd.entry.id}/${slice.variable.name} for its values over the geometry`,
      },
    );
  }
  const mv = opts.maxValids;
  if (mv !== undefined && !(mv === -1 || (Number.isInteger(mv) && mv > 0))) {
    throw new EocubeError("INVALID_PARAMS", `maxValids must be -1 or a positive integer, was ${mv}`, { field: "maxValids" });
  }
  if (opts.startDate && opts.endDate) {
    const a = parseTimeLabel(opts.startDate, "startDate");
    const b = parseTimeLabel(opts.endDate, "endDate");
    if (a.ms > b.ms) {
      throw new EocubeError("INVALID_PARAMS", `startDate ${opts.startDate.slice(0, 40)} is after endDate ${opts.endDate.slice(0, 40)}`, {
        field: "startDate",
        hint: "give startDate ≤ endDate (both inclusive)",
      });
    }
  }
  const range = timeRangeIndices(sd.times, opts.startDate, opts.endDate, opts.toleranceMs);
  const steps = Math.max(0, range[1] - range[0] + 1);
  let pixelSteps = 0;
  let crossings = 0;
  const toPixel = pointLocator(sd.gm);
  const plans = geometries.map((g): GeometryPlan => {
    if (g.type === "Point") {
      const px = toPixel(g.coordinates[0], g.coordinates[1]);
      if (!px) return { kind: "outside" };
      pixelSteps += steps;
      return { kind: "point", row: px[0], col: px[1] };
    }
    const plan = planPolygonMasks(sd.gm, g.polygons);
    if (!plan) return { kind: "outside" };
    pixelSteps += plan.pixels * steps;
    crossings += plan.crossings;
    return { kind: "polygon", plan };
  });
  return { range, steps, geometries: plans, pixelSteps, crossings };
}

/** Values of one block of steps held at once: at most this many bytes (but always one step). */
const BLOCK_BYTES = 32 * 1024 ** 2;
/** Bytes of one cached time tile (time-chunked storage) at most. */
const TIME_TILE_BYTES = 16 * 1024 ** 2;

/**
 * Yields the time series of geometry `g` of a plan ({@link planTimeSeries}), oldest first (with
 * maxValids > 0 the most recent valid ones, still oldest first). Points take the pixel containing them;
 * polygons aggregate the pixels whose centres lie inside. A geometry outside the grid yields nothing.
 * Reads go through the chunk cache (shared with other requests); with `opts.budget` the values held at
 * once are reserved from it first (waiting for other requests), and with `opts.pacer` long masks and
 * aggregations yield to the event loop.
 * @throws EocubeError CANCELLED/TIMEOUT when `opts.signal` aborts; read errors.
 */
export async function* seriesOfPlan(
  ctx: DatasetsContext,
  sd: ServedDataset,
  slice: SliceRef,
  plan: TimeSeriesPlan,
  g: number,
  opts: TimeSeriesOptions,
): AsyncGenerator<TimeSeriesValue> {
  const gp = plan.geometries[g]!;
  if (gp.kind === "outside" || plan.steps === 0) return;
  const [t0, t1] = plan.range;
  const v = slice.variable;
  const mv = opts.maxValids;
  const methods = opts.aggMethods;
  const pacer = opts.pacer ?? new Pacer(opts.signal);
  const windows: Window[] =
    gp.kind === "point"
      ? [{ r0: gp.row, r1: gp.row + 1, c0: gp.col, c1: gp.col + 1 }]
      : gp.plan.windows.map((w) => ({ r0: gp.plan.r0, r1: gp.plan.r1, c0: w.c0, c1: w.c1 }));
  const pixels = windows.reduce((n, w) => n + (w.r1 - w.r0) * (w.c1 - w.c0), 0);
  const timeChunk = v.chunks[v.dims.indexOf(sd.timeName!)] ?? 1;
  const block = Math.max(1, Math.min(Math.max(timeChunk, 8), Math.floor(BLOCK_BYTES / (pixels * 8))));
  // what this geometry holds at once: mask, one block of values (+ their read and reordering), median scratch
  const bytes = pixels * (1 + block * 8 * 3 + (methods.includes("median") ? 8 : 0)) + 4096;
  const release = opts.budget ? await opts.budget.acquire(bytes, opts.signal) : () => undefined;
  const found: TimeSeriesValue[] = [];
  try {
    let mask: Uint8Array | undefined;
    if (gp.kind === "polygon") {
      const parts = await polygonMasksPaced(gp.plan, pacer);
      if (parts.length === 0) return;
      // windows with no pixel inside are left out, as their values
      windows.length = 0;
      for (const p of parts) windows.push({ r0: p.r0, r1: p.r1, c0: p.c0, c1: p.c1 });
      mask =
        parts.length === 1
          ? parts[0]!.mask
          : concat(
              parts.map((p) => p.mask),
              Uint8Array,
            );
    }
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
    const read = (ta: number, tb: number) => readSteps(ctx, sd, slice, windows, ta, tb, timeChunk, opts);
    if (mv !== undefined && mv > 0) {
      for (let tb = t1 + 1; tb > t0 && found.length < mv; tb -= block) {
        const ta = Math.max(t0, tb - block);
        const vals = await read(ta, tb);
        for (let t = tb - 1; t >= ta && found.length < mv; t--) {
          const e = entry(t, vals[t - ta]!);
          if (e) found.push(e);
          await pacer.tick();
        }
      }
      found.reverse();
    } else {
      for (let ta = t0; ta <= t1; ta += block) {
        const tb = Math.min(t1 + 1, ta + block);
        const vals = await read(ta, tb);
        for (let t = ta; t < tb; t++) {
          const e = entry(t, vals[t - ta]!);
          if (e) found.push(e);
          await pacer.tick();
        }
      }
    }
  } finally {
    release();
  }
  yield* found;
}

/**
 * Yields the time series of `slice.variable` for one geometry: {@link planTimeSeries} of it, then
 * {@link seriesOfPlan}. `slice.fixed` gives the indices of non-time, non-spatial dims; its entry for
 * time is replaced.
 * @throws EocubeError as {@link planTimeSeries}, at the first `next()`.
 */
export async function* timeSeries(
  ctx: DatasetsContext,
  sd: ServedDataset,
  slice: SliceRef,
  geometry: Geometry,
  opts: TimeSeriesOptions,
): AsyncGenerator<TimeSeriesValue> {
  const plan = planTimeSeries(sd, slice, [geometry], opts);
  yield* seriesOfPlan(ctx, sd, slice, plan, 0, opts);
}

/** A window `[r0, r1) × [c0, c1)` of the base grid. */
interface Window {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/**
 * The values of steps `[ta, tb)` over the windows (one after the other), one array per step. Storage with
 * one step per chunk is read per step through the 2-D chunk cache; time-chunked storage through cached
 * time tiles (several steps × one read chunk, at most {@link TIME_TILE_BYTES}), so that each native chunk
 * is decoded once for all steps and all requests instead of once per step and request.
 */
async function readSteps(
  ctx: DatasetsContext,
  sd: ServedDataset,
  slice: SliceRef,
  windows: Window[],
  ta: number,
  tb: number,
  timeChunk: number,
  opts: ReadOptions,
): Promise<Float64Array[]> {
  const tPos = slice.variable.dims.filter((d) => d !== slice.xDim && d !== slice.yDim).indexOf(sd.timeName!);
  const readOpts = opts.signal ? { signal: opts.signal } : {};
  if (timeChunk <= 1) {
    return Promise.all(
      Array.from({ length: tb - ta }, async (_, k) => {
        const fixed = slice.fixed.slice();
        fixed[tPos] = ta + k;
        const parts = await Promise.all(
          windows.map((w) => readWindow(ctx.chunkCache, sd.levels, 0, { ...slice, fixed }, w.r0, w.r1, w.c0, w.c1, readOpts)),
        );
        return parts.length === 1 ? parts[0]! : concat(parts, Float64Array);
      }),
    );
  }
  const level = sd.levels[0]!;
  const [ch, cw] = chunkShapeOf(level, slice);
  const nt = Math.max(1, Math.min(timeChunk, Math.floor(TIME_TILE_BYTES / (ch * cw * 8))));
  const n = windows.reduce((k, w) => k + (w.r1 - w.r0) * (w.c1 - w.c0), 0);
  const out = Array.from({ length: tb - ta }, () => new Float64Array(n));
  const jobs: Promise<void>[] = [];
  let off = 0;
  for (const w of windows) {
    const ww = w.c1 - w.c0;
    const base = off;
    for (let kt = Math.floor(ta / nt); kt * nt < tb; kt++) {
      for (let cy = Math.floor(w.r0 / ch); cy * ch < w.r1; cy++) {
        for (let cx = Math.floor(w.c0 / cw); cx * cw < w.c1; cx++) {
          jobs.push(
            timeTile(ctx, sd, slice, tPos, nt, kt, ch, cw, cy, cx, readOpts).then((tile) => {
              const tA = kt * nt,
                tB = Math.min(sd.times!.length, (kt + 1) * nt);
              const th = Math.min(level.height, (cy + 1) * ch) - cy * ch;
              const tw = Math.min(level.width, (cx + 1) * cw) - cx * cw;
              const ra = Math.max(w.r0, cy * ch),
                rb = Math.min(w.r1, (cy + 1) * ch);
              const ca = Math.max(w.c0, cx * cw),
                cb = Math.min(w.c1, (cx + 1) * cw);
              for (let t = Math.max(ta, tA); t < Math.min(tb, tB); t++) {
                const dst = out[t - ta]!;
                const plane = (t - tA) * th * tw;
                for (let r = ra; r < rb; r++) {
                  const src = plane + (r - cy * ch) * tw + (ca - cx * cw);
                  dst.set(tile.subarray(src, src + (cb - ca)), base + (r - w.r0) * ww + (ca - w.c0));
                }
              }
            }),
          );
        }
      }
    }
    off += (w.r1 - w.r0) * ww;
  }
  await Promise.all(jobs);
  return out;
}

/**
 * One time tile of the base level through the chunk cache: steps `[kt·nt, (kt+1)·nt)` × read chunk
 * `(cy, cx)`, as float64 `[steps, rows, cols]` (NaN = no data). Shared by every request (single flight).
 */
function timeTile(
  ctx: DatasetsContext,
  sd: ServedDataset,
  slice: SliceRef,
  tPos: number,
  nt: number,
  kt: number,
  ch: number,
  cw: number,
  cy: number,
  cx: number,
  opts: ReadOptions,
): Promise<Float64Array> {
  const v = slice.variable;
  const fixedKey = slice.fixed.map((i, k) => (k === tPos ? "*" : String(i))).join(",");
  const key = `${slice.datasetId}\u0000time-tile\u0000${v.name}\u0000${fixedKey}\u0000${nt}\u0000${kt}\u0000${cy}\u0000${cx}`;
  return ctx.chunkCache.getOrLoad(
    key,
    async (signal) => {
      const level = sd.levels[0]!;
      const ta = kt * nt,
        tb = Math.min(sd.times!.length, (kt + 1) * nt);
      const r0 = cy * ch,
        r1 = Math.min(level.height, r0 + ch);
      const c0 = cx * cw,
        c1 = Math.min(level.width, c0 + cw);
      let k = 0;
      const sel = v.dims.map((d) => {
        if (d === slice.yDim) return [r0, r1] as [number, number];
        if (d === slice.xDim) return [c0, c1] as [number, number];
        const i = slice.fixed[k++]!;
        return d === sd.timeName ? ([ta, tb] as [number, number]) : i;
      });
      // the raw values are copied into float64 at once: read into a kept buffer (no fresh allocation per chunk)
      let read: Awaited<ReturnType<typeof readPooled>>;
      try {
        read = await readPooled(v, sel, (tb - ta) * (r1 - r0) * (c1 - c0), { signal });
      } catch (err) {
        if (isEocubeError(err)) throw err;
        throw new EocubeError("INTERNAL", `reading ${v.name} of dataset ${slice.datasetId} failed`, { cause: err });
      }
      let all: Float64Array;
      try {
        all = toFloatValues(read.block, v);
      } finally {
        read.done();
      }
      const steps = stepMajor(
        all,
        v.dims.filter((d) => d === sd.timeName || d === slice.yDim || d === slice.xDim),
        sd.timeName!,
        slice.yDim,
        slice.xDim,
        tb - ta,
        r1 - r0,
        c1 - c0,
      );
      return steps.length === 1 ? steps[0]! : concat(steps, Float64Array);
    },
    opts.signal ? { signal: opts.signal } : {},
  );
}

/**
 * Splits values read as the kept dimensions `kept` (time, y and x in any order, C order) into one
 * `[rows, cols]` array per time step.
 */
function stepMajor(
  all: Float64Array,
  kept: string[],
  tDim: string,
  yDim: string,
  xDim: string,
  nt: number,
  nr: number,
  nc: number,
): Float64Array[] {
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
