// The DataStore framework's contracts (xcube's DataStore / MutableDataStore and DatasetDescriptor).
// xcube reference: https://xcube.readthedocs.io/en/latest/dataaccess.html
import type { Dataset } from "../core/dataset.js";
import type { BBox } from "../core/gridmapping.js";
import type { Attrs, ReadOptions } from "../core/variable.js";
import type { DType } from "../core/ndarray.js";

/** A JSON Schema (draft 2020-12 subset as ajv checks it). */
export type JsonSchema = Record<string, unknown>;

/** Description of one variable (xcube's `VariableDescriptor`). */
export interface VariableDescriptor {
  name: string;
  /** dtype after CF decoding (`float64`, `datetime64[ns]`, …). */
  dtype: DType;
  /** Dimension names, outermost first. */
  dims: string[];
  /** Sizes per dimension, same order as dims. */
  shape: number[];
  /** Stored chunk shape, same order as dims. */
  chunks: number[];
  attrs: Attrs;
  /**
   * Why the values cannot be read, when the reader cannot decode the stored data type (Zarr `<f16`, `|V7`):
   * the variable is listed (dtype `object`) but not served and its reads fail with UNSUPPORTED.
   */
  unreadable?: string;
}

/**
 * Description of a dataset (xcube's `DatasetDescriptor`), read from metadata and coordinates only.
 * bbox is `[west, south, east, north]` of pixel **edges** in `crs`; times are ISO 8601 strings ending in `Z`.
 */
export interface DatasetDescriptor {
  data_id: string;
  data_type: "dataset";
  /** CRS as "EPSG:4326" (or PROJ/WKT when no EPSG code is known); absent for data without a regular grid. */
  crs?: string;
  /** Extent of pixel edges in `crs`. */
  bbox?: BBox;
  /** The extent in WGS 84 lon/lat, given for projected data (edges densified before transforming). */
  bbox_wgs84?: BBox;
  /** `[first, last]` time of the time coordinate. */
  time_range?: [string, string];
  /** Pixel size in CRS units (degrees or metres); the x resolution. */
  spatial_res?: number;
  /** Dimension sizes. */
  dims: Record<string, number>;
  coords: Record<string, VariableDescriptor>;
  data_vars: Record<string, VariableDescriptor>;
  attrs: Attrs;
}

/** xcube's open parameters of a dataset; every field optional. */
export interface OpenParams {
  /** Data variables to keep (coordinates are always kept). */
  variable_names?: string[];
  /**
   * `[west, south, east, north]` in the data's CRS; keeps the pixels whose centres lie inside (edges included).
   * On geographic grids, longitudes missing the grid are tried shifted by ±360° (0…360 vs −180…180).
   */
  bbox?: BBox;
  /** `[start, end]` ISO dates/times, both inclusive, read as xarray `.sel` reads them (an end `"2017-01"` includes all January); null = open. */
  time_range?: [string | null, string | null];
  /** Zarr: use consolidated metadata when present (default true). */
  consolidated?: boolean;
  /** NetCDF4/HDF5 and Zarr: the group to open (`"sub"`, `"a/b"`), as xarray's `group`; default the root group. */
  group?: string;
}

/** Query of {@link DataStore.searchData}: descriptors whose extent overlaps all given criteria. */
export interface SearchQuery {
  /** Only "dataset" is supported. */
  data_type?: "dataset";
  /** Overlap with this `[west, south, east, north]` in WGS 84 (or the data CRS for geographic data; longitudes ±360° also match). */
  bbox?: BBox;
  /** Overlap with this `[start, end]` (ISO; null = open; ends read as in {@link OpenParams.time_range}). */
  time_range?: [string | null, string | null];
  /** At most this many results. */
  limit?: number;
}

/** A read-only data store (xcube's `DataStore`). Data ids are paths relative to the store's root. */
export interface DataStore {
  /** The store id it was created under (`file`, `memory`, `https`, `s3`). */
  readonly storeId: string;
  /** The validated store params. */
  readonly storeParams: Record<string, unknown>;
  /** Where the data live, never containing secrets (`file:///data`, `s3://bucket/prefix`). */
  readonly root: string;
  /** Data ids of every dataset under the root (up to `max_depth` folders deep); `[]` for https. */
  listDataIds(options?: ReadOptions): Promise<string[]>;
  /** True when `dataId` names a dataset this store can open. */
  hasData(dataId: string, options?: ReadOptions): Promise<boolean>;
  /** Describes a dataset from its metadata and coordinates; `openParams` describe a subset. */
  describeData(dataId: string, openParams?: OpenParams, options?: ReadOptions): Promise<DatasetDescriptor>;
  /** Descriptors of the datasets matching `query`. @throws EocubeError INVALID_PARAMS for a malformed query. */
  searchData(query?: SearchQuery, options?: ReadOptions): Promise<DatasetDescriptor[]>;
  /** Opens a dataset lazily, subset by `openParams`. The caller closes it. */
  openData(dataId: string, openParams?: OpenParams, options?: ReadOptions): Promise<Dataset>;
  /** JSON Schema of the open params (with `variable_names` enumerated when `dataId` is given). */
  getOpenDataParamsSchema(dataId?: string, options?: ReadOptions): Promise<JsonSchema>;
}

/** Options of {@link MutableDataStore.writeData}. */
export interface WriteDataOptions extends ReadOptions {
  /** Replace an existing dataset of the same id (default false → ALREADY_EXISTS). */
  replace?: boolean;
}

/** A data store that can also write and delete (xcube's `MutableDataStore`). */
export interface MutableDataStore extends DataStore {
  /** Writes `data` as Zarr under `dataId` (ending in `.zarr`) and resolves to the data id. */
  writeData(data: Dataset, dataId: string, options?: WriteDataOptions): Promise<string>;
  /** Deletes a dataset. @throws NOT_FOUND when it does not exist. */
  deleteData(dataId: string, options?: ReadOptions): Promise<void>;
}

/** True when the store can write. */
export function isMutableDataStore(store: DataStore): store is MutableDataStore {
  return typeof (store as Partial<MutableDataStore>).writeData === "function";
}
