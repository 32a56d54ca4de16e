// The STAC documents of the served datasets, as xcube lays them out: the union collection "datacubes" (one item per
// dataset), one collection per dataset (one item "datacube"), items with GeoTIFF data assets GDAL's STACIT driver
// opens (projection extension) and XYZ visual assets, and queryables. Spec: STAC 1.0.0, STAC API 1.0.0,
// datacube extension v2.2.0, projection extension v1.2.0, OGC API Features Part 3 (queryables).
import { timeSpan } from "../core/coords.js";
import { EocubeError } from "../core/errors.js";
import { parseTimeAttribute, toIsoString } from "../core/time.js";
import { Link, MediaType, type LinkJson } from "../catalog/stac/link.js";
import type { ServedDataset } from "./datasets.js";
import { bboxPolygon, describeVariable } from "./describe.js";
import { GEOTIFF_TYPE, projFieldsOf } from "./geotiff.js";

export const STAC_VERSION = "1.0.0";
/** The union collection of xcube: one item per dataset, the item id is the dataset id. */
export const COLLECTION_ID = "datacubes";
/** The one item of a dataset's own collection (xcube's `DEFAULT_FEATURE_ID`). */
export const DATASET_ITEM_ID = "datacube";
const DATACUBE_EXT = "https://stac-extensions.github.io/datacube/v2.2.0/schema.json";
const PROJECTION_EXT = "https://stac-extensions.github.io/projection/v1.2.0/schema.json";
/** Link relation of a queryables document (OGC API Features Part 3). */
export const REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables";
const JSON_TYPE = { type: MediaType.JSON };
const GEOJSON = { type: MediaType.GEOJSON };

/** Links as the plain JSON of a response. */
export function linksJson(...links: Link[]): LinkJson[] {
  return links.map((l) => l.toJSON());
}

/** A string attribute's instant in epoch ms (core `parseTimeAttribute` forms), else undefined. */
function attrMs(v: unknown): number | undefined {
  return typeof v === "string" ? parseTimeAttribute(v) : undefined;
}

/**
 * The STAC time of a dataset: `[start, end]` (ISO 'Z', equal for one instant) from its time axis, else
 * from its attributes (ACDD `time_coverage_start`/`time_coverage_end`, `start_datetime`/`end_datetime`,
 * or a single `datetime`); undefined when it has none. Never invented: STAC 1.0.0 items need a
 * `datetime` or `start_datetime` + `end_datetime` (item-spec/json-schema/datetime.json), so a dataset
 * without a known time has no STAC item.
 */
export function stacTimeOf(sd: ServedDataset): [string, string] | undefined {
  const tr = timeSpan(sd.times ?? []);
  if (tr) return tr;
  const a = sd.dataset.attrs;
  const start = attrMs(a.time_coverage_start) ?? attrMs(a.start_datetime);
  const end = attrMs(a.time_coverage_end) ?? attrMs(a.end_datetime);
  if (start !== undefined && end !== undefined) return start <= end ? [toIsoString(start), toIsoString(end)] : undefined;
  const one = attrMs(a.datetime) ?? start ?? end;
  return one === undefined ? undefined : [toIsoString(one), toIsoString(one)];
}

/** The error for the item of a dataset without a time: 404 naming it. */
export function noItem(sd: ServedDataset, field = "itemId"): EocubeError {
  return new EocubeError(
    "NOT_FOUND",
    `dataset ${JSON.stringify(sd.entry.id)} has no time (no time axis, no time_coverage_start/end or datetime attribute), so it has no STAC item`,
    { field, hint: `STAC items need a datetime; GET /datasets/${sd.entry.id} describes it` },
  );
}

/** `cube:dimensions` and `cube:variables` of a dataset (datacube extension v2.2.0). */
function cubeProperties(sd: ServedDataset): { "cube:dimensions": Record<string, unknown>; "cube:variables": Record<string, unknown> } {
  const dims: Record<string, unknown> = {};
  const [w, s, e, n] = sd.gm.bbox;
  dims[sd.gm.xDim] = { type: "spatial", axis: "x", extent: [w, e], step: sd.gm.resolution[0], reference_system: sd.gm.crs };
  dims[sd.gm.yDim] = { type: "spatial", axis: "y", extent: [s, n], step: sd.gm.resolution[1], reference_system: sd.gm.crs };
  const tr = timeSpan(sd.times ?? []);
  if (sd.timeName && tr) dims[sd.timeName] = { type: "temporal", extent: tr };
  const variables: Record<string, unknown> = {};
  for (const name of sd.variableNames) {
    const v = sd.dataset.data_vars[name]!;
    const d = describeVariable(sd, v);
    variables[name] = { type: "data", dimensions: v.dims, ...(d.units ? { unit: d.units } : {}), description: d.title };
  }
  return { "cube:dimensions": dims, "cube:variables": variables };
}

/** A CRS84 tile `[z, y, x]` showing a lon/lat bbox: the deepest level (≤ 12) whose tile is at least the bbox's size, at its centre. */
function thumbnailTile([w, s, e, n]: [number, number, number, number]): [number, number, number] {
  const size = Math.max(e - w, n - s, 1e-9);
  const z = Math.max(0, Math.min(12, Math.floor(Math.log2(180 / size))));
  const deg = 180 / 2 ** z;
  const cx = Math.min(179.999999, Math.max(-180, (w + e) / 2));
  const cy = Math.min(90, Math.max(-89.999999, (s + n) / 2));
  return [z, Math.min(2 ** z - 1, Math.floor((90 - cy) / deg)), Math.min(2 ** (z + 1) - 1, Math.floor((cx + 180) / deg))];
}

/**
 * The assets of a dataset's item: per variable a GeoTIFF (`/geotiff/{id}/{var}.tif`, role data, every time step a
 * band) with the projection fields GDAL's STACIT driver needs (`proj:epsg`, `proj:shape`, `proj:transform`); as xcube,
 * `visual` (XYZ tiles of the first variable, `xcube:visual` of each) and a `thumbnail` tile.
 */
function assetsOf(base: string, sd: ServedDataset): { assets: Record<string, unknown>; projected: boolean } {
  const id = encodeURIComponent(sd.entry.id);
  const proj = projFieldsOf(sd);
  const assets: Record<string, unknown> = {};
  const visual: Record<string, unknown> = {};
  const steps = sd.times?.length ?? 0;
  for (const name of sd.variableNames) {
    const v = sd.dataset.data_vars[name]!;
    const d = describeVariable(sd, v);
    const hasTime = sd.timeName !== undefined && v.dims.includes(sd.timeName) && steps > 0;
    assets[name] = {
      href: `${base}/geotiff/${id}/${encodeURIComponent(name)}.tif`,
      type: GEOTIFF_TYPE,
      title: `${d.title}${hasTime ? ` (GeoTIFF, ${steps} time step${steps > 1 ? "s" : ""} as bands)` : " (GeoTIFF)"}`,
      roles: ["data"],
      ...(proj ?? {}),
    };
    visual[name] = {
      href: `${base}/tiles/${id}/${encodeURIComponent(name)}/{z}/{y}/{x}?crs=EPSG:3857`,
      type: "image/png",
      title: `${d.title} (XYZ tiles)`,
      roles: ["visual"],
    };
  }
  const first = sd.variableNames[0];
  if (first) {
    const [z, y, x] = thumbnailTile(sd.lonLatBbox);
    assets.visual = { ...(visual[first] as object), title: `${sd.entry.title} visualisation (XYZ tiles)`, "xcube:visual": visual };
    assets.thumbnail = {
      href: `${base}/tiles/${id}/${encodeURIComponent(first)}/${z}/${y}/${x}?crs=CRS84`,
      type: "image/png",
      title: `${sd.entry.title} thumbnail`,
      roles: ["thumbnail"],
    };
  }
  return { assets, projected: proj !== undefined };
}

/**
 * A dataset's STAC item in `collectionId` ("datacubes": id = the dataset id; its own collection: id "datacube").
 * @throws EocubeError NOT_FOUND when the dataset has no STAC time.
 */
export function itemOf(base: string, sd: ServedDataset, collectionId: string, itemId: string): Record<string, unknown> {
  const tr = stacTimeOf(sd);
  if (!tr) throw noItem(sd);
  const collectionHref = `${base}/ogc/collections/${encodeURIComponent(collectionId)}`;
  const { assets, projected } = assetsOf(base, sd);
  return {
    type: "Feature",
    stac_version: STAC_VERSION,
    stac_extensions: projected ? [DATACUBE_EXT, PROJECTION_EXT] : [DATACUBE_EXT],
    id: itemId,
    collection: collectionId,
    bbox: sd.lonLatBbox,
    geometry: bboxPolygon(sd.lonLatBbox),
    properties: {
      title: sd.entry.title,
      ...(tr[0] === tr[1] ? { datetime: tr[0] } : { datetime: null, start_datetime: tr[0], end_datetime: tr[1] }),
      ...cubeProperties(sd),
    },
    links: linksJson(
      Link.self(`${collectionHref}/items/${encodeURIComponent(itemId)}`, GEOJSON),
      Link.parent(collectionHref, JSON_TYPE),
      Link.collection(collectionHref, JSON_TYPE),
      Link.root(`${base}/ogc`, JSON_TYPE),
      Link.describedBy(`${base}/datasets/${encodeURIComponent(sd.entry.id)}`, JSON_TYPE),
    ),
    assets,
  };
}

/** The extent of datasets: the union of their lon/lat boxes and STAC times (nulls for none). */
function extentOf(datasets: ServedDataset[]): Record<string, unknown> {
  let [w, s, e, n] = [180, 90, -180, -90];
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const sd of datasets) {
    w = Math.min(w, sd.lonLatBbox[0]);
    s = Math.min(s, sd.lonLatBbox[1]);
    e = Math.max(e, sd.lonLatBbox[2]);
    n = Math.max(n, sd.lonLatBbox[3]);
    const tr = stacTimeOf(sd);
    if (tr) {
      t0 = Math.min(t0, parseTimeAttribute(tr[0])!);
      t1 = Math.max(t1, parseTimeAttribute(tr[1])!);
    }
  }
  return {
    spatial: { bbox: [datasets.length ? [w, s, e, n] : [-180, -90, 180, 90]] },
    temporal: { interval: [[Number.isFinite(t0) ? toIsoString(t0) : null, Number.isFinite(t1) ? toIsoString(t1) : null]] },
  };
}

/** The union collection "datacubes": its items are the datasets with a STAC time; its extent covers them. */
export function unionCollection(base: string, datasets: ServedDataset[]): Record<string, unknown> {
  const all = datasets.filter((sd) => stacTimeOf(sd));
  const self = `${base}/ogc/collections/${COLLECTION_ID}`;
  return {
    type: "Collection",
    stac_version: STAC_VERSION,
    id: COLLECTION_ID,
    title: "Data cubes",
    description: "The data cubes served by this eocube server, one item per dataset.",
    license: "proprietary",
    extent: extentOf(all),
    links: linksJson(
      Link.self(self, JSON_TYPE),
      Link.items(`${self}/items`, GEOJSON),
      Link.parent(`${base}/ogc`, JSON_TYPE),
      Link.root(`${base}/ogc`, JSON_TYPE),
      new Link(REL_QUERYABLES, `${self}/queryables`, { type: "application/schema+json" }),
    ),
  };
}

/** A dataset's own collection (xcube's single-dataset collection): its cube dimensions and variables, one item "datacube". */
export function datasetCollection(base: string, sd: ServedDataset): Record<string, unknown> {
  const self = `${base}/ogc/collections/${encodeURIComponent(sd.entry.id)}`;
  const hasItem = stacTimeOf(sd) !== undefined;
  return {
    type: "Collection",
    stac_version: STAC_VERSION,
    stac_extensions: [DATACUBE_EXT],
    id: sd.entry.id,
    title: sd.entry.title,
    description: sd.entry.description ?? sd.entry.title,
    license: "proprietary",
    keywords: [],
    providers: [],
    extent: extentOf([sd]),
    summaries: {},
    ...cubeProperties(sd),
    links: linksJson(
      Link.self(self, JSON_TYPE),
      Link.items(`${self}/items`, GEOJSON),
      ...(hasItem
        ? [Link.item(`${self}/items/${DATASET_ITEM_ID}`, { ...GEOJSON, title: `Feature for the dataset "${sd.entry.id}"` })]
        : []),
      Link.parent(`${base}/ogc`, JSON_TYPE),
      Link.root(`${base}/ogc`, JSON_TYPE),
      Link.describedBy(`${base}/datasets/${encodeURIComponent(sd.entry.id)}`, JSON_TYPE),
      new Link(REL_QUERYABLES, `${self}/queryables`, { type: "application/schema+json" }),
    ),
  };
}

/**
 * A queryables document (OGC API Features Part 3 §6.2, STAC API Filter): a JSON Schema of the properties a `filter`
 * may name. This server has no `filter` parameter (search filters by `bbox`, `datetime`, `ids`, `collections`), so
 * it lists none and allows no others (`additionalProperties: false`), as xcube answers.
 */
export function queryablesOf(url: string, title: string): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2019-09/schema",
    $id: url,
    type: "object",
    title,
    description: "No properties are queryable: this server has no filter parameter (search by bbox, datetime, ids and collections).",
    properties: {},
    additionalProperties: false,
  };
}
