// The stores layer's public API: xcube's DataStore framework in TypeScript.
export type {
  DataStore,
  MutableDataStore,
  DatasetDescriptor,
  VariableDescriptor,
  OpenParams,
  SearchQuery,
  WriteDataOptions,
  JsonSchema,
} from "./types.js";
export { isMutableDataStore } from "./types.js";
export {
  newDataStore,
  listDataStoreIds,
  getDataStoreParamsSchema,
  getDataStoreInfo,
  findDataStoreIds,
  registerDataStore,
  unregisterDataStore,
  STORE_ID_PATTERN,
  type DataStoreId,
  type DataStoreInfo,
  type RegisterDataStoreOptions,
} from "./registry.js";
export { loadStorePlugins, defaultNodeModules, type StorePluginRecord, type LoadStorePluginsOptions } from "./plugins.js";
export { FsDataStore, OPEN_PARAMS_SCHEMA, checkDataId, type FsDataStoreOptions } from "./fsstore.js";
export { openDataset, describeDataset, resolveSource, type OpenDatasetOptions } from "./open.js";
export {
  describeDatasetObject,
  describeVariable,
  gridMappingOf,
  summarizeCoords,
  jsonSafe,
  type CoordSummary,
} from "./descriptor.js";
export { applyOpenParams, windowDataset, windowVariable, type IndexWindows } from "./subset.js";
export { selectVariables } from "../ops/subset.js";
export { validateParams, formatAjvError } from "./params.js";
export { storeForRoot } from "./root.js";
