// Lazy subsetting of a Dataset by index windows, variable names, bbox and time_range (xcube's open_params).
import type { Dataset } from "../core/dataset.js";
import { EocubeError } from "../core/errors.js";
import type { BBox, GridMapping } from "../core/gridmapping.js";
import { numberAt } from "../core/ndarray.js";
import { normalizeSelection, type Selection } from "../core/selection.js";
import type { Variable } from "../core/variable.js";
import { readTimes, timeCoord } from "../core/coords.js";
import { parseTimeText, toIsoString } from "../core/time.js";
import { selectVariables } from "../ops/subset.js";
import type { OpenParams } from "./types.js";

/** Half-open index windows `[start, stop)` per dimension name. */
export type IndexWindows = Record<string, [number, number]>;

/**
 * A variable showing the window `windows` of `v` (dimensions not named are whole). Reading it reads
 * the parent with offset selections, so only the parent's chunks inside the window are touched.
 */
export function windowVariable(v: Variable, windows: IndexWindows): Variable {
  const offsets = v.dims.map((d, i) => windows[d] ?? [0, v.shape[i]!]);
  if (offsets.every(([s, e], i) => s === 0 && e === v.shape[i])) return v;
  const shape = offsets.map(([s, e]) => e - s);
  return v.with({
    shape,
    chunks: v.chunks.map((c, i) => Math.min(c, shape[i]!)),
    readsInto: true, // the parent's values of the same selection size: an out buffer is passed on
    read: (selection: Selection = [], options) => {
      let norm: ReturnType<typeof normalizeSelection>;
      try {
        norm = normalizeSelection(shape, selection);
      } catch (err) {
        throw new EocubeError("OUT_OF_RANGE", `variable ${v.name}: ${(err as Error).message}`, { field: v.name, cause: err });
      }
      const parentSel: Selection = norm.map((d, i) => {
        const off = offsets[i]![0];
        return d.drop ? off + d.start : [off + d.start, off + d.stop];
      });
      return v.read(parentSel, options);
    },
  });
}

/** The dataset with every variable windowed (see {@link windowVariable}); overviews are dropped. */
export function windowDataset(ds: Dataset, windows: IndexWindows): Dataset {
  if (Object.keys(windows).length === 0) return ds;
  const map = (vars: Record<string, Variable>) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, windowVariable(v, windows)]));
  return ds.with({ coords: map(ds.coords), data_vars: map(ds.data_vars), overviews: [] });
}

/** Index window `[start, stop)` of the values of a 1-D coordinate lying in `[lo, hi]` (either order of values). */
export function windowOfValues(values: ArrayLike<number>, lo: number, hi: number): [number, number] {
  let start = -1;
  let stop = -1;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x >= lo && x <= hi) {
      if (start < 0) start = i;
      stop = i + 1;
    }
  }
  return start < 0 ? [0, 0] : [start, stop];
}

/**
 * Parses an ISO 8601 time of `time_range` (epoch ms) as pandas' partial-string slicing does (xarray's
 * `.sel(time=slice(a, b))`): a start is the first instant of what it names, and an end includes everything
 * it names, so `"2017"`, `"2017-01"`, `"2017-01-16"` and `"2017-01-16T10:09:21"` as ends include that whole
 * year, month, day and second. Times without an offset are UTC (core/time.ts `parseTimeText`).
 * @param field the parameter named in errors (default `open_params/time_range`).
 * @throws EocubeError INVALID_PARAMS when `text` is not an ISO 8601 date or time.
 */
export function parseTimeBound(text: string, isEnd: boolean, field = "open_params/time_range"): number {
  const t = parseTimeText(text, { partial: true });
  if (!t) {
    throw new EocubeError("INVALID_PARAMS", `${field}: ${JSON.stringify(text)} is not an ISO 8601 date or time`, {
      field,
      hint: 'use e.g. ["2017-01-16", "2017-01-20T12:00:00Z"] (also "2017" or "2017-01")',
    });
  }
  return isEnd ? t.ms + t.unit - 1e-3 : t.ms;
}

/**
 * Applies xcube's open params to an opened dataset, lazily: `variable_names`, then `bbox` (in the data CRS,
 * through `gm`'s axes), then `time_range`. Only 1-D coordinates are read. On geographic grids a bbox whose
 * longitudes miss the grid is tried shifted by ±360° (−20…−10 on a 0…360 grid selects 340…350); a bbox
 * that only partly overlaps is cut at the grid's edge, as xarray's `.sel(lon=slice(w, e))` does.
 * `time_range` ends are read as pandas reads partial strings (see {@link parseTimeBound}).
 * @throws EocubeError NOT_FOUND (unknown variable), OUT_OF_RANGE (bbox/time_range selects nothing),
 *   UNSUPPORTED (bbox on data without a regular grid), INVALID_PARAMS (bad times, west > east,
 *   south > north, start after end).
 */
export async function applyOpenParams(ds: Dataset, params: OpenParams, gm: GridMapping | undefined): Promise<Dataset> {
  let out = ds;
  if (params.variable_names) out = selectVariables(out, params.variable_names, "open_params/variable_names");
  const windows: IndexWindows = {};
  if (params.bbox) {
    if (!gm) {
      throw new EocubeError("UNSUPPORTED", "open_params/bbox needs a regular grid, and this dataset has none", {
        field: "open_params/bbox",
      });
    }
    const [w, s, e, n] = params.bbox as BBox;
    if (!(w <= e && s <= n)) {
      throw new EocubeError(
        "INVALID_PARAMS",
        `open_params/bbox ${JSON.stringify(params.bbox)} has ${w > e ? "west > east" : "south > north"}`,
        {
          field: "open_params/bbox",
          hint: "give [west, south, east, north]; for a bbox across the antimeridian open the two sides separately",
        },
      );
    }
    let xw = await axisWindow(ds, gm.xDim, w, e, gm, "x");
    // a geographic bbox given on the other side of the 0…360 / −180…180 convention (−20…−10 on a 0…360 grid)
    for (const shift of gm.isGeographic && xw[1] <= xw[0] ? [360, -360] : []) {
      const shifted = await axisWindow(ds, gm.xDim, w + shift, e + shift, gm, "x");
      if (shifted[1] > shifted[0]) {
        xw = shifted;
        break;
      }
    }
    const yw = await axisWindow(ds, gm.yDim, s, n, gm, "y");
    if (xw[1] <= xw[0] || yw[1] <= yw[0]) {
      const [bw, bs, be, bn] = gm.bbox;
      const overlapsAt = (shift: number) => w + shift < be && e + shift > bw && s < bn && n > bs;
      if ((gm.isGeographic ? [0, 360, -360] : [0]).some(overlapsAt)) {
        // inside the extent, but between pixel centres (smaller than a pixel)
        throw new EocubeError("OUT_OF_RANGE", `open_params/bbox ${JSON.stringify(params.bbox)} contains no pixel centre`, {
          field: "open_params/bbox",
          hint: `pixels are kept when their centres lie inside the bbox; the pixel size is ${gm.resolution.join(" × ")} (${gm.crs} units)`,
        });
      }
      throw new EocubeError(
        "OUT_OF_RANGE",
        `open_params/bbox ${JSON.stringify(params.bbox)} does not overlap the data extent ${JSON.stringify(gm.bbox)}`,
        {
          field: "open_params/bbox",
          hint: `give the bbox in the data CRS (${gm.crs}) as [west, south, east, north]`,
        },
      );
    }
    windows[gm.xDim] = xw;
    windows[gm.yDim] = yw;
  }
  if (params.time_range) {
    const tc = timeCoord(ds);
    if (!tc) {
      throw new EocubeError("UNSUPPORTED", "open_params/time_range needs a time coordinate, and this dataset has none", {
        field: "open_params/time_range",
      });
    }
    const [a, b] = params.time_range;
    const lo = a == null ? -Infinity : parseTimeBound(a, false);
    const hi = b == null ? Infinity : parseTimeBound(b, true);
    if (lo > hi) {
      throw new EocubeError("INVALID_PARAMS", `open_params/time_range ${JSON.stringify(params.time_range)} starts after it ends`, {
        field: "open_params/time_range",
        hint: "give [start, end] with start ≤ end",
      });
    }
    const values = Array.from(await readTimes(tc));
    const win = windowOfValues(values, lo, hi);
    if (win[1] <= win[0]) {
      throw new EocubeError("OUT_OF_RANGE", `open_params/time_range ${JSON.stringify(params.time_range)} selects no time step`, {
        field: "open_params/time_range",
        hint: timeSpanHint(values),
      });
    }
    windows[tc.dims[0]!] = win;
  }
  return windowDataset(out, windows);
}

/** "the time steps run from … to … (n steps)" of epoch-ms values (NaT/NaN left out). */
function timeSpanHint(values: number[]): string {
  const ok = values.filter((v) => Number.isFinite(v));
  if (ok.length === 0) return "the dataset has no valid time step";
  const lo = ok.reduce((a, b) => Math.min(a, b));
  const hi = ok.reduce((a, b) => Math.max(a, b));
  return `the time steps run from ${toIsoString(lo)} to ${toIsoString(hi)} (${ok.length} step${ok.length === 1 ? "" : "s"})`;
}

/** Index window of one spatial axis for `[lo, hi]`, from its 1-D coordinate or else the affine transform. */
async function axisWindow(ds: Dataset, dim: string, lo: number, hi: number, gm: GridMapping, axis: "x" | "y"): Promise<[number, number]> {
  const coord = ds.coords[dim];
  if (coord && coord.dims.length === 1) {
    const arr = await coord.read();
    const values = Array.from({ length: coord.shape[0]! }, (_, i) => numberAt(arr.data, i));
    return windowOfValues(values, lo, hi);
  }
  const [x0, dx, , y0, , dy] = gm.transform;
  const n = axis === "x" ? gm.width : gm.height;
  const origin = axis === "x" ? x0 : y0;
  const step = axis === "x" ? dx : dy;
  const centres = Array.from({ length: n }, (_, i) => origin + (i + 0.5) * step);
  return windowOfValues(centres, lo, hi);
}
