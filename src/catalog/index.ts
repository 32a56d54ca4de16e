// The catalog layer's public API: STAC helpers (schemas, validation), the OSC builder, config loaders and
// validator, PRR collections, and publishing to a catalog git repository / GitHub. One line per sub-barrel.
export * from "./stac/index.js";
export * from "./osc/index.js";
export * from "./osc/validate/index.js";
export * from "./prr/index.js";
export * from "./publish/index.js";
