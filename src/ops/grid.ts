// Regular target grids: build a GridMapping from CRS + bbox + resolution (or size), and its coordinates.
import type { BBox, GridMapping } from "../core/gridmapping.js";
import { EocubeError } from "../core/errors.js";
import type { NdArray } from "../core/ndarray.js";
import { Variable } from "../core/variable.js";
import { crsVariableAttrs } from "./cf-grid-mapping.js";
import { resolveCrs } from "../core/crs.js";
import { normSel, sliceArray } from "./lazy.js";

/** Options of {@link regularGrid}. Give `spatial_res` or `size` (or both with a consistent bbox). */
export interface RegularGridOptions {
  /** CRS ("EPSG:4326", "EPSG:3035", PROJ string, WKT). */
  crs: string;
  /** Extent of pixel edges `[west, south, east, north]` in CRS units. */
  bbox: BBox;
  /** Pixel size in CRS units (degrees or metres): one number or `[xres, yres]`, both > 0. */
  spatial_res?: number | [number, number];
  /** Grid size `[width, height]` in pixels; the resolution is then `bbox size / size`. */
  size?: [number, number];
  /** y increases downwards (north-up, default true) — like gdalwarp and xcube's gen2. */
  yDescending?: boolean;
  /** Dimension names; default `lon`/`lat` for geographic CRSs, `x`/`y` otherwise. */
  xDim?: string;
  yDim?: string;
}

/**
 * A regular grid covering `bbox`: width = round((east − west) / xres), height likewise; when the
 * bbox is not a multiple of the resolution, east/south are moved outward to the last whole pixel
 * (as xcube's gen2 does).
 * @throws EocubeError INVALID_ARGUMENT for a zero/negative resolution or size, an empty bbox, or an unparseable CRS.
 */
export function regularGrid(options: RegularGridOptions): GridMapping {
  const { crs: crsText, bbox } = options;
  const resolved = resolveCrs(crsText);
  if (!Array.isArray(bbox) || bbox.length !== 4 || bbox.some((v) => !Number.isFinite(v))) {
    throw new EocubeError("INVALID_ARGUMENT", `bbox must be 4 finite numbers [west, south, east, north], got ${JSON.stringify(bbox)}`, {
      field: "bbox",
    });
  }
  const [w, s, e, n] = bbox;
  if (!(e > w) || !(n > s)) {
    throw new EocubeError("INVALID_ARGUMENT", `bbox ${JSON.stringify(bbox)} is empty: east must exceed west and north must exceed south`, {
      field: "bbox",
      hint: "write the bbox as [west, south, east, north]",
    });
  }
  let xres: number;
  let yres: number;
  let width: number;
  let height: number;
  if (options.spatial_res !== undefined) {
    const r = options.spatial_res;
    [xres, yres] = Array.isArray(r) ? r : [r, r];
    if (!(xres > 0) || !(yres > 0) || !Number.isFinite(xres) || !Number.isFinite(yres)) {
      throw new EocubeError("INVALID_ARGUMENT", `spatial_res must be positive, got ${JSON.stringify(r)}`, {
        field: "spatial_res",
        hint: "give the pixel size in CRS units, e.g. 0.25 (degrees) or 5000 (metres)",
      });
    }
    width = Math.max(1, Math.round((e - w) / xres - 1e-9) || 1);
    height = Math.max(1, Math.round((n - s) / yres - 1e-9) || 1);
    // Keep the exact resolution: tolerate rounding by up to a millionth of a pixel.
    if (Math.abs(width * xres - (e - w)) > 1e-6 * xres) width = Math.ceil((e - w) / xres - 1e-6);
    if (Math.abs(height * yres - (n - s)) > 1e-6 * yres) height = Math.ceil((n - s) / yres - 1e-6);
  } else if (options.size) {
    [width, height] = options.size;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new EocubeError("INVALID_ARGUMENT", `size must be two positive integers, got ${JSON.stringify(options.size)}`, {
        field: "size",
      });
    }
    xres = (e - w) / width;
    yres = (n - s) / height;
  } else {
    throw new EocubeError("INVALID_ARGUMENT", "a target grid needs spatial_res or size", { field: "spatial_res" });
  }
  const yDescending = options.yDescending ?? true;
  const east = w + width * xres;
  const south = n - height * yres;
  const transform: GridMapping["transform"] = yDescending ? [w, xres, 0, n, 0, -yres] : [w, xres, 0, south, 0, yres];
  return {
    crs: resolved.crs,
    proj4: resolved.proj4,
    xDim: options.xDim ?? (resolved.isGeographic ? "lon" : "x"),
    yDim: options.yDim ?? (resolved.isGeographic ? "lat" : "y"),
    width,
    height,
    transform,
    bbox: [w, yDescending ? south : south, east, n],
    resolution: [xres, yres],
    isGeographic: resolved.isGeographic,
    isYDescending: yDescending,
    isLon360: resolved.isGeographic && east > 180,
  };
}

/** Pixel-centre x coordinates of a grid, shape `[width]`. */
export function xCoords(grid: GridMapping): Float64Array {
  const [x0, dx] = grid.transform;
  const out = new Float64Array(grid.width);
  for (let i = 0; i < grid.width; i++) out[i] = x0 + (i + 0.5) * dx;
  return out;
}

/** Pixel-centre y coordinates of a grid, shape `[height]` (descending for north-up grids). */
export function yCoords(grid: GridMapping): Float64Array {
  const y0 = grid.transform[3];
  const dy = grid.transform[5];
  const out = new Float64Array(grid.height);
  for (let j = 0; j < grid.height; j++) out[j] = y0 + (j + 0.5) * dy;
  return out;
}

/** In-memory Variable over a given NdArray (reads are slices of it). */
export function memoryVariable(
  name: string,
  dims: string[],
  array: NdArray,
  attrs: Record<string, unknown> = {},
  chunks?: number[],
): Variable {
  return new Variable({
    name,
    dims,
    shape: array.shape.slice(),
    dtype: array.dtype,
    chunks,
    attrs,
    read: async (selection) => sliceArray(array, selection),
  });
}

/**
 * A lazy 1-D axis of pixel centres `first + (i + 0.5) · step` (`withBounds`: a `[n, 2]` variable of
 * centre ∓ step/2): values are computed for the selection read only, so a grid of millions of pixels
 * per side costs nothing until its chunks are read.
 */
function axisVariable(
  name: string,
  dims: string[],
  first: number,
  step: number,
  n: number,
  attrs: Record<string, unknown>,
  withBounds: boolean,
): Variable {
  const shape = withBounds ? [n, 2] : [n];
  return new Variable({
    name,
    dims,
    shape,
    dtype: "float64",
    attrs,
    read: async (selection = []) => {
      const [rows] = normSel(name, shape, selection);
      const k = rows!.stop - rows!.start;
      const data = new Float64Array(withBounds ? 2 * k : k);
      for (let j = 0; j < k; j++) {
        const c = first + (rows!.start + j + 0.5) * step;
        if (withBounds) {
          data[2 * j] = c - step / 2;
          data[2 * j + 1] = c + step / 2;
        } else data[j] = c;
      }
      const block: NdArray = { data, shape: withBounds ? [k, 2] : [k], dtype: "float64" };
      return sliceArray(block, [rows!.drop ? 0 : [0, k], ...selection.slice(1)]);
    },
  });
}

/**
 * CF coordinate variables of a grid: `lon`/`lat` (or `x`/`y`) pixel centres with units and
 * standard names, plus `<dim>_bnds` [n, 2] edge bounds (xcube's cube convention), and for a
 * projected grid a `crs` grid-mapping variable (CF `grid_mapping_name` and parameters, WKT in
 * `crs_wkt`/`spatial_ref`, the PROJ string in `proj4`; see `crsVariableAttrs`). The values are
 * computed lazily, for the selections read (same numbers as {@link xCoords}/{@link yCoords}).
 */
export function gridCoords(grid: GridMapping): Record<string, Variable> {
  const geo = grid.isGeographic;
  const xAttrs = geo
    ? { standard_name: "longitude", long_name: "longitude", units: "degrees_east", axis: "X", bounds: `${grid.xDim}_bnds` }
    : {
        standard_name: "projection_x_coordinate",
        long_name: "x coordinate of projection",
        units: "m",
        axis: "X",
        bounds: `${grid.xDim}_bnds`,
      };
  const yAttrs = geo
    ? { standard_name: "latitude", long_name: "latitude", units: "degrees_north", axis: "Y", bounds: `${grid.yDim}_bnds` }
    : {
        standard_name: "projection_y_coordinate",
        long_name: "y coordinate of projection",
        units: "m",
        axis: "Y",
        bounds: `${grid.yDim}_bnds`,
      };
  const [x0, dx, , y0, , dy] = grid.transform;
  const coords: Record<string, Variable> = {
    [grid.yDim]: axisVariable(grid.yDim, [grid.yDim], y0, dy, grid.height, yAttrs, false),
    [grid.xDim]: axisVariable(grid.xDim, [grid.xDim], x0, dx, grid.width, xAttrs, false),
    [`${grid.yDim}_bnds`]: axisVariable(`${grid.yDim}_bnds`, [grid.yDim, "bnds"], y0, dy, grid.height, {}, true),
    [`${grid.xDim}_bnds`]: axisVariable(`${grid.xDim}_bnds`, [grid.xDim, "bnds"], x0, dx, grid.width, {}, true),
  };
  if (!geo) {
    coords.crs = memoryVariable("crs", [], { data: new Int32Array([0]), shape: [], dtype: "int32" }, crsVariableAttrs(grid));
  }
  return coords;
}
