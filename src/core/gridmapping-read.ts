// readGridMapping: derive a dataset's CRS and regular grid (affine of pixel edges, bbox, resolution) from
// its coordinates and CF/GDAL grid-mapping metadata; bboxToWgs84 reprojects the grid's edges to lon/lat.
// Specs: CF §5.6 "Horizontal Coordinate Reference Systems, Grid Mappings"; GDAL geotransform
// https://gdal.org/tutorials/geotransforms_tut.html
import { cfGridMappingToProj4, epsgFromWkt, epsgToProj4, loadProj4, looksLikeWkt, projNameOf, registerEpsg, WGS84_PROJ4 } from "./crs.js";
import type { Dataset } from "./dataset.js";
import { EocubeError, throwIfAborted } from "./errors.js";
import type { BBox, GeoTransform, GridMapping } from "./gridmapping.js";
import { toFloat64 } from "./ndarray.js";
import type { Attrs, ReadOptions, Variable } from "./variable.js";

type Axis = "x" | "y";

const X_NAMES = new Set(["x", "lon", "longitude", "long", "xc", "rlon", "easting"]);
const Y_NAMES = new Set(["y", "lat", "latitude", "yc", "rlat", "northing"]);
const LON_UNITS = /^degrees?_?e(ast)?$/i;
const LAT_UNITS = /^degrees?_?n(orth)?$/i;

/** Which horizontal axis a 1-D coordinate variable is, and whether it is geographic. */
function classify(name: string, v: Variable): { axis: Axis; geographic: boolean } | undefined {
  const a = v.attrs;
  const sn = typeof a.standard_name === "string" ? a.standard_name : "";
  const units = typeof a.units === "string" ? a.units : "";
  const axis = typeof a.axis === "string" ? a.axis.toUpperCase() : "";
  const lower = name.toLowerCase();
  if (sn === "longitude" || LON_UNITS.test(units) || lower === "lon" || lower === "longitude" || lower === "long") {
    return { axis: "x", geographic: true };
  }
  if (sn === "latitude" || LAT_UNITS.test(units) || lower === "lat" || lower === "latitude") return { axis: "y", geographic: true };
  if (sn === "projection_x_coordinate" || sn === "grid_longitude" || axis === "X" || X_NAMES.has(lower))
    return { axis: "x", geographic: false };
  if (sn === "projection_y_coordinate" || sn === "grid_latitude" || axis === "Y" || Y_NAMES.has(lower))
    return { axis: "y", geographic: false };
  return undefined;
}

/** The grid-mapping variable's name: the `grid_mapping` attribute of a data variable, else `crs`/`spatial_ref`. */
function findGridMappingVar(ds: Dataset): string | undefined {
  const vars = ds.variables;
  for (const v of Object.values(ds.data_vars)) {
    const gm = v.attrs.grid_mapping ?? v.encoding.grid_mapping;
    if (typeof gm === "string") {
      const first = gm.trim().split(/[:\s]+/)[0]!;
      if (first in vars) return first;
    }
  }
  for (const n of ["spatial_ref", "crs", "CRS", "crs_wkt"]) if (n in vars && vars[n]!.ndim === 0) return n;
  return undefined;
}

/** A GDAL `GeoTransform` attribute ("x0 dx rx y0 ry dy") as numbers. */
function parseGeoTransform(v: unknown): GeoTransform | undefined {
  const parts =
    typeof v === "string"
      ? v
          .trim()
          .split(/[\s,]+/)
          .map(Number)
      : Array.isArray(v)
        ? v.map(Number)
        : [];
  return parts.length === 6 && parts.every(Number.isFinite) ? (parts as GeoTransform) : undefined;
}

/** The EPSG code from `epsg`/`epsg_code`/`EPSG` attributes (number or "EPSG:N"). */
function epsgAttr(attrs: Attrs): number | undefined {
  for (const k of ["epsg", "epsg_code", "EPSG", "crs_epsg"]) {
    const v = attrs[k];
    if (typeof v === "number" && Number.isInteger(v)) return v;
    if (typeof v === "string") {
      const m = /^(?:EPSG:)?(\d+)$/i.exec(v.trim());
      if (m) return Number(m[1]);
    }
  }
  return undefined;
}

/** CRS facts of the grid-mapping variable's attributes. */
interface CrsInfo {
  crs: string;
  proj4: string;
  crsWkt?: string;
}

/** Resolves the CRS from grid-mapping attributes: explicit PROJ string, EPSG, CF parameters, then WKT. */
function crsFromAttrs(attrs: Attrs): CrsInfo | undefined {
  const wkt = [attrs.crs_wkt, attrs.spatial_ref, attrs.esri_pe_string].find(looksLikeWkt);
  const epsg = epsgAttr(attrs) ?? (wkt ? epsgFromWkt(wkt) : undefined);
  const explicit = [attrs.proj4, attrs.proj4text, attrs.proj4_params, attrs.proj4_string].find(
    (s): s is string => typeof s === "string" && s.includes("+proj="),
  );
  const def = explicit ?? (epsg !== undefined ? epsgToProj4(epsg) : undefined) ?? cfGridMappingToProj4(attrs) ?? wkt;
  if (def === undefined && epsg === undefined) return undefined;
  const proj4def = def ?? `EPSG:${epsg}`;
  if (epsg !== undefined && def !== undefined) registerEpsg(epsg, def);
  return { crs: epsg !== undefined ? `EPSG:${epsg}` : proj4def, proj4: proj4def, crsWkt: wkt };
}

/** Reads a 1-D coordinate's values as float64. */
async function values1d(v: Variable, options?: ReadOptions): Promise<Float64Array> {
  return toFloat64(await v.read([], options));
}

/** True when a GeoTransform describes the same unrotated grid as one derived from coordinates (same orientation). */
function agrees(gt: GeoTransform, t: GeoTransform): boolean {
  return (
    gt[2] === 0 &&
    gt[4] === 0 &&
    Math.abs(gt[1] - t[1]) <= 1e-6 * Math.abs(t[1]) &&
    Math.abs(gt[5] - t[5]) <= 1e-6 * Math.abs(t[5]) &&
    Math.abs(gt[0] - t[0]) <= 1e-3 * Math.abs(t[1]) &&
    Math.abs(gt[3] - t[3]) <= 1e-3 * Math.abs(t[5])
  );
}

/**
 * The cell size of a one-pixel axis from its CF bounds variable (`bounds` attribute naming an `[1, 2]`
 * variable whose cell contains the centre), signed by the bounds' order; undefined otherwise.
 */
async function boundsStep(ds: Dataset, v: Variable, centres: Float64Array, options?: ReadOptions): Promise<number | undefined> {
  const name = v.attrs.bounds ?? v.encoding.bounds;
  if (centres.length !== 1 || typeof name !== "string") return undefined;
  const b = ds.variables[name];
  if (b?.size !== 2 || b.dtype === "str" || b.dtype === "datetime64[ns]") return undefined;
  const [lo, hi] = toFloat64(await b.read([], options)) as unknown as [number, number];
  const step = hi - lo;
  const c = centres[0]!;
  if (!Number.isFinite(step) || step === 0 || Math.abs(lo + step / 2 - c) > Math.abs(step) / 2) return undefined;
  return step;
}

/** Step of a regular axis ((last − first)/(n − 1)), or undefined when the spacing varies by more than 1 %. */
function regularStep(values: Float64Array): number | undefined {
  const n = values.length;
  if (n < 2) return undefined;
  const step = (values[n - 1]! - values[0]!) / (n - 1);
  if (!Number.isFinite(step) || step === 0) return undefined;
  const tol = Math.abs(step) * 0.01;
  for (let i = 1; i < n; i++) if (Math.abs(values[i]! - values[i - 1]! - step) > tol) return undefined;
  return step;
}

/**
 * Derives the {@link GridMapping} of a dataset's regular horizontal grid.
 * Axes: 1-D coordinate variables named like their dimension, recognised by name (lon/lat, longitude/latitude,
 * x/y), `axis`, `standard_name` or `units` (degrees_east/north); an axis of one pixel takes its size from
 * its CF `bounds`; a GDAL `GeoTransform` is used when an axis has no coordinate values (or one without
 * bounds), and preferred when it agrees with the coordinates (it carries the writer's exact numbers). Transform and bbox describe pixel **edges** (centres ± half a pixel).
 * CRS: the `grid_mapping` variable of the data variables (or a `crs`/`spatial_ref` variable): `proj4`
 * attribute, EPSG code (`epsg` attribute or WKT `AUTHORITY`/`ID`), CF grid-mapping parameters, or WKT
 * (`crs_wkt`/`spatial_ref`); EPSG:4326 for lon/lat grids without one. `crs` is "EPSG:N" when a code is known.
 * @returns undefined for data without a regular 2-D grid (station data, swaths with 2-D lat/lon, irregular axes,
 *   projected axes with no CRS).
 * @throws EocubeError CANCELLED when aborted, plus the read errors of the coordinate variables.
 */
export async function readGridMapping(ds: Dataset, options?: ReadOptions): Promise<GridMapping | undefined> {
  throwIfAborted(options?.signal);
  const vars = ds.variables;
  const dims = ds.dims;
  const gmName = findGridMappingVar(ds);
  const gmAttrs = gmName ? vars[gmName]!.attrs : {};
  const geoTransform = parseGeoTransform(gmAttrs.GeoTransform);

  // candidate axes: dimension coordinates
  const found: Record<Axis, { dim: string; geographic: boolean; v?: Variable }[]> = { x: [], y: [] };
  for (const [name, v] of Object.entries(vars)) {
    if (v.ndim !== 1 || v.dims[0] !== name || v.dtype === "str" || v.dtype === "datetime64[ns]") continue;
    const c = classify(name, v);
    if (c) found[c.axis].push({ dim: name, geographic: c.geographic, v });
  }
  // dims named x/y without coordinates, usable with a GeoTransform
  if (geoTransform) {
    for (const [axis, names] of [
      ["x", ["x", "X", "lon"]],
      ["y", ["y", "Y", "lat"]],
    ] as [Axis, string[]][]) {
      if (found[axis].length === 0) {
        const d = names.find((n) => n in dims);
        if (d) found[axis].push({ dim: d, geographic: false });
      }
    }
  }
  // prefer the pair that a data variable uses as its last two dims
  const pairs: [(typeof found.x)[number], (typeof found.y)[number]][] = [];
  for (const xc of found.x) for (const yc of found.y) pairs.push([xc, yc]);
  if (pairs.length === 0) return undefined;
  const used = (p: (typeof pairs)[number]) =>
    Object.values(ds.data_vars).some((v) => v.dims.includes(p[0].dim) && v.dims.includes(p[1].dim));
  const [xa, ya] = pairs.find(used) ?? pairs[0]!;

  const width = dims[xa.dim]!;
  const height = dims[ya.dim]!;
  let transform: GeoTransform;
  // both axes at once: over HTTP(S) their chunks are then one round trip apart, not two
  const [xs, ys] = await Promise.all([xa.v ? values1d(xa.v, options) : undefined, ya.v ? values1d(ya.v, options) : undefined]);
  // a one-pixel axis takes its size from its CF cell bounds (`bounds` attribute) when it has them
  const dx = xs ? (regularStep(xs) ?? (await boundsStep(ds, xa.v!, xs, options))) : undefined;
  const dy = ys ? (regularStep(ys) ?? (await boundsStep(ds, ya.v!, ys, options))) : undefined;
  if (xs && ys && dx !== undefined && dy !== undefined) {
    transform = [xs[0]! - dx / 2, dx, 0, ys[0]! - dy / 2, 0, dy];
    // a GDAL GeoTransform that agrees with the coordinates carries the exact numbers the writer used
    if (geoTransform && agrees(geoTransform, transform)) transform = geoTransform;
  } else if (geoTransform && (!xs || xs.length <= 1 || dx !== undefined) && (!ys || ys.length <= 1 || dy !== undefined)) {
    transform = geoTransform;
  } else {
    return undefined; // irregular axes, or a one-pixel axis without a GeoTransform (resolution unknown)
  }

  // CRS
  const geographicAxes = xa.geographic && ya.geographic;
  let info = crsFromAttrs(gmAttrs);
  if (!info && geographicAxes) info = { crs: "EPSG:4326", proj4: WGS84_PROJ4 };
  if (!info) return undefined;
  const projName = projNameOf(info.proj4);
  if (projName === undefined && !geographicAxes) {
    throw new EocubeError("UNSUPPORTED", `the CRS of grid mapping ${gmName ?? "(none)"} cannot be used: ${info.crs.slice(0, 200)}`, {
      field: gmName,
      hint: "add a proj4 or EPSG attribute to the grid-mapping variable",
    });
  }
  const isGeographic = projName === undefined ? geographicAxes : projName === "longlat" || projName === "lonlat";

  const [x0, rdx, rx, y0, ry, rdy] = transform;
  const xEnd = x0 + width * rdx + height * rx;
  const yEnd = y0 + width * ry + height * rdy;
  const bbox = [Math.min(x0, xEnd), Math.min(y0, yEnd), Math.max(x0, xEnd), Math.max(y0, yEnd)].map(clean) as BBox;
  return {
    crs: info.crs,
    proj4: info.proj4,
    ...(info.crsWkt ? { crsWkt: info.crsWkt } : {}),
    ...(gmName ? { gridMappingName: gmName } : {}),
    xDim: xa.dim,
    yDim: ya.dim,
    width,
    height,
    transform,
    bbox,
    resolution: [Math.abs(rdx), Math.abs(rdy)],
    isGeographic,
    isYDescending: rdy < 0,
    isLon360: isGeographic && bbox[2] > 180,
  };
}

/** Options of {@link bboxToWgs84}. */
export interface BboxToWgs84Options {
  /** Points per grid edge used for the reprojection (default 21). */
  densify?: number;
}

/**
 * The grid's extent (pixel edges) in WGS 84 lon/lat, `[west, south, east, north]` in degrees.
 * Projected grids: each edge is densified and reprojected with proj4js, and the min/max taken.
 * Geographic grids: longitudes are brought into −180…180; a grid spanning 360° gives −180…180,
 * a grid crossing the antimeridian gives west > east (as STAC allows). Latitudes are clamped to ±90.
 * @throws EocubeError UNSUPPORTED when the CRS cannot be reprojected (no finite point).
 */
export function bboxToWgs84(gm: GridMapping, options: BboxToWgs84Options = {}): BBox {
  if (gm.isGeographic) {
    const [w, s, e, n] = gm.bbox;
    const [west, east] = normalizeLonRange(w, e);
    return [west, Math.max(-90, s), east, Math.min(90, n)].map(clean) as BBox;
  }
  const k = Math.max(2, Math.round(options.densify ?? 21));
  const conv = loadProj4()(gm.proj4, WGS84_PROJ4);
  const [x0, dx, rx, y0, ry, dy] = gm.transform;
  let west = Infinity,
    south = Infinity,
    east = -Infinity,
    north = -Infinity;
  let points = 0;
  const add = (col: number, row: number) => {
    const x = x0 + col * dx + row * rx;
    const y = y0 + col * ry + row * dy;
    let p: number[];
    try {
      p = conv.forward([x, y]);
    } catch {
      return;
    }
    const [lon, lat] = p as [number, number];
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 90 + 1e-9) return;
    points++;
    west = Math.min(west, lon);
    east = Math.max(east, lon);
    south = Math.min(south, lat);
    north = Math.max(north, lat);
  };
  let failed = 0;
  const addCounting = (col: number, row: number) => {
    const n0 = points;
    add(col, row);
    if (points === n0) failed++;
  };
  for (let i = 0; i < k; i++) {
    const t = i / (k - 1);
    addCounting(t * gm.width, 0);
    addCounting(t * gm.width, gm.height);
    addCounting(0, t * gm.height);
    addCounting(gm.width, t * gm.height);
  }
  // edges partly off the globe (e.g. a geostationary full disk): sample the interior too
  if (failed > 0) {
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) add(((i + 0.5) / k) * gm.width, ((j + 0.5) / k) * gm.height);
  }
  // a pole inside the grid (polar projections): the edges alone miss it
  for (const lat of [90, -90]) {
    let xy: number[];
    try {
      xy = conv.inverse([0, lat]);
    } catch {
      continue;
    }
    const [px, py] = xy as [number, number];
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    const [bx0, by0, bx1, by1] = gm.bbox;
    if (px > bx0 && px < bx1 && py > by0 && py < by1) {
      west = -180;
      east = 180;
      if (lat > 0) north = 90;
      else south = -90;
    }
  }
  if (!Number.isFinite(west)) {
    throw new EocubeError("UNSUPPORTED", `the grid of CRS ${gm.crs.slice(0, 200)} cannot be reprojected to WGS 84`, {
      hint: "check the grid mapping's CRS",
    });
  }
  return [west, Math.max(-90, south), east, Math.min(90, north)].map(clean) as BBox;
}

/** Rounds away floating noise (12 significant digits). */
function clean(v: number): number {
  return Number(v.toPrecision(12));
}

/** A longitude range brought into −180…180 (west > east when it crosses the antimeridian). */
function normalizeLonRange(west: number, east: number): [number, number] {
  if (east - west >= 360) return [-180, 180];
  const w = ((((west + 180) % 360) + 360) % 360) - 180;
  let e = w + (east - west);
  if (e > 180) e -= 360;
  return [w, e];
}
