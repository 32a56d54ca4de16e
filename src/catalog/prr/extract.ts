// Reads one data asset through the stores: WGS 84 bbox from pixel edges, time extent, datacube
// dimensions/variables with their attributes, projection fields and the media type (COG detection).
import { basename, dirname, resolve } from "node:path";
import type { Dataset } from "../../core/dataset.js";
import { isEocubeError, throwIfAborted } from "../../core/errors.js";
import type { BBox, GridMapping } from "../../core/gridmapping.js";
import { bboxToWgs84 } from "../../core/gridmapping-read.js";
import { timeSpan } from "../../core/coords.js";
import { lonLatExtent } from "../../core/extent.js";
import { finiteRange, toFloat64 } from "../../core/ndarray.js";
import { isoDuration, toIsoString } from "../../core/time.js";
import type { Variable } from "../../core/variable.js";
import { gridMappingOf, sampledBboxToWgs84 } from "../../stores/descriptor.js";
import { openFormatDataset } from "../../formats/open.js";
import { FileFileSystem } from "../../fs/file.js";
import type { FileSystem } from "../../fs/types.js";
import { openDataset } from "../../stores/open.js";
import { geotiffMediaType, mediaTypeOfFormat } from "./constants.js";
import { toJsonValue } from "./json.js";
import { datasetTime } from "./time.js";

/** What was read from one data asset. */
export interface DataExtraction {
  /** Format id of the format registry (`netcdf3`, `netcdf4`, `geotiff`, `zarr`). */
  format: string;
  /** Media type from the format (COGs get `profile=cloud-optimized`). */
  mediaType?: string;
  /** WGS 84 extent of the pixel edges `[west, south, east, north]` (west > east across the antimeridian). */
  bbox?: BBox;
  /** First and last instant (ISO 8601 'Z'; equal for one instant): time coordinate, else global attributes, else datetime variables (see {@link datasetTime}). */
  time?: [string, string];
  /** Datacube extension `cube:dimensions`. */
  dimensions: Record<string, Record<string, unknown>>;
  /** Datacube extension `cube:variables` (with `dtype` and the variable's `attrs`). */
  variables: Record<string, Record<string, unknown>>;
  /** Names of the data variables. */
  dataVariables: string[];
  /** Projection extension fields of the grid (`proj:epsg`, `proj:bbox`, `proj:shape`, `proj:transform`). */
  projection?: Record<string, unknown>;
  /** The dataset's global attributes, JSON-safe. */
  attrs: Record<string, unknown>;
  /** Non-fatal problems (e.g. a CRS that cannot be reprojected). */
  warnings: string[];
}

/** Options of {@link extractDataset}. */
export interface ExtractOptions {
  signal?: AbortSignal;
  /** Most values listed in a dimension's `values` [default: 100]. */
  maxValues?: number;
  /** The bytes of a local `source` when already read (e.g. for its checksum): the readers use them. */
  bytes?: Uint8Array;
}

/** A FileSystem that answers `key` from `bytes` in memory and every other key from `fs`. */
function withFileBytes(fs: FileSystem, key: string, bytes: Uint8Array): FileSystem {
  return {
    root: fs.root,
    get: (k, o) => (k === key ? Promise.resolve(bytes) : fs.get(k, o)),
    getRange: (k, offset, length, o) => {
      if (k !== key) return fs.getRange(k, offset, length, o);
      const start = offset < 0 ? Math.max(0, bytes.length + offset) : Math.min(offset, bytes.length);
      const end = length === undefined ? bytes.length : Math.min(bytes.length, start + length);
      return Promise.resolve(bytes.subarray(start, Math.max(start, end)));
    },
    put: (k, d, o) => fs.put(k, d, o),
    list: (k, o) => fs.list(k, o),
    delete: (k, o) => fs.delete(k, o),
    exists: (k, o) => (k === key ? Promise.resolve(true) : fs.exists(k, o)),
  };
}

/**
 * Opens `source` (a local path or URL, any format of the stores) and reads what a STAC item needs:
 * metadata and coordinates only, never the data values (except datetime-valued variables when neither the
 * coordinates nor the global attributes give a time). The dataset is closed before returning.
 * @throws the errors of `openDataset` (NOT_FOUND, UNKNOWN_FORMAT, CORRUPT_DATA, …) and of reading coordinates.
 */
export async function extractDataset(source: string, options: ExtractOptions = {}): Promise<DataExtraction> {
  throwIfAborted(options.signal);
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(source)) {
    const ds = await openDataset(source, { signal: options.signal });
    try {
      return await extractFromDataset(ds, options);
    } finally {
      await ds.close().catch(() => undefined);
    }
  }
  // Local files: opened and CF-decoded as the file store does, from the bytes already read when given.
  const name = basename(source);
  const local: FileSystem = new FileFileSystem(dirname(resolve(source)), { readOnly: true });
  const ds = await openFormatDataset(options.bytes ? withFileBytes(local, name, options.bytes) : local, name, { signal: options.signal });
  try {
    return await extractFromDataset(ds, options);
  } finally {
    await ds.close().catch(() => undefined);
  }
}

/**
 * The extraction of an opened dataset (see {@link extractDataset}).
 * @throws the read errors of the coordinates.
 */
export async function extractFromDataset(ds: Dataset, options: ExtractOptions = {}): Promise<DataExtraction> {
  const signal = options.signal;
  const maxValues = options.maxValues ?? 100;
  const warnings: string[] = [];
  const format = String(ds.encoding.format ?? "");
  let mediaType = mediaTypeOfFormat(format);
  if (format === "geotiff") mediaType = geotiffMediaType(isCog(ds));

  const gm = await gridMappingOf(ds, { signal });
  let bbox: BBox | undefined;
  if (gm) {
    try {
      bbox = bboxToWgs84(gm);
    } catch (err) {
      if (!isEocubeError(err, "UNSUPPORTED")) throw err;
      bbox = await sampledBboxToWgs84(gm);
      if (!bbox) warnings.push(`the grid's CRS ${gm.crs.slice(0, 80)} cannot be reprojected to WGS 84; no bbox`);
    }
  } else {
    bbox = await lonLatExtent(ds, { signal });
  }
  if (!bbox) bbox = bboxFromAttrs(ds.attrs);

  const time = await datasetTime(ds, signal);

  const dimensions: Record<string, Record<string, unknown>> = {};
  const sizes = ds.dims; // computed on each access: read once
  for (const [dim, size] of Object.entries(sizes)) dimensions[dim] = await dimensionOf(ds, dim, size, gm, maxValues, signal);

  const variables: Record<string, Record<string, unknown>> = {};
  const dataVariables: string[] = [];
  for (const [name, v] of Object.entries({ ...ds.coords, ...ds.data_vars })) {
    if (v.dims.length === 1 && v.dims[0] === name) continue; // dimension coordinates are in cube:dimensions
    const isData = name in ds.data_vars && name !== gm?.gridMappingName;
    if (isData) dataVariables.push(name);
    variables[name] = variableOf(v, isData ? "data" : "auxiliary");
  }

  let projection: Record<string, unknown> | undefined;
  if (gm) {
    const epsg = /^EPSG:(\d+)$/.exec(gm.crs);
    projection = {
      "proj:epsg": epsg ? Number(epsg[1]) : null,
      "proj:bbox": [...gm.bbox],
      "proj:shape": [gm.height, gm.width],
      "proj:transform": [gm.transform[1], gm.transform[2], gm.transform[0], gm.transform[4], gm.transform[5], gm.transform[3]],
    };
    if (!epsg && gm.crsWkt) projection["proj:wkt2"] = gm.crsWkt;
  }
  const attrs = toJsonValue(ds.attrs, { nonFinite: "string" }) as Record<string, unknown>;
  return { format, mediaType, bbox, time, dimensions, variables, dataVariables, projection, attrs, warnings };
}

/** A GeoTIFF is cloud-optimised when it is tiled (tiles narrower than the image) and has overviews. */
function isCog(ds: Dataset): boolean {
  const overviews = Number(ds.encoding.overview_count ?? ds.overviews.length);
  const v = Object.values(ds.data_vars)[0];
  if (!v || overviews <= 0) return false;
  const width = v.shape[v.shape.length - 1]!;
  const tileW = v.chunks[v.chunks.length - 1]!;
  const tileH = v.chunks[v.chunks.length - 2] ?? tileW;
  return tileW < width || (tileW === tileH && tileW % 16 === 0);
}

/** ACDD `geospatial_lon_min` … attributes, when all four are numbers. */
function bboxFromAttrs(attrs: Record<string, unknown>): BBox | undefined {
  const n = ["geospatial_lon_min", "geospatial_lat_min", "geospatial_lon_max", "geospatial_lat_max"].map((k) => Number(attrs[k]));
  return n.every(Number.isFinite) ? (n as BBox) : undefined;
}

function isVertical(v: Variable): boolean {
  const a = v.attrs;
  const units = String(a.units ?? "").toLowerCase();
  return (
    String(a.axis ?? "").toUpperCase() === "Z" ||
    typeof a.positive === "string" ||
    ["air_pressure", "depth", "height", "altitude", "model_level_number"].includes(String(a.standard_name ?? "")) ||
    ["pa", "hpa", "mbar", "millibar", "bar"].includes(units)
  );
}

/** Step of a regular axis ((last − first)/(n − 1)) when all steps agree within 1e-6 relative, else null. */
function regular(values: Float64Array): number | null {
  const n = values.length;
  if (n < 2) return null;
  const step = (values[n - 1]! - values[0]!) / (n - 1);
  const tol = Math.abs(step) * 1e-6;
  for (let i = 1; i < n; i++) if (Math.abs(values[i]! - values[i - 1]! - step) > tol) return null;
  return Number(step.toPrecision(12));
}

/** The datacube Dimension Object of one dimension. https://github.com/stac-extensions/datacube#dimension-object */
async function dimensionOf(
  ds: Dataset,
  dim: string,
  size: number,
  gm: GridMapping | undefined,
  maxValues: number,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const v = ds.coords[dim] ?? ds.data_vars[dim];
  const coord = v && v.dims.length === 1 && v.dims[0] === dim ? v : undefined;
  const description = coord && typeof coord.attrs.long_name === "string" ? coord.attrs.long_name : undefined;
  if (!coord || coord.dtype === "str") {
    return {
      type: "index",
      description: description ?? `dimension ${dim} without coordinate values (${size} steps)`,
      extent: [0, size - 1],
      step: 1,
    };
  }
  const arr = await coord.read([], { signal });
  if (coord.dtype === "datetime64[ns]") {
    const ms = toFloat64(arr);
    const step = regular(ms);
    const out: Record<string, unknown> = { type: "temporal", extent: timeSpan(ms) ?? [null, null] };
    if (description) out.description = description;
    if (size <= maxValues) out.values = Array.from(ms).filter(Number.isFinite).map(toIsoString);
    out.step = step !== null && step > 0 ? isoDuration(step) : null;
    return out;
  }
  const values = toFloat64(arr);
  const mm = finiteRange(values) ?? [null, null];
  const step = regular(values);
  const unit = typeof coord.attrs.units === "string" ? coord.attrs.units : undefined;
  const listValues = () => Array.from(values).map((x) => (Number.isFinite(x) ? x : String(x)));
  if (gm && (dim === gm.xDim || dim === gm.yDim)) {
    const epsg = /^EPSG:(\d+)$/.exec(gm.crs);
    const out: Record<string, unknown> = { type: "spatial", axis: dim === gm.xDim ? "x" : "y", extent: mm };
    if (description) out.description = description;
    out.step = step;
    out.reference_system = epsg ? Number(epsg[1]) : (gm.crsWkt ?? gm.proj4);
    return out;
  }
  if (isVertical(coord)) {
    const out: Record<string, unknown> = { type: "spatial", axis: "z", extent: mm };
    if (description) out.description = description;
    if (size <= maxValues) out.values = listValues();
    out.step = step;
    if (unit) out.unit = unit;
    return out;
  }
  const lower = dim.toLowerCase();
  const type =
    lower === "band" || lower === "bands" ? "bands" : typeof coord.attrs.standard_name === "string" ? coord.attrs.standard_name : "other";
  const out: Record<string, unknown> = { type: type === "spatial" || type === "geometry" ? "other" : type, extent: mm };
  if (description) out.description = description;
  if (size <= maxValues) out.values = listValues();
  out.step = step;
  if (unit) out.unit = unit;
  return out;
}

/** The datacube Variable Object of one variable, with `dtype` (stored) and its attributes (JSON-safe). */
function variableOf(v: Variable, type: "data" | "auxiliary"): Record<string, unknown> {
  const out: Record<string, unknown> = { dimensions: [...v.dims], type };
  const desc = v.attrs.long_name ?? v.attrs.description ?? v.attrs.standard_name;
  if (typeof desc === "string" && desc.trim() !== "") out.description = desc;
  const unit = v.attrs.units ?? v.encoding.units;
  if (typeof unit === "string" && unit !== "") out.unit = unit;
  out.dtype = String(v.encoding.dtype ?? v.dtype);
  if (v.encoding.dtype && v.encoding.dtype !== v.dtype) out.decoded_dtype = v.dtype;
  out.shape = [...v.shape];
  out.attrs = toJsonValue(v.attrs, { nonFinite: "string" });
  return out;
}
