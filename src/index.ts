// eocube's public library API: `import { openDataset, newDataStore } from "eocube"`.
// One line per layer barrel; each layer's index.ts names its exports (add your layer's line here).
// test/public-api.test.ts snapshots the export list: changing it must be deliberate.
export * from "./core/index.js";
export * from "./fs/index.js";
export * from "./formats/index.js";
export * from "./stores/index.js";
export * from "./server/index.js";
export * from "./ops/index.js";
export * from "./expr/index.js";
export * from "./gen/index.js";
export * from "./catalog/index.js";
export * from "./ml/index.js";
export * from "./studio/index.js";

// Names two layers export: the explicit line says which one "eocube" means (the other under another name).
/** One entry of the server config's `Datasets` (the OSC dataset config is {@link OscDatasetConfig}). */
export type { DatasetConfig } from "./server/index.js";
/** The OSC dataset config (dataset-config.yaml) read by `loadDatasetConfig`. */
export type { DatasetConfig as OscDatasetConfig } from "./catalog/index.js";
