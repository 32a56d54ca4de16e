// The eocube side of bench/ml.ts, run as a user runs it: plain Node on the built package (`import … from "eocube"`,
// which resolves to dist/index.js by the package's self-reference; bench/ml.ts builds dist/ first), no TypeScript loader.
// Usage: node bench/ml_child.mjs count|time <data folder> <cube path under it> <positions file> <batch size> <buffer size>
// "count" reads through a counting file system (withCounting) and reports the chunk reads; "time" reads through the
// plain local file system a user opens (the counting wrapper is not a FileFileSystem, so the Zarr reader's local
// synchronous path is off under it) and reports the chunk reads as -1. Both write the epoch's sample origins.
// Prints JSON: samples, seconds, peak RSS (KiB), RSS after imports and opening, chunk reads, stored chunks.
import { writeFileSync } from "node:fs";
import { FileFileSystem, FsDataStore, batches, createSampler, withCounting } from "eocube";

const [mode, root, cube, positionsFile, batch, buffer] = process.argv.slice(2);
const VARS = ["kd489", "conc_tsm", "conc_chl"];

const local = new FileFileSystem(root);
const fs = mode === "count" ? withCounting(local) : undefined;
const ds = await new FsDataStore("file", {}, fs ?? local).openData(cube, {});
const sampler = await createSampler(ds, { inputs: VARS, size: { y: 32, x: 32 }, minValid: 0.5 });
// the stored data chunks of the three arrays (listed on the plain file system: not counted)
const storedKeys = new Set(
  (await Promise.all(VARS.map(async (v) => (await local.list(`${cube}/${v}/`)).map((k) => (k.includes("/") ? k : `${cube}/${v}/${k}`)))))
    .flat()
    .filter((k) => !/\/\.z/.test(k)),
);
const base = process.resourceUsage().maxRSS;
fs?.reset();
const origins = [];
const t0 = performance.now();
let n = 0;
for await (const b of batches(sampler, { batchSize: Number(batch), seed: 0, bufferSize: Number(buffer), nan: "fill" })) {
  n += b.size;
  for (const e of b.extents) origins.push(e.t0, e.y0, e.x0);
}
const seconds = (performance.now() - t0) / 1000;
const reads = fs ? fs.counts.keys.filter((k) => storedKeys.has(k.replace(/^\/+/, ""))).length : -1;
writeFileSync(positionsFile, new Uint8Array(Int32Array.from(origins).buffer));
process.stdout.write(
  `${JSON.stringify({ samples: n, seconds, peak_kib: process.resourceUsage().maxRSS, base_kib: base, chunk_reads: reads, stored_chunks: storedKeys.size })}\n`,
);
await ds.close();
