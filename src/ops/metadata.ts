// CF/ACDD metadata of a cube: geospatial_* and time_coverage_* from the data, history, user metadata.
import type { Dataset } from "../core/dataset.js";
import type { GridMapping } from "../core/gridmapping.js";
import { parseTimeAttribute, toIsoString } from "../core/time.js";
import { bboxToWgs84, readGridMapping } from "../core/gridmapping-read.js";
import type { Variable } from "../core/variable.js";
import { timeCoord, timeRange } from "../core/coords.js";

/** Options of {@link updateCubeMetadata}. */
export interface CubeMetadataOptions {
  /** Global attributes to set (override the computed ones), e.g. cube_config.metadata. */
  metadata?: Record<string, unknown>;
  /** Attributes per variable name, e.g. cube_config.variable_metadata. */
  variable_metadata?: Record<string, Record<string, unknown>>;
  /** One line appended to `history` (prefixed with the current UTC time). */
  history?: string;
  /** The time used for `date_created`/`date_modified` and the history line (default now). */
  now?: Date;
  /** The cube's grid when the caller knows it (e.g. gen's target grid): the x/y coordinates are then not read. */
  grid?: GridMapping;
  signal?: AbortSignal;
}

/**
 * Global attributes of source files that describe the source's extent, resolution or time span
 * (GHRSST/NODC names such as OSTIA's `westernmost_longitude: 0`, `start_time`) and would
 * contradict the new cube; {@link updateCubeMetadata} removes them (their ACDD equivalents
 * `geospatial_*`, `time_coverage_*` are recomputed from the cube's coordinates).
 */
export const STALE_SOURCE_ATTRS: readonly string[] = [
  "westernmost_longitude",
  "easternmost_longitude",
  "southernmost_latitude",
  "northernmost_latitude",
  "spatial_resolution",
  "start_time",
  "stop_time",
  "start_date",
  "stop_date",
];

/**
 * Sets the CF/ACDD discovery attributes of a cube from its data: `geospatial_lon_min/max`,
 * `geospatial_lat_min/max` (WGS 84, pixel edges), `geospatial_lon/lat_units`, `geospatial_lon/lat_resolution`
 * (geographic grids), `geospatial_bounds_crs`, `time_coverage_start/end` (from `time_bnds`
 * when present, else the time coordinate; without a time coordinate, from the source's
 * `start_date`/`stop_date` or `start_time`/`stop_time` global attributes, e.g. OLCI L2's
 * "14-APR-2017 10:27:29.454657", unless the source has `time_coverage_*` already), `date_created`, `date_modified`, `Conventions`
 * ("CF-1.8, ACDD-1.3"), appends to `history`, then applies `metadata` and `variable_metadata`.
 * The source's extent/time attributes ({@link STALE_SOURCE_ATTRS}) are removed first, so none
 * survives that the new cube contradicts (those that apply are recomputed). A `metadata` entry
 * that is an explicit empty string (xcube's demo config: `comment: ""`) removes the attribute
 * rather than leaving the input's value in place (see {@link emptiedKeys}).
 * Nested objects in `metadata` (xcube's legacy `creator: [{name, url, email}]`) are flattened to
 * ACDD names (`creator_name`, `creator_url`, `creator_email`, …). Lazy: reads coordinates only.
 * ACDD 1.3: https://wiki.esipfed.org/Attribute_Convention_for_Data_Discovery_1-3
 */
export async function updateCubeMetadata(ds: Dataset, options: CubeMetadataOptions = {}): Promise<Dataset> {
  const now = options.now ?? new Date();
  const attrs: Record<string, unknown> = { ...ds.attrs };
  // the source's acquisition span, for a cube without a time coordinate (e.g. a rectified swath)
  // whole milliseconds (truncated), as BEAM/SNAP's "14-APR-2017 10:27:29.454657" reads in pandas to ms
  const attrMs = (v: unknown) => (typeof v === "string" ? parseTimeAttribute(v) : undefined);
  const floorMs = (t: number | undefined) => (t === undefined ? undefined : Math.floor(t));
  const srcStart = floorMs(attrMs(ds.attrs.start_date ?? ds.attrs.start_time));
  const srcStop = floorMs(attrMs(ds.attrs.stop_date ?? ds.attrs.stop_time));
  for (const k of STALE_SOURCE_ATTRS) delete attrs[k];
  attrs.Conventions = "CF-1.8, ACDD-1.3";
  const gm = options.grid ?? (await readGridMapping(ds, { signal: options.signal }).catch(() => undefined));
  if (gm) {
    const [w, s, e, n] = bboxToWgs84(gm);
    Object.assign(attrs, {
      geospatial_lon_min: w,
      geospatial_lat_min: s,
      geospatial_lon_max: e,
      geospatial_lat_max: n,
      geospatial_lon_units: "degrees_east",
      geospatial_lat_units: "degrees_north",
      geospatial_bounds_crs: "EPSG:4326",
      geospatial_bounds: `POLYGON((${w} ${s}, ${e} ${s}, ${e} ${n}, ${w} ${n}, ${w} ${s}))`,
    });
    if (gm.isGeographic) {
      attrs.geospatial_lon_resolution = gm.resolution[0];
      attrs.geospatial_lat_resolution = gm.resolution[1];
    } else {
      delete attrs.geospatial_lon_resolution;
      delete attrs.geospatial_lat_resolution;
    }
  }
  if ((timeCoord(ds)?.size ?? 0) > 0) {
    const tr = await timeRange(ds, { bounds: true, signal: options.signal });
    if (tr) {
      [attrs.time_coverage_start, attrs.time_coverage_end] = tr;
      delete attrs.time_coverage_duration; // the source's, not the cube's
    }
  } else if (attrs.time_coverage_start === undefined && srcStart !== undefined && srcStop !== undefined && srcStop >= srcStart) {
    attrs.time_coverage_start = toIsoString(srcStart);
    attrs.time_coverage_end = toIsoString(srcStop);
  }
  const stamp = toIsoString(Math.floor(now.getTime() / 1000) * 1000);
  attrs.date_created = stamp; // ACDD: when this dataset was made — a new cube, not its source (output metadata may set it)
  attrs.date_modified = stamp;
  if (options.history) {
    const prev = typeof attrs.history === "string" && attrs.history ? `${attrs.history}\n` : "";
    attrs.history = `${prev}${stamp}: ${options.history}`;
  }
  Object.assign(attrs, flattenAcdd(options.metadata ?? {}));
  for (const k of emptiedKeys(options.metadata ?? {})) delete attrs[k];
  let data_vars = ds.data_vars;
  if (options.variable_metadata) {
    data_vars = { ...ds.data_vars };
    for (const [name, extra] of Object.entries(options.variable_metadata)) {
      const v: Variable | undefined = data_vars[name];
      if (v) data_vars[name] = v.with({ attrs: { ...v.attrs, ...extra } });
    }
  }
  return ds.with({ attrs, data_vars });
}

/**
 * Flattens xcube's legacy nested metadata blocks to ACDD attribute names:
 * `creator: [{name, url, email}]` → `creator_name`, `creator_url`, `creator_email` (several entries
 * joined with ", "); `geospatial_lon: {min, max}` → `geospatial_lon_min`, …; `time_coverage: {start}` →
 * `time_coverage_start`. Empty strings are dropped. Scalars pass through.
 */
export function flattenAcdd(metadata: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (Array.isArray(v) && v.every((e) => e && typeof e === "object" && !Array.isArray(e))) {
      const keys = [...new Set(v.flatMap((e) => Object.keys(e as object)))];
      for (const sub of keys) {
        const vals = v.map((e) => (e as Record<string, unknown>)[sub]).filter((x) => x !== undefined && x !== "");
        if (vals.length) out[`${k}_${sub}`] = vals.map(String).join(", ");
      }
    } else if (v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)) {
      for (const [sub, x] of Object.entries(v as Record<string, unknown>)) {
        if (x !== undefined && x !== "") out[`${k}_${sub}`] = x instanceof Date ? x.toISOString().slice(0, 10) : x;
      }
    } else if (v !== "" && v !== null && v !== undefined) {
      out[k] = v instanceof Date ? v.toISOString().slice(0, 10) : v;
    }
  }
  return out;
}

/**
 * The attribute names that `metadata` explicitly empties: top-level `""`/null values, and
 * flattened ACDD names (`contributor_name`, …) whose every entry is empty. The user asked for
 * no value there, so {@link updateCubeMetadata} removes what the input had.
 */
export function emptiedKeys(metadata: Record<string, unknown>): string[] {
  const out: string[] = [];
  const empty = (x: unknown) => x === "" || x === null;
  for (const [k, v] of Object.entries(metadata)) {
    if (empty(v)) out.push(k);
    else if (Array.isArray(v) && v.every((e) => e && typeof e === "object" && !Array.isArray(e))) {
      const keys = [...new Set(v.flatMap((e) => Object.keys(e as object)))];
      for (const sub of keys)
        if (
          v.every((e) => {
            const x = (e as Record<string, unknown>)[sub];
            return x === undefined || empty(x);
          })
        )
          out.push(`${k}_${sub}`);
    } else if (v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)) {
      for (const [sub, x] of Object.entries(v as Record<string, unknown>)) if (empty(x)) out.push(`${k}_${sub}`);
    }
  }
  return out;
}

/**
 * Moves `valid_min`, `valid_max` and `valid_range` of packed variables into the unpacked units:
 * CF §8.1 gives them in the packed (stored) type, so a variable decoded with `scale_factor` and
 * `add_offset` (encoding) keeps `v · scale_factor + add_offset` (OSTIA's analysed_sst: int16
 * −300…4500 → 270.15…318.15 K), rounded to the precision of the unpacked dtype (7 significant
 * digits for float32, 15 for float64: scale factors are often stored as float32). Variables without
 * packing, or whose unpacked dtype is not a float, are left as they are. Lazy: reads no data.
 * CF: https://cfconventions.org/Data/cf-conventions/cf-conventions-1.11/cf-conventions.html#packed-data
 */
export function unpackValidRange(ds: Dataset): Dataset {
  let changed = false;
  const data_vars: Record<string, Variable> = { ...ds.data_vars };
  for (const [name, v] of Object.entries(ds.data_vars)) {
    const scale = typeof v.encoding.scale_factor === "number" ? v.encoding.scale_factor : 1;
    const offset = typeof v.encoding.add_offset === "number" ? v.encoding.add_offset : 0;
    if ((scale === 1 && offset === 0) || !(v.dtype === "float32" || v.dtype === "float64")) continue;
    const digits = v.dtype === "float32" ? 7 : 15;
    const unpack = (x: unknown): unknown => {
      if (typeof x === "number") return Number((x * scale + offset).toPrecision(digits));
      if (typeof x === "bigint") return Number((Number(x) * scale + offset).toPrecision(digits));
      if (Array.isArray(x) || ArrayBuffer.isView(x)) return Array.from(x as ArrayLike<number>, (e) => unpack(e));
      return x;
    };
    const attrs = { ...v.attrs };
    let any = false;
    for (const k of ["valid_min", "valid_max", "valid_range"]) {
      if (k in attrs) {
        attrs[k] = unpack(attrs[k]);
        any = true;
      }
    }
    // a negative scale_factor swaps the ends
    if (scale < 0) {
      if ("valid_min" in attrs && "valid_max" in attrs) [attrs.valid_min, attrs.valid_max] = [attrs.valid_max, attrs.valid_min];
      if (Array.isArray(attrs.valid_range)) attrs.valid_range = [...(attrs.valid_range as unknown[])].reverse();
    }
    if (any) {
      data_vars[name] = v.with({ attrs });
      changed = true;
    }
  }
  return changed ? ds.with({ data_vars }) : ds;
}
