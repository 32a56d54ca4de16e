// The ML toolkit: samplers, chunk-aware shuffled batches, leak-free splits, normalisation, tfjs adapter, Zarr export.
export {
  createSampler,
  type Sampler,
  type SamplerOptions,
  type Sample,
  type SampleKind,
  type ReadUnit,
  type LoadOptions,
} from "./sampler.js";
export {
  makeSplit,
  splitOf,
  blockSplitAt,
  writeSplit,
  readSplit,
  checkSplitShape,
  SPLIT_NAMES,
  type SplitName,
  type SplitOptions,
  type SplitSpec,
  type Extent,
} from "./split.js";
export { computeStats, scalingOf, type ChannelStats, type NormStats, type NormMethod, type StatsOptions } from "./normalize.js";
export { batches, type Batch, type BatchOptions, type Layout, type NanPolicy } from "./batches.js";
export { tfDataset, loadTf, type TfDatasetOptions } from "./tfjs.js";
export { exportTrainingSet, type ExportOptions, type ExportResult } from "./export.js";
export { seededRandom } from "./random.js";
