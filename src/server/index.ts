// The server layer's public API: app factories, configuration, the datasets context and render kernels.
export {
  buildApp,
  startServer,
  DEFAULT_DEPS,
  type BuildAppOptions,
  type StartServerOptions,
  type RunningServer,
  type ServerState,
} from "./app.js";
export {
  loadServerConfig,
  validateServerConfig,
  checkDatasetPaths,
  chunkCacheBytes,
  tileCacheBytes,
  globMatch,
  SERVER_CONFIG_SCHEMA,
  SAFE_ID,
  type ServerConfig,
  type DatasetConfig,
  type DataStoreConfig,
  type StyleConfig,
  type ColorMappingConfig,
} from "./config.js";
export {
  DatasetsContext,
  noGridError,
  type DatasetEntry,
  type ServedDataset,
  type UngriddedDataset,
  type ServerDeps,
  type DatasetsContextOptions,
} from "./datasets.js";
export { LruCache, type LruCacheOptions } from "./cache.js";
export { buildLevels, readChunk, readWindow, sampleLevel, type Level, type SliceRef } from "./levels.js";
export { renderTile, chooseLevel, transparentTile, tileValues } from "./tiles.js";
export {
  timeSeries,
  planTimeSeries,
  seriesOfPlan,
  parseAggMethods,
  type TimeSeriesValue,
  type TimeSeriesOptions,
  type TimeSeriesPlan,
  type GeometryPlan,
} from "./timeseries.js";
export { computeStatistics, type StatisticsOptions } from "./statistics.js";
export { parseGeoJson, MAX_VERTICES, type Geometry, type ParsedGeoJson, type GeoJsonLimits } from "./geojson.js";
export { errorResponse, shutdownError, type ErrorBody } from "./errors.js";
export {
  DEFAULT_LIMITS,
  RSS_MARGIN_BYTES,
  LIMITS_SCHEMA,
  resolveLimits,
  checkWork,
  type Limits,
  type LimitsConfig,
  type RequestWork,
} from "./limits.js";
export { WorkBudget } from "./work.js";
export { parseTimeLabel, timeRangeIndices, type TimeLabel } from "./slices.js";
export { resolveColorMap, colorMapCategories, parseColor, type ColorMap, type RGBA } from "./render/colormaps.js";
export { encodePng, type PngOptions } from "./render/png.js";
export { colorize, computeIndexMap, type IndexMap, type IndexMapOptions, type NormOptions } from "./render/kernel.js";
export {
  tileBounds,
  tileGridOf,
  tileResolution,
  WEB_MERCATOR_QUAD,
  CRS84_QUAD,
  type TileGrid,
  type TileMatrixSetId,
} from "./render/tilegrid.js";
/** The JSON answers of the server's routes as types (`ServerResponses.DatasetInfo`, …; schemas in routes/responses.ts). */
export type * as ServerResponses from "./routes/responses.js";
