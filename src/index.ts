// eocube's public library API: `import { openDataset, newDataStore } from "eocube"`.
// One line per layer barrel; each layer's index.ts names its exports (add your layer's line here).
export * from "./core/index.js";
export * from "./fs/index.js";
export * from "./formats/index.js";
export * from "./stores/index.js";
export * from "./server/index.js";
export * from "./ops/index.js";
export * from "./gen/index.js";
