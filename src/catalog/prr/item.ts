// Builds one STAC Item of a PRR collection from its resolved config: assets (read through the stores),
// extents, datacube and projection fields, file size and checksum.
import { stat } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import { EocubeError, isEocubeError, throwIfAborted } from "../../core/errors.js";
import type { BBox } from "../../core/gridmapping.js";
import { parseTimeText, toIsoString } from "../../core/time.js";
import { formatFromPath } from "../../formats/registry.js";
import { readFileInfo } from "./checksum.js";
import { isInside, planCopy } from "./copy.js";
import type { ResolvedAsset, ResolvedItem } from "./config.js";
import { EXT, PRR_STAC_VERSION, mediaTypeFromName } from "./constants.js";
import { extractDataset, type DataExtraction } from "./extract.js";

/** A warning about one asset or item (never fatal). */
export interface PrrWarning {
  /** Item id. */
  item: string;
  /** Asset key, when the warning concerns one asset. */
  asset?: string;
  message: string;
}

/** One built item, before links are added. */
export interface BuiltItem {
  item: Record<string, unknown>;
  bbox?: BBox;
  time?: [string, string];
  /** Data variables of its data assets. */
  variables: Record<string, Record<string, unknown>>;
  /** Local files/folders to copy into the output: path relative to the output folder (`<id>/<name>`) → absolute source. */
  copies: Map<string, string>;
}

/** Options of {@link buildItem}. */
export interface BuildItemOptions {
  /** The folder the collection is written to (absolute); linked asset hrefs are relative to the item's file `<outDir>/<id>/<id>.json`. */
  outDir: string;
  signal?: AbortSignal;
}

const DATA_FORMATS = new Set(["netcdf3", "netcdf4", "geotiff", "zarr", "levels"]);

/** A relative path (platform separators) as a URI reference: '/'-separated, each segment percent-encoded. */
function pathHref(rel: string): string {
  return rel
    .split(sep)
    .map((seg) => (seg === ".." || seg === "." ? seg : encodeURIComponent(seg)))
    .join("/");
}

/** `[west, south, east, north]` as a GeoJSON Polygon (MultiPolygon when it crosses the antimeridian). */
export function bboxGeometry(b: BBox): Record<string, unknown> {
  const ring = (w: number, s: number, e: number, n: number) => [
    [w, s],
    [e, s],
    [e, n],
    [w, n],
    [w, s],
  ];
  const [w, s, e, n] = b;
  if (w > e) return { type: "MultiPolygon", coordinates: [[ring(w, s, 180, n)], [ring(-180, s, e, n)]] };
  return { type: "Polygon", coordinates: [ring(w, s, e, n)] };
}

/** Union of bboxes (any crossing the antimeridian makes the union −180…180). */
export function unionBbox(boxes: BBox[]): BBox | undefined {
  if (boxes.length === 0) return undefined;
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const b of boxes) {
    if (b[0] > b[2]) {
      w = -180;
      e = 180;
    } else {
      w = Math.min(w, b[0]);
      e = Math.max(e, b[2]);
    }
    s = Math.min(s, b[1]);
    n = Math.max(n, b[3]);
  }
  return [w, s, e, n];
}

/**
 * Builds the STAC Item (stac_version 1.0.0) of one configured item. A local asset whose `asset_files` is
 * `copy` is listed in `copies` (to `<id>/<file name>`) and gets the href `./<file name>`; one that is `link`
 * gets its path relative to the item's JSON file (a warning when that leaves the output folder); with
 * `collection.assetBaseUrl` either href is resolved against `<assetBaseUrl><id>/`. Each local asset gets `file:size` and
 * `file:checksum` (of the local file); data assets (NetCDF, HDF5, GeoTIFF/COG, Zarr) are opened through the stores for bbox,
 * time, `cube:*` and `proj:*` fields and their media type. Data that cannot be read become plain assets
 * with a warning. `datetime` follows the data (one instant → `datetime`, a range → `datetime: null` with
 * `start_datetime`/`end_datetime`), else the item's or the collection's configured time, else `fallbackTime`.
 * @throws EocubeError NOT_FOUND naming the config field when a local asset does not exist; INVALID_CONFIG when
 *   two copied assets of the item have the same file name (or one is named `<id>.json`); for copied assets the
 *   errors of `planCopy` (copy.ts: UNSAFE_ID for a link out of a copied folder, NOT_FOUND for a dangling link,
 *   UNSUPPORTED for a link to a folder); CANCELLED.
 */
export async function buildItem(
  cfg: ResolvedItem,
  collection: { id: string; license: string; datetime?: string; file: string; assetBaseUrl?: string },
  options: BuildItemOptions,
  warnings: PrrWarning[],
): Promise<BuiltItem> {
  const assets: Record<string, Record<string, unknown>> = {};
  const boxes: BBox[] = [];
  const times: Array<[string, string]> = [];
  const extractions: Array<{ key: string; x: DataExtraction }> = [];
  const copies = new Map<string, string>();
  const copiedBy = new Map<string, string>([[`${cfg.id}.json`, "the item's own JSON file"]]);
  let usesFile = false;
  let usesProj = false;
  for (const a of cfg.assets) {
    throwIfAborted(options.signal);
    if (a.path !== undefined && a.asset_files === "copy") {
      const name = basename(a.path);
      const prev = copiedBy.get(name);
      if (prev !== undefined) {
        throw new EocubeError("INVALID_CONFIG", `${a.field}: ${a.path} would be copied to ${cfg.id}/${name}, already taken by ${prev}`, {
          path: collection.file,
          field: `${a.field}.path`,
          hint: "copied assets keep their file name in the item's folder: rename one file, or set asset_files: link on one asset",
        });
      }
      copiedBy.set(name, a.field);
      // refused here, before any data is read or anything written: links out of a copied folder, dangling links, …
      await planCopy(a.path, { field: a.field, file: collection.file }, options.signal);
      copies.set(`${cfg.id}/${name}`, a.path);
    }
    const asset = await buildAsset(a, cfg, collection, options, warnings);
    if (asset.x) {
      extractions.push({ key: a.key, x: asset.x });
      if (asset.x.bbox) boxes.push(asset.x.bbox);
      if (asset.x.time) times.push(asset.x.time);
    }
    if ("file:size" in asset.asset) usesFile = true;
    if (asset.x?.projection) {
      Object.assign(asset.asset, asset.x.projection);
      usesProj = true;
    }
    assets[a.key] = asset.asset;
  }
  const bbox = unionBbox(boxes);
  const properties: Record<string, unknown> = {};
  if (cfg.title) properties.title = cfg.title;
  if (cfg.description) properties.description = cfg.description;
  let time: [string, string] | undefined;
  if (times.length > 0) {
    time = [
      times.map((t) => t[0]).sort()[0]!,
      times
        .map((t) => t[1])
        .sort()
        .at(-1)!,
    ];
  } else if (cfg.start_datetime || cfg.end_datetime || cfg.datetime) {
    const s = iso(cfg.start_datetime ?? cfg.datetime ?? cfg.end_datetime!);
    const e = iso(cfg.end_datetime ?? cfg.datetime ?? cfg.start_datetime!);
    time = [s, e];
  }
  if (time) setTime(properties, time);
  else properties.datetime = null; // filled in by the collection builder (see buildCollection)
  properties.license = cfg.license ?? collection.license;
  if (cfg.keywords) properties.keywords = cfg.keywords;

  const variables: Record<string, Record<string, unknown>> = {};
  const extensions: string[] = [];
  const dataX = extractions.filter((e) => Object.keys(e.x.dimensions).length > 0);
  if (dataX.length === 1) {
    properties["cube:dimensions"] = dataX[0]!.x.dimensions;
    properties["cube:variables"] = dataX[0]!.x.variables;
    extensions.push(EXT.datacube);
  } else if (dataX.length > 1) {
    for (const { key, x } of dataX) {
      assets[key]!["cube:dimensions"] = x.dimensions;
      assets[key]!["cube:variables"] = x.variables;
    }
    extensions.push(EXT.datacube);
  }
  for (const { x } of dataX) for (const name of x.dataVariables) variables[name] ??= x.variables[name]!;
  if (usesFile) extensions.push(EXT.file);
  if (usesProj) extensions.push(EXT.projection);

  const item: Record<string, unknown> = {
    type: "Feature",
    stac_version: PRR_STAC_VERSION,
    stac_extensions: extensions,
    id: cfg.id,
    geometry: bbox ? bboxGeometry(bbox) : null,
    ...(bbox ? { bbox } : {}),
    properties,
    links: [],
    assets,
    collection: collection.id,
  };
  return { item, bbox, time, variables, copies };
}

/**
 * ISO 8601 'Z' text of a configured instant (core/time.ts `parseTimeText`: a date is its midnight, a time
 * without an offset is UTC, never local time).
 * @throws EocubeError INVALID_CONFIG when the text is not a time.
 */
export function iso(text: string): string {
  const ms = parseTimeText(text, { partial: true })?.ms;
  if (ms === undefined)
    throw new EocubeError("INVALID_CONFIG", `${JSON.stringify(text)} is not an ISO 8601 time`, {
      hint: "write times as 2020-01-31T12:00:00Z",
    });
  return toIsoString(ms);
}

/** Sets `datetime` (one instant) or `datetime: null` + `start_datetime`/`end_datetime`. */
export function setTime(properties: Record<string, unknown>, [s, e]: [string, string]): void {
  delete properties.start_datetime;
  delete properties.end_datetime;
  if (s === e) {
    properties.datetime = s;
  } else {
    properties.datetime = null;
    properties.start_datetime = s;
    properties.end_datetime = e;
  }
}

async function buildAsset(
  a: ResolvedAsset,
  item: ResolvedItem,
  collection: { file: string; assetBaseUrl?: string },
  options: BuildItemOptions,
  warnings: PrrWarning[],
): Promise<{ asset: Record<string, unknown>; x?: DataExtraction }> {
  const asset: Record<string, unknown> = {};
  const name = a.path ?? new URL(a.href!).pathname;
  let href: string;
  if (a.path) {
    const st = await stat(a.path).catch(() => undefined);
    if (!st) {
      throw new EocubeError("NOT_FOUND", `${a.field}: ${a.path} does not exist`, {
        path: collection.file,
        field: `${a.field}.path`,
        hint: "paths are relative to base_dir (the config file's folder unless set)",
      });
    }
    let leaves = false;
    if (a.asset_files === "copy") {
      href = `./${encodeURIComponent(basename(a.path))}`;
    } else {
      href = pathHref(relative(join(options.outDir, item.id), a.path));
      leaves = !isInside(a.path, options.outDir);
    }
    if (collection.assetBaseUrl) href = new URL(href, `${collection.assetBaseUrl}${pathHref(item.id)}/`).href;
    if (leaves) {
      warnings.push({
        item: item.id,
        asset: a.key,
        message: `asset_files: link: href ${href} leaves the output folder, so the collection is not self-contained; upload ${a.path} to that place, or set asset_files: copy`,
      });
    }
  } else {
    href = a.href!;
  }
  asset.href = href;
  if (a.title) asset.title = a.title;
  if (a.description) asset.description = a.description;

  const format = formatFromPath(name);
  const wantsExtract = a.extract ?? (a.path !== undefined && format !== undefined && DATA_FORMATS.has(format));
  // a small local file is read once: checksum and data readers share the bytes
  const read = a.path ? await readFileInfo(a.path, options.signal) : {};
  let x: DataExtraction | undefined;
  if (wantsExtract) {
    try {
      x = await extractDataset(a.path ?? a.href!, { signal: options.signal, bytes: read.bytes });
      for (const w of x.warnings) warnings.push({ item: item.id, asset: a.key, message: w });
    } catch (err) {
      if (isEocubeError(err, "CANCELLED")) throw err;
      const msg = isEocubeError(err) ? err.message : String((err as Error)?.message ?? err);
      warnings.push({
        item: item.id,
        asset: a.key,
        message: `cannot read the data (${msg}); written as a plain asset without extents or variables`,
      });
    }
  }
  asset.type = a.type ?? x?.mediaType ?? mediaTypeFromName(basename(name));
  if (asset.type === undefined) {
    delete asset.type;
    warnings.push({ item: item.id, asset: a.key, message: `no media type is known for ${basename(name)}; set assets[].type` });
  }
  asset.roles = a.roles ?? defaultRoles(String(asset.type ?? ""), x !== undefined || wantsExtract);
  if (read.info) Object.assign(asset, read.info);
  return { asset, x };
}

function defaultRoles(type: string, data: boolean): string[] {
  if (data) return ["data"];
  if (type === "application/pdf" || type.startsWith("text/")) return ["documentation"];
  if (type === "image/png" || type === "image/jpeg") return ["overview"];
  if (type.includes("json") || type.includes("yaml")) return ["metadata"];
  return ["data"];
}
