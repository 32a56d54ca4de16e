// Decoding on worker threads (formats/zarr/decode-pool.ts): reads over many local chunks decoded by the threads give
// the same values as the main thread alone; chunks not stored still get the fill value; a damaged chunk still fails
// with CORRUPT_DATA naming it (the thread leaves it to the main thread).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Selection } from "../../src/core/selection.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { decodeThreadStats, setDecodeThreads, startDecodeThreads } from "../../src/formats/zarr/decode-pool.js";
import { openZarr } from "../../src/formats/zarr/reader.js";
import { openDataset } from "../../src/stores/open.js";

const CUBE = fileURLToPath(new URL("../../../shared/data/zarr/cube-1-250-250.zarr", import.meta.url));

function bytesOf(a: unknown): Buffer {
  const v = a as ArrayBufferView;
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** A 4×8 `<i4` v2 array (chunks 2×2, no compressor, fill −9) with chunks 0.0, 1.1 and 1.3 stored (1.3 truncated when `damaged`). */
async function smallArray(dir: string, damaged: boolean): Promise<void> {
  const a = join(dir, "s.zarr", "v");
  await mkdir(a, { recursive: true });
  await writeFile(join(dir, "s.zarr", ".zgroup"), JSON.stringify({ zarr_format: 2 }));
  const zarray = {
    zarr_format: 2,
    shape: [4, 8],
    chunks: [2, 2],
    dtype: "<i4",
    compressor: null,
    fill_value: -9,
    order: "C",
    filters: null,
  };
  await writeFile(join(a, ".zarray"), JSON.stringify(zarray));
  await writeFile(join(a, ".zattrs"), JSON.stringify({ _ARRAY_DIMENSIONS: ["y", "x"] }));
  const chunk = (k: number) => new Uint8Array(new Int32Array([k, k + 1, k + 2, k + 3]).buffer);
  await writeFile(join(a, "0.0"), chunk(10));
  await writeFile(join(a, "1.1"), chunk(20));
  await writeFile(join(a, "1.3"), damaged ? chunk(30).subarray(0, 10) : chunk(30));
}

describe("decoding threads", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "eocube-zthreads-"));
    await mkdir(join(dir, "ok"));
    await mkdir(join(dir, "bad"));
    await smallArray(join(dir, "ok"), false);
    await smallArray(join(dir, "bad"), true);
    setDecodeThreads(1, { threadsOnly: true });
    await startDecodeThreads();
  }, 60_000);
  afterAll(async () => {
    setDecodeThreads(undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it("slices of the real cube decoded by a thread equal the main thread's, fresh and into a buffer", async () => {
    const ds = await openDataset(CUBE);
    const v = ds.data_vars.conc_chl!;
    const sels: Selection[] = [[0], [2], [3], [4, [100, 900], [30, 1730]]];
    const out = new Float64Array(1000 * 2000).fill(-1);
    const before = decodeThreadStats().chunks;
    for (const sel of sels) {
      setDecodeThreads(0);
      const main = await v.read(sel);
      setDecodeThreads(1, { threadsOnly: true });
      const threaded = await v.read(sel);
      expect(threaded.shape).toEqual(main.shape);
      expect(bytesOf(threaded.data).equals(bytesOf(main.data))).toBe(true);
      const into = await v.read(sel, { out });
      expect(bytesOf(into.data).equals(bytesOf(main.data))).toBe(true);
    }
    // chunk 2.0.0 is not stored: NaN (the array's fill value)
    const t2 = (await v.read([2, [0, 250], [0, 250]])).data as Float64Array;
    expect(t2.every(Number.isNaN)).toBe(true);
    const stats = decodeThreadStats();
    expect(stats.threads).toBe(1);
    // every stored chunk of the whole slices t = 0 and 3 (17 and 20 of 32; t = 2 has 2: main thread), threaded and into
    // the buffer; the chunks not stored are filled from the folder's listing
    expect(stats.chunks - before).toBeGreaterThanOrEqual(2 * (17 + 20));
    await ds.close();
  }, 60_000);

  it("chunks not stored get the fill value (raw, not CF-masked), stored ones their values", async () => {
    const ds = await openZarr(new FileFileSystem(join(dir, "ok")), "s.zarr");
    const r = await ds.data_vars.v!.read([]);
    expect(Array.from(r.data as Int32Array)).toEqual([
      10, 11, -9, -9, -9, -9, -9, -9, 12, 13, -9, -9, -9, -9, -9, -9, -9, -9, 20, 21, -9, -9, 30, 31, -9, -9, 22, 23, -9, -9, 32, 33,
    ]);
    await ds.close();
  }, 30_000);

  it("a damaged chunk fails with CORRUPT_DATA naming it", async () => {
    const ds = await openZarr(new FileFileSystem(join(dir, "bad")), "s.zarr");
    await expect(ds.data_vars.v!.read([])).rejects.toMatchObject({ code: "CORRUPT_DATA", message: expect.stringContaining("v/1.3") });
    await ds.close();
  }, 30_000);
});
