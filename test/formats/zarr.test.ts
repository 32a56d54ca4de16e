// Zarr reader against the real cube and zarr-python's conformance stores.
// Reference values: test/fixtures/zarr-expected/{cube,v2-conformance}.json, made once by
// test/fixtures/zarr-expected/make_expected.py with Debian's zarr-python 2.13 + xarray (open_zarr(decode_cf=False)).
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { openZarr } from "../../src/formats/zarr/reader.js";
import { getFormatReader } from "../../src/formats/registry.js";
import { openFormatDataset } from "../../src/formats/open.js";
import { countingFs } from "./helpers.js";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const FIX = fileURLToPath(new URL("../fixtures/zarr-expected/", import.meta.url));
const CUBE = "zarr/cube-1-250-250.zarr";

// biome-ignore lint/suspicious/noExplicitAny: expected values read from JSON fixtures, walked by key
type Json = Record<string, any>;
const load = async (name: string): Promise<Json> => JSON.parse(await readFile(join(FIX, name), "utf8"));
/** Python wrote NaN as "NaN"; turn it back into NaN for toEqual. */
const unNaN = (v: unknown): unknown =>
  v === "NaN"
    ? NaN
    : Array.isArray(v)
      ? v.map(unNaN)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unNaN(x)]))
        : v;

const fs = new FileFileSystem(DATA, { readOnly: true });

describe("zarr reader: real cube (v2, consolidated, blosc-lz4)", () => {
  it("gives xarray's raw dims, dtypes, chunks and attrs", async () => {
    const exp = await load("cube.json");
    const ds = await (await getFormatReader("zarr")).open(fs, CUBE);
    expect(ds.dims).toEqual(exp.dims);
    expect(ds.attrs).toEqual(exp.attrs);
    expect(Object.keys(ds.variables).sort()).toEqual(Object.keys(exp.variables).sort());
    for (const [name, v] of Object.entries(exp.variables as Record<string, Json>)) {
      const got = ds.variable(name);
      expect(got.dims, name).toEqual(v.dims);
      expect(got.dtype, name).toBe(v.dtype);
      expect(got.chunks, name).toEqual(v.chunks);
      expect(got.attrs, name).toEqual(unNaN(v.attrs));
    }
    expect(ds.encoding).toMatchObject({ format: "zarr", zarr_format: 2, consolidated: true });
  });

  it("reads the same values as xarray", async () => {
    const w = (await load("cube.json")).windows;
    const ds = await openZarr(fs, CUBE);
    expect(Array.from((await ds.variable("time").read()).data as Float64Array)).toEqual(w.time);
    const lat = await ds.variable("lat").read();
    expect([lat.data[0], lat.data[999]]).toEqual(w.lat_first_last);
    const chl = await ds.variable("conc_chl").read([0, [480, 484], [685, 688]]);
    expect(chl.shape).toEqual([4, 3]);
    expect(Array.from(chl.data as Float64Array)).toEqual(w["conc_chl[0, 480:484, 685:688]"]);
    const kd = await ds.variable("kd489").read([null, 406, 1010]);
    expect(kd.shape).toEqual([5]);
    expect(Array.from(kd.data as Float64Array)).toEqual(unNaN(w["kd489[:, 406, 1010]"]));
    const tsm = await ds.variable("conc_tsm").read([3, [498, 502], [998, 1002]]);
    expect(Array.from(tsm.data as Float64Array)).toEqual(w["conc_tsm[3, 498:502, 998:1002]"]);
    const tb = await ds.variable("time_bnds").read([[1, 3]]);
    expect(tb.shape).toEqual([2, 2]);
    expect(Array.from(tb.data as Float64Array)).toEqual(w["time_bnds[1:3, :]"]);
    const full = await ds.variable("conc_chl").read([3]);
    expect(full.shape).toEqual([1000, 2000]);
    let sum = 0,
      count = 0;
    for (const x of full.data as Float64Array)
      if (!Number.isNaN(x)) {
        sum += x;
        count++;
      }
    expect(count).toBe(w["conc_chl count[3]"]);
    expect(sum / count).toBeCloseTo(w["conc_chl nanmean[3]"], 9);
  });

  it("a read of exactly one stored chunk equals that part of a larger read, and owns its values", async () => {
    const ds = await openZarr(fs, CUBE);
    const v = ds.variable("conc_chl");
    const big = await v.read([0, [250, 750], [500, 1000]]); // 2×2 chunks, copied into one result
    const one = await v.read([0, [250, 500], [500, 750]]); // chunk 0.1.2 exactly (stored): no copy
    expect(one.shape).toEqual([250, 250]);
    const want: number[] = [];
    for (let r = 0; r < 250; r++) for (let c = 0; c < 250; c++) want.push((big.data as Float64Array)[r * 500 + c]!);
    expect(Array.from(one.data as Float64Array)).toEqual(want);
    expect(want.some((x) => !Number.isNaN(x))).toBe(true);
    (one.data as Float64Array).fill(-1); // the caller's to change: a second read is unaffected
    const again = await v.read([0, [250, 500], [500, 750]]);
    expect(Array.from(again.data as Float64Array)).toEqual(want);
    const missing = await v.read([0, [0, 250], [0, 250]]); // a chunk not stored: the fill value
    expect((missing.data as Float64Array).every((x) => Number.isNaN(x))).toBe(true);
  });

  it("describes with ONE request and reads only the chunks a selection touches", async () => {
    const cfs = countingFs(fs);
    const ds = await openZarr(cfs, CUBE);
    expect(cfs.calls).toEqual([`get ${CUBE}/.zmetadata`]);
    cfs.calls.length = 0;
    await ds.variable("conc_chl").read([0, [480, 484], [685, 688]]);
    expect(cfs.calls).toEqual([`get ${CUBE}/conc_chl/0.1.2`]);
    cfs.calls.length = 0;
    await ds.variable("conc_tsm").read([3, [498, 502], [998, 1002]]);
    expect(cfs.calls.sort()).toEqual(["1.3", "1.4", "2.3", "2.4"].map((c) => `get ${CUBE}/conc_tsm/3.${c}`));
    cfs.calls.length = 0;
    await ds.variable("kd489").read([null, 406, 1010]);
    expect(cfs.calls.sort()).toEqual([0, 1, 2, 3, 4].map((t) => `get ${CUBE}/kd489/${t}.1.4`));
  });

  it("walks .zgroup/.zarray/.zattrs when consolidated metadata is not used", async () => {
    const exp = await load("cube.json");
    const cfs = countingFs(fs);
    const ds = await openZarr(cfs, CUBE, { consolidated: false });
    expect(cfs.calls.some((c) => c.endsWith(".zmetadata"))).toBe(false);
    expect(ds.encoding.consolidated).toBe(false);
    expect(ds.dims).toEqual(exp.dims);
    for (const [name, v] of Object.entries(exp.variables as Record<string, Json>)) {
      expect(ds.variable(name).attrs, name).toEqual(unNaN(v.attrs));
    }
    const chl = await ds.variable("conc_chl").read([0, [480, 484], [685, 688]]);
    expect(Array.from(chl.data as Float64Array)).toEqual(exp.windows["conc_chl[0, 480:484, 685:688]"]);
  });
});

describe("zarr reader: broken stores (built in a temp dir from the real cube)", () => {
  let dir: string;
  let tfs: FileFileSystem;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "eocube-zarr-"));
    await cp(join(DATA, CUBE), join(dir, "cube.zarr"), { recursive: true });
    tfs = new FileFileSystem(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const expectError = async (p: Promise<unknown>, code: string, path: RegExp) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isEocubeError(err), String(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    expect((err as { path: string }).path).toMatch(path);
    expect((err as Error).message).toMatch(path);
  };

  it("missing store → NOT_FOUND", async () => {
    await expectError(openZarr(tfs, "nope.zarr"), "NOT_FOUND", /nope\.zarr/);
  });

  it("corrupt .zmetadata → CORRUPT_DATA naming .zmetadata", async () => {
    await cp(join(dir, "cube.zarr"), join(dir, "badmeta.zarr"), { recursive: true });
    const p = join(dir, "badmeta.zarr", ".zmetadata");
    await writeFile(p, (await readFile(p, "utf8")).slice(0, 500));
    await expectError(openZarr(tfs, "badmeta.zarr"), "CORRUPT_DATA", /badmeta\.zarr\/\.zmetadata/);
  });

  it("corrupt .zarray (no .zmetadata) → CORRUPT_DATA naming the .zarray", async () => {
    await cp(join(dir, "cube.zarr"), join(dir, "badarray.zarr"), { recursive: true });
    await rm(join(dir, "badarray.zarr", ".zmetadata"));
    await writeFile(join(dir, "badarray.zarr", "kd489", ".zarray"), '{"shape": [5, 1000, 2000], "chunks": [1, 250');
    await expectError(openZarr(tfs, "badarray.zarr"), "CORRUPT_DATA", /badarray\.zarr\/kd489\/\.zarray/);
    // a .zarray that is JSON but has no usable shape
    await writeFile(join(dir, "badarray.zarr", "kd489", ".zarray"), '{"chunks": [1, 250, 250], "dtype": "<f8"}');
    await expectError(openZarr(tfs, "badarray.zarr"), "CORRUPT_DATA", /kd489\/\.zarray/);
  });

  it("a chunk of the wrong size or garbage → CORRUPT_DATA naming the chunk key", async () => {
    const store = join(dir, "cube.zarr");
    // lat/0 is a valid blosc frame of 250 float64: it decompresses to the wrong length for conc_chl.
    await cp(join(store, "lat", "0"), join(store, "conc_chl", "0.1.2"));
    await writeFile(join(store, "conc_chl", "1.1.2"), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]));
    const ds = await openZarr(tfs, "cube.zarr");
    await expectError(ds.variable("conc_chl").read([0, [480, 484], [685, 688]]), "CORRUPT_DATA", /cube\.zarr\/conc_chl\/0\.1\.2/);
    await expectError(ds.variable("conc_chl").read([1, [480, 484], [685, 688]]), "CORRUPT_DATA", /cube\.zarr\/conc_chl\/1\.1\.2/);
    // other chunks still read
    const ok = await ds.variable("conc_chl").read([0, [0, 2], [0, 2]]);
    expect(ok.shape).toEqual([2, 2]);
  });

  it("a blosc chunk cut short or padded → CORRUPT_DATA naming the chunk (checked against the blosc header)", async () => {
    const store = join(dir, "cube.zarr");
    const good = await readFile(join(store, "conc_chl", "0.0.1"));
    await writeFile(join(store, "conc_chl", "2.0.1"), good.subarray(0, Math.floor(good.length / 2)));
    await writeFile(join(store, "conc_chl", "3.0.1"), Buffer.concat([good, Buffer.alloc(7)]));
    await writeFile(join(store, "conc_chl", "4.0.1"), good.subarray(0, 10));
    const ds = await openZarr(tfs, "cube.zarr");
    const v = ds.variable("conc_chl");
    await expectError(v.read([2, [0, 10], [250, 260]]), "CORRUPT_DATA", /cube\.zarr\/conc_chl\/2\.0\.1/);
    await expectError(v.read([3, [0, 10], [250, 260]]), "CORRUPT_DATA", /cube\.zarr\/conc_chl\/3\.0\.1/);
    await expectError(v.read([4, [0, 10], [250, 260]]), "CORRUPT_DATA", /cube\.zarr\/conc_chl\/4\.0\.1/);
    const err = await v.read([2, [0, 10], [250, 260]]).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/blosc header gives \d+ compressed bytes but the chunk has \d+/);
    // the intact chunk of the same position still reads
    expect((await v.read([0, [0, 10], [250, 260]])).shape).toEqual([10, 10]);
  });

  it("an uncompressed chunk of the wrong byte size → CORRUPT_DATA naming the chunk", async () => {
    await cp(join(DATA, "zarr-conformance/v3/data.zarr/1d.contiguous.raw.i2"), join(dir, "raw.zarr"), { recursive: true });
    const chunk = join(dir, "raw.zarr", "c", "0");
    await writeFile(chunk, (await readFile(chunk)).subarray(0, 6));
    const ds = await openZarr(tfs, "raw.zarr");
    await expectError(Object.values(ds.data_vars)[0]!.read(), "CORRUPT_DATA", /raw\.zarr\/c\/0/);
  });

  it("a selection outside the shape → OUT_OF_RANGE", async () => {
    const ds = await openZarr(tfs, "cube.zarr");
    await expectError(ds.variable("lat").read([[990, 1010]]), "OUT_OF_RANGE", /lat/);
  });
});

describe("zarr reader: zarr-python conformance stores", () => {
  it("v2: every array equals zarr-python's values", async () => {
    const exp = await load("v2-conformance.json");
    const ds = await openZarr(fs, "zarr-conformance/v2/data.zarr");
    expect(ds.attrs).toEqual(exp.attrs);
    const names = Object.keys(ds.data_vars).sort();
    expect(names).toEqual([...Object.keys(exp.arrays), ...Object.keys(exp.unreadable)].sort());
    for (const [name, a] of Object.entries(exp.arrays as Record<string, Json>)) {
      const v = ds.variable(name);
      expect(v.shape, name).toEqual(a.shape);
      expect(v.chunks, name).toEqual(a.chunks);
      const r = await v.read();
      expect(r.shape, name).toEqual(a.shape);
      const vals = Array.from(r.data as ArrayLike<unknown>, (x) => (v.dtype === "bool" ? Boolean(x) : x));
      expect(vals, name).toEqual(a.values);
    }
    // zarr-python 2.13 + numcodecs 0.11 (Debian) cannot read zstd with "checksum"; zarrita can: the data are 1..4.
    const z = await ds.variable("1d.contiguous.zstd.i2").read();
    expect(Array.from(z.data as Int16Array)).toEqual([1, 2, 3, 4]);
    // a window of a chunked 3-D array (F order stored)
    const f = await ds.variable("3d.chunked.mixed.i2.F").read([[1, 3], 1, [0, 2]]);
    expect(f.shape).toEqual([2, 2]);
    expect(Array.from(f.data as Int16Array)).toEqual([12, 13, 21, 22]);
  });

  it("v2: a group name with spaces opens as its own dataset", async () => {
    const ds = await openZarr(fs, "zarr-conformance/v2/data.zarr/my group with spaces");
    expect(Object.keys(ds.data_vars)).toEqual([]);
    expect(ds.attrs).toEqual({ description: "A group with spaces in the name" });
  });

  // Debian's zarr-python is v2-only: v3-conformance.json comes from the small numpy/numcodecs v3
  // decoder in make_expected.py (independent of zarrita).
  it("v3: every array zarrita supports equals the reference decoder's values", async () => {
    const exp = await load("v3-conformance.json");
    const ds = await openZarr(fs, "zarr-conformance/v3/data.zarr");
    expect(ds.encoding).toMatchObject({ zarr_format: 3, consolidated: false });
    expect(ds.attrs).toEqual(exp.attrs);
    expect(Object.keys(ds.data_vars).sort()).toEqual(Object.keys(exp.arrays).sort());
    for (const [name, a] of Object.entries(exp.arrays as Record<string, Json>)) {
      const v = ds.variable(name);
      expect(v.shape, name).toEqual(a.shape);
      if (name === "1d.contiguous.f2.le") expect(v.dtype).toBe("float32"); // float16 widened (zarrita cannot hold it)
      const r = await v.read();
      const vals = Array.from(r.data as ArrayLike<unknown>, (x) => (v.dtype === "bool" ? Boolean(x) : x));
      expect(vals, name).toEqual(a.values);
    }
  });

  // xarray 2023.x (Debian, zarr-python 2.13) would mask every `false` of this array (fill_value false becomes
  // _FillValue) and give object [True, nan, True, nan]; eocube keeps it bool, as zarr-python reads it
  // (`zarr.open_array(...)[:]` → [True, False, True, False]) and as v3 arrays are read.
  it("v2: a bool array with fill_value false is bool through CF decoding, with zarr-python's values", async () => {
    const ds = await openFormatDataset(fs, "zarr-conformance/v2/data.zarr");
    const v = ds.variable("1d.contiguous.b1");
    expect(v.dtype).toBe("bool");
    expect(v.attrs).toEqual({});
    const r = await v.read([]);
    expect(r.dtype).toBe("bool");
    expect(Array.from(r.data as Uint8Array)).toEqual([1, 0, 1, 0]);
  });

  it("v3: float16 reads as float32 with the reference decoder's values, through CF decoding too", async () => {
    const ds = await openFormatDataset(fs, "zarr-conformance/v3/data.zarr");
    const r = await ds.variable("1d.contiguous.f2.le").read([]);
    expect(r.dtype).toBe("float32");
    expect(Array.from(r.data as Float32Array)).toEqual([-1000.5, 0, 1000.5, 0]);
  });

  // The bit patterns and values are numpy's (np.array([...], dtype="<f2").view("u2"), .astype("f4")), which
  // zarr-python 2.13 reads back from such a store.
  it("v2: float16 (<f2 and >f2, a missing chunk is the NaN fill value) reads as float32", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eocube-f2-"));
    try {
      const bits = [58321, 0, 16968, 31743, 1023, 1, 0x7c00, 0xfc00];
      const want = [-1000.5, 0, 3.140625, 65504, 6.097555160522461e-5, 2 ** -24, Infinity, -Infinity];
      const chunk = (part: number[], big: boolean) => {
        const b = Buffer.alloc(part.length * 2);
        part.forEach((x, i) => {
          if (big) b.writeUInt16BE(x, i * 2);
          else b.writeUInt16LE(x, i * 2);
        });
        return b;
      };
      const zarray = (dtype: string, fill: unknown) =>
        JSON.stringify({ zarr_format: 2, shape: [12], chunks: [4], dtype, fill_value: fill, compressor: null, filters: null, order: "C" });
      for (const [name, dtype, big] of [
        ["le", "<f2", false],
        ["be", ">f2", true],
      ] as const) {
        await mkdir(join(dir, "h.zarr", name), { recursive: true });
        await writeFile(join(dir, "h.zarr", name, ".zarray"), zarray(dtype, "NaN"));
        await writeFile(join(dir, "h.zarr", name, ".zattrs"), JSON.stringify({ _ARRAY_DIMENSIONS: [`x_${name}`] }));
        await writeFile(join(dir, "h.zarr", name, "0"), chunk(bits.slice(0, 4), big));
        await writeFile(join(dir, "h.zarr", name, "1"), chunk(bits.slice(4, 8), big)); // chunk 2 is missing
      }
      await writeFile(join(dir, "h.zarr", ".zgroup"), JSON.stringify({ zarr_format: 2 }));
      const ds = await openFormatDataset(new FileFileSystem(dir), "h.zarr");
      for (const name of ["le", "be"]) {
        const v = ds.variable(name);
        expect(v.dtype).toBe("float32");
        const r = await v.read([]);
        expect(Array.from(r.data as Float32Array), name).toEqual([...want, NaN, NaN, NaN, NaN]);
        expect(Array.from((await v.read([[5, 9]])).data as Float32Array), name).toEqual([want[5], want[6], want[7], NaN]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a read that meets something unsupported fails with UNSUPPORTED naming the variable, never a plain TypeError", async () => {
    // an explicit _FillValue on a bool array: CF masking would need an object array of True/False/NaN
    const dir = await mkdtemp(join(tmpdir(), "eocube-b1-"));
    try {
      await cp(join(DATA, "zarr-conformance/v2/data.zarr/1d.contiguous.b1"), join(dir, "b.zarr/flags"), { recursive: true });
      await writeFile(join(dir, "b.zarr/.zgroup"), JSON.stringify({ zarr_format: 2 }));
      await writeFile(join(dir, "b.zarr/flags/.zattrs"), JSON.stringify({ _ARRAY_DIMENSIONS: ["x"], _FillValue: true }));
      const ds = await openFormatDataset(new FileFileSystem(dir), "b.zarr");
      const err = await ds
        .variable("flags")
        .read([])
        .catch((e: unknown) => e);
      expect(isEocubeError(err, "UNSUPPORTED")).toBe(true);
      expect(err).toMatchObject({
        field: "flags",
        message: expect.stringMatching(/^cannot read variable flags \(object\) of .*b\.zarr: /),
        hint: expect.any(String),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("v3: consolidated metadata in the group's zarr.json is used (one request)", async () => {
    const cfs = countingFs(fs);
    const ds = await openZarr(cfs, "zarr-conformance/v3/data.zarr/consolidated");
    expect(cfs.calls).toEqual([
      "get zarr-conformance/v3/data.zarr/consolidated/.zmetadata",
      "get zarr-conformance/v3/data.zarr/consolidated/zarr.json",
    ]);
    expect(ds.encoding).toMatchObject({ zarr_format: 3, consolidated: true });
    expect(ds.attrs).toEqual({ answer: 42 });
    expect(Array.from((await ds.variable("1d.chunked.i2").read()).data as Int16Array)).toEqual([1, 2, 3, 4]);
  });

  it("v3: sharded reads fetch only the shard's byte ranges", async () => {
    const cfs = countingFs(fs);
    const ds = await openZarr(cfs, "zarr-conformance/v3/data.zarr");
    cfs.calls.length = 0;
    const r = await ds.variable("3d.chunked.compressed.sharded.i2").read([
      [0, 1],
      [0, 1],
      [0, 2],
    ]);
    expect(Array.from(r.data as Int16Array)).toEqual([0, 1]);
    expect(cfs.calls.every((c) => c.startsWith("getRange"))).toBe(true);
  });
});
