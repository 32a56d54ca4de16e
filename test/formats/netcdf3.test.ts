// NetCDF3 reader + decodeCF against xarray: every file of ../shared/data/netcdf3 is opened and compared with
// test/fixtures/nc-expected/<file>.json, made once by `/usr/bin/python3 test/fixtures/make-nc-expected.py`
// from `xr.open_dataset(path)` (xarray 2023.01, netCDF4 1.6): dims, coords vs data_vars, decoded dtypes,
// attrs, encoding, coordinate values and first/last/nanmean of every variable.
// Deliberate difference: masked char values are "" in eocube, NaN (in an object array) in xarray.
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NetCDFReader } from "netcdfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCF } from "../../src/core/cf.js";
import { isEocubeError } from "../../src/core/errors.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { MemoryFileSystem } from "../../src/fs/memory.js";
import { netcdf3Reader } from "../../src/formats/netcdf3.js";
import { compareDataset, DATA_DIR, loadExpected } from "./nc-expected.js";

const FILES = [
  "20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc",
  "20170606120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc",
  "20170607120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc",
  "RGB.nc",
  "eraint_uvz.nc",
  "madis-sao.nc",
];
const fs = new FileFileSystem(join(DATA_DIR, "netcdf3"));

describe("netcdf3Reader + decodeCF agree with xarray", () => {
  for (const f of FILES) {
    it(f, async () => {
      const ds = decodeCF(await netcdf3Reader.open(fs, f));
      await compareDataset(ds, loadExpected(f));
      await ds.close();
    });
  }
});

// Synthetic edge cases made by test/fixtures/make-nc-synthetic.py (netCDF4-python), expectations by
// make-nc-expected.py like the real files: one unpadded record variable, several record variables with
// chars/bytes, a noleap time axis with bounds (cftime in xarray, datetime64[ns] with the same fields here).
const SYNTHETIC = fileURLToPath(new URL("../fixtures/nc-synthetic/", import.meta.url));

describe("netcdf3Reader + decodeCF agree with xarray on synthetic edge cases", () => {
  for (const f of ["single-record.nc", "records.nc"]) {
    it(f, async () => {
      const ds = decodeCF(await netcdf3Reader.open(new FileFileSystem(SYNTHETIC), f));
      await compareDataset(ds, loadExpected(f));
    });
  }

  it("CDF-5 (64-bit data) files are refused with UNSUPPORTED and a way out", async () => {
    const err = await netcdf3Reader.open(new FileFileSystem(SYNTHETIC), "cdf5.nc").catch((e) => e);
    expect(isEocubeError(err, "UNSUPPORTED")).toBe(true);
    expect(err.message).toContain("cdf5.nc");
    expect(err.hint).toContain("nccopy");
  });

  it("an HDF5 file given to the NetCDF3 reader says it is NetCDF4", async () => {
    const err = await netcdf3Reader.open(new FileFileSystem(DATA_DIR), "netcdf4/basin_mask.nc").catch((e) => e);
    expect(isEocubeError(err, "CORRUPT_DATA")).toBe(true);
    expect(err.hint).toMatch(/NetCDF4\/HDF5/);
  });
});

describe("netcdf3Reader raw dataset", () => {
  it("keeps stored dtypes and CF attributes, everything in data_vars", async () => {
    const raw = await netcdf3Reader.open(fs, "RGB.nc");
    expect(Object.keys(raw.coords)).toEqual([]);
    const b = raw.data_vars.Band1!;
    expect(b.dtype).toBe("int8");
    expect(b.attrs._Unsigned).toBe("true");
    expect(b.attrs._FillValue).toBe(0);
    expect(b.attrs.valid_range).toEqual([0, 255]);
    expect(raw.encoding.format).toBe("netcdf3");
  });

  it("reads record variables across records with chunks of 1 along the record dim", async () => {
    const raw = await netcdf3Reader.open(fs, "madis-sao.nc");
    const v = raw.data_vars.wmoId!;
    expect(v.dims).toEqual(["recNum"]);
    expect(v.chunks).toEqual([1]);
    const all = await v.read();
    expect(all.shape).toEqual([178]);
    // cross-check with netcdfjs's own (element-by-element) record reader
    const ref = new NetCDFReader(await readFile(join(DATA_DIR, "netcdf3", "madis-sao.nc"))).getDataVariable("wmoId");
    expect(Array.from(all.data as Int32Array)).toEqual(ref);
    const some = await v.read([[170, 178]]);
    expect(Array.from(some.data as Int32Array)).toEqual(ref.slice(170));
    expect(raw.encoding.unlimited_dims).toEqual(["recNum"]);
  });

  it("reads a hyperslab and drops integer-indexed dims", async () => {
    const raw = await netcdf3Reader.open(fs, "eraint_uvz.nc");
    const z = raw.data_vars.z!;
    expect(raw.encoding.netcdf_version).toBe("64-bit offset");
    const full = await z.read();
    const part = await z.read([1, [1, 3], [10, 12], [100, 105]]);
    expect(part.shape).toEqual([2, 2, 5]);
    const [, L, Y, X] = z.shape as [number, number, number, number];
    const at = (m: number, l: number, y: number, x: number) => (full.data as Int16Array)[((m * L + l) * Y + y) * X + x];
    expect((part.data as Int16Array)[0]).toBe(at(1, 1, 10, 100));
    expect((part.data as Int16Array)[19]).toBe(at(1, 2, 11, 104));
    await expect(z.read([5])).rejects.toMatchObject({ code: "OUT_OF_RANGE" });
  });

  it("gives char arrays as single characters that decodeCF joins", async () => {
    const raw = await netcdf3Reader.open(fs, "madis-sao.nc");
    expect(raw.data_vars.stationName!.dims).toEqual(["recNum", "maxStaNamLen"]);
    const ds = decodeCF(raw);
    const names = await ds.variable("stationName").read([[0, 2]]);
    expect(names.shape).toEqual([2]);
    expect((names.data as string[])[0]).toBe("WRN ");
    expect(ds.variable("stationName").encoding.char_dim_name).toBe("maxStaNamLen");
  });
});

describe("netcdf3Reader bad input", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "eocube-nc3-"));
    const bytes = await readFile(join(DATA_DIR, "netcdf3", "RGB.nc"));
    await writeFile(join(dir, "truncated.nc"), bytes.subarray(0, 100_000));
    await writeFile(join(dir, "header-only.nc"), bytes.subarray(0, 300));
    await writeFile(join(dir, "random.nc"), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
    await copyFile(join(DATA_DIR, "netcdf3", "madis-sao.nc"), join(dir, "ok.nc"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a missing file gives NOT_FOUND naming the path", async () => {
    const err = await netcdf3Reader.open(new FileFileSystem(dir), "nope.nc").catch((e) => e);
    expect(isEocubeError(err, "NOT_FOUND")).toBe(true);
    expect(err.message).toContain("nope.nc");
    expect(err.path).toBe("nope.nc");
  });

  for (const name of ["truncated.nc", "header-only.nc", "random.nc"]) {
    it(`${name} gives CORRUPT_DATA naming the path`, async () => {
      const err = await netcdf3Reader.open(new FileFileSystem(dir), name).catch((e) => e);
      expect(isEocubeError(err, "CORRUPT_DATA")).toBe(true);
      expect(err.message).toContain(name);
      expect(err.path).toBe(name);
      expect(err.hint).toBeTruthy();
    });
  }

  it("damaged headers (deterministic byte flips) give an EocubeError or a dataset, never a raw error", async () => {
    const good = new Uint8Array(await readFile(join(DATA_DIR, "netcdf3", "madis-sao.nc")));
    const mem = new MemoryFileSystem("fuzz");
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let k = 0; k < 150; k++) {
      const bytes = good.slice(0, 60_000);
      for (let j = 0; j < 4; j++) bytes[4 + Math.floor(rand() * 12_000)] = Math.floor(rand() * 256);
      await mem.put("f.nc", bytes);
      try {
        const ds = await netcdf3Reader.open(mem, "f.nc");
        for (const v of Object.values(ds.variables).slice(0, 5)) await v.read();
      } catch (err) {
        if (!isEocubeError(err)) throw new Error(`variant ${k}: raw error ${String(err)}`);
        expect(["CORRUPT_DATA", "UNSUPPORTED"]).toContain(err.code);
      }
    }
  });

  it("an aborted signal gives CANCELLED", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(netcdf3Reader.open(new FileFileSystem(dir), "ok.nc", { signal: ac.signal })).rejects.toMatchObject({ code: "CANCELLED" });
    const ds = await netcdf3Reader.open(new FileFileSystem(dir), "ok.nc");
    await expect(ds.data_vars.wmoId!.read([], { signal: ac.signal })).rejects.toMatchObject({ code: "CANCELLED" });
  });

  it("works on any FileSystem (memory)", async () => {
    const mem = new MemoryFileSystem();
    await mem.put("a/ok.nc", new Uint8Array(await readFile(join(dir, "ok.nc"))));
    const ds = await netcdf3Reader.open(mem, "a/ok.nc");
    expect(ds.dims.recNum).toBe(178);
  });
});
