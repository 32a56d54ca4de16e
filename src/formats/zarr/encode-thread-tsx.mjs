// Entry of the blosc encoding thread when eocube runs from its TypeScript sources (tsx, vitest): registers tsx's ESM
// hooks inside the thread (hooks of the parent do not reach worker threads on Node 20), then loads
// encode-thread-worker.ts. The built package uses encode-thread-worker.js directly.
import { register } from "tsx/esm/api";

register();
await import("./encode-thread-worker.ts");
