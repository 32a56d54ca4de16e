// subset: select variables, a bbox and a time range of a dataset — lazily, by index ranges.
import type { Dataset } from "../core/dataset.js";
import { EocubeError } from "../core/errors.js";
import type { BBox } from "../core/gridmapping.js";
import type { Selection } from "../core/selection.js";
import type { Variable } from "../core/variable.js";
import { readCoord, spatialDims } from "./coords.js";
import { timeDim } from "../core/coords.js";
import { dropDims, normSel } from "./lazy.js";
import { parseIsoTime, toIsoString } from "../core/time.js";

/** Index ranges per dimension name: `[start, stop)`. */
export type DimRanges = Record<string, [number, number]>;

/**
 * Lazily restricts a variable to index ranges per dimension (xarray's `isel` with slices).
 * Reads only the selected part of the source.
 */
export function iselVariable(v: Variable, ranges: DimRanges): Variable {
  const offsets = v.dims.map((d) => ranges[d]?.[0] ?? 0);
  if (!v.dims.some((d) => ranges[d])) return v;
  const shape = v.dims.map((d, i) => (ranges[d] ? ranges[d]![1] - ranges[d]![0] : v.shape[i]!));
  return v.with({
    shape,
    chunks: v.chunks.map((c, i) => Math.min(c, shape[i]!) || 1),
    read: async (selection: Selection = [], options) => {
      const norm = normSel(v.name, shape, selection);
      const src: Selection = norm.map((d, i) => [d.start + offsets[i]!, d.stop + offsets[i]!]);
      return dropDims(await v.read(src, options), norm);
    },
  });
}

/** Lazily restricts every variable of a dataset to index ranges per dimension. */
export function isel(ds: Dataset, ranges: DimRanges): Dataset {
  const map = (vars: Record<string, Variable>) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, iselVariable(v, ranges)]));
  return ds.with({ coords: map(ds.coords), data_vars: map(ds.data_vars) });
}

/**
 * Keeps only the data variables `names`, lazily (coordinates stay, and so do the CF grid-mapping variables they
 * name: CF 1.11 §5.6 `grid_mapping`, also in its "crs: x y" form); the dataset's order of variables is kept.
 * @param field the field named in the error (`variable_names`, `open_params/variable_names`).
 * @throws EocubeError NOT_FOUND naming the unknown variable and listing the available ones.
 */
export function selectVariables(ds: Dataset, names: readonly string[], field = "variable_names"): Dataset {
  for (const n of names) {
    if (!(n in ds.data_vars)) {
      throw new EocubeError("NOT_FOUND", `variable ${JSON.stringify(n)} not found`, {
        field,
        hint: `available variables: ${Object.keys(ds.data_vars).join(", ")}`,
      });
    }
  }
  // keep the CF grid-mapping variables the selected variables refer to (`grid_mapping: "crs"` or "crs: x y")
  const keep = new Set(names);
  for (const n of names) {
    const v = ds.data_vars[n]!;
    const gm = v.attrs.grid_mapping ?? v.encoding.grid_mapping;
    if (typeof gm === "string") {
      for (const token of gm.split(/\s+/)) {
        const name = token.replace(/:$/, "");
        if (name in ds.data_vars) keep.add(name);
      }
    }
  }
  return ds.with({
    data_vars: Object.fromEntries(
      Object.keys(ds.data_vars)
        .filter((n) => keep.has(n))
        .map((n) => [n, ds.data_vars[n]!]),
    ),
  });
}

/** Options of {@link subset}. */
export interface SubsetOptions {
  /** Data variables to keep (default all); coordinates and the grid-mapping variables they name are kept. */
  variable_names?: string[];
  /** `[west, south, east, north]` in the dataset's CRS; pixels whose cells intersect it are kept. */
  bbox?: BBox;
  /** `[start, end]` ISO 8601 times, inclusive; a date-only end includes that whole day; null = open. */
  time_range?: [string | null, string | null];
  signal?: AbortSignal;
}

/**
 * A lazy subset of `ds`: variables by name, a spatial window by bbox (cells intersecting it, on
 * 1-D x/y coordinates, ascending or descending) and a time window. Reads only coordinates.
 * @throws EocubeError NOT_FOUND for an unknown variable name; OUT_OF_RANGE when the bbox or
 *   time range does not intersect the data; INVALID_ARGUMENT for a malformed bbox or time.
 */
export async function subset(ds: Dataset, options: SubsetOptions = {}): Promise<Dataset> {
  let out = ds;
  if (options.variable_names) out = selectVariables(out, options.variable_names);
  const ranges: DimRanges = {};
  if (options.bbox) {
    const sd = spatialDims(ds);
    if (!sd) throw new EocubeError("UNSUPPORTED", "bbox subset needs 1-D x/y coordinates", { field: "bbox" });
    const [w, s, e, n] = options.bbox;
    if (!(e > w) || !(n > s)) {
      throw new EocubeError("INVALID_ARGUMENT", `bbox ${JSON.stringify(options.bbox)} is empty`, {
        field: "bbox",
        hint: "write the bbox as [west, south, east, north]",
      });
    }
    const xr = cellRange(await readCoord(ds, sd.xDim, options.signal), w, e);
    const yr = cellRange(await readCoord(ds, sd.yDim, options.signal), s, n);
    if (!xr || !yr) {
      throw new EocubeError("OUT_OF_RANGE", `bbox ${JSON.stringify(options.bbox)} does not intersect the data`, {
        field: "bbox",
        hint: "give a bbox inside the dataset's extent, in its CRS",
      });
    }
    ranges[sd.xDim] = xr;
    ranges[sd.yDim] = yr;
  }
  if (options.time_range) {
    const td = timeDim(ds);
    if (!td) throw new EocubeError("UNSUPPORTED", "time_range subset needs a time coordinate", { field: "time_range" });
    const t = await readCoord(ds, td, options.signal);
    const [a, b] = options.time_range;
    const start = a ? parseIsoTime(a, { field: "time_range" }) : -Infinity;
    const end = b ? parseIsoTime(b, { field: "time_range", end: true }) : Infinity;
    let i0 = -1;
    let i1 = -1;
    for (let i = 0; i < t.length; i++) {
      if (t[i]! >= start && t[i]! <= end) {
        if (i0 < 0) i0 = i;
        i1 = i;
      }
    }
    if (i0 < 0) {
      throw new EocubeError("OUT_OF_RANGE", `time_range ${JSON.stringify(options.time_range)} holds no time step of the data`, {
        field: "time_range",
        hint: `the data cover ${toIsoString(t[0]!)} … ${toIsoString(t[t.length - 1]!)}`,
      });
    }
    ranges[td] = [i0, i1 + 1];
  }
  return Object.keys(ranges).length ? isel(out, ranges) : out;
}

/** The index range of cells (centres `c`, ascending or descending) intersecting [lo, hi], or undefined. */
function cellRange(c: Float64Array, lo: number, hi: number): [number, number] | undefined {
  const n = c.length;
  const d = n > 1 ? Math.abs(c[1]! - c[0]!) : 0;
  let i0 = -1;
  let i1 = -1;
  for (let i = 0; i < n; i++) {
    if (c[i]! + d / 2 > lo && c[i]! - d / 2 < hi) {
      if (i0 < 0) i0 = i;
      i1 = i;
    }
  }
  return i0 < 0 ? undefined : [i0, i1 + 1];
}
