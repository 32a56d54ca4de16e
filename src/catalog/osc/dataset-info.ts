// What a product collection needs from the cube: WGS84 bbox of pixel edges, time range (cell bounds, else ACDD
// time_coverage_start/end, else the time values), data variables. Reads metadata and coordinates only.
import type { Dataset } from "../../core/dataset.js";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import type { BBox } from "../../core/gridmapping.js";
import { bboxToWgs84, readGridMapping } from "../../core/gridmapping-read.js";
import { timeRange as readTimeRange } from "../../core/coords.js";
import { parseIsoTime, parseTimeText, toIsoString } from "../../core/time.js";
import type { Attrs } from "../../core/variable.js";

/** One data variable of the cube, as the publication uses it. */
export interface DataVariableInfo {
  name: string;
  dims: string[];
  attrs: Attrs;
}

/** The facts of a cube the OSC metadata are built from. */
export interface DatasetInfo {
  /** Extent of the pixel edges in WGS 84, `[west, south, east, north]` degrees. */
  bbox: BBox;
  /** CRS of the grid ("EPSG:4326", "EPSG:32618", …). */
  crs: string;
  /**
   * The time the data cover (ISO 8601 'Z'): the time coordinate's CF cell bounds when it has them, else the ACDD
   * `time_coverage_start`/`time_coverage_end` attributes when they hold every time step (OSTIA's day), else the
   * first and last time step; undefined without any of them.
   */
  timeRange?: [string, string];
  /** Where {@link timeRange} came from. */
  timeSource?: "bounds" | "coverage" | "coordinate";
  /** Data variables in dataset order (grid-mapping and bounds variables excluded). */
  variables: DataVariableInfo[];
  /** Global attributes. */
  attrs: Attrs;
  /** Remarks for the plan's warnings (e.g. latitude and longitude that look swapped). */
  remarks: string[];
}

/** Options of {@link readDatasetInfo}. */
export interface DatasetInfoOptions {
  signal?: AbortSignal;
  /** Names the dataset in error messages (the config's dataset_id). */
  source?: string;
  /** The config file, named in errors. */
  configPath?: string;
}

/**
 * Reads the bbox (WGS 84, pixel edges; projected grids are reprojected with densified edges), the time range
 * and the data variables of a cube.
 * @throws EocubeError INVALID_CONFIG naming the config file and `dataset_id` when the dataset has no regular
 *   spatial grid or no data variables; UNSUPPORTED for a CRS proj4 cannot use.
 */
export async function readDatasetInfo(ds: Dataset, options: DatasetInfoOptions = {}): Promise<DatasetInfo> {
  throwIfAborted(options.signal);
  const source = options.source ?? "the dataset";
  const gm = await readGridMapping(ds, { signal: options.signal });
  if (!gm) {
    throw new EocubeError(
      "INVALID_CONFIG",
      `${source} has no spatial coordinates eocube can use (a regular lon/lat or projected x/y grid)`,
      {
        path: options.configPath,
        field: "dataset_id",
        hint: "publish a gridded cube with 1-D lon/lat (or x/y plus a CF grid mapping) coordinates; rectify swath or station data first",
      },
    );
  }
  const bbox = bboxToWgs84(gm);

  const time = await temporalExtent(ds, options.signal);

  const skip = new Set<string>();
  for (const v of Object.values(ds.variables)) {
    if (typeof v.attrs.grid_mapping === "string") skip.add(v.attrs.grid_mapping.split(/[\s:]+/)[0]!);
    if (typeof v.attrs.bounds === "string") skip.add(v.attrs.bounds);
  }
  if (gm.gridMappingName) skip.add(gm.gridMappingName);
  const variables = Object.entries(ds.data_vars)
    .filter(([name, v]) => !skip.has(name) && v.ndim >= 1 && v.dims.includes(gm.xDim) && v.dims.includes(gm.yDim))
    .map(([name, v]) => ({ name, dims: v.dims, attrs: v.attrs }));
  if (variables.length === 0) {
    throw new EocubeError("INVALID_CONFIG", `${source} has no data variables on its ${gm.xDim}/${gm.yDim} grid`, {
      path: options.configPath,
      field: "dataset_id",
      hint: "publish a cube with at least one gridded data variable",
    });
  }
  const remarks = swappedLatLon(ds, bbox, source);
  return { bbox, crs: gm.crs, ...time, variables, attrs: ds.attrs, remarks };
}

/**
 * Signs that the cube's latitude and longitude are swapped, so that its bbox `[west, south, east, north]` holds
 * latitudes where longitudes belong: the ACDD `geospatial_lat/lon_min/max` attributes match the bbox only when
 * swapped (within 2 % of their extent). (Coordinates whose units contradict their names are refused earlier.)
 * @returns the remarks (empty when nothing looks swapped).
 */
function swappedLatLon(ds: Dataset, bbox: BBox, source: string): string[] {
  const g = ["geospatial_lon_min", "geospatial_lat_min", "geospatial_lon_max", "geospatial_lat_max"].map((k) =>
    typeof ds.attrs[k] === "number" || typeof ds.attrs[k] === "string" ? Number(ds.attrs[k]) : Number.NaN,
  );
  if (g.some((x) => !Number.isFinite(x))) return [];
  const [w, s, e, n] = g as [number, number, number, number];
  const close = (a: readonly number[], b: readonly number[]) =>
    a.every((x, i) => Math.abs(x - b[i]!) <= Math.max(1e-6, 0.02 * Math.max(Math.abs(b[2]! - b[0]!), Math.abs(b[3]! - b[1]!))));
  if (!close(bbox, [w, s, e, n]) && close(bbox, [s, w, n, e])) {
    return [
      `the bbox ${JSON.stringify(bbox)} of ${source} matches its geospatial_lat/lon_min/max attributes only with latitude and longitude swapped ([${s}, ${w}, ${n}, ${e}] vs lon ${w}…${e}, lat ${s}…${n}); check the cube's coordinates or those attributes`,
    ];
  }
  return [];
}

/**
 * The inclusive end of a written time in epoch ms: a date (or month, or year) without a time of day means its last
 * second (`2017-12-31` → 2017-12-31T23:59:59Z, as the OSC writes period ends); a time is itself.
 * @throws EocubeError INVALID_ARGUMENT when the text is no time (see parseIsoTime).
 */
export function inclusiveEnd(text: string): number {
  const at = parseIsoTime(text);
  const end = parseIsoTime(text, { end: true });
  return end === at ? at : Math.floor(end / 1000) * 1000;
}

/** The ACDD time coverage attributes as `[start, end]` epoch ms (a date-only end is its whole day), if both parse in order. */
function coverage(attrs: Attrs): [number, number] | undefined {
  const start = parseTimeText(attrs.time_coverage_start);
  const end = parseTimeText(attrs.time_coverage_end);
  if (!start || !end) return undefined;
  const last = end.dateOnly ? Math.floor((end.ms + end.unit - 1) / 1000) * 1000 : end.ms;
  return start.ms <= last ? [start.ms, last] : undefined;
}

/** See {@link DatasetInfo.timeRange}: cell bounds, else coverage attributes holding every step, else the steps. */
async function temporalExtent(ds: Dataset, signal?: AbortSignal): Promise<Pick<DatasetInfo, "timeRange" | "timeSource">> {
  const steps = await readTimeRange(ds, { auxiliary: true, signal });
  const bounded = steps && (await readTimeRange(ds, { bounds: true, auxiliary: true, signal }));
  if (steps && bounded && (bounded[0] !== steps[0] || bounded[1] !== steps[1])) return { timeRange: bounded, timeSource: "bounds" };
  const cov = coverage(ds.attrs);
  if (cov && (!steps || (cov[0] <= parseIsoTime(steps[0]) && cov[1] >= parseIsoTime(steps[1])))) {
    return { timeRange: [toIsoString(cov[0]), toIsoString(cov[1])], timeSource: "coverage" };
  }
  return steps ? { timeRange: steps, timeSource: "coordinate" } : {};
}
