// Barrel of the cube operations (pure, lazy where possible; data first, one options object).
export { regularGrid, xCoords, yCoords, gridCoords, memoryVariable, type RegularGridOptions } from "./grid.js";
export { spatialDims, readCoord } from "./coords.js";
export { subset, isel, iselVariable, type SubsetOptions, type DimRanges } from "./subset.js";
export { resampleInSpace, effectiveMethod, isFlagVariable, type ResampleInSpaceOptions } from "./resample-space.js";
export { rectify, type RectifyOptions } from "./rectify.js";
export { resampleInTime, TIME_METHODS, type TimeMethod, type ResampleInTimeOptions } from "./resample-time.js";
export { merge, type MergeOptions } from "./merge.js";
export { rechunk } from "./rechunk.js";
export { updateCubeMetadata, flattenAcdd, type CubeMetadataOptions } from "./metadata.js";
export { parsePeriod, periodBins, type Period } from "./time.js";
export { pixelMapper, APPROX_ERROR, type PixelMapper } from "./pixelmap.js";
export type { SpatialMethod, PixelMap, Window } from "./kernels.js";
export { coarsen, numLevelsFor, LEVEL_AGGS, type LevelAgg, type CoarsenOptions } from "./levels.js";
export {
  polygonMask,
  polygonMasks,
  planPolygonMasks,
  polygonMasksPaced,
  pointPixel,
  pointLocator,
  type PolygonMask,
  type MaskPlan,
} from "./masks.js";
export { aggregate, AGG_METHODS, BIN_COUNT, type AggMethod, type StatisticsResult } from "./statistics.js";
export { compareDatasets, type CompareOptions, type DatasetComparison, type VariableComparison } from "./compare.js";
