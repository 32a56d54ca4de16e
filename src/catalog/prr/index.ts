// PRR collections: self-contained STAC collections for the ESA Project Results Repository.
export {
  PRR_CONFIG_SCHEMA,
  type PrrConfig,
  type PrrItemConfig,
  type PrrGlobItemConfig,
  type PrrAssetConfig,
  type PrrAssetFiles,
  type PrrItemCommon,
  type PrrProvider,
  type PrrContact,
  type PrrTheme,
} from "./config-schema.js";
export {
  loadPrrConfig,
  parsePrrConfig,
  resolvePrrConfig,
  checkPrrId,
  idFromFileName,
  expandGlob,
  type ResolvedConfig,
  type ResolvedItem,
  type ResolvedAsset,
} from "./config.js";
export { EXT as PRR_EXTENSIONS, PRR_STAC_VERSION, PRR_ID_PATTERN, mediaTypeFromName } from "./constants.js";
export { extractDataset, extractFromDataset, type DataExtraction, type ExtractOptions } from "./extract.js";
export { datasetTime, parseTimeAttribute, timeFromAttributes, timeFromDatetimeVariables, TIME_ATTRIBUTE_PAIRS } from "./time.js";
export { buildItem, bboxGeometry, unionBbox, type BuiltItem, type PrrWarning } from "./item.js";
export {
  buildPrrCollection,
  validatePrrDocuments,
  writePrrCollection,
  type PrrOptions,
  type PrrProgress,
  type PrrBuild,
  type PrrProblem,
  type PrrResult,
} from "./collection.js";
export { fileInfo, sha256Multihash, type FileInfo } from "./checksum.js";
export { toJsonValue, type ToJsonOptions, type NonFiniteMode } from "./json.js";
export { writeAtomically, checkOutput, type WriteAtomicallyOptions } from "./write.js";
export { PRR_CONFIG_TEMPLATE, writePrrTemplate } from "./init.js";
