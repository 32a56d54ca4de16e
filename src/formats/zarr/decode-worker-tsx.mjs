// Entry of a Zarr decoding thread when eocube runs from its TypeScript sources (tsx, vitest): registers tsx's ESM
// hooks inside the thread (hooks of the parent do not reach worker threads on Node 20), then loads
// decode-worker.ts. The built package uses decode-worker.js directly.
import { register } from "tsx/esm/api";

register();
await import("./decode-worker.ts");
