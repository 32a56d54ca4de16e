// Zarr reader: a read over many chunks of a local v2 array learns which chunks are stored from one listing.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileFileSystem } from "../../src/fs/file.js";
import { openZarr } from "../../src/formats/zarr/reader.js";
import { countingFs } from "./helpers.js";

const CUBE = fileURLToPath(new URL("../../../shared/data/zarr/cube-1-250-250.zarr", import.meta.url));

describe("zarr reader: stored chunks from one listing", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "eocube-zlist-"));
    await cp(CUBE, join(dir, "cube.zarr"), { recursive: true });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a sparse slice lists the folder once, opens only the stored chunks, and equals chunk-by-chunk reads", async () => {
    const cfs = countingFs(new FileFileSystem(dir));
    const ds = await openZarr(cfs, "cube.zarr");
    const v = ds.variable("conc_chl");
    cfs.calls.length = 0;
    const slice = await v.read([2]); // 1000×2000, 32 chunks, 2 stored (2.3.1, 2.3.2)
    expect(cfs.calls.sort()).toEqual(["get cube.zarr/conc_chl/2.3.1", "get cube.zarr/conc_chl/2.3.2", "list cube.zarr/conc_chl"]);
    const data = slice.data as Float64Array;
    for (const [r, c] of [
      [0, 0],
      [3, 1],
      [3, 2],
      [1, 7],
    ] as const) {
      const one = await v.read([2, [r * 250, r * 250 + 250], [c * 250, c * 250 + 250]]); // one chunk: no listing
      const got = new Float64Array(250 * 250);
      for (let y = 0; y < 250; y++) got.set(data.subarray((r * 250 + y) * 2000 + c * 250, (r * 250 + y) * 2000 + c * 250 + 250), y * 250);
      expect(got).toEqual(one.data);
    }
    expect(Number.isNaN(data[0])).toBe(true);
    expect(data.some((x) => !Number.isNaN(x))).toBe(true);
  });

  it("a chunk stored after the open is read (the listing is taken per read, not cached)", async () => {
    const ds = await openZarr(new FileFileSystem(dir), "cube.zarr");
    const v = ds.variable("conc_chl");
    const before = (await v.read([2])).data as Float64Array;
    expect(Number.isNaN(before[0])).toBe(true);
    await cp(join(dir, "cube.zarr/conc_chl/3.0.1"), join(dir, "cube.zarr/conc_chl/2.0.0"));
    const after = (await v.read([2])).data as Float64Array;
    const chunk = (await v.read([3, [0, 250], [250, 500]])).data as Float64Array;
    expect(after.subarray(0, 250)).toEqual(chunk.subarray(0, 250));
  });
});
