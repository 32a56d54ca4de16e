// JSON Schemas of the `stac` store: its store params, open params (with asset_names) and search query.
import type { JsonSchema } from "../types.js";

/** `store_params` of the `stac` store (as xcube-stac's `url`, plus HTTP behaviour). */
export const STAC_STORE_PARAMS_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    url: {
      type: "string",
      pattern: "\\S",
      description:
        "STAC API landing page (http(s)://…, e.g. https://host/stac/v1) or static catalog JSON (http(s)://…/catalog.json, file:// URL or local path)",
    },
    timeout: { type: "number", exclusiveMinimum: 0, default: 30, description: "per-request timeout in seconds" },
    retries: { type: "integer", minimum: 0, default: 3, description: "retries after 5xx, 429, network errors and timeouts" },
    retry_delay: {
      type: "number",
      minimum: 0,
      default: 0.5,
      description: "seconds before the first retry, doubled for each further one (a 429's Retry-After wins)",
    },
    max_retry_after: { type: "number", minimum: 0, default: 60, description: "longest 429 Retry-After in seconds waited for" },
    page_size: { type: "integer", minimum: 1, maximum: 10000, default: 100, description: "items asked for per search page" },
    max_items: { type: "integer", minimum: 1, default: 10000, description: "most items listed by listDataIds" },
    stack_mode: {
      type: "boolean",
      default: false,
      description:
        "data ids are collections; opening one stacks its items (searched by open_params.time_range) along time: on their common grid, or reprojected onto open_params crs/spatial_res/bbox and mosaicked per solar day",
    },
    s3_storage_options: {
      type: "object",
      description: "storage_options of the s3 store used for s3:// asset hrefs (endpoint_url, anon, key, secret, …)",
    },
  },
  required: ["url"],
  additionalProperties: false,
};

/** `open_params` of the `stac` store: the common ones plus `asset_names`, and the target grid (`crs`, `spatial_res`, `bbox`) as xcube-stac. */
export const STAC_OPEN_PARAMS_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    asset_names: {
      type: "array",
      items: { type: "string" },
      minItems: 1,
      description: "keys of the item's assets to open (default: every data asset in a readable format)",
    },
    variable_names: { type: "array", items: { type: "string" }, description: "data variables to keep (after naming by asset)" },
    bbox: {
      type: "array",
      items: { type: "number" },
      minItems: 4,
      maxItems: 4,
      description: "[west, south, east, north] in `crs` when given (the target grid's extent), else in the data CRS",
    },
    crs: {
      type: "string",
      pattern: "\\S",
      description:
        'CRS of the target grid ("EPSG:4326", a UTM "EPSG:32632", PROJ string or WKT): with spatial_res and bbox the data are reprojected (nearest) onto it; in stack_mode the items of one solar day are mosaicked (first valid pixel wins)',
    },
    spatial_res: {
      oneOf: [
        { type: "number", exclusiveMinimum: 0 },
        { type: "array", items: { type: "number", exclusiveMinimum: 0 }, minItems: 2, maxItems: 2 },
      ],
      description: "pixel size of the target grid in `crs` units (degrees or metres), one number or [x, y]",
    },
    time_range: {
      type: "array",
      items: { type: ["string", "null"] },
      minItems: 2,
      maxItems: 2,
      description: "[start, end] ISO 8601 dates or times, both inclusive; null leaves a side open",
    },
    consolidated: { type: "boolean", description: "Zarr assets: use consolidated .zmetadata when present (default true)" },
    group: { type: "string", description: "NetCDF4/HDF5 and Zarr assets: the group to open" },
  },
  additionalProperties: false,
};

/** The query of the `stac` store's searchData: the common SearchQuery plus `collections`, `ids` and STAC `query`. */
export const STAC_SEARCH_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    data_type: { type: "string", enum: ["dataset"], description: "only datasets are searched" },
    bbox: { type: "array", items: { type: "number" }, minItems: 4, maxItems: 4, description: "[west, south, east, north] in WGS 84" },
    time_range: { type: "array", items: { type: ["string", "null"] }, minItems: 2, maxItems: 2, description: "[start, end], null = open" },
    collections: { type: "array", items: { type: "string" }, description: "collection ids" },
    ids: { type: "array", items: { type: "string" }, description: "item ids" },
    query: { type: "object", description: 'STAC API query extension, e.g. {"eo:cloud_cover": {"lt": 10}} (sent by POST)' },
    limit: { type: "integer", minimum: 0, description: "at most this many results" },
  },
  additionalProperties: false,
};
