// NetCDF4/HDF5 reader (h5wasm) + decodeCF against xarray: every file of ../shared/data/netcdf4 is opened and
// compared with test/fixtures/nc-expected/<file>.json, made once by
// `/usr/bin/python3 test/fixtures/make-nc-expected.py` from `xr.open_dataset(path)` (xarray 2023.01,
// netCDF4 1.6): dims, coords vs data_vars, decoded dtypes, attrs (netCDF-4 internals hidden), encoding,
// coordinate values and first/last/nanmean of every variable.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCF } from "../../src/core/cf.js";
import { isEocubeError } from "../../src/core/errors.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { MemoryFileSystem } from "../../src/fs/memory.js";
import { netcdf4Reader } from "../../src/formats/netcdf4.js";
import { compareDataset, DATA_DIR, loadExpected } from "./nc-expected.js";

const FILES = ["GFS_global.nc", "gfs_output.nc", "basin_mask.nc", "O_L2_0001_SNS_2017104102450_v1.0.nc"];
const fs = new FileFileSystem(join(DATA_DIR, "netcdf4"));

describe("netcdf4Reader + decodeCF agree with xarray", () => {
  for (const f of FILES) {
    it(f, async () => {
      const ds = decodeCF(await netcdf4Reader.open(fs, f));
      try {
        await compareDataset(ds, loadExpected(f));
      } finally {
        await ds.close();
      }
    });
  }
});

// Synthetic edge cases made by test/fixtures/make-nc-synthetic.py (netCDF4-python / h5py), expectations by
// make-nc-expected.py: unlimited dim, vlen and char strings, int64/uint16/uint64, big-endian data, a scalar,
// a dimension without variable, a sub-group (ignored), and a plain HDF5 file without dimension scales.
const SYNTHETIC = fileURLToPath(new URL("../fixtures/nc-synthetic/", import.meta.url));

describe("netcdf4Reader + decodeCF agree with xarray on synthetic edge cases", () => {
  for (const f of ["edge4.nc", "phony.h5"]) {
    it(f, async () => {
      const ds = decodeCF(await netcdf4Reader.open(new FileFileSystem(SYNTHETIC), f));
      try {
        await compareDataset(ds, loadExpected(f));
      } finally {
        await ds.close();
      }
    });
  }
});

// types4.nc (make-nc-synthetic.py): xarray 2023 (Debian) reads cloud as float32 [0, 1, nan, 1] (base uint8,
// _FillValue 255 masked) and lvl as int16 [-5, 300, 0, 0]; it also shows the compound `pair` and the vlen `ragged`,
// which eocube leaves out as before.
describe("netcdf4Reader: netCDF-4 enum types", () => {
  it("reads an enum as its base integers with its members as CF flags, as xarray does", async () => {
    const ds = decodeCF(await netcdf4Reader.open(new FileFileSystem(SYNTHETIC), "types4.nc"));
    try {
      expect(Object.keys(ds.data_vars).sort()).toEqual(["cloud", "lvl"]);
      const cloud = ds.data_vars.cloud!;
      expect(cloud.dtype).toBe("float32");
      expect(cloud.attrs).toMatchObject({ flag_values: [0, 1, 255], flag_meanings: "clear cloudy missing" });
      expect(Array.from((await cloud.read()).data as Float32Array)).toEqual([0, 1, NaN, 1]);
      const lvl = ds.data_vars.lvl!;
      expect(lvl.dtype).toBe("int16");
      expect(lvl.attrs).toEqual({ flag_values: [-5, 0, 300], flag_meanings: "low mid high" });
      expect(Array.from((await lvl.read([[1, 3]])).data as Int16Array)).toEqual([300, 0]);
    } finally {
      await ds.close();
    }
  });
});

// xarray.open_dataset("edge4.nc", group="sub"): Dimensions (y: 2), inner (y) float32 [1, 2]
describe("netcdf4Reader: groups (xarray's group=)", () => {
  it("opens a sub-group by path; the root lists its groups; a missing group is NOT_FOUND listing them", async () => {
    const sfs = new FileFileSystem(SYNTHETIC);
    const root = await netcdf4Reader.open(sfs, "edge4.nc");
    expect(root.encoding.groups).toEqual(["sub"]);
    await root.close();
    const sub = await netcdf4Reader.open(sfs, "edge4.nc", { group: "/sub" });
    try {
      expect(Object.keys(sub.data_vars)).toEqual(["inner"]);
      const inner = sub.data_vars.inner!;
      expect([inner.dims, inner.dtype]).toEqual([["y"], "float32"]);
      expect(Array.from((await inner.read()).data as Float32Array)).toEqual([1, 2]);
      expect(sub.encoding.group).toBe("sub");
    } finally {
      await sub.close();
    }
    await expect(netcdf4Reader.open(sfs, "edge4.nc", { group: "grp" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      field: "open_params/group",
      hint: "groups of the file: sub",
    });
  });
});

describe("netcdf4Reader raw dataset", () => {
  it("takes dims from dimension scales, hides netCDF-4 internal attributes, reports HDF5 chunks", async () => {
    const raw = await netcdf4Reader.open(fs, "gfs_output.nc");
    try {
      const t = raw.data_vars.temp!;
      expect(t.dims).toEqual(["time", "lat", "lon"]);
      expect(t.chunks).toEqual([1, 201, 361]);
      expect(t.encoding).toMatchObject({ zlib: true, shuffle: true, complevel: 4 });
      for (const v of Object.values(raw.variables)) {
        for (const k of ["_Netcdf4Dimid", "DIMENSION_LIST", "CLASS", "NAME", "REFERENCE_LIST", "_Netcdf4Coordinates"]) {
          expect(v.attrs).not.toHaveProperty(k);
        }
      }
      expect(raw.attrs).not.toHaveProperty("_NCProperties");
    } finally {
      await raw.close();
    }
  });

  it("netCDF dimensions without variables are dims, not variables", async () => {
    const raw = await netcdf4Reader.open(fs, "O_L2_0001_SNS_2017104102450_v1.0.nc");
    try {
      expect(raw.variables).not.toHaveProperty("x");
      expect(raw.variables).not.toHaveProperty("y");
      expect(raw.dims).toMatchObject({ y: 100, x: 100, tp_y: 102, tp_x: 20 });
    } finally {
      await raw.close();
    }
  });

  it("reads a hyperslab equal to the same part of the full array", async () => {
    const raw = await netcdf4Reader.open(fs, "basin_mask.nc");
    try {
      const b = raw.data_vars.basin!;
      const full = await b.read();
      const part = await b.read([3, [10, 13], [350, 360]]);
      expect(part.shape).toEqual([3, 10]);
      const [, Y, X] = b.shape as [number, number, number];
      const at = (z: number, y: number, x: number) => (full.data as Int8Array)[(z * Y + y) * X + x];
      expect((part.data as Int8Array)[0]).toBe(at(3, 10, 350));
      expect((part.data as Int8Array)[29]).toBe(at(3, 12, 359));
      await expect(b.read([40])).rejects.toMatchObject({ code: "OUT_OF_RANGE" });
    } finally {
      await raw.close();
    }
  });

  it("close() is safe to call twice and many files can be open at once", async () => {
    const a = await netcdf4Reader.open(fs, "basin_mask.nc");
    const b = await netcdf4Reader.open(fs, "basin_mask.nc");
    await a.close();
    await a.close();
    const v = await b.data_vars.basin!.read([0, 0, [0, 3]]);
    expect(v.shape).toEqual([3]);
    await b.close();
    await expect(b.data_vars.basin!.read([0, 0, [0, 3]])).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      hint: "open the dataset again",
    });
  });
});

describe("netcdf4Reader bad input", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "eocube-nc4-"));
    const bytes = await readFile(join(DATA_DIR, "netcdf4", "gfs_output.nc"));
    await writeFile(join(dir, "truncated.nc"), bytes.subarray(0, 4000));
    await writeFile(join(dir, "half.nc"), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await writeFile(join(dir, "random.nc4"), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a missing file gives NOT_FOUND naming the path", async () => {
    const err = await netcdf4Reader.open(new FileFileSystem(dir), "nope.nc").catch((e) => e);
    expect(isEocubeError(err, "NOT_FOUND")).toBe(true);
    expect(err.message).toContain("nope.nc");
  });

  it("random bytes give CORRUPT_DATA naming the path", async () => {
    const err = await netcdf4Reader.open(new FileFileSystem(dir), "random.nc4").catch((e) => e);
    expect(isEocubeError(err, "CORRUPT_DATA")).toBe(true);
    expect(err.message).toContain("random.nc4");
  });

  it("a truncated header gives CORRUPT_DATA naming the path", async () => {
    const err = await netcdf4Reader.open(new FileFileSystem(dir), "truncated.nc").catch((e) => e);
    expect(isEocubeError(err, "CORRUPT_DATA")).toBe(true);
    expect(err.message).toContain("truncated.nc");
    expect(err.message).toMatch(/truncated file: eof = 4000/); // HDF5's own words, without its stack dump
  });

  it("a file cut in half fails with CORRUPT_DATA at open or at read, never a raw error", async () => {
    let err: unknown;
    try {
      const ds = await netcdf4Reader.open(new FileFileSystem(dir), "half.nc");
      try {
        for (const v of Object.values(ds.variables)) await v.read();
      } finally {
        await ds.close();
      }
    } catch (e) {
      err = e;
    }
    expect(isEocubeError(err, "CORRUPT_DATA")).toBe(true);
    expect((err as Error).message).toContain("half.nc");
  });

  it("damaged metadata that sends HDF5 into an endless loop fails after the time limit, and other files keep working", async () => {
    // gfs_output.nc with 6 bytes changed (a deterministic variant found by fuzzing): libhdf5 itself (h5py too)
    // loops forever reading its attributes.
    const good = new Uint8Array(await readFile(join(DATA_DIR, "netcdf4", "gfs_output.nc")));
    let seed = 777;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let bad = good;
    for (let k = 0; k <= 147; k++) {
      bad = good.slice();
      for (let j = 0; j < 6; j++) bad[8 + Math.floor(rand() * 20000)] = Math.floor(rand() * 256);
    }
    const mem = new MemoryFileSystem("hang");
    await mem.put("bad.nc", bad);
    const before = await netcdf4Reader.open(fs, "basin_mask.nc"); // opened in the worker that will be stopped
    const old = process.env.EOCUBE_HDF5_TIMEOUT_MS;
    process.env.EOCUBE_HDF5_TIMEOUT_MS = "3000";
    try {
      const err = await netcdf4Reader.open(mem, "bad.nc").catch((e) => e);
      expect(isEocubeError(err, "CORRUPT_DATA")).toBe(true);
      expect(err.message).toMatch(/bad\.nc: HDF5 did not answer within 3000 ms/);
      expect(err.hint).toContain("EOCUBE_HDF5_TIMEOUT_MS");
    } finally {
      if (old === undefined) delete process.env.EOCUBE_HDF5_TIMEOUT_MS;
      else process.env.EOCUBE_HDF5_TIMEOUT_MS = old;
    }
    // the file opened before is reopened in a fresh worker transparently
    const v = await before.data_vars.basin!.read([0, 0, [0, 3]]);
    expect(v.shape).toEqual([3]);
    await before.close();
    const after = await netcdf4Reader.open(fs, "gfs_output.nc");
    expect(after.dims).toMatchObject({ lat: 201, lon: 361 });
    await after.close();
  });

  it("works on any FileSystem (memory)", async () => {
    const mem = new MemoryFileSystem();
    await mem.put("x/basin.nc", new Uint8Array(await readFile(join(DATA_DIR, "netcdf4", "basin_mask.nc"))));
    const ds = await netcdf4Reader.open(mem, "x/basin.nc");
    expect(ds.dims).toEqual({ X: 360, Y: 180, Z: 33 });
    await ds.close();
  });
});
