// FileFileSystem: ranged reads through the process-wide LRU of open file handles (src/fs/file-handles.ts)
// stay correct across many reads, eviction, put/delete of the same key and replacement by another writer.
import { mkdtemp, readFile, readdir, rm, writeFile, rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileFileSystem } from "../../src/fs/file.js";
import { FileHandleCache, MAX_OPEN_FILE_HANDLES, fileHandles } from "../../src/fs/file-handles.js";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "eocube-filefs-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
const openFds = async () => (await readdir("/proc/self/fd").catch(() => [])).length;

describe("FileFileSystem.getRange with cached handles", () => {
  it("many ranged reads of a real file equal the file's bytes (negative offsets and open ends included)", async () => {
    const fs = new FileFileSystem(DATA, { readOnly: true });
    const key = "geotiff/sample-cog.tif";
    const whole = new Uint8Array(await readFile(join(DATA, key)));
    for (let i = 0; i < 500; i++) {
      const off = (i * 4099) % whole.length;
      const len = 1 + ((i * 131) % 5000);
      expect(await fs.getRange(key, off, len)).toEqual(whole.subarray(off, Math.min(whole.length, off + len)));
    }
    expect(await fs.getRange(key, -100)).toEqual(whole.subarray(whole.length - 100));
    expect(await fs.getRange(key, whole.length - 10)).toEqual(whole.subarray(whole.length - 10));
    expect(await fs.getRange(key, whole.length + 10, 5)).toEqual(new Uint8Array(0));
  });

  it("a put of the same key is seen by the next ranged read; delete gives NOT_FOUND", async () => {
    const fs = new FileFileSystem(dir);
    await fs.put("a/x.bin", bytes(1000, 1));
    for (let i = 0; i < 50; i++) expect(await fs.getRange("a/x.bin", i * 10, 10)).toEqual(bytes(1000, 1).subarray(i * 10, i * 10 + 10));
    await fs.put("a/x.bin", bytes(600, 2));
    expect(await fs.getRange("a/x.bin", 0, 10)).toEqual(bytes(600, 2).subarray(0, 10));
    expect(await fs.getRange("a/x.bin", -5)).toEqual(bytes(600, 2).subarray(595));
    // reads in flight while the key is replaced finish with either version, never a mix of errors
    const reads = Array.from({ length: 40 }, (_, i) => fs.getRange("a/x.bin", i, 8));
    await fs.put("a/x.bin", bytes(600, 3));
    for (const r of await Promise.all(reads)) expect(r.length).toBe(8);
    expect(await fs.getRange("a/x.bin", 0, 4)).toEqual(bytes(600, 3).subarray(0, 4));
    await fs.delete("a/");
    await expect(fs.getRange("a/x.bin", 0, 4)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("a file replaced or rewritten by another writer is reopened", async () => {
    const fs = new FileFileSystem(dir);
    await writeFile(join(dir, "y.bin"), bytes(100, 4));
    expect(await fs.getRange("y.bin", 0, 4)).toEqual(bytes(100, 4).subarray(0, 4));
    await writeFile(join(dir, "y.tmp"), bytes(100, 5));
    await rename(join(dir, "y.tmp"), join(dir, "y.bin")); // atomic replacement, as other writers do
    expect(await fs.getRange("y.bin", 0, 4)).toEqual(bytes(100, 5).subarray(0, 4));
    await writeFile(join(dir, "y.bin"), bytes(150, 6)); // rewritten in place
    expect(await fs.getRange("y.bin", -4)).toEqual(bytes(150, 6).subarray(146));
  });

  it("keeps at most MAX_OPEN_FILE_HANDLES handles open while reading many files", async () => {
    const fs = new FileFileSystem(dir);
    const n = MAX_OPEN_FILE_HANDLES + 36;
    for (let i = 0; i < n; i++) await writeFile(join(dir, `f${i}.bin`), bytes(64, i));
    const before = await openFds();
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          expect(await fs.getRange(`f${i}.bin`, 8, 8)).toEqual(bytes(64, i).subarray(8, 16));
        }),
      );
    }
    expect(fileHandles.size).toBeLessThanOrEqual(MAX_OPEN_FILE_HANDLES);
    await new Promise((r) => setTimeout(r, 50)); // evicted handles close asynchronously
    expect(await openFds()).toBeLessThanOrEqual(before + MAX_OPEN_FILE_HANDLES);
  });

  it("a folder or a missing file gives an EocubeError naming the path", async () => {
    const fs = new FileFileSystem(dir);
    await fs.put("d/z.bin", bytes(4, 0));
    await expect(fs.getRange("nope.bin", 0, 4)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(fs.getRange("d", 0, 4)).rejects.toMatchObject({ code: "CORRUPT_DATA" });
  });
});

describe("FileHandleCache", () => {
  it("evicts the least recently used handle, closing a leased one only after release", async () => {
    const cache = new FileHandleCache(2);
    for (const n of ["p", "q", "r"]) await writeFile(join(dir, `${n}.bin`), bytes(16, n.charCodeAt(0)));
    const p = await cache.lease(join(dir, "p.bin"));
    (await cache.lease(join(dir, "q.bin"))).release();
    (await cache.lease(join(dir, "r.bin"))).release(); // evicts p, which is still leased
    expect(cache.size).toBe(2);
    const buf = new Uint8Array(4);
    await p.fh.read(buf, 0, 4, 0); // still open
    expect(buf).toEqual(bytes(16, "p".charCodeAt(0)).subarray(0, 4));
    p.release();
    await new Promise((r) => setTimeout(r, 20));
    await expect(p.fh.read(buf, 0, 4, 0)).rejects.toThrow(); // closed after release
    cache.closeAllSync();
    expect(cache.size).toBe(0);
  });
});
