// Server configuration: xcube's keys (Datasets, DataStores, Styles, DatasetChunkCacheSize), one JSON
// Schema, YAML/JSON loading and messages (file:line, field, did-you-mean) through the config edge (core/config).
import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
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
import { parseByteSize } from "./cache.js";
import { closeNames } from "../core/names.js";
import { LIMITS_SCHEMA, limitsProblems } from "./limits.js";
import { PLACE_GROUPS_CONFIG_SCHEMA, placeGroupProblems } from "./places.js";
import { VIEWER_CONFIG_SCHEMA } from "./viewer-state.js";
import { colorMapCategories, resolveColorMap } from "./render/colormaps.js";

/** Safe identifier pattern for dataset, store and style identifiers (they appear in URLs). */
export const SAFE_ID = /^[A-Za-z0-9_][A-Za-z0-9_.~+-]{0,199}$/;

const idSchema = { type: "string", pattern: SAFE_ID.source } as const;
const variables = {
  type: "array",
  items: { type: "string", minLength: 1 },
  description: "variable names or globs (`conc_*`) to publish; all data variables when omitted",
} as const;

/** JSON Schema of one colour mapping of a style: matplotlib name (or JSON user map) and value range. */
export const COLOR_MAPPING_CONFIG_SCHEMA = {
  type: "object",
  properties: {
    ColorBar: { type: "string", minLength: 1, description: "matplotlib colour map name (optional _r/_alpha) or a JSON user map" },
    ValueRange: {
      type: "array",
      items: [{ type: "number" }, { type: "number" }],
      minItems: 2,
      additionalItems: false,
      description: "[min, max] of the colour bar",
    },
    Norm: { enum: ["lin", "log"], description: "`lin` (default) or `log`" },
  },
  additionalProperties: false,
} as const;

/** JSON Schema of a style: colour mappings per variable name. */
export const STYLE_CONFIG_SCHEMA = {
  type: "object",
  required: ["Identifier"],
  properties: {
    Identifier: idSchema,
    ColorMappings: { type: "object", additionalProperties: COLOR_MAPPING_CONFIG_SCHEMA },
  },
  additionalProperties: false,
} as const;

/** JSON Schema of a dataset served directly (xcube's `Datasets` entry); xcube keys eocube ignores are accepted. */
export const DATASET_CONFIG_SCHEMA = {
  type: "object",
  required: ["Identifier", "Path"],
  properties: {
    Identifier: idSchema,
    Path: {
      type: "string",
      minLength: 1,
      description: "local path (relative to the config file) or, with StoreId, the data id in that store",
    },
    StoreId: { type: "string", minLength: 1 },
    StoreParams: { type: "object" },
    Title: { type: "string" },
    Description: { type: "string" },
    Style: { type: "string", description: 'style identifier [default "default"]' },
    Variables: variables,
    Hidden: { type: "boolean", description: "hide from /datasets (still served)" },
    FileSystem: { type: "string" },
    Format: { type: "string" },
    BoundingBox: {},
    Attribution: {},
    GroupTitle: { type: "string", description: "title of the group the dataset is listed under (returned as `groupTitle` by /datasets)" },
    PlaceGroups: { ...PLACE_GROUPS_CONFIG_SCHEMA, description: "place groups of this dataset: {PlaceGroupRef: <a global group>} or groups of its own" },
    Tags: {},
    ChunkCacheSize: {},
    TimeSeriesDataset: {},
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
          Title: { type: "string" },
          GroupTitle: { type: "string", description: "the group of the datasets matching `Path` (over the store's)" },
          Style: { type: "string" },
          Variables: variables,
          Identifier: idSchema,
          PlaceGroups: { ...PLACE_GROUPS_CONFIG_SCHEMA, description: "place groups of these datasets" },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

/** The JSON Schema of {@link ServerConfig}: xcube's keys; those eocube does not use are accepted and ignored. */
export const SERVER_CONFIG_SCHEMA = {
  $id: "https://eocube.dev/schemas/server-config.json",
  type: "object",
  properties: {
    Datasets: { type: "array", items: DATASET_CONFIG_SCHEMA },
    DataStores: { type: "array", items: DATA_STORE_CONFIG_SCHEMA },
    Styles: { type: "array", items: STYLE_CONFIG_SCHEMA },
    DatasetChunkCacheSize: { type: ["string", "number"], description: 'chunk cache bound, bytes or "256M" [default "256M"]' },
    Address: { type: "string" },
    Port: { type: "integer", minimum: 0, maximum: 65535 },
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
    // xcube keys accepted for compatibility and ignored:
    Authentication: {},
    AccessControl: {},
    ServiceProvider: {},
    PlaceGroups: {
      ...PLACE_GROUPS_CONFIG_SCHEMA,
      description: "place groups (GeoJSON or Shapefile files) served by /places and referenced by datasets' PlaceGroups",
    },
    Viewer: VIEWER_CONFIG_SCHEMA,
    TileCacheSize: {
      type: ["string", "number"],
      description: 'encoded-tile cache bound, bytes or "64M" [default 1/4 of the chunk cache, at most 64 MiB]',
    },
    TileComputationMode: {},
    CustomColorMaps: {},
    DatasetAttribution: {},
    StacCatalog: {},
    Resources: {},
    DefaultPlaceGroupTitle: {},
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

/** How the server config's identifier pattern is named in messages. */
const PATTERNS = {
  [SAFE_ID.source]: {
    what: "a safe identifier",
    hint: "use letters, digits and '_', '.', '~', '+', '-' (at most 200; identifiers appear in URLs)",
  },
};

/** Why a ColorBar is not usable (an unknown matplotlib name, with the close names; a malformed JSON map), or undefined. */
function colorBarProblem(colorBar: string): string | undefined {
  try {
    resolveColorMap(colorBar);
    return undefined;
  } catch (err) {
    if (colorBar.trimStart().startsWith("{")) return `is not a valid JSON colour map: ${(err as Error).message}`;
    const base = colorBar.replace(/(_alpha|_r)+$/, "");
    const suffix = colorBar.slice(base.length);
    const names = colorMapCategories().flatMap((c) => c.names);
    const close = closeNames(base, names).map((n) => n + suffix);
    return `${JSON.stringify(colorBar)} is not a known colour map${close.length ? `; close names: ${close.join(", ")}` : ""} (matplotlib names such as viridis, plasma, RdBu, with optional _r/_alpha; GET /colorbars lists them)`;
  }
}

/**
 * Validates a configuration object against {@link SERVER_CONFIG_SCHEMA} plus cross-checks (unique
 * identifiers, known Style references, a parseable DatasetChunkCacheSize, ValueRange min ≤ max, a
 * ColorBar that is a known matplotlib colour map (close names suggested) or a valid JSON user map).
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
    const c = config as ServerConfig;
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
    (c.Datasets ?? []).forEach((d, i) => {
      if (d.Style !== undefined && !styles.has(d.Style))
        problems.push({
          field: `Datasets.${i}.Style`,
          message: `Datasets.${i}.Style ${JSON.stringify(d.Style)} is not an Identifier in Styles`,
        });
    });
    (c.Styles ?? []).forEach((s, i) => {
      for (const [v, m] of Object.entries(s.ColorMappings ?? {})) {
        if (m.ColorBar !== undefined) {
          const problem = colorBarProblem(m.ColorBar);
          if (problem)
            problems.push({
              field: `Styles.${i}.ColorMappings.${v}.ColorBar`,
              message: `Styles.${i}.ColorMappings.${v}.ColorBar ${problem}`,
            });
        }
        if (m.ValueRange && !(m.ValueRange[0] <= m.ValueRange[1])) {
          problems.push({
            field: `Styles.${i}.ColorMappings.${v}.ValueRange`,
            message: `Styles.${i}.ColorMappings.${v}.ValueRange must be [min, max] with min ≤ max`,
          });
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
 * Reads and validates a YAML or JSON server configuration file; relative dataset paths are resolved
 * against the file's folder (`BaseDir` is set to it unless given; `ConfigFile` to the file) and must exist ({@link checkDatasetPaths}).
 * @throws EocubeError NOT_FOUND (no such file), INVALID_CONFIG (not YAML, schema problems, or a
 *   `Datasets[].Path` that does not exist).
 */
export async function loadServerConfig(file: string): Promise<ServerConfig> {
  const text = await readConfigText(file, { what: "the server config", hint: "check the path given with -c/--config" });
  const { value, locate } = parseConfigText(text, file, { topLevel: "any", emptyAs: {} });
  const config = validateServerConfig(value, file, locate);
  const loaded = { ...config, BaseDir: resolve(dirname(file), config.BaseDir ?? "."), ConfigFile: config.ConfigFile ?? file };
  checkDatasetPaths(loaded, file);
  return loaded;
}

/**
 * Checks that every local `Datasets[].Path` (no `StoreId`, not a URL) exists, resolved against `BaseDir`
 * [default the working folder], as a bad PATHS argument of `eocube serve` is refused: a dataset that
 * cannot be found fails the start instead of being listed and answering 404 on every route.
 * @param source where the config came from, for messages (a file path).
 * @throws EocubeError INVALID_CONFIG with `path` = source, `field` = `Datasets.<i>.Path`, naming the
 *   source, the dataset's Identifier and the resolved path of every missing dataset.
 */
export function checkDatasetPaths(config: ServerConfig, source = "server config"): void {
  const base = config.BaseDir ?? process.cwd();
  const problems: { field: string; message: string }[] = [];
  (config.Datasets ?? []).forEach((d, i) => {
    if (d.StoreId || (/^[a-z][a-z0-9+.-]*:\/\//i.test(d.Path) && !d.Path.startsWith("file://"))) return;
    const local = d.Path.replace(/^file:\/\//, "");
    const abs = isAbsolute(local) ? local : resolve(base, local);
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
      hint: "fix or remove the Path (relative paths are resolved against the config file's folder), or give StoreId/StoreParams for a dataset in a data store",
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
