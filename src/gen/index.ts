// Barrel of the cube generator: requests, pipeline, plan, executors (local threads, BullMQ on Redis).
export {
  GEN_REQUEST_SCHEMA,
  SPATIAL_METHODS,
  TIME_METHOD_NAMES,
  type GenRequestDoc,
  type InputConfig,
  type CubeConfig,
  type OutputConfig,
} from "./schema.js";
export { loadGenRequest, normalizeGenRequest, type GenRequest, type GenInput, type LoadGenRequestOptions } from "./request.js";
export { buildCube, targetGridOf, inputLabel, type BuiltCube } from "./pipeline.js";
export { portableGenRequest, type PortableGenRequest } from "./portable.js";
export {
  planCube,
  describePlan,
  specOf,
  chunkGrid,
  chunkSelection,
  type GenPlan,
  type GenInfo,
  type ChunkTask,
  type ChunkItem,
} from "./plan.js";
export {
  runGen,
  genInfo,
  outputLabel,
  checkOutputSize,
  DEFAULT_MAX_OUTPUT_BYTES,
  type RunGenOptions,
  type GenResult,
  type GenProgress,
} from "./run.js";
export { writeLevels, type WriteLevelsOptions, type LevelsResult, type LevelsProgress } from "./level.js";
export {
  executorOf,
  localExecutor,
  bullmqExecutor,
  runGenBullmq,
  startGenWorker,
  type Executor,
  type ExecutorRunOptions,
  type ExecutorLevelsOptions,
  type BullmqGenOptions,
  type GenWorker,
  type GenWorkerOptions,
} from "./executors/index.js";
