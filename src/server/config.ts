// Server configuration: xcube's keys (Datasets, DataStores, Styles, DatasetChunkCacheSize), one JSON
// Schema, YAML/JSON loading and messages (file:line, field, did-you-mean) through the config edge (core/config).
import { existsSync } from "node:fs";
import { dirname, isAbsolute, posix, resolve } from "node:path";
import {
  configError,
  parseConfigText,
  type ConfigType,
  readConfigText,
  schemaProblems,
  schemaValidator,
  type ConfigProblem,
  type Locator,
} from "../core/config/index.js";
import { EocubeError } from "../core/errors.js";
import { parseByteSize } from "../core/bytes.js";
import { closeNames } from "../core/names.js";
import { LIMITS_SCHEMA, limitsProblems } from "./limits.js";
import { PLACE_GROUPS_CONFIG_SCHEMA, placeGroupProblems } from "./places.js";
import { VIEWER_CONFIG_SCHEMA } from "./viewer-state.js";
import { colorMapCategories, resolveColorMap } from "./render/colormaps.js";
import { customColorMapOf, type CustomColorMapInput } from "./render/custom-colormaps.js";

/** Safe identifier pattern for dataset, store and style identifiers (they appear in URLs). */
export const SAFE_ID = /^[A-Za-z0-9_][A-Za-z0-9_.~+-]{0,199}$/;

const idSchema = { type: "string", pattern: SAFE_ID.source } as const;
const variables = {
  type: "array",
  items: { type: "string", minLength: 1 },
  description:
    "variable names or globs (`conc_*`) to publish, in this order (xcube's `filter_variable_names`: a pattern matching nothing is skipped); all data variables when omitted",
} as const;
const stringList = { type: "array", items: { type: "string" } } as const;
const attribution = {
  anyOf: [{ type: "string" }, stringList],
  description: "attribution text(s) shown by clients (`attributions` in /datasets/{id})",
} as const;
const valueRange = {
  type: "array",
  items: [{ type: "number" }, { type: "number" }],
  minItems: 2,
  additionalItems: false,
  description: "[min, max]",
} as const;
const accessControl = {
  type: "object",
  properties: { IsSubstitute: { type: "boolean" }, RequiredScopes: stringList },
  additionalProperties: false,
  description: "xcube's scopes; without `Authentication` they have no effect (as in xcube)",
} as const;
const augmentation = {
  type: "object",
  required: ["Path", "Function"],
  properties: {
    Path: { type: "string", minLength: 1 },
    Function: { type: "string", minLength: 1 },
    Class: { type: "string", minLength: 1 },
    InputParameters: { type: "object" },
  },
  additionalProperties: false,
  description:
    "a JavaScript/TypeScript module (Path .mjs/.js/.ts, relative to the config) whose Function gets the dataset and InputParameters and returns variables to add (docs/server.md); xcube's Python (.py) is not run: a warning says so",
} as const;

/** The dataset keys xcube's `Datasets` and `DataStores[].Datasets` entries share (xcube's `COMMON_DATASET_PROPERTIES`). */
const COMMON_DATASET_PROPERTIES = {
  Title: { type: "string" },
  Description: { type: "string" },
  GroupTitle: {
    type: "string",
    description: "title of the group the dataset is listed under (`groupTitle`); with `GroupId` use `DatasetGroups[].Title` instead",
  },
  GroupId: { type: "string", description: "`Identifier` of a `DatasetGroups` entry (`groupId`, `groupTitle`, `groupOrder` in /datasets)" },
  SortValue: { type: "number", description: "order within the group in clients (`sortValue`)" },
  Tags: { ...stringList, description: "tags (`tags` in /datasets)" },
  Variables: variables,
  TimeSeriesDataset: { type: "string", minLength: 1, description: "`Identifier` of a (time-chunked) dataset time series are read from" },
  BoundingBox: {
    type: "array",
    items: [{ type: "number" }, { type: "number" }, { type: "number" }, { type: "number" }],
    minItems: 4,
    additionalItems: false,
    description: "[west, south, east, north] in degrees, reported as the dataset's `bbox` (as xcube: the data are not cut)",
  },
  ChunkCacheSize: { type: ["string", "number"], description: "xcube's per-dataset cache (eocube has one shared DatasetChunkCacheSize)" },
  Augmentation: augmentation,
  Style: { type: "string", description: 'style identifier [default "default"]' },
  Hidden: { type: "boolean", description: "hide from /datasets (still served by its id)" },
  AccessControl: accessControl,
  PlaceGroups: {
    ...PLACE_GROUPS_CONFIG_SCHEMA,
    description: "place groups of this dataset: {PlaceGroupRef: <a global group>} or groups of its own",
  },
  Attribution: attribution,
} as const;

/** JSON Schema of one colour mapping of a style: a colour map name and value range, or a SNAP `.cpd` file. */
export const COLOR_MAPPING_CONFIG_SCHEMA = {
  type: "object",
  properties: {
    ColorBar: {
      type: "string",
      minLength: 1,
      description: "matplotlib colour map name (optional _r/_alpha), a CustomColorMaps Identifier, or a JSON user map",
    },
    ValueRange: { ...valueRange, description: "[min, max] of the colour bar" },
    Norm: { enum: ["lin", "log"], description: "`lin` (default) or `log` (an eocube addition)" },
    ColorFile: {
      type: "string",
      minLength: 1,
      description: "SNAP colour palette (`.cpd`, relative to the config file): colours and value range (instead of ColorBar/ValueRange)",
    },
  },
  additionalProperties: false,
} as const;

/** JSON Schema of one channel of an RGB mapping (xcube's `CHANNEL_MAPPING_SCHEMA`). */
export const RGB_CHANNEL_CONFIG_SCHEMA = {
  type: "object",
  required: ["Variable", "ValueRange"],
  properties: {
    Variable: { type: "string", minLength: 1, description: "variable shown in this channel" },
    ValueRange: { ...valueRange, description: "[min, max] mapped to 0…255" },
  },
  additionalProperties: false,
} as const;

/** JSON Schema of the `rgb` colour mapping of a style: one variable per channel (`varName=rgb` tiles, `rgbSchema`). */
export const RGB_MAPPING_CONFIG_SCHEMA = {
  type: "object",
  required: ["Red", "Green", "Blue"],
  properties: { Red: RGB_CHANNEL_CONFIG_SCHEMA, Green: RGB_CHANNEL_CONFIG_SCHEMA, Blue: RGB_CHANNEL_CONFIG_SCHEMA },
  additionalProperties: false,
} as const;

/** JSON Schema of a style: colour mappings per variable name, and `rgb`. */
export const STYLE_CONFIG_SCHEMA = {
  type: "object",
  required: ["Identifier"],
  properties: {
    Identifier: idSchema,
    ColorMappings: {
      type: "object",
      properties: { rgb: RGB_MAPPING_CONFIG_SCHEMA },
      additionalProperties: COLOR_MAPPING_CONFIG_SCHEMA,
    },
  },
  additionalProperties: false,
} as const;

const colorValue = {
  anyOf: [{ type: "string" }, { type: "array", items: { type: "number", minimum: 0, maximum: 255 }, minItems: 3, maxItems: 4 }],
  description: 'a colour: name ("red"), "#rrggbb[aa]", or [r, g, b(, a)] (0…255 when one of r, g, b is above 1, else 0…1; a in 0…1)',
} as const;

/** JSON Schema of a custom colour map (xcube's `CUSTOM_COLORMAP_SCHEMA`), usable by its Identifier in ColorBar and `cmap`. */
export const CUSTOM_COLOR_MAP_CONFIG_SCHEMA = {
  type: "object",
  required: ["Identifier", "Type", "Colors"],
  properties: {
    Identifier: { type: "string", minLength: 1, pattern: "^[^{]" },
    Type: { enum: ["continuous", "stepwise", "categorical"] },
    Colors: {
      type: "array",
      minItems: 1,
      items: {
        anyOf: [
          {
            type: "object",
            required: ["Value", "Color"],
            properties: { Value: { type: "number" }, Color: colorValue, Label: { type: "string" } },
            additionalProperties: false,
          },
          { type: "array", items: [{ type: "number" }, colorValue, { type: "string" }], minItems: 2, maxItems: 3 },
        ],
      },
    },
  },
  additionalProperties: false,
} as const;

/** JSON Schema of a dataset group (xcube's `DATASET_GROUPS_SCHEMA`): listed in this order by clients. */
export const DATASET_GROUP_CONFIG_SCHEMA = {
  type: "object",
  required: ["Identifier", "Title"],
  properties: { Identifier: { type: "string", minLength: 1 }, Title: { type: "string" }, Description: { type: "string" } },
  additionalProperties: false,
} as const;

/** xcube's `FileSystem` names (plus `https`/`http`, an eocube addition) of a `Datasets` entry. */
export const FILE_SYSTEMS = ["file", "local", "s3", "obs", "memory", "https", "http"] as const;

/** JSON Schema of a dataset served directly (xcube's `Datasets` entry, plus eocube's `StoreId`/`StoreParams`). */
export const DATASET_CONFIG_SCHEMA = {
  type: "object",
  required: ["Identifier", "Path"],
  properties: {
    Identifier: idSchema,
    Path: {
      type: "string",
      minLength: 1,
      description:
        "local path (relative to base_dir, the config file's folder), bucket/key with FileSystem s3, or, with StoreId, the data id",
    },
    StoreId: { type: "string", minLength: 1 },
    StoreParams: { type: "object" },
    StoreInstanceId: { type: "string", description: "set by xcube's server; ignored" },
    FileSystem: {
      enum: FILE_SYSTEMS,
      description: '"file" (default), "s3" (Path = bucket/key), "memory" (xcube\'s Python-computed datasets: skipped)',
    },
    Anonymous: { type: "boolean", description: "s3: unsigned requests (public buckets)" },
    Endpoint: { type: "string", description: "s3: endpoint URL of an S3-compatible service" },
    Region: { type: "string", description: "s3: region" },
    Function: { type: "string" },
    Class: { type: "string" },
    InputDatasets: stringList,
    InputParameters: { type: "object" },
    Format: { type: "string" },
    ...COMMON_DATASET_PROPERTIES,
  },
  additionalProperties: false,
} as const;

/** JSON Schema of a data store whose datasets matching `Datasets[].Path` (globs) are served (xcube's `DataStores`). */
export const DATA_STORE_CONFIG_SCHEMA = {
  type: "object",
  required: ["Identifier", "StoreId"],
  properties: {
    Identifier: idSchema,
    StoreId: { type: "string", minLength: 1 },
    StoreParams: { type: "object" },
    Title: { type: "string" },
    GroupTitle: { type: "string", description: "group title of every dataset of the store, unless its `Datasets` entry gives its own" },
    Datasets: {
      type: "array",
      items: {
        type: "object",
        required: ["Path"],
        properties: {
          Path: { type: "string", minLength: 1 },
          Identifier: idSchema,
          StoreInstanceId: { type: "string" },
          StoreOpenParams: { type: "object" },
          ...COMMON_DATASET_PROPERTIES,
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

/**
 * The JSON Schema of {@link ServerConfig}: every key of xcube's server configuration (the union of its APIs'
 * schemas) plus eocube's own; keys eocube does not honour are accepted with one warning each
 * (see `configWarnings` in config-compat.ts); unknown keys are errors.
 */
export const SERVER_CONFIG_SCHEMA = {
  $id: "https://eocube.dev/schemas/server-config.json",
  type: "object",
  properties: {
    Datasets: { type: "array", items: DATASET_CONFIG_SCHEMA },
    DataStores: { type: "array", items: DATA_STORE_CONFIG_SCHEMA },
    DatasetGroups: { type: "array", items: DATASET_GROUP_CONFIG_SCHEMA },
    EntrypointDatasetId: {
      type: "string",
      minLength: 1,
      description: "the dataset clients show first (`entrypointDatasetId` of /datasets)",
    },
    DatasetAttribution: attribution,
    Styles: { type: "array", items: STYLE_CONFIG_SCHEMA },
    CustomColorMaps: { type: "array", items: CUSTOM_COLOR_MAP_CONFIG_SCHEMA },
    DatasetChunkCacheSize: { type: ["string", "number"], description: 'chunk cache bound, bytes or "256M" [default "256M"]' },
    AccessControl: accessControl,
    Address: { type: "string" },
    Port: { type: "integer", minimum: 0, maximum: 65535 },
    address: { type: "string", description: "xcube's listen address (as Address)" },
    port: { type: "integer", minimum: 0, maximum: 65535, description: "xcube's listen port (as Port)" },
    base_dir: { type: "string", description: "folder (or URL) relative paths resolve against [default: the config file's folder]" },
    url_prefix: { type: "string", description: "path prefix of every route, e.g. /api/v1" },
    reverse_url_prefix: { type: "string", description: "prefix of URLs in answers (a path or an absolute URL) [default url_prefix]" },
    allowed_hosts: { ...stringList, description: "Host headers accepted (others: 400); all when omitted" },
    trace_perf: { type: "boolean" },
    static_routes: { type: "array" },
    api_spec: { type: "object" },
    tornado: { type: "object" },
    BaseDir: { type: "string", description: "folder relative paths are resolved against (set by the loader to the config file's folder)" },
    ConfigFile: { type: "string", description: "the file the configuration was read from (set by the loader), for messages" },
    RequestTimeout: {
      type: "integer",
      minimum: 1,
      description: "request timeout in milliseconds [default 30000]: the work of a request is aborted then (504 TIMEOUT)",
    },
    Limits: {
      ...LIMITS_SCHEMA,
      description: "per-request limits, the work memory of running requests, connection limits and timeouts (see `LimitsConfig`)",
    },
    ServerTitle: { type: "string" },
    TileCacheSize: {
      type: ["string", "number"],
      description: 'encoded-tile cache bound, bytes or "64M" [default 1/4 of the chunk cache, at most 64 MiB]',
    },
    // xcube keys eocube does not honour (one warning each, see config-compat.ts):
    Authentication: { type: "object" },
    Compute: { type: "object" },
    VolumesAccess: { type: "object" },
    ServiceProvider: { type: "object" },
    STAC: { type: "object" },
    // keys of older xcube versions, accepted and ignored:
    TileComputationMode: {},
    StacCatalog: {},
    Resources: {},
    DefaultPlaceGroupTitle: {},
    PlaceGroups: {
      ...PLACE_GROUPS_CONFIG_SCHEMA,
      description: "place groups (GeoJSON or Shapefile files) served by /places and referenced by datasets' PlaceGroups",
    },
    Viewer: VIEWER_CONFIG_SCHEMA,
  },
  additionalProperties: false,
} as const;

/** One colour mapping of a style; see {@link COLOR_MAPPING_CONFIG_SCHEMA}. */
export type ColorMappingConfig = ConfigType<typeof COLOR_MAPPING_CONFIG_SCHEMA>;
/** A style: colour mappings per variable name; see {@link STYLE_CONFIG_SCHEMA}. */
export type StyleConfig = ConfigType<typeof STYLE_CONFIG_SCHEMA>;
/** A dataset served directly (xcube's `Datasets` entry); see {@link DATASET_CONFIG_SCHEMA}. */
export type DatasetConfig = ConfigType<typeof DATASET_CONFIG_SCHEMA>;
/** A data store whose datasets matching `Datasets[].Path` are served; see {@link DATA_STORE_CONFIG_SCHEMA}. */
export type DataStoreConfig = ConfigType<typeof DATA_STORE_CONFIG_SCHEMA>;
/** The whole server configuration; see {@link SERVER_CONFIG_SCHEMA} for each key's meaning and default. */
export type ServerConfig = ConfigType<typeof SERVER_CONFIG_SCHEMA>;
/** The `rgb` mapping of a style (`Red`, `Green`, `Blue`: `{Variable, ValueRange}`); see {@link RGB_MAPPING_CONFIG_SCHEMA}. */
export type RgbMappingConfig = ConfigType<typeof RGB_MAPPING_CONFIG_SCHEMA>;
/** A CustomColorMaps entry; see {@link CUSTOM_COLOR_MAP_CONFIG_SCHEMA}. */
export type CustomColorMapConfig = ConfigType<typeof CUSTOM_COLOR_MAP_CONFIG_SCHEMA>;
/** A DatasetGroups entry; see {@link DATASET_GROUP_CONFIG_SCHEMA}. */
export type DatasetGroupConfig = ConfigType<typeof DATASET_GROUP_CONFIG_SCHEMA>;
/** A `DataStores[].Datasets` entry. */
export type DataStoreDatasetConfig = NonNullable<DataStoreConfig["Datasets"]>[number];

/**
 * A style's colour mappings split as xcube reads them: `rgb` (an {@link RgbMappingConfig}) and the mappings
 * per variable name (or `*`).
 */
export function colorMappingsOf(style: StyleConfig | undefined): { rgb?: RgbMappingConfig; byVar: Record<string, ColorMappingConfig> } {
  const { rgb, ...rest } = (style?.ColorMappings ?? {}) as Record<string, unknown>;
  return { ...(rgb ? { rgb: rgb as RgbMappingConfig } : {}), byVar: rest as Record<string, ColorMappingConfig> };
}

/** How the server config's identifier pattern is named in messages. */
const PATTERNS = {
  [SAFE_ID.source]: {
    what: "a safe identifier",
    hint: "use letters, digits and '_', '.', '~', '+', '-' (at most 200; identifiers appear in URLs)",
  },
};

/**
 * Why a ColorBar is not usable (an unknown name, with the close names; a malformed JSON map), or undefined.
 * @param custom the Identifiers of the config's CustomColorMaps (usable by name, with `_r`/`_alpha`).
 */
function colorBarProblem(colorBar: string, custom: ReadonlySet<string>): string | undefined {
  const base = colorBar.replace(/(_alpha|_r)+$/, "");
  if (custom.has(colorBar) || custom.has(base)) return undefined;
  try {
    resolveColorMap(colorBar);
    return undefined;
  } catch (err) {
    if (colorBar.trimStart().startsWith("{")) return `is not a valid JSON colour map: ${(err as Error).message}`;
    const suffix = colorBar.slice(base.length);
    const names = [...colorMapCategories().flatMap((c) => c.names), ...custom];
    const close = closeNames(base, names).map((n) => n + suffix);
    return `${JSON.stringify(colorBar)} is not a known colour map${close.length ? `; close names: ${close.join(", ")}` : ""} (matplotlib names such as viridis, plasma, RdBu, with optional _r/_alpha, or a CustomColorMaps Identifier; GET /colorbars lists them)`;
  }
}

/** The cross-checks of a configuration that passed the schema (see {@link validateServerConfig}). */
function crossCheck(c: ServerConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const ids = new Set<string>();
  (c.Datasets ?? []).forEach((d, i) => {
    if (ids.has(d.Identifier))
      problems.push({
        field: `Datasets.${i}.Identifier`,
        message: `Datasets.${i}.Identifier ${JSON.stringify(d.Identifier)} is used twice`,
      });
    ids.add(d.Identifier);
  });
  const styles = new Set((c.Styles ?? []).map((s) => s.Identifier));
  styles.add("default");
  const each = (fn: (d: DatasetConfig | DataStoreDatasetConfig, field: string) => void) => {
    for (const [i, d] of (c.Datasets ?? []).entries()) fn(d, `Datasets.${i}`);
    for (const [i, s] of (c.DataStores ?? []).entries())
      for (const [j, d] of (s.Datasets ?? []).entries()) fn(d, `DataStores.${i}.Datasets.${j}`);
  };
  each((d, field) => {
    if (d.Style !== undefined && !styles.has(d.Style))
      problems.push({ field: `${field}.Style`, message: `${field}.Style ${JSON.stringify(d.Style)} is not an Identifier in Styles` });
    // xcube refuses both at /datasets ("GroupTitle should be provided … Please use the Title property in DatasetGroups instead")
    if (d.GroupId !== undefined && d.GroupTitle !== undefined)
      problems.push({
        field: `${field}.GroupTitle`,
        message: `${field} has both GroupId and GroupTitle: with GroupId, the group's title is the Title of its DatasetGroups entry`,
      });
    const bb = d.BoundingBox;
    if (bb && !(bb[1] <= bb[3] && bb[1] >= -90 && bb[3] <= 90))
      problems.push({
        field: `${field}.BoundingBox`,
        message: `${field}.BoundingBox must be [west, south, east, north] in degrees, south ≤ north`,
      });
  });
  const custom = new Set<string>();
  (c.CustomColorMaps ?? []).forEach((m, i) => {
    if (custom.has(m.Identifier))
      problems.push({
        field: `CustomColorMaps.${i}.Identifier`,
        message: `CustomColorMaps.${i}.Identifier ${JSON.stringify(m.Identifier)} is used twice`,
      });
    custom.add(m.Identifier);
    try {
      customColorMapOf(m as CustomColorMapInput);
    } catch (err) {
      problems.push({ field: `CustomColorMaps.${i}.Colors`, message: `CustomColorMaps.${i}: ${(err as Error).message}` });
    }
  });
  (c.Styles ?? []).forEach((s, i) => {
    for (const [v, m] of Object.entries(colorMappingsOf(s).byVar)) {
      const at = `Styles.${i}.ColorMappings.${v}`;
      if (m.ColorFile !== undefined && (m.ColorBar !== undefined || m.ValueRange !== undefined || m.Norm !== undefined))
        problems.push({
          field: `${at}.ColorFile`,
          message: `${at}: ColorFile gives the colours and the value range; drop ColorBar, ValueRange and Norm`,
        });
      if (m.ColorBar !== undefined) {
        const problem = colorBarProblem(m.ColorBar, custom);
        if (problem) problems.push({ field: `${at}.ColorBar`, message: `${at}.ColorBar ${problem}` });
      }
      if (m.ValueRange && !(m.ValueRange[0] <= m.ValueRange[1])) {
        problems.push({ field: `${at}.ValueRange`, message: `${at}.ValueRange must be [min, max] with min ≤ max` });
      }
    }
  });
  problems.push(...limitsProblems(c.Limits));
  problems.push(...placeGroupProblems(c));
  if (c.DatasetChunkCacheSize !== undefined && parseByteSize(c.DatasetChunkCacheSize) === undefined) {
    problems.push({
      field: "DatasetChunkCacheSize",
      message: `DatasetChunkCacheSize ${JSON.stringify(c.DatasetChunkCacheSize)} is not a size like "256M" or "2G"`,
    });
  }
  return problems;
}

/**
 * Validates a configuration object against {@link SERVER_CONFIG_SCHEMA} plus cross-checks (unique
 * identifiers, known Style references, GroupId without GroupTitle, a parseable DatasetChunkCacheSize,
 * ValueRange min ≤ max, a ColorBar that is a known matplotlib colour map (close names suggested), a
 * CustomColorMaps Identifier or a valid JSON user map, CustomColorMaps whose colours parse).
 * Keys of xcube's schema that eocube does not honour pass (see `configWarnings`, config-compat.ts).
 * @param source where it came from, for messages (a file path).
 * @param locate the line of a field in that file (from core/config's parser), for messages.
 * @throws EocubeError INVALID_CONFIG (core/config's `configError`: `source:line: problem; …`) with `path` =
 *   source, `field` = the first bad field (`Datasets.0.Identifier`), `details` = every problem.
 */
export function validateServerConfig(config: unknown, source = "server config", locate?: Locator): ServerConfig {
  const validate = schemaValidator<ServerConfig>(SERVER_CONFIG_SCHEMA);
  const problems: ConfigProblem[] = [];
  if (!validate(config)) {
    problems.push(
      ...schemaProblems(validate.errors ?? [], config, { notation: "dots", patterns: PATTERNS, locate, rootName: "the server config" }),
    );
  } else {
    problems.push(...crossCheck(config as ServerConfig));
  }
  if (problems.length > 0) {
    const lined = problems.map((p) => ({
      ...p,
      line: p.line ?? locate?.(p.field.split(".").map((s) => (/^\d+$/.test(s) ? Number(s) : s))),
    }));
    throw configError(source, lined, { hint: "see examples/server-config.yaml and docs/server.md for the keys eocube serve accepts" });
  }
  return config as ServerConfig;
}

/**
 * xcube's test for a path that is not resolved against `base_dir` (`is_absolute_path`): a URL (`://`, any
 * `:`), or a path starting with `/`.
 */
function isAbsolutePath(path: string): boolean {
  return path.includes("//") || path.includes(":") || path.startsWith("/") || isAbsolute(path);
}

/**
 * A config path resolved as xcube's `resolve_config_path` does: absolute paths and URLs unchanged, others
 * appended to the base folder (`BaseDir`: `base_dir`, else the config file's folder, else the working folder),
 * which may be a URL (`s3://bucket/prefix`, `https://host/data`); `.` and `..` segments are resolved.
 */
export function resolveConfigPath(config: ServerConfig, path: string): string {
  if (isAbsolutePath(path)) return path;
  const base = config.BaseDir ?? process.cwd();
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)(\/.*)?$/i.exec(base);
  if (m) return `${m[1]}${posix.normalize(`${m[2] ?? ""}/${path}`)}`;
  return resolve(base, path);
}

/** Where a configured dataset is read from (see {@link datasetLocation}). */
export type DatasetLocation =
  | { kind: "path"; path: string; storeParams?: Record<string, unknown> }
  | { kind: "store"; storeId: string; storeParams: Record<string, unknown>; path: string }
  | { kind: "computed"; reason: string };

/**
 * Where a `Datasets` entry is read from, as xcube reads it: with `StoreId` the data id `Path` in that store;
 * `FileSystem: s3` (or `obs`) the object `s3://<Path>` (Path = bucket/key; the s3 store at its folder) with
 * `Anonymous`, `Endpoint`, `Region` as storage options; `FileSystem: memory` is one of xcube's Python-computed datasets (`Function`/`Class`
 * over `InputDatasets`), which eocube cannot compute (`kind: "computed"`); `https`/`http` the URL; else
 * (`file`, `local`, default) the path resolved by {@link resolveConfigPath}.
 */
export function datasetLocation(config: ServerConfig, d: DatasetConfig): DatasetLocation {
  if (d.StoreId) {
    const params: Record<string, unknown> = { ...(d.StoreParams ?? {}) };
    if (d.StoreId === "file" && typeof params.root === "string") params.root = resolveConfigPath(config, params.root);
    return { kind: "store", storeId: d.StoreId, storeParams: params, path: d.Path };
  }
  const fs = d.FileSystem ?? "file";
  if (fs === "memory" || d.Function !== undefined || d.Class !== undefined) {
    return {
      kind: "computed",
      reason: `it is computed by Python code (${d.Path}${d.Function ? `: ${d.Function}` : d.Class ? `: ${d.Class}` : ""}${d.InputDatasets?.length ? ` of ${d.InputDatasets.join(", ")}` : ""})`,
    };
  }
  if (fs === "s3" || fs === "obs") {
    const so: Record<string, unknown> = {};
    if (d.Anonymous !== undefined) so.anon = d.Anonymous;
    if (d.Endpoint !== undefined) so.endpoint_url = d.Endpoint;
    if (d.Region !== undefined) so.region = d.Region;
    // the s3 store at the object's "folder", the last segment as the data id
    const key = d.Path.replace(/^s3:\/\//i, "").replace(/^\/+|\/+$/g, "");
    const cut = key.lastIndexOf("/");
    return {
      kind: "store",
      storeId: "s3",
      storeParams: { root: cut < 0 ? "" : key.slice(0, cut), ...(Object.keys(so).length ? { storage_options: so } : {}) },
      path: cut < 0 ? key : key.slice(cut + 1),
    };
  }
  if (fs === "https" || fs === "http") {
    return { kind: "path", path: /^[a-z]+:\/\//i.test(d.Path) ? d.Path : `${fs}://${d.Path.replace(/^\/+/, "")}` };
  }
  return { kind: "path", path: resolveConfigPath(config, d.Path.replace(/^file:\/\//, "")) };
}

/**
 * The base folder of a config read from `file`, as xcube's `serve` sets it: `base_dir` (relative to the
 * working folder, as xcube's `normalize_base_dir`; a URL stays one), else eocube's `BaseDir` (relative to
 * the file's folder), else the file's folder.
 */
function baseDirOf(config: ServerConfig, file: string): string {
  const b = config.base_dir;
  if (b !== undefined && b !== "") return /^[a-z][a-z0-9+.-]*:\/\//i.test(b) ? b.replace(/\/+$/, "") : resolve(b);
  return resolve(dirname(file), config.BaseDir ?? ".");
}

/**
 * Reads and validates a YAML or JSON server configuration file; relative dataset paths are resolved
 * against its base folder (`BaseDir` is set to `base_dir` or the file's folder; `ConfigFile` to the file) and
 * must exist ({@link checkDatasetPaths}).
 * @throws EocubeError NOT_FOUND (no such file), INVALID_CONFIG (not YAML, schema problems, or a
 *   `Datasets[].Path` that does not exist).
 */
export async function loadServerConfig(file: string): Promise<ServerConfig> {
  const text = await readConfigText(file, { what: "the server config", hint: "check the path given with -c/--config" });
  const { value, locate } = parseConfigText(text, file, { topLevel: "any", emptyAs: {} });
  const config = validateServerConfig(value, file, locate);
  const loaded = { ...config, BaseDir: baseDirOf(config, file), ConfigFile: config.ConfigFile ?? file };
  checkDatasetPaths(loaded, file);
  return loaded;
}

/**
 * Checks that every local `Datasets[].Path` (no `StoreId`, no remote `FileSystem`, not a URL) exists,
 * resolved by {@link resolveConfigPath}, as a bad PATHS argument of `eocube serve` is refused: a dataset that
 * cannot be found fails the start instead of being listed and answering 404 on every route.
 * @param source where the config came from, for messages (a file path).
 * @throws EocubeError INVALID_CONFIG with `path` = source, `field` = `Datasets.<i>.Path`, naming the
 *   source, the dataset's Identifier and the resolved path of every missing dataset.
 */
export function checkDatasetPaths(config: ServerConfig, source = "server config"): void {
  const base = config.BaseDir ?? process.cwd();
  const problems: { field: string; message: string }[] = [];
  (config.Datasets ?? []).forEach((d, i) => {
    const loc = datasetLocation(config, d);
    if (loc.kind !== "path" || /^[a-z][a-z0-9+.-]*:\/\//i.test(loc.path)) return;
    const abs = loc.path;
    if (!existsSync(abs)) {
      problems.push({
        field: `Datasets.${i}.Path`,
        message: `dataset ${JSON.stringify(d.Identifier)} (Datasets.${i}.Path): no file or folder at ${abs}${abs !== d.Path ? ` (Path ${JSON.stringify(d.Path)} resolved against ${base})` : ""}`,
      });
    }
  });
  if (problems.length > 0) {
    throw new EocubeError("INVALID_CONFIG", `${source}: ${problems.map((p) => p.message).join("; ")}`, {
      path: source,
      field: problems[0]!.field,
      hint: "fix or remove the Path (relative paths are resolved against base_dir, by default the config file's folder), or give StoreId/StoreParams for a dataset in a data store",
      details: problems,
    });
  }
}

/** The chunk cache bound in bytes [default 256 MiB]. */
export function chunkCacheBytes(config: ServerConfig): number {
  return config.DatasetChunkCacheSize === undefined ? 256 * 1024 ** 2 : parseByteSize(config.DatasetChunkCacheSize)!;
}

/** The encoded-tile cache bound in bytes: xcube's `TileCacheSize` ("64M") [default 1/4 of the chunk cache, at most 64 MiB]. */
export function tileCacheBytes(config: ServerConfig): number {
  const v = config.TileCacheSize;
  const parsed = v === undefined ? undefined : parseByteSize(v);
  return parsed ?? Math.min(64 * 1024 ** 2, Math.floor(chunkCacheBytes(config) / 4));
}

/** The server's glob test for `Variables` and `DataStores[].Datasets[].Path` (core/glob.ts: `*`, `?`, `**`). */
export { globMatch } from "../core/glob.js";
