// The core layer's public API: the cube model (Dataset, Variable, NdArray), errors, CF decoding, CF time,
// the time coordinate and range, the lon/lat extent of ungridded data, CRS helpers and GridMapping.
export {
  ERROR_CODES,
  EocubeError,
  isEocubeError,
  exitCodeOf,
  httpStatusOf,
  throwIfAborted,
  type ErrorCode,
  type ErrorContext,
} from "./errors.js";
export {
  sizeOf,
  stridesOf,
  itemSize,
  isFloat,
  isInteger,
  allocate,
  numberAt,
  toFloat64,
  finiteRange,
  type DType,
  type TypedArray,
  type NdData,
  type NdArray,
  type DTypeArrays,
  type DataOf,
} from "./ndarray.js";
export { normalizeSelection, selectionShape, type DimSelection, type Selection, type NormalizedDim } from "./selection.js";
export { sel, type Label, type LabelSelection, type Labels, type SelOptions } from "./sel.js";
export { Variable, hasDtype, type Attrs, type ReadOptions, type Encoding, type VariableInit, type ReadFunction } from "./variable.js";
export { Dataset, type DatasetInit } from "./dataset.js";
export { decodeCF, decodeVariable, chooseFloatDtype, promoteForNaN, CHAR_ENCODING_KEY, type DecodeCFOptions } from "./cf.js";
export {
  parseTimeUnits,
  isTimeUnits,
  decodeTimes,
  encodeTimes,
  toIsoString,
  parseIsoTime,
  parseTimeText,
  parseTimeAttribute,
  normalizeCalendar,
  type Calendar,
  type TimeUnits,
  type DateFields,
  type TimeText,
  type ParseTimeTextOptions,
  type ParseIsoTimeOptions,
  isoDuration,
  type CalendarDuration,
} from "./time.js";
export {
  timeCoord,
  timeDim,
  isTimeVariable,
  readTimes,
  timeSpan,
  timeRange,
  type TimeCoordOptions,
  type ReadTimesOptions,
  type TimeRangeOptions,
} from "./coords.js";
export { lonLatExtent, lonLatVariable, pointLonRange, MAX_LONLAT_VALUES } from "./extent.js";
export {
  WGS84_PROJ4,
  loadProj4,
  epsgDefinition,
  epsgFromWkt,
  epsgToProj4,
  cfGridMappingToProj4,
  looksLikeWkt,
  projNameOf,
  registerEpsg,
  resolveCrs,
  pointTransform,
  sameCrs,
  type EpsgDefinition,
  type ResolvedCrs,
  type PointTransform,
} from "./crs.js";
export type { BBox, GeoTransform, GridMapping } from "./gridmapping.js";
export { readGridMapping, bboxToWgs84, type BboxToWgs84Options } from "./gridmapping-read.js";
export { Pacer } from "./pacer.js";
export { parseByteSize } from "./bytes.js";
export { eocubeVersion, packageVersions, DATA_PACKAGES } from "./version.js";
