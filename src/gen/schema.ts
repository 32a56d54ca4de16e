// JSON Schema of eocube's gen request (xcube gen2's request format plus a few eocube fields).
// xcube gen2 request: https://xcube.readthedocs.io/en/latest/cli/xcube_gen2.html

/** Spatial methods accepted in requests. */
export const SPATIAL_METHODS = ["nearest", "bilinear", "mean"] as const;
/** Temporal aggregation methods accepted in requests. */
export const TIME_METHOD_NAMES = ["mean", "min", "max", "median", "sum", "count", "first", "last", "std"] as const;

const inputConfig = {
  type: "object",
  required: ["data_id"],
  additionalProperties: false,
  properties: {
    store_id: { type: "string", minLength: 1, description: "data store id: file, memory, https, s3 (default file)" },
    store_params: { type: "object", description: "parameters of the store, e.g. {root: 'data'}; a relative root resolves against the request's folder" },
    data_id: { type: "string", minLength: 1, description: "dataset id inside the store, e.g. 'cube.zarr' or 'sst.nc'" },
    open_params: { type: "object", description: "xcube open params: variable_names, bbox, time_range" },
    opener_id: {
      type: "string", minLength: 1,
      description: 'xcube opener id "dataset:<format>:<store_id>" (format zarr, netcdf, geotiff or levels); checked against store_id and data_id, the format is still detected from the data',
    },
    variable_names: {
      type: "array", items: { type: "string", minLength: 1 }, minItems: 1,
      description: "variables to take from this input (same as open_params.variable_names)",
    },
  },
} as const;

const methodOrMap = (names: readonly string[]) => ({
  oneOf: [
    { type: "string", enum: names },
    { type: "object", additionalProperties: { type: "string", enum: names } },
  ],
});

/** The JSON Schema of a gen request (draft-07, validated with ajv). */
export const GEN_REQUEST_SCHEMA = {
  $id: "https://eocube.dev/schemas/gen-request.json",
  type: "object",
  additionalProperties: false,
  required: ["cube_config", "output_config"],
  properties: {
    input_config: inputConfig,
    input_configs: { type: "array", minItems: 1, items: inputConfig },
    cube_config: {
      type: "object",
      additionalProperties: false,
      properties: {
        variable_names: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
        crs: { type: "string", minLength: 1, description: 'target CRS, e.g. "EPSG:4326" or "EPSG:3035"' },
        bbox: { type: "array", items: { type: "number" }, minItems: 4, maxItems: 4, description: "[west, south, east, north] in the target CRS" },
        spatial_res: {
          oneOf: [
            { type: "number" },
            { type: "array", items: { type: "number" }, minItems: 2, maxItems: 2 },
          ],
          description: "pixel size in target CRS units (degrees or metres), > 0",
        },
        tile_size: {
          oneOf: [
            { type: "integer", minimum: 1 },
            { type: "array", items: { type: "integer", minimum: 1 }, minItems: 2, maxItems: 2 },
          ],
          description: "spatial chunk size [width, height] in pixels (default 512)",
        },
        time_range: {
          type: "array",
          minItems: 2,
          maxItems: 2,
          items: { type: ["string", "null"] },
          description: '["2017-06-05", "2017-06-07"], inclusive; null = open',
        },
        time_period: { type: "string", minLength: 1, description: 'aggregation period: "1D", "8D", "1M", "1Y"' },
        time_method: methodOrMap(TIME_METHOD_NAMES),
        spatial_method: methodOrMap(SPATIAL_METHODS),
        chunks: { type: "object", additionalProperties: { type: "integer", minimum: -1 } },
        metadata: { type: "object" },
        variable_metadata: { type: "object", additionalProperties: { type: "object" } },
      },
    },
    output_config: {
      type: "object",
      additionalProperties: false,
      required: ["data_id"],
      properties: {
        store_id: { type: "string", minLength: 1 },
        store_params: { type: "object" },
        data_id: { type: "string", minLength: 1, description: "output dataset id; ending in .zarr for file and s3 stores, any name in a memory store (xcube's examples use \"CHL\")" },
        writer_id: { type: "string", minLength: 1, description: 'xcube writer id "dataset:zarr:<store_id>"; only Zarr is written' },
        write_params: { type: "object", description: "xcube write params: accepted and ignored (eocube always writes consolidated Zarr; use format_version and compressor)" },
        replace: { type: "boolean", description: "replace an existing output (default false)" },
        format_version: { type: "integer", enum: [2, 3], description: "Zarr format version (default 2, consolidated)" },
        compressor: {
          type: "string", enum: ["blosc", "blosc-zstd", "zstd", "gzip"],
          description: "chunk compressor (default blosc: LZ4 inside, byte shuffle, level 5, as zarr-python)",
        },
      },
    },
  },
  oneOf: [{ required: ["input_config"] }, { required: ["input_configs"] }],
} as const;

/** One input of a gen request. */
export interface InputConfig {
  store_id?: string;
  store_params?: Record<string, unknown>;
  data_id: string;
  open_params?: Record<string, unknown>;
  /** xcube opener id, `dataset:<format>:<store_id>`. */
  opener_id?: string;
  /** Variables to take from this input (same as `open_params.variable_names`). */
  variable_names?: string[];
}

/** `cube_config` of a gen request. */
export interface CubeConfig {
  variable_names?: string[];
  crs?: string;
  bbox?: [number, number, number, number];
  spatial_res?: number | [number, number];
  tile_size?: number | [number, number];
  time_range?: [string | null, string | null];
  time_period?: string;
  time_method?: (typeof TIME_METHOD_NAMES)[number] | Record<string, (typeof TIME_METHOD_NAMES)[number]>;
  spatial_method?: (typeof SPATIAL_METHODS)[number] | Record<string, (typeof SPATIAL_METHODS)[number]>;
  chunks?: Record<string, number>;
  metadata?: Record<string, unknown>;
  variable_metadata?: Record<string, Record<string, unknown>>;
}

/** `output_config` of a gen request. */
export interface OutputConfig {
  store_id?: string;
  store_params?: Record<string, unknown>;
  data_id: string;
  replace?: boolean;
  format_version?: 2 | 3;
  compressor?: string;
  /** xcube writer id, `dataset:zarr:<store_id>`. */
  writer_id?: string;
  /** xcube write params (ignored). */
  write_params?: Record<string, unknown>;
}

/** A gen request as written (gen2 format). */
export interface GenRequestDoc {
  input_config?: InputConfig;
  input_configs?: InputConfig[];
  cube_config: CubeConfig;
  output_config: OutputConfig;
}
