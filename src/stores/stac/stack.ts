// stack_mode of the stac store: the items of a search stacked along time into one cube. Items sharing one grid are
// stacked as they are (stackItems); with open params crs, spatial_res and bbox every item is reprojected onto that
// grid and the items of one solar day are mosaicked, first valid pixel wins (stackItemsOnGrid, as xcube-stac's
// stack mode: xcube_stac/accessors/sen2.py _group_items, _merge_utm_zones; utils.py mosaic_spatial_take_first).
import { Dataset } from "../../core/dataset.js";
import { timeDim } from "../../core/coords.js";
import { sameCrs } from "../../core/crs.js";
import { EocubeError, isEocubeError } from "../../core/errors.js";
import type { GridMapping } from "../../core/gridmapping.js";
import { bboxToWgs84, readGridMapping } from "../../core/gridmapping-read.js";
import { allocate, isFloat, type DType, type NdArray } from "../../core/ndarray.js";
import { normalizeSelection } from "../../core/selection.js";
import { Variable } from "../../core/variable.js";
import { gridCoords, memoryVariable } from "../../ops/grid.js";
import { dropDims, fillValueOf, normSel, numericValues } from "../../ops/lazy.js";
import { resampleInSpace } from "../../ops/resample-space.js";

/** One opened item to stack: its dataset, its STAC datetime (ISO), its id (for messages) and its STAC bbox (WGS 84). */
export interface StackInput {
  ds: Dataset;
  datetime: string;
  id: string;
  bbox?: number[];
}

/** The fix named when items lie on different grids and no target grid was asked for. */
const GRID_HINT =
  'give open_params crs, spatial_res and bbox (in that crs) to reproject the items onto one grid, e.g. {"crs": "EPSG:4326", "spatial_res": 0.001, "bbox": [west, south, east, north]}';

/**
 * Stacks item datasets along time (sorted by time, lazily): each dataset's own time dimension is kept; one without
 * gets a `time` dimension of length 1 at the item's datetime. The non-time grid must be the same in every item
 * (same dimension sizes and the same first/last x/y coordinates); a time step present in several items is taken
 * from the first (ops/merge).
 * @throws EocubeError INVALID_PARAMS naming the two items whose grids differ (dimension sizes, x/y coordinates or
 *   CRS) and the fix (open_params crs, spatial_res and bbox: {@link stackItemsOnGrid}), NOT_FOUND when there is no item.
 */
export async function stackItems(inputs: StackInput[], signal?: AbortSignal): Promise<Dataset> {
  if (inputs.length === 0) {
    throw new EocubeError("NOT_FOUND", "no item matches the search", { hint: "widen time_range or bbox, or check the collection id" });
  }
  const sorted = [...inputs].sort((a, b) => Date.parse(a.datetime) - Date.parse(b.datetime));
  const timed = sorted.map((it) => (timeDim(it.ds) ? it.ds : withTimeDim(it.ds, Date.parse(it.datetime))));
  const ref = timed[0]!;
  const td = timeDim(ref)!;
  const differ = (i: number, what: string) =>
    new EocubeError(
      "INVALID_PARAMS",
      `items ${sorted[0]!.id} and ${sorted[i]!.id} have different grids (${what}): stack_mode without open_params crs and spatial_res stacks items on one grid only`,
      { field: "open_params/crs", hint: GRID_HINT },
    );
  // a grid mapping that cannot be read (no usable CRS) leaves the CRS comparison out, as before
  const gridOf = (ds: Dataset) =>
    readGridMapping(ds, { signal }).catch((err) => (isEocubeError(err, "CANCELLED") ? Promise.reject(err) : undefined));
  const refGm = await gridOf(ref);
  for (const [i, ds] of timed.entries()) {
    for (const [d, n] of Object.entries(ds.dims)) {
      if (d === timeDim(ds) || d === "bnds") continue;
      if (ref.dims[d] !== undefined && ref.dims[d] !== n) throw differ(i, `${d}: ${ref.dims[d]} vs ${n}`);
    }
    if (i > 0 && refGm) {
      const gm = await gridOf(ds);
      if (gm && !sameCrs(refGm, gm)) throw differ(i, `CRS ${refGm.crs} vs ${gm.crs}`);
    }
    for (const c of ["x", "y", "lon", "lat"]) {
      const a = ref.coords[c];
      const b = ds.coords[c];
      if (!a || !b || a.dims.length !== 1 || a.size === 0) continue;
      const [a0, a1, b0, b1] = await Promise.all([a.read([0]), a.read([a.size - 1]), b.read([0]), b.read([b.size - 1])]);
      const same = (p: { data: ArrayLike<unknown> }, q: { data: ArrayLike<unknown> }) =>
        Math.abs(Number(p.data[0]) - Number(q.data[0])) < 1e-9;
      if (!same(a0, b0) || !same(a1, b1)) throw differ(i, `coordinate ${c}`);
    }
    if (timeDim(ds) !== td) {
      throw new EocubeError("UNSUPPORTED", `items ${sorted[0]!.id} and ${sorted[i]!.id} name their time dimension differently`);
    }
  }
  const { merge } = await import("../../ops/merge.js");
  const merged = await merge(timed, { names: sorted.map((s) => `item ${s.id}`), signal });
  return merged.with({ close: async () => void (await Promise.all(sorted.map((s) => s.ds.close()))) });
}

/** The dataset with a `time` dimension of length 1 at `ms` (epoch milliseconds) in front of every data variable. */
export function withTimeDim(ds: Dataset, ms: number): Dataset {
  const data_vars: Record<string, Variable> = {};
  for (const [k, v] of Object.entries(ds.data_vars)) {
    if (v.dims.length === 0 || v.attrs.grid_mapping_name !== undefined) {
      data_vars[k] = v;
      continue;
    }
    data_vars[k] = new Variable({
      name: v.name,
      dims: ["time", ...v.dims],
      shape: [1, ...v.shape],
      dtype: v.dtype,
      chunks: [1, ...v.chunks],
      attrs: v.attrs,
      encoding: v.encoding,
      read: async (selection, options) => {
        const [t] = normalizeSelection([1, ...v.shape], selection);
        const inner = await v.read(selection.slice(1), options);
        return t!.drop ? inner : { ...inner, shape: [t!.stop - t!.start, ...inner.shape] };
      },
    });
  }
  const time = memoryVariable(
    "time",
    ["time"],
    { data: Float64Array.of(ms), shape: [1], dtype: "datetime64[ns]" },
    { standard_name: "time", axis: "T" },
  );
  return ds.with({ coords: { ...ds.coords, time }, data_vars });
}

/** The solar day of an item (`YYYY-MM-DD`): its UTC datetime shifted by whole hours of longitude/15, as xcube-stac. */
export function solarDay(datetime: string, lon: number): string {
  const ms = Date.parse(datetime) + Math.trunc(lon / 15) * 3_600_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** An item reprojected onto the target grid, with what the mosaic needs of it. */
interface Reprojected {
  id: string;
  ms: number;
  day: string;
  ds: Dataset;
}

/**
 * Stacks items on the target grid `grid` (from open params crs, bbox, spatial_res: ops/grid `regularGrid`),
 * lazily, as xcube-stac's stack mode: each item is reprojected with ops/resample-space, nearest neighbour for every
 * variable (xcube-resampling's default is nearest for integers only, bilinear or mean for floats; nearest keeps the
 * source values and flags, as `gdalwarp -r near`); items of one solar day (UTC datetime + trunc(lon/15)
 * hours at the centre of the item's bbox) form one time step at the earliest item's datetime, mosaicked pixel by
 * pixel: the first item (by datetime, then search order) with a valid value (not NaN; integers: not their
 * `_FillValue`) wins. Unlike xcube-stac, which picks every variable from the item valid in a reference variable, the
 * first valid item is chosen per variable. A chunk (1 time step × the grid's 512 × 512 tiles) reads only the items of
 * its day, and of those only the source windows its pixels fall in. Items outside the grid are left out; an item with
 * its own time dimension must have one step (its values are taken at the item's datetime). Output: dims `time`,
 * the items' other dims, then the grid's y/x (`lat`/`lon` for geographic CRSs, else `y`/`x` with a CF `crs`).
 * @throws EocubeError NOT_FOUND when there is no item, OUT_OF_RANGE when no item overlaps the grid (field
 *   open_params/bbox), UNSUPPORTED for an item without a regular grid or with several time steps, INVALID_PARAMS when
 *   a variable has different dims in two items.
 */
export async function stackItemsOnGrid(inputs: StackInput[], grid: GridMapping, signal?: AbortSignal): Promise<Dataset> {
  if (inputs.length === 0) {
    throw new EocubeError("NOT_FOUND", "no item matches the search", { hint: "widen time_range or bbox, or check the collection id" });
  }
  const sorted = inputs.map((it, k) => ({ it, k, ms: Date.parse(it.datetime) })).sort((a, b) => a.ms - b.ms || a.k - b.k);
  const undated = sorted.find((s) => !Number.isFinite(s.ms));
  if (undated) {
    throw new EocubeError("CORRUPT_DATA", `item ${undated.it.id} has no valid datetime (${JSON.stringify(undated.it.datetime)})`, {
      field: "properties/datetime",
      hint: "stack_mode places items in time by their datetime (or start_datetime)",
    });
  }
  const items: Reprojected[] = [];
  for (const { it, ms } of sorted) {
    const gm = await readGridMapping(it.ds, { signal });
    if (!gm) {
      throw new EocubeError("UNSUPPORTED", `item ${it.id} has no regular x/y grid with a known CRS, so it cannot be reprojected`, {
        hint: "stack_mode with crs and spatial_res reprojects gridded assets (GeoTIFF/COG, CF NetCDF or Zarr with 1-D x/y)",
      });
    }
    let resampled: Dataset;
    try {
      resampled = await resampleInSpace(withoutTimeDim(it.ds, it.id), grid, { method: "nearest", sourceGrid: gm, signal });
    } catch (err) {
      if (isEocubeError(err, "OUT_OF_RANGE") && err.field === "bbox") continue; // outside the target grid
      throw err;
    }
    const b = it.bbox;
    const n = b?.length === 6 ? 3 : 2;
    const [w, , e] = b && b.length >= 4 ? [b[0]!, b[1]!, b[n]!] : bboxToWgs84(gm);
    items.push({ id: it.id, ms, day: solarDay(it.datetime, (w + e) / 2), ds: resampled });
  }
  if (items.length === 0) {
    throw new EocubeError(
      "OUT_OF_RANGE",
      `none of the ${inputs.length} items overlaps the target grid ${JSON.stringify(grid.bbox)} (${grid.crs})`,
      { field: "open_params/bbox", hint: "give a bbox (in open_params crs) that overlaps the items" },
    );
  }
  // time steps: solar days in time order, each at its earliest item's datetime
  const groups: Reprojected[][] = [];
  for (const r of items) {
    const g = groups.find((x) => x[0]!.day === r.day);
    if (g) g.push(r);
    else groups.push([r]);
  }
  groups.sort((a, b) => a[0]!.ms - b[0]!.ms);
  const close = async () => void (await Promise.all(inputs.map((i) => i.ds.close())));
  // the variables: union over items, in first-seen order
  const data_vars: Record<string, Variable> = {};
  const names = [...new Set(items.flatMap((r) => Object.keys(r.ds.data_vars)))];
  for (const name of names) {
    const perGroup = groups.map((g) => g.flatMap((r) => (r.ds.data_vars[name] ? [r.ds.data_vars[name]!] : [])));
    const first = perGroup.flat()[0]!;
    if (!first.dims.includes(grid.xDim) || !first.dims.includes(grid.yDim)) continue; // non-spatial: left out
    for (const r of items) {
      const v = r.ds.data_vars[name];
      if (v && (v.dims.join() !== first.dims.join() || v.shape.join() !== first.shape.join())) {
        throw new EocubeError(
          "INVALID_PARAMS",
          `variable ${name} has dims (${v.dims.join(", ")}) of shape [${v.shape.join(", ")}] in item ${r.id} but (${first.dims.join(", ")}) of shape [${first.shape.join(", ")}] in item ${items.find((x) => x.ds.data_vars[name] === first)?.id}`,
          { field: "open_params/asset_names", hint: "open assets of the same layout with asset_names, or variable_names" },
        );
      }
    }
    data_vars[name] = mosaicVariable(name, perGroup, first);
  }
  const ref = items[0]!.ds;
  const coords: Record<string, Variable> = { ...gridCoords(grid) };
  for (const [name, c] of Object.entries(ref.coords)) if (!(name in coords) && name !== "time") coords[name] = c;
  coords.time = memoryVariable(
    "time",
    ["time"],
    { data: Float64Array.from(groups, (g) => g[0]!.ms), shape: [groups.length], dtype: "datetime64[ns]" },
    { standard_name: "time", axis: "T" },
  );
  return new Dataset({
    coords,
    data_vars,
    attrs: { ...ref.attrs, stac_item_ids_per_time: groups.map((g) => g.map((r) => r.id).join(",")) },
    close,
  });
}

/**
 * The dataset without a time dimension of length 1 (each variable read at step 0), for reprojection; data without
 * one are returned as they are.
 * @throws EocubeError UNSUPPORTED when the time dimension has several steps.
 */
function withoutTimeDim(ds: Dataset, id: string): Dataset {
  const td = timeDim(ds);
  if (!td) return ds;
  const nt = ds.dims[td]!;
  if (nt !== 1) {
    throw new EocubeError(
      "UNSUPPORTED",
      `item ${id} has ${nt} time steps; stack_mode with crs and spatial_res reprojects items of one time step`,
      {
        hint: "open the item alone (without stack_mode), or stack without crs/spatial_res when the items share a grid",
      },
    );
  }
  const strip = (v: Variable): Variable | undefined => {
    const i = v.dims.indexOf(td);
    if (i < 0) return v;
    if (v.ndim === 1) return undefined;
    return new Variable({
      name: v.name,
      dims: v.dims.filter((_, k) => k !== i),
      shape: v.shape.filter((_, k) => k !== i),
      dtype: v.dtype,
      chunks: v.chunks.filter((_, k) => k !== i),
      attrs: v.attrs,
      encoding: v.encoding,
      read: (selection = [], options) => {
        const sel = [...selection];
        while (sel.length < v.ndim - 1) sel.push(null);
        sel.splice(i, 0, 0);
        return v.read(sel, options);
      },
    });
  };
  const pick = (vars: Record<string, Variable>) =>
    Object.fromEntries(
      Object.entries(vars)
        .flatMap(([k, v]) => (k === td || k.startsWith(`${td}_bnds`) ? [] : [[k, strip(v)]]))
        .filter(([, v]) => v),
    );
  return ds.with({ coords: pick(ds.coords), data_vars: pick(ds.data_vars) });
}

/**
 * A lazy `[time, …, y, x]` variable: time step t is the first-valid mosaic of `perGroup[t]` (variables on the target
 * grid, in priority order); steps without any of them read as the fill value (NaN, or the integer `_FillValue`).
 */
function mosaicVariable(name: string, perGroup: Variable[][], first: Variable): Variable {
  const all = perGroup.flat();
  const dtype: DType = all.every((v) => v.dtype === first.dtype) ? first.dtype : "float64";
  const fill = fillValueOf(dtype, first.attrs, first.encoding);
  const shape = [perGroup.length, ...first.shape];
  const attrs = { ...first.attrs };
  return new Variable({
    name,
    dims: ["time", ...first.dims],
    shape,
    dtype,
    chunks: [1, ...first.chunks],
    attrs,
    encoding: { ...first.encoding, chunks: undefined },
    read: async (selection = [], options) => {
      const norm = normSel(name, shape, selection);
      const [t, ...inner] = norm;
      const innerSel = inner.map((d) => [d.start, d.stop] as [number, number]);
      const plane = inner.reduce((p, d) => p * (d.stop - d.start), 1);
      const out = allocate(dtype, (t!.stop - t!.start) * plane) as unknown as Float64Array;
      if (fill !== 0) out.fill(fill);
      for (let k = t!.start; k < t!.stop; k++) {
        const vs = perGroup[k]!;
        const blocks = await Promise.all(vs.map((v) => v.read(innerSel, options)));
        const off = (k - t!.start) * plane;
        const done = new Uint8Array(plane);
        let left = plane;
        for (const [j, block] of blocks.entries()) {
          if (left === 0) break;
          const src = numericValues(block as NdArray);
          const vFill = fillValueOf(vs[j]!.dtype, vs[j]!.attrs, vs[j]!.encoding);
          const vFloat = isFloat(vs[j]!.dtype);
          for (let p = 0; p < plane; p++) {
            if (done[p]) continue;
            const x = src[p]!;
            if (vFloat ? Number.isNaN(x) : x === vFill) continue;
            out[off + p] = x;
            done[p] = 1;
            left--;
          }
        }
      }
      return dropDims({ data: out, shape: norm.map((d) => d.stop - d.start), dtype }, norm);
    },
  });
}
