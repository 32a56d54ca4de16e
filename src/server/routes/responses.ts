// JSON Schemas of the server's answers (xcube's shapes), one declaration giving the route's `response` schema and the
// TypeScript type; the viewer imports these types (type-only: this file has no runtime imports).
import type { FromSchema } from "json-schema-to-ts";

const str = { type: "string" } as const;
const num = { type: "number" } as const;
const int = { type: "integer" } as const;
const anyObject = { type: "object", additionalProperties: true } as const;
const bbox = {
  type: "array",
  items: [num, num, num, num],
  minItems: 4,
  additionalItems: false,
  description: "[west, south, east, north], CRS84",
} as const;

/** An error answer: `{code, message, hint?, field?}` (status from docs/errors.md). */
export const ERROR_RESPONSE = {
  type: "object",
  required: ["code", "message"],
  properties: { code: str, message: str, hint: str, field: str },
  additionalProperties: false,
} as const;

/** A link (STAC/OGC style). */
const LINK = {
  type: "object",
  required: ["rel", "href"],
  properties: { rel: str, href: str, type: str, title: str },
  additionalProperties: false,
} as const;

/** GET /: xcube's service information plus eocube's title and links. Times are ISO 8601 UTC. */
export const SERVER_INFO_RESPONSE = {
  type: "object",
  required: ["name", "description", "version", "versions", "apis", "startTime", "currentTime", "updateTime", "pid"],
  properties: {
    name: str,
    description: str,
    version: str,
    versions: { type: "object", additionalProperties: str, description: "package → version" },
    apis: {
      type: "array",
      items: { type: "object", required: ["name"], properties: { name: str, version: str, description: str }, additionalProperties: false },
    },
    startTime: { type: "string", description: "when the server started" },
    currentTime: { type: "string" },
    updateTime: { type: "string", description: "when the configuration was last (re)loaded (/maintenance/update)" },
    pid: int,
    title: str,
    links: { type: "array", items: LINK },
  },
  additionalProperties: false,
} as const;

/** GET /health. */
export const HEALTH_RESPONSE = {
  type: "object",
  required: ["status", "uptimeSeconds", "chunkCache", "chunkCacheLimit", "work", "requests", "rssBytes"],
  properties: {
    status: { type: "string", enum: ["ok"] },
    uptimeSeconds: int,
    chunkCache: {
      type: "object",
      required: ["hits", "misses", "loads", "bytes", "entries"],
      properties: { hits: int, misses: int, loads: int, bytes: int, entries: int },
      additionalProperties: false,
    },
    chunkCacheLimit: int,
    work: {
      type: "object",
      required: ["used", "peak", "waiting", "capacity"],
      properties: { used: int, peak: int, waiting: int, capacity: int },
      additionalProperties: false,
    },
    requests: int,
    rssBytes: int,
  },
  additionalProperties: false,
} as const;

/** A dimension with its coordinate labels (times as ISO 'Z' strings); GET /datasets/{id}/coords/{dim}. */
export const DIMENSION_RESPONSE = {
  type: "object",
  required: ["name", "size", "dtype", "coordinates"],
  properties: { name: str, size: int, dtype: str, coordinates: { type: "array", items: { type: ["number", "string"] } } },
  additionalProperties: false,
} as const;

/** A variable of a dataset description (xcube's shape). */
export const VARIABLE_SCHEMA = {
  type: "object",
  required: [
    "id",
    "name",
    "dims",
    "shape",
    "dtype",
    "units",
    "title",
    "colorBarName",
    "colorBarMin",
    "colorBarMax",
    "colorBarNorm",
    "attrs",
  ],
  properties: {
    id: { type: "string", description: "<datasetId>.<name>" },
    name: str,
    dims: { type: "array", items: str },
    shape: { type: "array", items: int },
    dtype: str,
    units: str,
    title: str,
    description: str,
    expression: { type: "string", description: "user variables: the expression" },
    timeChunkSize: int,
    tileLevelMin: { type: "integer", description: "absent for datasets without a regular grid" },
    tileLevelMax: int,
    colorBarName: str,
    colorBarMin: num,
    colorBarMax: num,
    colorBarNorm: { type: "string", enum: ["lin", "log", "cat"] },
    opacity: num,
    htmlRepr: str,
    attrs: anyObject,
  },
  additionalProperties: true,
} as const;

/** A GeoJSON geometry (WGS 84 lon/lat). */
export const GEOMETRY_SCHEMA = {
  type: "object",
  required: ["type"],
  properties: { type: str, coordinates: {}, geometries: { type: "array", items: anyObject } },
  additionalProperties: true,
} as const;

/** A place: a GeoJSON feature whose `id` the server gives ("0", "1", … in load order). */
export const PLACE_FEATURE_SCHEMA = {
  type: "object",
  required: ["type", "geometry", "properties"],
  properties: {
    type: { type: "string", const: "Feature" },
    id: str,
    geometry: { anyOf: [GEOMETRY_SCHEMA, { type: "null" }] },
    properties: { anyOf: [anyObject, { type: "null" }] },
  },
  additionalProperties: true,
} as const;

/**
 * A place group (xcube's shape without its local file paths): a FeatureCollection with `id`, `title`, `description`,
 * `propertyMapping` (viewer role → property name or `${property}` template) and `join`; `features` null when not loaded.
 */
export const PLACE_GROUP_SCHEMA = {
  type: "object",
  required: ["type", "id", "title", "description", "propertyMapping", "join"],
  properties: {
    type: { type: "string", const: "FeatureCollection" },
    id: str,
    title: str,
    description: { type: ["string", "null"] },
    propertyMapping: { anyOf: [{ type: "object", additionalProperties: str }, { type: "null" }] },
    join: {
      anyOf: [
        { type: "object", required: ["property", "encoding"], properties: { property: str, encoding: str }, additionalProperties: false },
        { type: "null" },
      ],
    },
    features: { anyOf: [{ type: "array", items: PLACE_FEATURE_SCHEMA }, { type: "null" }] },
  },
  additionalProperties: false,
} as const;

/** The RGB layer of a dataset (xcube's `rgbSchema`). */
const RGB_SCHEMA = {
  type: "object",
  required: ["varNames", "normRanges"],
  properties: {
    varNames: { type: "array", items: { type: ["string", "null"] } },
    normRanges: { type: "array", items: { type: "array", items: num } },
    tileLevelMin: int,
    tileLevelMax: int,
    tileUrl: str,
  },
  additionalProperties: true,
} as const;

const DATASET_SUMMARY_PROPERTIES = {
  id: str,
  title: str,
  description: str,
  groupId: str,
  groupTitle: str,
  groupOrder: int,
  groupDescription: str,
  sortValue: num,
  tags: { type: "array", items: str },
  bbox,
  spatialRef: { type: "string", description: "the grid's CRS (EPSG:4326 for ungridded data with lat/lon)" },
  gridded: { type: "boolean", description: "false for datasets without a regular grid (no tiles, values or series)" },
} as const;

/** A dataset as /datasets/{id} (and /datasets?details=1) describes it (xcube's shape). */
export const DATASET_RESPONSE = {
  type: "object",
  required: ["id", "title", "variables", "dimensions", "attrs"],
  properties: {
    ...DATASET_SUMMARY_PROPERTIES,
    geometry: GEOMETRY_SCHEMA,
    timeRange: { type: "array", items: str, minItems: 2, maxItems: 2 },
    resolutions: { type: "array", items: num },
    spatialUnits: str,
    variables: { type: "array", items: VARIABLE_SCHEMA },
    skippedVariables: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "dtype", "reason"],
        properties: { name: str, dtype: str, reason: str },
        additionalProperties: false,
      },
    },
    dimensions: { type: "array", items: DIMENSION_RESPONSE },
    attrs: anyObject,
    attributions: { type: "array", items: str },
    placeGroups: { type: "array", items: PLACE_GROUP_SCHEMA, description: "the dataset's place groups, without features" },
    rgbSchema: RGB_SCHEMA,
  },
  additionalProperties: true,
} as const;

/** One entry of GET /datasets: the summary, or with `details=1` the whole description. */
export const DATASET_SUMMARY_SCHEMA = {
  type: "object",
  required: ["id", "title"],
  properties: DATASET_SUMMARY_PROPERTIES,
  additionalProperties: true,
} as const;

/** GET /datasets[?details=1][&point=lon,lat]. */
export const DATASETS_RESPONSE = {
  type: "object",
  required: ["datasets"],
  properties: {
    datasets: { type: "array", items: DATASET_SUMMARY_SCHEMA },
    entrypointDatasetId: { type: "string", description: "the dataset a viewer shows first (config EntrypointDatasetId)" },
    links: { type: "array", items: LINK },
  },
  additionalProperties: false,
} as const;

/** GET /places: the global place groups (features null). */
export const PLACE_GROUPS_RESPONSE = {
  type: "object",
  required: ["placeGroups"],
  properties: { placeGroups: { type: "array", items: PLACE_GROUP_SCHEMA } },
  additionalProperties: false,
} as const;

/** GET|POST /places/{group}[?bbox|geom], /places/{group}/{datasetId}: the places found. */
export const PLACES_RESPONSE = {
  type: "object",
  required: ["places"],
  properties: {
    places: {
      type: "object",
      required: ["type", "features"],
      properties: { type: { type: "string", const: "FeatureCollection" }, features: { type: "array", items: PLACE_FEATURE_SCHEMA } },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

/** One time-series entry: `time` (ISO 'Z') and one key per aggregation method (null: no valid value). */
export const TIME_SERIES_ENTRY_SCHEMA = {
  type: "object",
  required: ["time"],
  properties: { time: str, count: int },
  additionalProperties: { type: ["number", "null", "string"] },
} as const;

/** POST /timeseries/{id}/{var}: one list of entries, or one per geometry for collections. */
export const TIME_SERIES_RESPONSE = {
  type: "object",
  required: ["result"],
  properties: {
    result: {
      anyOf: [
        { type: "array", items: TIME_SERIES_ENTRY_SCHEMA },
        { type: "array", items: { type: "array", items: TIME_SERIES_ENTRY_SCHEMA } },
      ],
    },
  },
  additionalProperties: false,
} as const;

/** GET /statistics/{id}/{var}?lon&lat: the value at a point (`{}` outside or no data). */
export const POINT_VALUE_RESPONSE = {
  type: "object",
  required: ["result"],
  properties: { result: { type: "object", properties: { value: num }, additionalProperties: false } },
  additionalProperties: false,
} as const;

/** POST /statistics/{id}/{var}: statistics in a geometry (`{count: 0}` outside or no data). */
export const STATISTICS_RESPONSE = {
  type: "object",
  required: ["result"],
  properties: {
    result: {
      type: "object",
      required: ["count"],
      properties: {
        count: int,
        minimum: num,
        maximum: num,
        mean: num,
        deviation: num,
        histogram: {
          type: "object",
          required: ["values", "edges"],
          properties: { values: { type: "array", items: num }, edges: { type: "array", items: num } },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

/** GET /colorbars: `[[category, description, [[name, base64 PNG 256×1] | [name, PNG, customColorMap], …]], …]`. */
export const COLOR_BARS_RESPONSE = {
  type: "array",
  items: {
    type: "array",
    items: [str, str, { type: "array", items: { type: "array", items: [str, str, anyObject], minItems: 2, maxItems: 3 } }],
    minItems: 3,
    maxItems: 3,
  },
} as const;

/** PUT /viewer/state: the key of the stored state. */
export const VIEWER_STATE_KEY_RESPONSE = {
  type: "object",
  required: ["key"],
  properties: { key: str },
  additionalProperties: false,
} as const;
/** GET /viewer/state (no key): the keys of the stored states. */
export const VIEWER_STATE_KEYS_RESPONSE = {
  type: "object",
  required: ["keys"],
  properties: { keys: { type: "array", items: str } },
  additionalProperties: false,
} as const;
/** GET /maintenance/update. */
export const UPDATE_RESPONSE = {
  type: "object",
  required: ["status"],
  properties: { status: { type: "string", const: "OK" } },
  additionalProperties: false,
} as const;

/** GET /: see {@link SERVER_INFO_RESPONSE}. */
export type ServerInfo = FromSchema<typeof SERVER_INFO_RESPONSE>;
/** GET /health: see {@link HEALTH_RESPONSE}. */
export type HealthInfo = FromSchema<typeof HEALTH_RESPONSE>;
/** A dimension with its labels: see {@link DIMENSION_RESPONSE}. */
export type DimensionInfo = FromSchema<typeof DIMENSION_RESPONSE>;
/** A variable of a dataset: see {@link VARIABLE_SCHEMA}. */
export type VariableInfo = FromSchema<typeof VARIABLE_SCHEMA>;
/** A dataset description: see {@link DATASET_RESPONSE}. */
export type DatasetInfo = FromSchema<typeof DATASET_RESPONSE>;
/** An entry of GET /datasets: see {@link DATASET_SUMMARY_SCHEMA}. */
export type DatasetSummary = FromSchema<typeof DATASET_SUMMARY_SCHEMA>;
/** GET /datasets: see {@link DATASETS_RESPONSE}. */
export type DatasetsList = FromSchema<typeof DATASETS_RESPONSE>;
/** A place (GeoJSON feature): see {@link PLACE_FEATURE_SCHEMA}. */
export type PlaceFeature = FromSchema<typeof PLACE_FEATURE_SCHEMA>;
/** A place group: see {@link PLACE_GROUP_SCHEMA}. */
export type PlaceGroupInfo = FromSchema<typeof PLACE_GROUP_SCHEMA>;
/** GET /places: see {@link PLACE_GROUPS_RESPONSE}. */
export type PlaceGroupsList = FromSchema<typeof PLACE_GROUPS_RESPONSE>;
/** GET /places/{group}: see {@link PLACES_RESPONSE}. */
export type PlacesFound = FromSchema<typeof PLACES_RESPONSE>;
/** One time-series entry: see {@link TIME_SERIES_ENTRY_SCHEMA}. */
export type TimeSeriesEntry = FromSchema<typeof TIME_SERIES_ENTRY_SCHEMA>;
/** POST /timeseries: see {@link TIME_SERIES_RESPONSE}. */
export type TimeSeriesResult = FromSchema<typeof TIME_SERIES_RESPONSE>;
/** GET /statistics?lon&lat: see {@link POINT_VALUE_RESPONSE}. */
export type PointValueResult = FromSchema<typeof POINT_VALUE_RESPONSE>;
/** POST /statistics: see {@link STATISTICS_RESPONSE}. */
export type StatisticsResult = FromSchema<typeof STATISTICS_RESPONSE>;
/** GET /colorbars: see {@link COLOR_BARS_RESPONSE}. */
export type ColorBars = FromSchema<typeof COLOR_BARS_RESPONSE>;
/** PUT /viewer/state: see {@link VIEWER_STATE_KEY_RESPONSE}. */
export type ViewerStateKey = FromSchema<typeof VIEWER_STATE_KEY_RESPONSE>;
