// JSON Schema of eocube's gen request (xcube gen2's request format plus a few eocube fields) and the
// TypeScript types it declares. xcube gen2 request: https://xcube.readthedocs.io/en/latest/cli/xcube_gen2.html
import type { ConfigType } from "../core/config/index.js";

/** Spatial methods accepted in requests. */
export const SPATIAL_METHODS = ["nearest", "bilinear", "mean"] as const;
/** Temporal aggregation methods accepted in requests. */
export const TIME_METHOD_NAMES = ["mean", "min", "max", "median", "sum", "count", "first", "last", "std"] as const;

/** JSON Schema of one input of a gen request. */
export const INPUT_CONFIG_SCHEMA = {
  type: "object",
  required: ["data_id"],
  additionalProperties: false,
  properties: {
    store_id: {
      type: "string",
      minLength: 1,
      description:
        "data store id (default file): a registered store, e.g. file, memory, https, s3, abfs, stac, zenodo, reference, ccizarr or a plugin's; `eocube store list` lists them",
    },
    store_params: {
      type: "object",
      description: "parameters of the store, e.g. {root: 'data'}; a relative root resolves against the request's folder",
    },
    data_id: { type: "string", minLength: 1, description: "dataset id inside the store, e.g. 'cube.zarr' or 'sst.nc'" },
    open_params: { type: "object", description: "xcube open params: variable_names, bbox, time_range" },
    opener_id: {
      type: "string",
      minLength: 1,
      description:
        'xcube opener id "dataset:<format>:<store_id>" (format zarr, netcdf, geotiff or levels); checked against store_id and data_id, the format is still detected from the data',
    },
    variable_names: {
      type: "array",
      items: { type: "string", minLength: 1 },
      minItems: 1,
      description: "variables to take from this input (same as open_params.variable_names)",
    },
  },
} as const;

const methodOrMap = <N extends readonly string[]>(names: N) =>
  ({
    oneOf: [
      { type: "string", enum: names },
      { type: "object", additionalProperties: { type: "string", enum: names } },
    ],
  }) as const;

const pair = <T>(item: T) => ({ items: [item, item], minItems: 2, additionalItems: false }) as const;

/** JSON Schema of `cube_config` of a gen request. */
export const CUBE_CONFIG_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    variable_names: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
    crs: { type: "string", minLength: 1, description: 'target CRS, e.g. "EPSG:4326" or "EPSG:3035"' },
    bbox: {
      type: "array",
      items: [{ type: "number" }, { type: "number" }, { type: "number" }, { type: "number" }],
      minItems: 4,
      additionalItems: false,
      description: "[west, south, east, north] in the target CRS",
    },
    spatial_res: {
      oneOf: [{ type: "number" }, { type: "array", ...pair({ type: "number" } as const) }],
      description: "pixel size in target CRS units (degrees or metres), > 0",
    },
    tile_size: {
      oneOf: [
        { type: "integer", minimum: 1 },
        { type: "array", ...pair({ type: "integer", minimum: 1 } as const) },
      ],
      description: "spatial chunk size [width, height] in pixels (default 512)",
    },
    time_range: {
      type: "array",
      ...pair({ type: ["string", "null"] } as const),
      description: '["2017-06-05", "2017-06-07"], inclusive; null = open',
    },
    time_period: { type: "string", minLength: 1, description: 'aggregation period: "1D", "8D", "1M", "1Y"' },
    time_method: methodOrMap(TIME_METHOD_NAMES),
    spatial_method: methodOrMap(SPATIAL_METHODS),
    chunks: { type: "object", additionalProperties: { type: "integer", minimum: -1 } },
    metadata: { type: "object" },
    variable_metadata: { type: "object", additionalProperties: { type: "object" } },
  },
} as const;

/** JSON Schema of `output_config` of a gen request. */
export const OUTPUT_CONFIG_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["data_id"],
  properties: {
    store_id: { type: "string", minLength: 1 },
    store_params: { type: "object" },
    data_id: {
      type: "string",
      minLength: 1,
      description:
        'output dataset id; ending in .zarr for file and s3 stores (any name in a memory store: xcube\'s examples use "CHL"), in .nc for format netcdf, in .tif or .tiff for format geotiff',
    },
    format: {
      type: "string",
      enum: ["zarr", "netcdf", "geotiff"],
      description:
        "output format (default: from writer_id, else from data_id's suffix .nc / .tif / .tiff, else zarr). netcdf: one NetCDF4 file; geotiff: one Cloud Optimized GeoTIFF with one band per variable at one time step, or one band per time step of one variable (several variables × several time steps are refused before any work). Both are computed into a temporary Zarr store beside the output and written by the writers of `eocube subset`, then renamed into place (file store only; nothing is left on failure or Ctrl-C)",
    },
    writer_id: {
      type: "string",
      minLength: 1,
      description:
        'xcube writer id "dataset:<format>:<store_id>": dataset:zarr:<store_id>, dataset:netcdf:file or dataset:geotiff:file (sets format)',
    },
    write_params: {
      type: "object",
      description:
        "xcube write params: accepted and ignored (eocube writes consolidated Zarr: use format_version and compressor; or format netcdf / geotiff)",
    },
    replace: { type: "boolean", description: "replace an existing output (default false)" },
    format_version: { type: "integer", enum: [2, 3], description: "Zarr format version (default 2, consolidated); format zarr only" },
    compressor: {
      type: "string",
      enum: ["blosc", "blosc-zstd", "zstd", "gzip"],
      description: "chunk compressor (default blosc: LZ4 inside, byte shuffle, level 5, as zarr-python)",
    },
  },
} as const;

/**
 * JSON Schema of `code_config` (xcube gen2's user code): a JavaScript/TypeScript module in `file_set.path` (a
 * folder, or the module file), the function `callable_ref` ("module:function", module names dotted as
 * folders) and its `callable_params`. The function gets the lazy cube (eocube's Dataset) and the params and
 * returns a cube; the module must declare itself chunk-wise (`export const chunkwise = true`): it then runs in
 * every worker, and the values of its variables are computed per task, chunk by chunk.
 */
export const CODE_CONFIG_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["callable_ref"],
  properties: {
    callable_ref: {
      type: "string",
      pattern: "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_$][A-Za-z0-9_$]*$",
      description: '"module:function", e.g. "ndvi:process_dataset" for ndvi.mjs in file_set.path',
    },
    callable_params: { type: "object", description: "passed to the function as its second argument" },
    file_set: {
      type: "object",
      additionalProperties: false,
      required: ["path"],
      properties: {
        path: { type: "string", minLength: 1, description: "folder of the module (or the module file); relative to the request's folder" },
        sub_path: { type: "string", minLength: 1, description: "folder inside path holding the module" },
        storage_params: { type: "object", description: "xcube's remote file sets: not supported (local paths only)" },
        includes: { type: "array", items: { type: "string" } },
        excludes: { type: "array", items: { type: "string" } },
      },
    },
    inline_code: { type: "string", description: "xcube's inline Python: not supported (put the code in a module file)" },
    install_required: { type: "boolean", description: "xcube's Python packages: not supported" },
  },
} as const;

/** The JSON Schema of a gen request (draft-07, validated with ajv). */
export const GEN_REQUEST_SCHEMA = {
  $id: "https://eocube.dev/schemas/gen-request.json",
  type: "object",
  additionalProperties: false,
  required: ["cube_config", "output_config"],
  properties: {
    input_config: INPUT_CONFIG_SCHEMA,
    input_configs: { type: "array", minItems: 1, items: INPUT_CONFIG_SCHEMA },
    cube_config: CUBE_CONFIG_SCHEMA,
    output_config: OUTPUT_CONFIG_SCHEMA,
    code_config: CODE_CONFIG_SCHEMA,
  },
  oneOf: [{ required: ["input_config"] }, { required: ["input_configs"] }],
} as const;

/** One input of a gen request; see {@link INPUT_CONFIG_SCHEMA}. */
export type InputConfig = ConfigType<typeof INPUT_CONFIG_SCHEMA>;
/** `cube_config` of a gen request; see {@link CUBE_CONFIG_SCHEMA}. */
export type CubeConfig = ConfigType<typeof CUBE_CONFIG_SCHEMA>;
/** `code_config` of a gen request; see {@link CODE_CONFIG_SCHEMA}. */
export type CodeConfig = ConfigType<typeof CODE_CONFIG_SCHEMA>;
/** `output_config` of a gen request; see {@link OUTPUT_CONFIG_SCHEMA}. */
export type OutputConfig = ConfigType<typeof OUTPUT_CONFIG_SCHEMA>;
/** A gen request as written (gen2 format); see {@link GEN_REQUEST_SCHEMA}. */
export type GenRequestDoc = ConfigType<typeof GEN_REQUEST_SCHEMA>;
