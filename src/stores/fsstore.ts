// FsDataStore: a DataStore over any FileSystem; the format of each data id is told from its extension/bytes.
import type { Dataset } from "../core/dataset.js";
import { EocubeError, isEocubeError, throwIfAborted } from "../core/errors.js";
import type { ReadOptions } from "../core/variable.js";
import { displayPath, openFormatDataset } from "../formats/open.js";
import { formatFromPath } from "../formats/registry.js";
import type { FileSystem } from "../fs/types.js";
import { describeDatasetObject, gridMappingOf } from "./descriptor.js";
import { validateParams } from "./params.js";
import { applyOpenParams, parseTimeBound } from "./subset.js";
import type { DatasetDescriptor, JsonSchema, MutableDataStore, OpenParams, SearchQuery, WriteDataOptions } from "./types.js";

/** JSON Schema of xcube's dataset open params (`open_params`). */
export const OPEN_PARAMS_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    variable_names: { type: "array", items: { type: "string" }, description: "data variables to keep (coordinates always stay)" },
    bbox: {
      type: "array",
      items: { type: "number" },
      minItems: 4,
      maxItems: 4,
      description: "[west, south, east, north] in the data CRS; keeps pixels whose centres lie inside",
    },
    time_range: {
      type: "array",
      items: { type: ["string", "null"] },
      minItems: 2,
      maxItems: 2,
      description: "[start, end] ISO 8601 dates or times, both inclusive; null leaves a side open",
    },
    consolidated: { type: "boolean", description: "Zarr: use consolidated .zmetadata when present (default true)" },
    group: { type: "string", description: 'NetCDF4/HDF5 and Zarr: the group to open, e.g. "sub" or "a/b" (default the root group)' },
  },
  additionalProperties: false,
};

/** JSON Schema of a {@link SearchQuery} (`searchData`'s query). */
const SEARCH_QUERY_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    data_type: { type: "string", enum: ["dataset"], description: "only datasets are searched" },
    bbox: { type: "array", items: { type: "number" }, minItems: 4, maxItems: 4, description: "[west, south, east, north]" },
    time_range: { type: "array", items: { type: ["string", "null"] }, minItems: 2, maxItems: 2, description: "[start, end], null = open" },
    limit: { type: "integer", minimum: 0, description: "at most this many results" },
  },
  additionalProperties: false,
};

/** Options of {@link FsDataStore}. */
export interface FsDataStoreOptions {
  /** Refuse writes and deletes (default false). */
  readOnly?: boolean;
  /** How many folder levels `listDataIds` descends (default 3). */
  maxDepth?: number;
}

const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;

/**
 * Checks a data id, a '/'-separated path relative to the store root. Always refused: empty ids, a leading
 * '/', `.`/`..` segments, backslashes and control characters. With `strict` (the default, for ids that
 * become new paths) every segment must also be letters, digits and `._+-` (no spaces); reads pass false.
 * @throws EocubeError UNSAFE_ID.
 */
export function checkDataId(dataId: string, strict = true): string {
  const id = dataId.replace(/\/+$/, "");
  const segments = id.split("/");
  const bad =
    id === "" ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejects control characters in ids
    /[\\\u0000-\u001f]/.test(id) ||
    segments.some((s) => s === "" || s === "." || s === ".." || (strict && !SAFE_SEGMENT.test(s)));
  if (bad) {
    throw new EocubeError("UNSAFE_ID", `data_id ${JSON.stringify(dataId)} is not a safe relative path`, {
      field: "data_id",
      hint: strict
        ? "use '/'-separated names of letters, digits, '.', '_', '+' or '-' (no '..', no leading '/', no spaces)"
        : "use a path relative to the store root (no '..', no leading '/')",
    });
  }
  return id;
}

/**
 * A (Mutable)DataStore over a FileSystem: data ids are keys below its root (`zarr/cube.zarr`, `a.nc`).
 * Opening goes through {@link openFormatDataset}; writing writes Zarr with the Zarr writer.
 */
export class FsDataStore implements MutableDataStore {
  readonly storeId: string;
  readonly storeParams: Record<string, unknown>;
  readonly fs: FileSystem;
  readonly #readOnly: boolean;
  readonly #maxDepth: number;

  constructor(storeId: string, storeParams: Record<string, unknown>, fs: FileSystem, options: FsDataStoreOptions = {}) {
    this.storeId = storeId;
    this.storeParams = storeParams;
    this.fs = fs;
    this.#readOnly = options.readOnly ?? false;
    this.#maxDepth = options.maxDepth ?? 3;
  }

  get root(): string {
    return this.fs.root;
  }

  async listDataIds(options?: ReadOptions): Promise<string[]> {
    const out: string[] = [];
    const walk = async (prefix: string, depth: number): Promise<void> => {
      throwIfAborted(options?.signal);
      const entries = await this.fs.list(prefix, options);
      for (const e of entries) {
        const key = prefix === "" ? e : `${prefix}${e}`;
        const isDir = e.endsWith("/");
        const name = key.replace(/\/$/, "");
        if (e.startsWith(".")) continue;
        const format = formatFromPath(name);
        if (format && (isDir ? format === "zarr" || format === "levels" : format !== "zarr" && format !== "levels")) {
          out.push(name);
        } else if (isDir && depth < this.#maxDepth) {
          if ((await this.fs.exists(`${name}/.zgroup`, options)) || (await this.fs.exists(`${name}/zarr.json`, options))) out.push(name);
          else await walk(key, depth + 1);
        }
      }
    };
    await walk("", 1);
    return out.sort();
  }

  async hasData(dataId: string, options?: ReadOptions): Promise<boolean> {
    const id = checkDataId(dataId, false);
    const format = formatFromPath(id);
    if (format === "zarr" || format === "levels" || format === undefined) {
      for (const marker of [".zmetadata", ".zgroup", "zarr.json", ".zlevels", "0.zarr/.zgroup"]) {
        if (await this.fs.exists(`${id}/${marker}`, options)) return true;
      }
      return false; // a folder that is not a Zarr store or .levels dataset, or a file of no known format
    }
    return this.fs.exists(id, options);
  }

  async openData(dataId: string, openParams: OpenParams = {}, options?: ReadOptions): Promise<Dataset> {
    const id = checkDataId(dataId, false);
    const params = validateParams<OpenParams>(OPEN_PARAMS_SCHEMA, openParams, "open_params");
    const ds = await openFormatDataset(this.fs, id, { ...options, consolidated: params.consolidated, group: params.group });
    if (!params.variable_names && !params.bbox && !params.time_range) return ds;
    try {
      const gm = params.bbox ? await gridMappingOf(ds, options) : undefined;
      return await applyOpenParams(ds, params, gm);
    } catch (err) {
      await ds.close();
      if (isEocubeError(err) && !err.path) {
        throw new EocubeError(err.code, `${err.message} (${displayPath(this.fs, id)})`, {
          path: displayPath(this.fs, id),
          field: err.field,
          hint: err.hint,
          cause: err,
        });
      }
      throw err;
    }
  }

  async describeData(dataId: string, openParams?: OpenParams, options?: ReadOptions): Promise<DatasetDescriptor> {
    const ds = await this.openData(dataId, openParams, options);
    try {
      return await describeDatasetObject(ds, checkDataId(dataId, false), options);
    } finally {
      await ds.close();
    }
  }

  async searchData(searchQuery: SearchQuery = {}, options?: ReadOptions): Promise<DatasetDescriptor[]> {
    const query = validateParams<SearchQuery>(SEARCH_QUERY_SCHEMA, searchQuery, "query");
    const out: DatasetDescriptor[] = [];
    const [a, b] = query.time_range ?? [null, null];
    const timeLo = a == null ? undefined : parseTimeBound(a, false, "query/time_range");
    const timeHi = b == null ? undefined : parseTimeBound(b, true, "query/time_range");
    for (const id of await this.listDataIds(options)) {
      if (query.limit !== undefined && out.length >= query.limit) break;
      let d: DatasetDescriptor;
      try {
        d = await this.describeData(id, undefined, options);
      } catch (err) {
        if (isEocubeError(err) && err.isUserError && err.code !== "CANCELLED") continue; // unreadable entries are skipped
        throw err;
      }
      if (query.bbox) {
        const b = d.bbox_wgs84 ?? d.bbox;
        const q = query.bbox;
        // longitudes also match shifted by ±360° (a −180…180 query on a 0…360 grid and back)
        const overlaps = (shift: number) => b![0] <= q[2] + shift && b![2] >= q[0] + shift && b![1] <= q[3] && b![3] >= q[1];
        if (!b || ![0, 360, -360].some(overlaps)) continue;
      }
      if (query.time_range) {
        if (!d.time_range) continue;
        if (timeHi != null && parseTimeBound(d.time_range[0], false) > timeHi) continue;
        if (timeLo != null && parseTimeBound(d.time_range[1], false) < timeLo) continue;
      }
      out.push(d);
    }
    return out;
  }

  async getOpenDataParamsSchema(dataId?: string, options?: ReadOptions): Promise<JsonSchema> {
    if (dataId === undefined) return structuredClone(OPEN_PARAMS_SCHEMA);
    const ds = await this.openData(dataId, {}, options);
    try {
      const schema = structuredClone(OPEN_PARAMS_SCHEMA) as { properties: Record<string, Record<string, unknown>> };
      schema.properties.variable_names!.items = { type: "string", enum: Object.keys(ds.data_vars) };
      return schema;
    } finally {
      await ds.close();
    }
  }

  async writeData(data: Dataset, dataId: string, options: WriteDataOptions = {}): Promise<string> {
    const id = checkDataId(dataId);
    this.#assertWritable(id);
    if (formatFromPath(id) !== "zarr") {
      throw new EocubeError("INVALID_ARGUMENT", `data_id ${JSON.stringify(dataId)} must end in .zarr (datasets are written as Zarr)`, {
        field: "data_id",
      });
    }
    if (await this.hasData(id, options)) {
      if (!options.replace) {
        throw new EocubeError("ALREADY_EXISTS", `dataset ${id} exists in ${this.root}`, {
          path: displayPath(this.fs, id),
          hint: "pass replace: true to overwrite it",
        });
      }
    }
    // The writer writes into a hidden temporary store, consolidated metadata last, then moves it into
    // place (replacing the old one only then), so a failure never leaves a half-written dataset under `id`.
    await (await import("../formats/zarr/writer.js")).writeDataset(data, this.fs, id, { replace: options.replace, signal: options.signal });
    return id;
  }

  async deleteData(dataId: string, options?: ReadOptions): Promise<void> {
    const id = checkDataId(dataId, false);
    this.#assertWritable(id);
    if (!(await this.hasData(id, options))) {
      throw new EocubeError("NOT_FOUND", `no dataset ${id} in ${this.root}`, { path: displayPath(this.fs, id) });
    }
    const isFolder = await this.fs.exists(`${id}/`, options);
    await this.fs.delete(isFolder ? `${id}/` : id, options);
  }

  #assertWritable(id: string): void {
    if (this.#readOnly) {
      throw new EocubeError("READ_ONLY", `the ${this.storeId} store at ${this.root} is read-only`, { path: displayPath(this.fs, id) });
    }
  }
}
