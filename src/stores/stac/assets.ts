// Opening a STAC item's data assets as one Dataset through the https, s3 or file store (xcube-stac's
// build_dataset_from_item): asset selection by role/media type/extension, naming by asset key, merge.
import type { Dataset } from "../../core/dataset.js";
import { EocubeError } from "../../core/errors.js";
import { formatFromPath } from "../../formats/registry.js";
import { redactUrl } from "../../fs/https.js";
import { resolveSource } from "../open.js";
import { resolveHref, type StacItem } from "./catalog.js";

/** Media types of assets eocube can read (STAC best practices, media types table). */
const READABLE_TYPES = /zarr|image\/tiff|geotiff|netcdf|x-hdf|application\/x-netcdf/i;
/** Roles of assets that are not data (previews, metadata). */
const NOT_DATA_ROLES = new Set(["thumbnail", "overview", "visual", "metadata", "preview"]);

/** Options of {@link openItemAssets}. */
export interface OpenItemAssetsOptions {
  /** Asset keys to open; default every data asset in a readable format. */
  assetNames?: string[];
  consolidated?: boolean;
  group?: string;
  /** Store params of the https store for http(s) hrefs (`timeout` s, `retries`). */
  httpParams?: Record<string, unknown>;
  /** storage_options of the s3 store for s3:// hrefs. */
  s3StorageOptions?: Record<string, unknown>;
  signal?: AbortSignal;
}

/** Whether an asset holds data eocube can open: not a preview/metadata role, and a known media type or extension. */
export function isDataAsset(asset: { href: string; type?: string; roles?: string[] }): boolean {
  const roles = asset.roles ?? [];
  if (roles.some((r) => NOT_DATA_ROLES.has(r)) && !roles.includes("data")) return false;
  const path = asset.href.replace(/[?#].*$/, "");
  return (asset.type !== undefined && READABLE_TYPES.test(asset.type)) || formatFromPath(path) !== undefined;
}

/**
 * Opens the item's data assets and merges them (variables named after their asset, see {@link nameByAsset}).
 * Relative hrefs are resolved against the item's URL.
 * @throws EocubeError NOT_FOUND for an unknown asset name or an item without a readable data asset, INVALID_ARGUMENT
 *   for an href of an unsupported scheme, INVALID_CONFIG when assets do not share a grid (pick them with
 *   asset_names), and each asset's reading errors naming the asset.
 */
export async function openItemAssets(item: StacItem, options: OpenItemAssetsOptions = {}): Promise<Dataset> {
  const assets = item.assets ?? {};
  let keys: string[];
  if (options.assetNames) {
    for (const k of options.assetNames) {
      if (!(k in assets)) {
        throw new EocubeError("NOT_FOUND", `item ${item.id} has no asset ${JSON.stringify(k)}`, {
          field: "open_params/asset_names",
          hint: `assets: ${Object.keys(assets).join(", ")}`,
        });
      }
    }
    keys = options.assetNames;
  } else {
    keys = Object.keys(assets).filter((k) => isDataAsset(assets[k]!));
    if (keys.length === 0) {
      throw new EocubeError("NOT_FOUND", `item ${item.id} has no data asset in a format eocube reads (Zarr, GeoTIFF/COG, NetCDF)`, {
        hint: `assets: ${Object.entries(assets)
          .map(([k, a]) => `${k} (${a.type ?? "no type"})`)
          .join(", ")}`,
      });
    }
  }
  const opened: Dataset[] = [];
  try {
    for (const key of keys) {
      const href = resolveHref(assets[key]!.href, item.url);
      let ds: Dataset;
      try {
        ds = await openHref(href, options);
      } catch (err) {
        if (err instanceof EocubeError) {
          throw new EocubeError(err.code, `asset ${key} (${redactUrl(href)}): ${err.message}`, {
            path: err.path ?? redactUrl(href),
            hint: err.hint,
            cause: err,
          });
        }
        throw err;
      }
      opened.push(ds);
    }
    const named = nameByAsset(opened, keys);
    if (named.length === 1) return named[0]!;
    const { merge } = await import("../../ops/merge.js");
    let merged: Dataset;
    try {
      merged = await merge(named, { names: keys.map((k) => `asset ${k}`), signal: options.signal });
    } catch (err) {
      if (err instanceof EocubeError) {
        throw new EocubeError(err.code, `the assets ${keys.join(", ")} cannot be merged: ${err.message}`, {
          hint: "open the assets one by one with open_params.asset_names",
          cause: err,
        });
      }
      throw err;
    }
    const closers = opened.map((d) => () => d.close());
    return merged.with({ close: async () => void (await Promise.all(closers.map((c) => c()))) });
  } catch (err) {
    await Promise.all(opened.map((d) => d.close().catch(() => undefined)));
    throw err;
  }
}

/** Opens one asset href through the https, s3 or file store (format from its extension or bytes). */
async function openHref(href: string, options: OpenItemAssetsOptions): Promise<Dataset> {
  const clean = href.replace(/#.*$/, "");
  let storeParams: Record<string, unknown> | undefined;
  if (/^https?:\/\//i.test(clean)) storeParams = options.httpParams;
  else if (/^s3:\/\//i.test(clean)) storeParams = options.s3StorageOptions ? { storage_options: options.s3StorageOptions } : undefined;
  const { store, dataId } = resolveSource(clean, { storeParams });
  return store.openData(dataId, { consolidated: options.consolidated, group: options.group }, { signal: options.signal });
}

/**
 * Names the data variables after their asset (xcube-stac's rename_dataset): an asset holding one data variable
 * gives it the asset key (GeoTIFF `band_data` → `B04`); with several, each keeps its name, or becomes
 * `{key}_{name}` when another asset has a variable of that name.
 */
export function nameByAsset(datasets: Dataset[], keys: string[]): Dataset[] {
  const counts = new Map<string, number>();
  for (const ds of datasets) for (const n of Object.keys(ds.data_vars)) counts.set(n, (counts.get(n) ?? 0) + 1);
  return datasets.map((ds, i) => {
    const names = Object.keys(ds.data_vars);
    const rename = (n: string) => (names.length === 1 ? keys[i]! : counts.get(n)! > 1 ? `${keys[i]}_${n}` : n);
    if (names.every((n) => rename(n) === n)) return ds;
    const data_vars: Dataset["data_vars"] = {};
    for (const n of names) {
      const to = rename(n);
      data_vars[to] = ds.data_vars[n]!.with({ name: to });
    }
    return ds.with({ data_vars });
  });
}
