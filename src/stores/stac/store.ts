// StacDataStore: the `stac` store (as xcube-stac) — items of a STAC API or static catalog as datasets.
// xcube-stac: https://github.com/xcube-dev/xcube-stac (data ids `collections/{c}/items/{i}` for APIs, the item's
// path relative to the catalog for static catalogs; variables named after their asset).
import type { Dataset } from "../../core/dataset.js";
import { EocubeError, isEocubeError } from "../../core/errors.js";
import type { BBox } from "../../core/gridmapping.js";
import type { ReadOptions } from "../../core/variable.js";
import { redactUrl } from "../../fs/https.js";
import type { GridMapping } from "../../core/gridmapping.js";
import { bboxToWgs84 } from "../../core/gridmapping-read.js";
import { regularGrid } from "../../ops/grid.js";
import { describeDatasetObject, gridMappingOf } from "../descriptor.js";
import { validateParams } from "../params.js";
import { applyOpenParams } from "../subset.js";
import type { DataStore, DatasetDescriptor, JsonSchema, OpenParams, SearchQuery } from "../types.js";
import { openItemAssets } from "./assets.js";
import {
  type ItemFilter,
  type StacItem,
  type StacLink,
  isStacApi,
  itemMatches,
  itemTimeRange,
  linkOf,
  resolveHref,
  searchItems,
  walkStaticCatalog,
} from "./catalog.js";
import { type FetchJsonOptions, fetchJson } from "./http.js";
import { STAC_OPEN_PARAMS_SCHEMA, STAC_SEARCH_SCHEMA } from "./params.js";
import { type StackInput, stackItems, stackItemsOnGrid } from "./stack.js";

/** Open params of the `stac` store. */
export interface StacOpenParams extends OpenParams {
  /** Keys of the assets to open (default: every data asset in a readable format). */
  asset_names?: string[];
  /** CRS of the target grid; with `spatial_res` and `bbox` (in this CRS) the data are reprojected onto it. */
  crs?: string;
  /** Pixel size of the target grid in `crs` units: one number or `[x, y]`. */
  spatial_res?: number | [number, number];
}

/** Search query of the `stac` store. */
export interface StacSearchQuery extends SearchQuery {
  collections?: string[];
  ids?: string[];
  query?: Record<string, unknown>;
}

/** A collection of the catalog, as {@link StacDataStore.listCollections} gives it. */
export interface StacCollectionInfo {
  id: string;
  title?: string;
  description?: string;
  /** `[west, south, east, north]` WGS 84 of the collection's first spatial extent. */
  bbox?: number[];
  time_range?: [string | null, string | null];
}

/**
 * A read-only DataStore over a STAC API or static catalog (`store_params.url`). Data ids name items; opening
 * one opens its data assets (Zarr, GeoTIFF/COG, NetCDF) through the https, s3 or file store and merges them.
 * With `stack_mode`, data ids name collections and opening one stacks its items (searched by time_range) along time
 * on their common grid (see {@link stackItems}). Every error names the store URL, the data id and the cause, and keeps the cause's code (NOT_FOUND,
 * ACCESS_DENIED, REMOTE_ERROR, TIMEOUT, CORRUPT_DATA, …).
 */
export class StacDataStore implements DataStore {
  readonly storeId = "stac";
  readonly storeParams: Record<string, unknown>;
  readonly root: string;
  readonly #url: string;
  #landing?: Promise<Record<string, unknown>>;

  /** @param params validated store params (see STAC_STORE_PARAMS_SCHEMA). */
  constructor(params: Record<string, unknown>) {
    this.storeParams = params;
    const url = String(params.url);
    this.#url = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : resolveHref(url, `${process.cwd()}/`);
    this.root = redactUrl(this.#url);
  }

  /** Request options from the store params. */
  #http(options?: ReadOptions): FetchJsonOptions {
    const p = this.storeParams;
    return {
      signal: options?.signal,
      timeoutMs: (p.timeout as number) * 1000,
      retries: p.retries as number,
      retryDelayMs: (p.retry_delay as number) * 1000,
      maxRetryAfterMs: (p.max_retry_after as number) * 1000,
    };
  }

  /** The landing page or catalog document (read once). */
  #root(options?: ReadOptions): Promise<Record<string, unknown>> {
    this.#landing ??= (fetchJson(this.#url, this.#http(options)) as Promise<Record<string, unknown>>).catch((err) => {
      this.#landing = undefined;
      throw this.#error(err, undefined, "cannot read the catalog");
    });
    return this.#landing;
  }

  /** Whether the URL is a STAC API (item search) rather than a static catalog. */
  async isApi(options?: ReadOptions): Promise<boolean> {
    return isStacApi(await this.#root(options));
  }

  /** The item search URL of an API (its `search` link, else `{url}/search`). */
  async #searchUrl(options?: ReadOptions): Promise<string> {
    const link = linkOf((await this.#root(options)) as { links?: StacLink[] }, "search");
    return link ? resolveHref(link.href, this.#url) : `${this.#url.replace(/\/+$/, "")}/search`;
  }

  /** Items matching `filter` (API: item search with paging; static: the walk, filtered here). */
  async *items(filter: ItemFilter = {}, options?: ReadOptions & { maxItems?: number }): AsyncGenerator<StacItem> {
    const http = { ...this.#http(options), maxItems: options?.maxItems, pageSize: this.storeParams.page_size as number };
    try {
      if (await this.isApi(options)) {
        yield* searchItems(await this.#searchUrl(options), filter, http);
        return;
      }
      let n = 0;
      for await (const item of walkStaticCatalog(this.#url, http, 0, await this.#root(options))) {
        if (!itemMatches(item, filter)) continue;
        if (http.maxItems !== undefined && n++ >= http.maxItems) return;
        yield item;
      }
    } catch (err) {
      throw this.#error(err, undefined, "item search failed");
    }
  }

  /** The data id of an item: `collections/{c}/items/{i}` in an API, else its path relative to the catalog folder. */
  async dataIdOf(item: StacItem, options?: ReadOptions): Promise<string> {
    if (await this.isApi(options)) {
      if (!item.collection) return item.url;
      return `collections/${encodeURIComponent(item.collection)}/items/${encodeURIComponent(item.id)}`;
    }
    const base = resolveHref(".", this.#url);
    return item.url.startsWith(base) ? item.url.slice(base.length) : item.url;
  }

  /** The URL (or path) of a data id's item JSON. */
  async #itemUrl(dataId: string, options?: ReadOptions): Promise<string> {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dataId)) return dataId;
    if (await this.isApi(options)) return `${this.#url.replace(/\/+$/, "")}/${dataId.replace(/^\/+/, "")}`;
    return resolveHref(dataId, this.#url);
  }

  /**
   * The item of a data id.
   * @throws EocubeError NOT_FOUND (naming the store and data id) and the errors of fetching it.
   */
  async getItem(dataId: string, options?: ReadOptions): Promise<StacItem> {
    let url: string;
    try {
      url = await this.#itemUrl(dataId, options);
      const item = (await fetchJson(url, this.#http(options))) as StacItem;
      if (!item || typeof item !== "object" || item.type !== "Feature" || typeof item.assets !== "object") {
        throw new EocubeError("CORRUPT_DATA", `${redactUrl(url)} is not a STAC item`, { path: redactUrl(url) });
      }
      return { ...item, url };
    } catch (err) {
      throw this.#error(err, dataId, "cannot read the item");
    }
  }

  /** Whether data ids name collections whose items are stacked along time (`store_params.stack_mode`). */
  get stackMode(): boolean {
    return this.storeParams.stack_mode === true;
  }

  async listDataIds(options?: ReadOptions): Promise<string[]> {
    if (this.stackMode) return (await this.listCollections(options)).map((c) => c.id);
    const out: string[] = [];
    for await (const item of this.items({}, { ...options, maxItems: this.storeParams.max_items as number })) {
      out.push(await this.dataIdOf(item, options));
    }
    return out;
  }

  async hasData(dataId: string, options?: ReadOptions): Promise<boolean> {
    if (this.stackMode) return (await this.listDataIds(options)).includes(dataId);
    try {
      await this.getItem(dataId, options);
      return true;
    } catch (err) {
      if (isEocubeError(err, "NOT_FOUND")) return false;
      throw err;
    }
  }

  /**
   * The collections: an API's `/collections` (following `next` links), a static catalog's `child` links that are
   * collections (one level deep), the catalog itself when it is a collection.
   * @throws the request errors, naming the store.
   */
  async listCollections(options?: ReadOptions): Promise<StacCollectionInfo[]> {
    const out: StacCollectionInfo[] = [];
    const add = (c: Record<string, unknown>) => {
      const ext = c.extent as { spatial?: { bbox?: number[][] }; temporal?: { interval?: (string | null)[][] } } | undefined;
      const iv = ext?.temporal?.interval?.[0];
      out.push({
        id: String(c.id),
        ...(typeof c.title === "string" ? { title: c.title } : {}),
        ...(typeof c.description === "string" ? { description: c.description } : {}),
        ...(ext?.spatial?.bbox?.[0] ? { bbox: ext.spatial.bbox[0] } : {}),
        ...(iv ? { time_range: [iv[0] ?? null, iv[1] ?? null] as [string | null, string | null] } : {}),
      });
    };
    try {
      const root = await this.#root(options);
      if (isStacApi(root)) {
        const link = linkOf(root as { links?: StacLink[] }, "data");
        let url: string | undefined = link ? resolveHref(link.href, this.#url) : `${this.#url.replace(/\/+$/, "")}/collections`;
        const seen = new Set<string>();
        while (url && !seen.has(url)) {
          seen.add(url);
          const page = (await fetchJson(url, this.#http(options))) as { collections?: Record<string, unknown>[]; links?: StacLink[] };
          for (const c of page.collections ?? []) add(c);
          const next = linkOf(page, "next");
          url = next ? resolveHref(next.href, url) : undefined;
        }
      } else {
        if (root.type === "Collection") add(root);
        for (const l of (root.links ?? []) as StacLink[]) {
          if (l.rel !== "child") continue;
          const c = (await fetchJson(resolveHref(l.href, this.#url), this.#http(options))) as Record<string, unknown>;
          if (c.type === "Collection") add(c);
        }
      }
    } catch (err) {
      throw this.#error(err, undefined, "cannot list the collections");
    }
    return out;
  }

  async searchData(searchQuery: StacSearchQuery = {}, options?: ReadOptions): Promise<DatasetDescriptor[]> {
    const q = validateParams<StacSearchQuery>(STAC_SEARCH_SCHEMA, searchQuery, "query");
    const out: DatasetDescriptor[] = [];
    const filter: ItemFilter = { bbox: q.bbox, time_range: q.time_range, collections: q.collections, ids: q.ids, query: q.query };
    for await (const item of this.items(filter, { ...options, maxItems: q.limit ?? (this.storeParams.max_items as number) })) {
      out.push(await this.#itemDescriptor(item, options));
    }
    return out;
  }

  /** A descriptor from the item's metadata alone (no asset is opened): WGS 84 bbox, time range, asset keys in attrs. */
  async #itemDescriptor(item: StacItem, options?: ReadOptions): Promise<DatasetDescriptor> {
    const [t0, t1] = itemTimeRange(item);
    const b = item.bbox;
    const n = b?.length === 6 ? 3 : 2;
    return {
      data_id: await this.dataIdOf(item, options),
      data_type: "dataset",
      ...(b ? { crs: "EPSG:4326", bbox: [b[0]!, b[1]!, b[n]!, b[n + 1]!] as BBox } : {}),
      ...(t0 && t1 ? { time_range: [t0, t1] as [string, string] } : {}),
      dims: {},
      coords: {},
      data_vars: {},
      attrs: {
        stac_item_id: item.id,
        ...(item.collection ? { stac_collection: item.collection } : {}),
        assets: Object.keys(item.assets ?? {}),
      },
    };
  }

  async describeData(dataId: string, openParams?: StacOpenParams, options?: ReadOptions): Promise<DatasetDescriptor> {
    const ds = await this.openData(dataId, openParams, options);
    try {
      return await describeDatasetObject(ds, dataId, options);
    } finally {
      await ds.close();
    }
  }

  /**
   * Opens an item's data assets as one dataset: each asset through the https/s3/file store by its href, its
   * variable named after the asset key when it holds one (GeoTIFF `band_data` → `B04`), else `{key}_{var}` when
   * names collide; assets on one grid are merged. `openParams` then subset it (variable_names, bbox, time_range).
   * @throws EocubeError NOT_FOUND (no item, no asset of that name, no readable data asset), INVALID_PARAMS, and the
   *   asset's reading errors — each naming the store, the data id and the cause.
   */
  async openData(dataId: string, openParams: StacOpenParams = {}, options?: ReadOptions): Promise<Dataset> {
    const params = validateParams<StacOpenParams>(STAC_OPEN_PARAMS_SCHEMA, openParams, "open_params");
    const assetOptions = {
      assetNames: params.asset_names,
      consolidated: params.consolidated,
      group: params.group,
      httpParams: { timeout: this.storeParams.timeout, retries: this.storeParams.retries },
      s3StorageOptions: this.storeParams.s3_storage_options as Record<string, unknown> | undefined,
      signal: options?.signal,
    };
    let grid: GridMapping | undefined;
    try {
      grid = targetGrid(params);
    } catch (err) {
      throw this.#error(err, dataId, "bad open_params");
    }
    let ds: Dataset;
    if (this.stackMode) {
      const inputs: StackInput[] = [];
      try {
        const filter = { collections: [dataId], time_range: params.time_range, ...(grid ? { bbox: bboxToWgs84(grid) } : {}) };
        for await (const item of this.items(filter, options)) {
          inputs.push({
            ds: await openItemAssets(item, assetOptions),
            datetime: itemTimeRange(item)[0] ?? "",
            id: item.id,
            bbox: item.bbox,
          });
        }
        ds = grid ? await stackItemsOnGrid(inputs, grid, options?.signal) : await stackItems(inputs, options?.signal);
      } catch (err) {
        await Promise.all(inputs.map((i) => i.ds.close().catch(() => undefined)));
        throw this.#error(err, dataId, "cannot stack the collection's items");
      }
      ds = ds.with({
        attrs: { ...ds.attrs, stac_catalog_url: this.root, stac_collection_id: dataId, stac_item_ids: inputs.map((i) => i.id) },
      });
    } else {
      const item = await this.getItem(dataId, options);
      try {
        ds = await openItemAssets(item, assetOptions);
      } catch (err) {
        throw this.#error(err, dataId, "cannot open the item's data");
      }
      ds = ds.with({ attrs: { ...ds.attrs, stac_catalog_url: this.root, stac_item_id: item.id } });
      if (grid) {
        try {
          const { resampleInSpace } = await import("../../ops/resample-space.js");
          ds = await resampleInSpace(ds, grid, { method: "nearest", signal: options?.signal });
        } catch (err) {
          await ds.close();
          throw this.#error(err, dataId, "cannot reproject the item");
        }
      }
    }
    // with a target grid, bbox gave the grid's extent and is not applied again
    const rest: StacOpenParams = grid ? { ...params, bbox: undefined } : params;
    if (!rest.variable_names && !rest.bbox && !rest.time_range) return ds;
    try {
      const gm = rest.bbox ? await gridMappingOf(ds, options) : undefined;
      return await applyOpenParams(ds, rest, gm);
    } catch (err) {
      await ds.close();
      throw this.#error(err, dataId, "cannot subset");
    }
  }

  async getOpenDataParamsSchema(dataId?: string, options?: ReadOptions): Promise<JsonSchema> {
    const schema = structuredClone(STAC_OPEN_PARAMS_SCHEMA) as { properties: Record<string, Record<string, unknown>> };
    if (dataId !== undefined && !this.stackMode) {
      const item = await this.getItem(dataId, options);
      schema.properties.asset_names!.items = { type: "string", enum: Object.keys(item.assets) };
    }
    return schema;
  }

  /** The one error shape: `stac store <url>, data id "<id>": <what>: <cause>`, keeping the cause's code and hint. */
  #error(err: unknown, dataId: string | undefined, what: string): unknown {
    if (!isEocubeError(err) || err.code === "CANCELLED" || err.message.startsWith("stac store ")) return err;
    const where = `stac store ${this.root}${dataId !== undefined ? `, data id ${JSON.stringify(dataId)}` : ""}`;
    return new EocubeError(err.code, `${where}: ${what}: ${err.message}`, {
      path: err.path ?? this.root,
      field: err.field,
      hint: err.hint ?? (err.code === "NOT_FOUND" ? "list the data ids with `eocube list <url> --store stac`" : undefined),
      details: err.details,
      cause: err,
    });
  }
}

/**
 * The target grid of the open params `crs`, `spatial_res` and `bbox` (in `crs`; ops/grid `regularGrid`, north-up,
 * as xcube-stac's `GridMapping.regular_from_bbox`), or undefined when none of crs/spatial_res is given.
 * @throws EocubeError INVALID_PARAMS naming the missing param when only some are given, or the bad one.
 */
export function targetGrid(params: StacOpenParams): GridMapping | undefined {
  if (params.crs === undefined && params.spatial_res === undefined) return undefined;
  const missing = (["crs", "spatial_res", "bbox"] as const).filter((k) => params[k] === undefined);
  if (missing.length > 0) {
    throw new EocubeError(
      "INVALID_PARAMS",
      `open_params/${missing[0]} is missing: reprojecting onto a target grid needs crs, spatial_res and bbox (in that crs)`,
      {
        field: `open_params/${missing[0]}`,
        hint: 'give all three, e.g. {"crs": "EPSG:4326", "spatial_res": 0.001, "bbox": [west, south, east, north]}, or none to keep the data grid',
      },
    );
  }
  try {
    return regularGrid({ crs: params.crs!, spatial_res: params.spatial_res, bbox: params.bbox as BBox });
  } catch (err) {
    if (!isEocubeError(err)) throw err;
    throw new EocubeError("INVALID_PARAMS", `open_params: ${err.message}`, {
      field: `open_params/${err.field ?? "crs"}`,
      hint: err.hint,
      cause: err,
    });
  }
}
