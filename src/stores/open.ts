// openDataset / describeDataset: open or describe a dataset from one string (path or URL), choosing the store.
import { resolve, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";
import type { Dataset } from "../core/dataset.js";
import { EocubeError } from "../core/errors.js";
import type { ReadOptions } from "../core/variable.js";
import { redactUrl } from "../fs/https.js";
import { schemeOf } from "../fs/url.js";
import { findDataStoreIds, newDataStore } from "./registry.js";
import type { DataStore, DatasetDescriptor, OpenParams } from "./types.js";

/** Options of {@link openDataset} and {@link describeDataset}. */
export interface OpenDatasetOptions extends ReadOptions {
  /** Store id; default from the source's URL scheme (see {@link findDataStoreIds}). */
  storeId?: string;
  /**
   * Store params. Without `storeId`, `root` is derived from the source and these are merged in
   * (e.g. `{timeout: 5}` for https, `{storage_options: {endpoint_url, anon}}` for s3).
   * With `storeId`, `source` is a data id relative to `storeParams.root`.
   */
  storeParams?: Record<string, unknown>;
  /** xcube open params: `variable_names`, `bbox` (data CRS), `time_range`. */
  openParams?: OpenParams;
}

/**
 * The store and data id for a source: with `storeId`, the store from `storeParams` and `source` as the
 * data id; else `https://h/p/cube.zarr` → https store at `https://h/p` + `cube.zarr`,
 * `s3://bucket/p/cube.zarr` → s3 store at `bucket/p` + `cube.zarr`, `abfs://container/p/cube.zarr` (or `az://`) → abfs
 * store at `container/p` + `cube.zarr`, `memory://id/cube.zarr` → memory store
 * `id` + `cube.zarr`, a local path → file store at its folder + its name.
 * @throws EocubeError INVALID_ARGUMENT (a URL without a data part, an unsupported scheme), UNKNOWN_STORE, INVALID_PARAMS.
 */
export function resolveSource(source: string, options: OpenDatasetOptions = {}): { store: DataStore; dataId: string } {
  if (options.storeId) {
    return { store: newDataStore(options.storeId, options.storeParams ?? {}), dataId: source };
  }
  schemeOf(source); // an unsupported scheme (ftp://…) is an error, not a local path
  const storeId = findDataStoreIds(source)[0]!;
  const extra = options.storeParams ?? {};
  if ("root" in extra) {
    throw new EocubeError("INVALID_PARAMS", "store_params/root is taken from the source path or URL; give a store id to set it", {
      field: "store_params/root",
      hint: "either drop root, or pass storeId (CLI: --store) and give the data id relative to root as the source",
    });
  }
  if (storeId === "file") {
    const p = resolve(/^file:\/\//i.test(source) ? fileURLToPath(source) : source);
    return { store: newDataStore("file", { ...extra, root: dirname(p) }), dataId: basename(p) };
  }
  const m = /^([a-z0-9]+:\/\/)([^/]*)\/?(.*?)\/*$/i.exec(source);
  const rest = m?.[3] ?? "";
  if (!m || rest === "" || (storeId !== "memory" && m[2] === "")) {
    throw new EocubeError("INVALID_ARGUMENT", `${redactUrl(source)} does not name a dataset`, {
      path: redactUrl(source),
      hint: "give the URL of the dataset itself, e.g. https://host/data/cube.zarr or s3://bucket/cube.zarr",
    });
  }
  const i = rest.lastIndexOf("/");
  const dataId = i < 0 ? rest : rest.slice(i + 1);
  const sub = i < 0 ? "" : `/${rest.slice(0, i)}`;
  if (storeId === "https") return { store: newDataStore("https", { ...extra, root: `${m[1]}${m[2]}${sub}` }), dataId };
  if (storeId === "s3") return { store: newDataStore("s3", { ...extra, root: `${m[2]}${sub}` }), dataId };
  if (storeId === "abfs") return { store: newDataStore("abfs", { ...extra, root: `${m[2]}${sub}` }), dataId };
  return { store: newDataStore("memory", { ...extra, root: `${m[2] || "default"}${sub}` }), dataId };
}

/**
 * Opens a dataset lazily (metadata and coordinates only; values are read per selection) from a local
 * path, `file://`, `https://`/`http://`, `s3://` or `memory://` URL, subset by `openParams`.
 * The caller should `close()` it.
 * @throws EocubeError NOT_FOUND, UNKNOWN_FORMAT, CORRUPT_DATA, INVALID_PARAMS, UNKNOWN_STORE,
 *   ACCESS_DENIED, REMOTE_ERROR, TIMEOUT — each naming the path or field.
 */
export async function openDataset(source: string, options: OpenDatasetOptions = {}): Promise<Dataset> {
  const { store, dataId } = resolveSource(source, options);
  return store.openData(dataId, options.openParams, options);
}

/**
 * xcube's DatasetDescriptor of a dataset given by path or URL (see {@link openDataset}); `openParams`
 * describe the subset. Reads metadata and coordinates only.
 * @throws the errors of {@link openDataset}.
 */
export async function describeDataset(source: string, options: OpenDatasetOptions = {}): Promise<DatasetDescriptor> {
  const { store, dataId } = resolveSource(source, options);
  return store.describeData(dataId, options.openParams, options);
}
