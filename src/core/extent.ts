// The lon/lat extent of a dataset without a regular grid (swaths, stations, trajectories): the extent of its
// latitude/longitude variables' points, in −180…180 longitudes. Gridded data use gridmapping-read.ts `bboxToWgs84`.
import type { Dataset } from "./dataset.js";
import type { BBox } from "./gridmapping.js";
import { finiteRange, toFloat64 } from "./ndarray.js";
import type { ReadOptions, Variable } from "./variable.js";

/** Latitude/longitude variables larger than this (values) are not read for the extent. */
export const MAX_LONLAT_VALUES = 50_000_000;

const AXES = {
  lat: { standardName: "latitude", names: ["lat", "latitude"], units: /^degrees?_?n(orth)?$/i },
  lon: { standardName: "longitude", names: ["lon", "long", "longitude"], units: /^degrees?_?e(ast)?$/i },
} as const;

/**
 * The dataset's latitude or longitude variable (coordinate or data variable, any shape): numeric, at most
 * {@link MAX_LONLAT_VALUES} values, found by CF `standard_name`, else by name (`lat`/`latitude`,
 * `lon`/`long`/`longitude`, any case), else by CF units (`degrees_north`, `degrees_east` and their spellings).
 */
export function lonLatVariable(ds: Dataset, axis: "lon" | "lat"): Variable | undefined {
  const a = AXES[axis];
  const vars = Object.values(ds.variables).filter(
    (v) => v.dtype !== "str" && v.dtype !== "object" && v.dtype !== "datetime64[ns]" && v.size <= MAX_LONLAT_VALUES,
  );
  return (
    vars.find((v) => v.attrs.standard_name === a.standardName) ??
    vars.find((v) => (a.names as readonly string[]).includes(v.name.toLowerCase())) ??
    vars.find((v) => a.units.test(String(v.attrs.units ?? "")))
  );
}

/**
 * The longitude range `[west, east]` of points given as their min and max, in −180…180: longitudes on a 0…360
 * axis all at or beyond 180° are shifted by −360°; points on both sides of 180° (a 0…360 range crossing the
 * antimeridian, or a global set) give −180…180.
 */
export function pointLonRange(min: number, max: number): [number, number] {
  if (max <= 180) return [min, max];
  return min >= 180 ? [min - 360, max - 360] : [-180, 180];
}

/**
 * `[west, south, east, north]` in degrees of the points of the dataset's latitude and longitude variables
 * ({@link lonLatVariable}; 1-D or 2-D, read whole), longitudes as {@link pointLonRange} gives them. Undefined when
 * either variable is missing, holds no finite value, or latitudes leave ±90.
 * @throws the variables' read errors (CANCELLED, TIMEOUT, …).
 */
export async function lonLatExtent(ds: Dataset, options?: ReadOptions): Promise<BBox | undefined> {
  const lat = lonLatVariable(ds, "lat");
  const lon = lonLatVariable(ds, "lon");
  if (!lat || !lon) return undefined;
  const [la, lo] = await Promise.all([lat, lon].map(async (v) => finiteRange(toFloat64(await v.read([], options)))));
  if (!la || !lo || la[0] < -90 || la[1] > 90) return undefined;
  const [w, e] = pointLonRange(lo[0], lo[1]);
  return [w, la[0], e, la[1]];
}
