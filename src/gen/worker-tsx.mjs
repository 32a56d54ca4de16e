// Entry of the gen worker when eocube runs from its TypeScript sources (tsx, vitest): registers
// tsx's ESM hooks inside the worker thread (hooks of the parent do not reach worker threads on
// Node 20), then loads worker.ts. The built package uses worker.js directly.
import { register } from "tsx/esm/api";

register();
const mod = await import("./worker.ts");

export default mod.default;
