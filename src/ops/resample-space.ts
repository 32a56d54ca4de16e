// resampleInSpace: lazily reproject/resample a regular-grid dataset onto a regular target grid.
import { LRUCache } from "lru-cache";
import { Dataset } from "../core/dataset.js";
import { EocubeError } from "../core/errors.js";
import type { GridMapping } from "../core/gridmapping.js";
import { isFloat, type DType } from "../core/ndarray.js";
import type { Selection } from "../core/selection.js";
import type { Variable } from "../core/variable.js";
import { readGridMapping } from "../core/gridmapping-read.js";
import { gridCoords } from "./grid.js";
import {
  applyBilinear,
  applyMean,
  applyNearest,
  applyNearestSeparable,
  bilinearMap,
  nearestIndex,
  nearestSeparable,
  windowOf,
  type PixelMap,
  type SpatialMethod,
} from "./kernels.js";
import { dropDims, fillValueOf, numericValues, spatialRead } from "./lazy.js";
import { pixelMapper, type PixelMapper } from "./pixelmap.js";
import { pointTransform } from "../core/crs.js";

/** Options of {@link resampleInSpace}. */
export interface ResampleInSpaceOptions {
  /**
   * Method for all variables or per variable name. Default per variable: `nearest` for integers
   * and flag variables (CF `flag_values`/`flag_masks`); for floats `mean` when downsampling (target
   * pixel larger than 1.5 source pixels), else `bilinear`. Integers and flags always use nearest.
   */
  method?: SpatialMethod | Record<string, SpatialMethod>;
  /** The source grid; default: `readGridMapping(ds)` (1-D x/y coordinates + CF grid mapping). */
  sourceGrid?: GridMapping;
  /** Output chunk shape `[height, width]` for the spatial dims (default 512 × 512, clipped to the grid). */
  tileSize?: [number, number];
  signal?: AbortSignal;
}

/** True for CF flag variables (nearest only). */
export function isFlagVariable(v: Variable): boolean {
  return "flag_values" in v.attrs || "flag_masks" in v.attrs || "flag_meanings" in v.attrs;
}

/** The method used for a variable given the requested one (integers and flags forced to nearest). */
export function effectiveMethod(v: Variable, requested: SpatialMethod | undefined, mapper: { scale: number }): SpatialMethod {
  if (!isFloat(v.dtype) || isFlagVariable(v)) return "nearest";
  if (requested) return requested;
  return mapper.scale > 1.5 ? "mean" : "bilinear";
}

/**
 * Cached per-tile pixel maps (LRU) shared by all variables and time steps of a tile. The nearest index of a separable
 * mapper (same CRS, or geographic to geographic) is not cached: it is a few numbers per row and column of the tile,
 * computed on each read far faster than a per-pixel map (see {@link TileCache.separableNearest}).
 */
export class TileCache {
  readonly #entries: LRUCache<string, { map: PixelMap; derived: Map<string, unknown> }>;
  readonly #mapper: PixelMapper;
  /** @param limit how many tiles' maps are kept (least recently used dropped first). */
  constructor(mapper: PixelMapper, limit = 4) {
    this.#mapper = mapper;
    this.#entries = new LRUCache({ max: Math.max(1, limit) });
  }
  /**
   * For a separable mapper, the source window and the separable nearest index (see {@link nearestSeparable}) of target
   * rows [r0, r1) × cols [c0, c1), built without a per-pixel map (O(h + w)) and without touching the LRU of
   * per-pixel maps, so that every tile of every time step gets them at once, whatever order tiles are read in;
   * `win` undefined when the tile misses the source. Undefined for a mapper that is not separable.
   */
  separableNearest(r0: number, r1: number, c0: number, c1: number, srcH: number, srcW: number, periodic: boolean) {
    if (!this.#mapper.separable) return undefined;
    const map = this.#mapper.map(r0, r1, c0, c1, false);
    const win = windowOf(map, "nearest", srcH, srcW, periodic);
    return { win, ix: win ? nearestSeparable(map, win) : undefined };
  }
  get(r0: number, r1: number, c0: number, c1: number, footprints: boolean) {
    const key = `${r0}:${r1}:${c0}:${c1}`;
    let e = this.#entries.get(key); // marks it most recently used
    if (e && footprints && !e.map.fu0) e = undefined;
    if (!e) {
      e = { map: this.#mapper.map(r0, r1, c0, c1, footprints), derived: new Map() };
      this.#entries.set(key, e);
    }
    return e;
  }
}

/**
 * Resamples every data variable with the dataset's x/y dims as its last two dims onto `target`
 * (any CRS proj4 knows), lazily: reading an output window reads only the source window its pixels
 * fall in. Pixel maps are computed once per output tile and shared by variables and time steps.
 * Non-spatial variables (e.g. `time_bnds`) are kept; variables with only one spatial dim are dropped.
 * Output coords: the target grid's (see `gridCoords`), plus the source's non-spatial coords.
 * @throws EocubeError UNSUPPORTED when the source has no regular grid or the spatial dims are not
 *   the last two; OUT_OF_RANGE when the target grid does not overlap the source at all.
 */
export async function resampleInSpace(ds: Dataset, target: GridMapping, options: ResampleInSpaceOptions = {}): Promise<Dataset> {
  const source = options.sourceGrid ?? (await readGridMapping(ds, { signal: options.signal }));
  if (!source) {
    throw new EocubeError("UNSUPPORTED", "the dataset has no regular x/y grid with a known CRS", {
      hint: "regular grids need 1-D x/y (lon/lat) coordinates and a CRS; swaths with 2-D lat/lon need rectify()",
    });
  }
  const mapper = pixelMapper(target, source);
  // Overlap check on a coarse 17×17 lattice of the whole target grid.
  const coarse = pixelMapper(target, source);
  let overlap = false;
  const steps = 16;
  for (let i = 0; i <= steps && !overlap; i++) {
    for (let j = 0; j <= steps && !overlap; j++) {
      const r = Math.min(target.height - 1, Math.floor((i * target.height) / steps));
      const c = Math.min(target.width - 1, Math.floor((j * target.width) / steps));
      const m = coarse.map(r, r + 1, c, c + 1, false);
      const u = m.u[0]!;
      const v = m.v[0]!;
      if (u >= -0.5 && u <= source.width + 0.5 && v >= -0.5 && v <= source.height + 0.5) overlap = true;
    }
  }
  if (!overlap) {
    // a small target inside one source pixel is also an overlap: test the centre with footprints
    const m = coarse.map(
      Math.floor(target.height / 2),
      Math.floor(target.height / 2) + 1,
      Math.floor(target.width / 2),
      Math.floor(target.width / 2) + 1,
      false,
    );
    if (m.u[0]! >= 0 && m.u[0]! < source.width && m.v[0]! >= 0 && m.v[0]! < source.height) overlap = true;
  }
  if (!overlap && sourceInsideTarget(source, target)) overlap = true;
  if (!overlap) {
    throw new EocubeError(
      "OUT_OF_RANGE",
      `the target grid ${JSON.stringify(target.bbox)} (${target.crs}) does not overlap the data ${JSON.stringify(source.bbox)} (${source.crs})`,
      {
        field: "bbox",
        hint: "give a bbox (in the target CRS) that overlaps the input data",
      },
    );
  }
  const cache = new TileCache(mapper);
  const tile: [number, number] = [
    Math.min(options.tileSize?.[0] ?? 512, target.height),
    Math.min(options.tileSize?.[1] ?? 512, target.width),
  ];
  const data_vars: Record<string, Variable> = {};
  for (const [name, v] of Object.entries(ds.data_vars)) {
    const iy = v.dims.indexOf(source.yDim);
    const ix = v.dims.indexOf(source.xDim);
    if (iy < 0 && ix < 0) {
      data_vars[name] = v;
      continue;
    }
    if (iy < 0 || ix < 0) continue;
    if (iy !== v.ndim - 2 || ix !== v.ndim - 1) {
      throw new EocubeError(
        "UNSUPPORTED",
        `variable ${name} has dims ${v.dims.join(", ")}; ${source.yDim}, ${source.xDim} must be the last two`,
        { field: name },
      );
    }
    const requested = typeof options.method === "string" ? options.method : options.method?.[name];
    const method = effectiveMethod(v, requested, mapper);
    data_vars[name] = resampledVariable(v, target, source.height, source.width, method, cache, tile, isPeriodic(source));
  }
  const coords: Record<string, Variable> = { ...gridCoords(target) };
  for (const [name, c] of Object.entries(ds.coords)) {
    if (c.dims.includes(source.xDim) || c.dims.includes(source.yDim) || name in coords) continue;
    if (name === "crs" || name === "spatial_ref") continue;
    coords[name] = c;
  }
  for (const [name, v] of Object.entries(data_vars)) {
    if (!v.dims.includes(target.xDim) && (name === "crs" || name === "spatial_ref")) delete data_vars[name];
  }
  return new Dataset({ coords, data_vars, attrs: { ...ds.attrs }, encoding: { ...ds.encoding } });
}

/**
 * True when the source's centre or a corner pixel centre falls inside the target grid: a source much smaller than the
 * target (one Sentinel-2 tile in a continent-wide grid) lies between the points of the target lattice tested above.
 */
function sourceInsideTarget(source: GridMapping, target: GridMapping): boolean {
  const toTarget = pointTransform(source.proj4, target.proj4);
  const [sx0, sdx, srx, sy0, sry, sdy] = source.transform;
  const [tx0, tdx, trx, ty0, try_, tdy] = target.transform;
  const det = tdx * tdy - trx * try_;
  const p = new Float64Array(2);
  const w = source.width;
  const h = source.height;
  const points = [
    [w / 2, h / 2],
    [0.5, 0.5],
    [w - 0.5, 0.5],
    [0.5, h - 0.5],
    [w - 0.5, h - 0.5],
  ];
  for (const [c, r] of points) {
    toTarget(sx0 + c! * sdx + r! * srx, sy0 + c! * sry + r! * sdy, p);
    const x = p[0]! - tx0;
    const y = p[1]! - ty0;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    const col = (tdy * x - trx * y) / det;
    const row = (tdx * y - try_ * x) / det;
    // longitudes one turn off (−180…180 data, 0…360 grid)
    for (const shift of target.isGeographic ? [0, 360 / tdx, -360 / tdx] : [0]) {
      if (col + shift >= 0 && col + shift < target.width && row >= 0 && row < target.height) return true;
    }
  }
  return false;
}

/**
 * True for a geographic grid whose columns span the whole 360° of longitude (global 0…360 or
 * −180…180 grids, within a thousandth of a pixel): its first and last columns are neighbours.
 */
export function isPeriodic(grid: GridMapping): boolean {
  const res = grid.resolution[0];
  return grid.isGeographic && Math.abs(grid.width * res - 360) < res * 1e-3;
}

/**
 * A lazy variable: `v` (spatial dims last, source size `[srcH, srcW]`) resampled onto `target`
 * with `method`, using the tile maps of `cache`. Output chunks: 1 along outer dims, `tile` in space.
 * `periodic` (default false): the source spans 360° of longitude, so bilinear interpolates across
 * its first/last column (see {@link isPeriodic}).
 */
export function resampledVariable(
  v: Variable,
  target: GridMapping,
  srcH: number,
  srcW: number,
  method: SpatialMethod,
  cache: TileCache,
  tile: [number, number],
  periodic = false,
): Variable {
  const nd = v.ndim;
  const dims = [...v.dims.slice(0, nd - 2), target.yDim, target.xDim];
  const shape = [...v.shape.slice(0, nd - 2), target.height, target.width];
  const outDtype: DType = v.dtype === "int64" || v.dtype === "uint64" ? "float64" : v.dtype;
  const fill = fillValueOf(v.dtype, v.attrs, v.encoding);
  const attrs = { ...v.attrs };
  delete attrs.coordinates;
  if (target.isGeographic) delete attrs.grid_mapping;
  else attrs.grid_mapping = "crs";
  return v.with({
    dims,
    shape,
    dtype: outDtype,
    chunks: [...v.chunks.slice(0, nd - 2).map(() => 1), tile[0], tile[1]],
    attrs,
    encoding: { ...v.encoding, chunks: undefined, resampling: method },
    readsInto: true, // every kernel writes each output pixel: an out buffer is the output block
    read: async (selection: Selection = [], readOptions) => {
      const { out: given, ...options } = readOptions ?? {}; // the source's reads get no out buffer
      const { norm, rows, cols, outer, nOuter, h, w, out, result } = spatialRead(v.name, shape, selection, outDtype, given);
      if (h * w === 0 || nOuter === 0) return dropDims(result, norm);
      const sep =
        method === "nearest" ? cache.separableNearest(rows.start, rows.stop, cols.start, cols.stop, srcH, srcW, periodic) : undefined;
      if (sep) {
        if (!sep.win || !sep.ix) {
          (out as Float64Array).fill(fill);
          return dropDims(result, norm);
        }
        const { win: sw, ix } = sep;
        const block = await v.read([...outer.map((d) => [d.start, d.stop] as [number, number]), [sw.r0, sw.r1], [sw.c0, sw.c1]], options);
        const src = numericValues(block);
        const wsize = (sw.r1 - sw.r0) * (sw.c1 - sw.c0);
        for (let k = 0; k < nOuter; k++) applyNearestSeparable(ix, src, k * wsize, out, k * h * w, fill);
        return dropDims(result, norm);
      }
      const entry = cache.get(rows.start, rows.stop, cols.start, cols.stop, method === "mean");
      const winKey = `win:${method}`;
      let win = entry.derived.get(winKey) as ReturnType<typeof windowOf> | null | undefined;
      if (win === undefined) {
        win = windowOf(entry.map, method, srcH, srcW, periodic) ?? null;
        entry.derived.set(winKey, win);
      }
      if (!win) {
        (out as Float64Array).fill(fill);
        return dropDims(result, norm);
      }
      const srcSel: Selection = [...outer.map((d) => [d.start, d.stop] as [number, number]), [win.r0, win.r1], [win.c0, win.c1]];
      const block = await v.read(srcSel, options);
      const src = numericValues(block);
      const wh = win.r1 - win.r0;
      const ww = win.c1 - win.c0;
      const plane = h * w;
      if (method === "nearest") {
        let idx = entry.derived.get("nearest") as Int32Array | undefined;
        if (!idx) {
          idx = nearestIndex(entry.map, win);
          entry.derived.set("nearest", idx);
        }
        for (let k = 0; k < nOuter; k++) applyNearest(idx, src, k * wh * ww, out, k * plane, fill);
      } else if (method === "bilinear") {
        let bm = entry.derived.get("bilinear") as ReturnType<typeof bilinearMap> | undefined;
        if (!bm) {
          bm = bilinearMap(entry.map, win, srcH, srcW, periodic);
          entry.derived.set("bilinear", bm);
        }
        for (let k = 0; k < nOuter; k++) applyBilinear(bm, ww, src, k * wh * ww, out, k * plane, fill);
      } else {
        for (let k = 0; k < nOuter; k++) applyMean(entry.map, win, src, k * wh * ww, out, k * plane, fill);
      }
      return dropDims(result, norm);
    },
  });
}
