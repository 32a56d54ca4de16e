// Builds xcube's DatasetDescriptor from an opened Dataset: metadata, CRS/bbox/resolution, time range.
import type { Dataset } from "../core/dataset.js";
import { isEocubeError } from "../core/errors.js";
import type { BBox, GridMapping } from "../core/gridmapping.js";
import { timeRange } from "../core/coords.js";
import { loadProj4, WGS84_PROJ4 } from "../core/crs.js";
import { bboxToWgs84, readGridMapping } from "../core/gridmapping-read.js";
import { numberAt, type NdArray } from "../core/ndarray.js";
import { normalizeSelection, type NormalizedDim } from "../core/selection.js";
import type { ReadOptions, Variable } from "../core/variable.js";
import { unreadableReason } from "../formats/registry.js";
import type { DatasetDescriptor, VariableDescriptor } from "./types.js";
import { toIsoString } from "../core/time.js";

/**
 * The dataset's GridMapping (core/gridmapping-read.ts `readGridMapping`), or undefined when the data have no
 * regular grid (swaths, station data) or an unusable CRS.
 * @throws the I/O errors of reading coordinates (ACCESS_DENIED, TIMEOUT, …); "no grid" is not an error.
 */
export async function gridMappingOf(ds: Dataset, options?: ReadOptions): Promise<GridMapping | undefined> {
  try {
    return await readGridMapping(ds, options);
  } catch (err) {
    if (isEocubeError(err, "UNSUPPORTED")) return undefined;
    throw err;
  }
}

/** Describes one variable (no I/O); a variable the reader cannot decode carries the reason as `unreadable`. */
export function describeVariable(v: Variable): VariableDescriptor {
  const unreadable = unreadableReason(v);
  return {
    name: v.name,
    dtype: v.dtype,
    dims: [...v.dims],
    shape: [...v.shape],
    chunks: [...v.chunks],
    attrs: { ...v.attrs },
    ...(unreadable ? { unreadable } : {}),
  };
}

/**
 * xcube's DatasetDescriptor of an opened dataset: reads only coordinates (for bbox and time range).
 * bbox is the pixel-edge extent in the data CRS; `bbox_wgs84` is added for projected CRSs.
 * @throws the I/O errors of reading coordinates.
 */
export async function describeDatasetObject(ds: Dataset, dataId: string, options?: ReadOptions): Promise<DatasetDescriptor> {
  // grid and time coordinates are read at the same time (their chunk requests overlap over HTTP(S))
  const [gm, tr] = await Promise.all([gridMappingOf(ds, options), timeRange(ds, options)]);
  const desc: DatasetDescriptor = {
    data_id: dataId,
    data_type: "dataset",
    dims: { ...ds.dims },
    coords: {},
    data_vars: {},
    attrs: { ...ds.attrs },
  };
  if (gm) {
    desc.crs = gm.crs;
    desc.bbox = [...gm.bbox] as BBox;
    if (!gm.isGeographic) {
      try {
        desc.bbox_wgs84 = bboxToWgs84(gm);
      } catch (err) {
        if (!isEocubeError(err, "UNSUPPORTED")) throw err;
        const sampled = await sampledBboxToWgs84(gm);
        if (sampled) desc.bbox_wgs84 = sampled;
      }
    }
    desc.spatial_res = gm.resolution[0];
  }
  if (tr) desc.time_range = tr;
  for (const [k, v] of Object.entries(ds.coords)) desc.coords[k] = describeVariable(v);
  for (const [k, v] of Object.entries(ds.data_vars)) desc.data_vars[k] = describeVariable(v);
  // Field order as xcube prints it.
  const { data_id, data_type, crs, bbox, bbox_wgs84, time_range, spatial_res, dims, coords, data_vars, attrs } = desc;
  return JSON.parse(
    JSON.stringify({ data_id, data_type, crs, bbox, bbox_wgs84, time_range, spatial_res, dims, coords, data_vars, attrs }, jsonSafe),
  ) as DatasetDescriptor;
}

/** JSON replacer: bigint → number, typed arrays → arrays, NaN/±Infinity → strings as xarray prints them. */
export function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number" && !Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number | bigint>, (x) => (typeof x === "bigint" ? Number(x) : x));
  return value;
}

/** First value, last value and length of a 1-D coordinate (for the human describe table). */
export interface CoordSummary {
  size: number;
  first: number | string;
  last: number | string;
}

/**
 * Summaries of the 1-D coordinates with at most `maxSize` values [default 1,000,000]: only each one's first
 * and last values are read (one or two chunks).
 */
export async function summarizeCoords(ds: Dataset, options?: ReadOptions & { maxSize?: number }): Promise<Record<string, CoordSummary>> {
  const out: Record<string, CoordSummary> = {};
  const wanted = Object.entries(ds.coords).filter(
    ([, v]) => v.dims.length === 1 && v.size > 0 && v.size <= (options?.maxSize ?? 1_000_000),
  );
  // all coordinates at once; the first and last value of each
  const values = await Promise.all(
    wanted.map(([, v]) => Promise.all([v.read([0], options), v.size === 1 ? undefined : v.read([v.size - 1], options)])),
  );
  for (const [i, [k, v]] of wanted.entries()) {
    const [firstArr, lastArr] = values[i]!;
    const at = (arr: NdArray): number | string => {
      if (v.dtype === "datetime64[ns]") {
        const t = numberAt(arr.data, 0);
        return toIsoString(t);
      }
      const x = (arr.data as ArrayLike<unknown>)[0];
      return typeof x === "string" ? x : numberAt(arr.data, 0);
    };
    out[k] = { size: v.size, first: at(firstArr), last: at(lastArr ?? firstArr) };
  }
  return out;
}

/**
 * The dataset with each 1-D coordinate's reads remembered for the returned object's lifetime, so that
 * several readers of the same coordinates (describeDatasetObject, then summarizeCoords) fetch each chunk
 * once: a selection read before is answered from the same read, and any selection of a coordinate read
 * whole is sliced from that read. Data variables are untouched; a failed read is forgotten (tried again
 * next time). Every caller gets its own copy of the values.
 */
export function withCoordinateCache(ds: Dataset): Dataset {
  const coords: Record<string, Variable> = {};
  for (const [k, v] of Object.entries(ds.coords)) coords[k] = v.dims.length === 1 ? cachedCoordinate(v) : v;
  return ds.with({ coords });
}

function cachedCoordinate(v: Variable): Variable {
  const n = v.shape[0]!;
  const reads = new Map<string, Promise<NdArray>>(); // key: "start:stop:drop"
  const copy = (arr: NdArray): NdArray => ({ ...arr, shape: [...arr.shape], data: arr.data.slice() });
  return v.with({
    read: async (selection, options) => {
      let dim: NormalizedDim;
      try {
        dim = normalizeSelection(v.shape, selection)[0]!;
      } catch {
        return v.read(selection, options); // the reader's own OUT_OF_RANGE error
      }
      const key = `${dim.start}:${dim.stop}:${dim.drop}`;
      let p = reads.get(key);
      const whole = reads.get(`0:${n}:false`);
      if (!p && whole) {
        p = whole.then((arr) => ({
          dtype: arr.dtype,
          shape: dim.drop ? [] : [dim.stop - dim.start],
          data: arr.data.slice(dim.start, dim.stop),
        }));
      }
      if (!p) {
        p = v.read(selection, options);
        reads.set(key, p);
        p.catch(() => reads.delete(key));
      }
      return copy(await p);
    },
  });
}

/**
 * The WGS 84 extent of a grid whose edges lie outside its projection's domain (a geostationary full
 * disk): a 61 × 61 lattice of pixel positions is transformed with proj4 and the finite points' extent
 * taken, latitudes clamped to ±90. Undefined when no point transforms.
 */
export async function sampledBboxToWgs84(gm: GridMapping): Promise<BBox | undefined> {
  let conv: { forward: (p: number[]) => number[] };
  try {
    conv = loadProj4()(gm.proj4, WGS84_PROJ4);
  } catch {
    return undefined;
  }
  const [x0, dx, rx, y0, ry, dy] = gm.transform;
  const n = 60;
  let w = Infinity,
    s = Infinity,
    e = -Infinity,
    no = -Infinity;
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= n; j++) {
      const col = (gm.width * i) / n;
      const row = (gm.height * j) / n;
      let p: number[];
      try {
        p = conv.forward([x0 + col * dx + row * rx, y0 + col * ry + row * dy]);
      } catch {
        continue;
      }
      const [lon, lat] = p as [number, number];
      if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon) > 1e6) continue;
      w = Math.min(w, lon);
      e = Math.max(e, lon);
      s = Math.min(s, lat);
      no = Math.max(no, lat);
    }
  }
  return w <= e ? [w, Math.max(-90, s), e, Math.min(90, no)] : undefined;
}
