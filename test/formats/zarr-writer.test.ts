// Zarr writer: stores written from the real cube must read back identically in zarr-python/xarray
// (Debian's /usr/bin/python3, run at test time) and in our own reader; failures leave nothing behind.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCF } from "../../src/core/cf.js";
import { Dataset } from "../../src/core/dataset.js";
import { isEocubeError } from "../../src/core/errors.js";
import { Variable } from "../../src/core/variable.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { MemoryFileSystem } from "../../src/fs/memory.js";
import { openGeoTiff } from "../../src/formats/geotiff.js";
import { openZarr } from "../../src/formats/zarr/reader.js";
import { chunkKey, createZarrWriter, encodeChunk, writeDataset, type ZarrArraySpec } from "../../src/formats/zarr/writer.js";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const CUBE = join(DATA, "zarr/cube-1-250-250.zarr");
const V3_DECODER = fileURLToPath(new URL("../fixtures/zarr-expected/", import.meta.url));
const PY = "/usr/bin/python3";
const hasPython =
  existsSync(PY) &&
  (() => {
    try {
      execFileSync(PY, ["-c", "import xarray, zarr"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

function python(script: string, ...args: string[]): string {
  return execFileSync(PY, ["-c", script, ...args], { encoding: "utf8", maxBuffer: 1 << 24 }).trim();
}

const src = new FileFileSystem(DATA, { readOnly: true });
let dir: string;
let out: FileFileSystem;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "eocube-zarrw-"));
  out = new FileFileSystem(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("zarr writer: the real cube, read back by xarray", () => {
  it.skipIf(!hasPython)(
    "raw cube (v2, default blosc/lz4 + shuffle) is identical to the original in xarray",
    { timeout: 240_000 },
    async () => {
      const ds = await openZarr(src, "zarr/cube-1-250-250.zarr");
      await writeDataset(ds, out, "raw.zarr");
      const res = python(
        `import sys, xarray as xr
a = xr.open_zarr(sys.argv[1], decode_cf=False).load()
b = xr.open_zarr(sys.argv[2], decode_cf=False).load()
xr.testing.assert_identical(a, b)
a = xr.open_zarr(sys.argv[1]).load(); b = xr.open_zarr(sys.argv[2]).load()
xr.testing.assert_identical(a, b)
c = b.conc_chl.encoding["compressor"]
print("identical", c.cname, c.shuffle)`,
        CUBE,
        join(dir, "raw.zarr"),
      );
      expect(res).toBe("identical lz4 1");
      // and by our reader, with one request for the consolidated metadata
      const back = await openZarr(out, "raw.zarr");
      expect(back.encoding.consolidated).toBe(true);
      expect(back.dims).toEqual(ds.dims);
      const a = await ds.variable("conc_tsm").read([3, [498, 502], [998, 1002]]);
      const b = await back.variable("conc_tsm").read([3, [498, 502], [998, 1002]]);
      expect(b).toEqual(a);
    },
  );

  it.skipIf(!hasPython)(
    "CF-decoded cube (datetime64 time, coords) writes back the same decoded dataset",
    { timeout: 240_000 },
    async () => {
      const ds = decodeCF(await openZarr(src, "zarr/cube-1-250-250.zarr"));
      expect(ds.variable("time").dtype).toBe("datetime64[ns]");
      await writeDataset(ds, out, "decoded.zarr", { compressor: "gzip" });
      const res = python(
        `import sys, xarray as xr
a = xr.open_zarr(sys.argv[1]).load()
b = xr.open_zarr(sys.argv[2]).load()
xr.testing.assert_identical(a, b)
print("identical", sorted(b.coords), b.time.encoding["units"], str(b.time.dtype))`,
        CUBE,
        join(dir, "decoded.zarr"),
      );
      expect(res).toBe("identical ['lat', 'lat_bnds', 'lon', 'lon_bnds', 'time', 'time_bnds'] days since 1970-01-01 datetime64[ns]");
    },
  );

  it.skipIf(!hasPython)("blosc-zstd, zstd and uncompressed stores are readable by zarr-python", async () => {
    const ds = await openZarr(src, "zarr/cube-1-250-250.zarr");
    const small = new Dataset({
      data_vars: { lat: ds.variable("lat"), lon_bnds: ds.variable("lon_bnds") },
      attrs: { title: "x", nan: NaN },
    });
    await writeDataset(small, out, "bzstd.zarr", { compressor: "blosc-zstd" });
    await writeDataset(small, out, "zstd.zarr", { compressor: "zstd" });
    await writeDataset(small, out, "raw-none.zarr", { compressor: null });
    const res = python(
      `import sys, json, zarr, numpy as np
r = []
for p in sys.argv[2:]:
    a = zarr.open_group(sys.argv[1], mode="r"); b = zarr.open_group(p, mode="r")
    r.append(bool(np.array_equal(a["lat"][:], b["lat"][:]) and np.array_equal(a["lon_bnds"][:], b["lon_bnds"][:])))
    r.append(str(b["lat"].compressor))
    r.append(np.isnan(b.attrs["nan"]).item())
print(json.dumps(r))`,
      CUBE,
      join(dir, "bzstd.zarr"),
      join(dir, "zstd.zarr"),
      join(dir, "raw-none.zarr"),
    );
    expect(JSON.parse(res)).toEqual([
      true,
      "Blosc(cname='zstd', clevel=5, shuffle=SHUFFLE, blocksize=0)",
      true,
      true,
      "Zstd(level=5)",
      true,
      true,
      "None",
      true,
    ]);
  });

  it.skipIf(!hasPython)("non-ASCII attributes ('°C', 'µmol') are written as \\u escapes and read back equal by xarray", async () => {
    const v = memVar("t", [1.5, 2.5, NaN]).with({ attrs: { units: "°C", long_name: "température µmol/m³ 🌊" } });
    const ds = new Dataset({ data_vars: { t: v }, attrs: { title: "Ångström — test", creator: "µ" } });
    await writeDataset(ds, out, "utf8.zarr");
    await writeDataset(ds, out, "utf8-v3.zarr", { version: 3 });
    const { readFile } = await import("node:fs/promises");
    const zmeta = await readFile(join(dir, "utf8.zarr/.zmetadata"));
    expect(zmeta.every((b) => b < 0x80)).toBe(true);
    expect((await readFile(join(dir, "utf8-v3.zarr/zarr.json"))).every((b) => b < 0x80)).toBe(true);
    const res = python(
      `import sys, json, xarray as xr
b = xr.open_zarr(sys.argv[1]).load()
print(json.dumps([b.t.attrs["units"], b.t.attrs["long_name"], b.attrs["title"], b.attrs["creator"], b.t.values[:2].tolist()]))`,
      join(dir, "utf8.zarr"),
    );
    expect(JSON.parse(res)).toEqual(["°C", "température µmol/m³ 🌊", "Ångström — test", "µ", [1.5, 2.5]]);
    const back = await openZarr(out, "utf8-v3.zarr");
    expect(back.variable("t").attrs.units).toBe("°C");
    expect(back.attrs.title).toBe("Ångström — test");
  });

  it.skipIf(!hasPython)("a GeoTIFF dataset (int64 band, scalar spatial_ref, uint8 band_data) is readable by xarray", async () => {
    const ds = await openGeoTiff(src, "geotiff/sample-cog.tif");
    await writeDataset(ds, out, "cog.zarr");
    const res = python(
      `import sys, json, xarray as xr
from osgeo import gdal
b = xr.open_zarr(sys.argv[1], decode_cf=False)
g = gdal.Open(sys.argv[2]).ReadAsArray()
print(json.dumps([list(b.band_data.dims), str(b.band_data.dtype), bool((b.band_data.values == g).all()),
  b.band.values.tolist(), str(b.band.dtype), int(b.spatial_ref), b.spatial_ref.attrs["epsg"],
  b.band_data.attrs["grid_mapping"], b.band_data.attrs["coordinates"], sorted(xr.open_zarr(sys.argv[1]).coords)]))`,
      join(dir, "cog.zarr"),
      join(DATA, "geotiff/sample-cog.tif"),
    );
    expect(JSON.parse(res)).toEqual([
      ["band", "y", "x"],
      "uint8",
      true,
      [1, 2, 3],
      "int64",
      0,
      32613,
      "spatial_ref",
      "spatial_ref",
      ["band", "spatial_ref", "x", "y"],
    ]);
  });

  it("v3 (zarr.json, consolidated, dimension_names) reads back in our reader and the reference v3 decoder", async () => {
    const ds = await openZarr(src, "zarr/cube-1-250-250.zarr");
    const small = new Dataset({
      data_vars: { lat: ds.variable("lat"), time: ds.variable("time"), c: ds.variable("conc_chl").with({ name: "c" }) },
      attrs: ds.attrs,
    });
    await writeDataset(small, out, "v3.zarr", { version: 3 });
    const back = await openZarr(out, "v3.zarr");
    expect(back.encoding).toMatchObject({ zarr_format: 3, consolidated: true });
    expect(back.variable("c").dims).toEqual(["time", "lat", "lon"]);
    expect(back.variable("c").attrs._FillValue).toBeNaN();
    expect(back.attrs).toEqual(ds.attrs);
    const want = await ds.variable("conc_chl").read([0, [480, 484], [685, 688]]);
    expect(await back.variable("c").read([0, [480, 484], [685, 688]])).toEqual(want);
    if (hasPython) {
      const res = python(
        `import sys, json, numpy as np
sys.path.insert(0, sys.argv[1])
from make_expected import read_v3_array
meta = json.load(open(sys.argv[2] + "/lat/zarr.json"))
print(json.dumps(read_v3_array(sys.argv[2] + "/lat", meta)[[0, 999]].tolist()))`,
        V3_DECODER,
        join(dir, "v3.zarr"),
      );
      expect(JSON.parse(res)).toEqual([52.49875, 50.00125]);
    }
  });
});

describe("zarr writer: keys, chunks and failure handling", () => {
  const spec: ZarrArraySpec = { name: "a", dims: ["y", "x"], shape: [5, 5], chunks: [2, 3], dtype: "int16", fillValue: -1 };

  it("names chunk keys like zarr-python", () => {
    expect(chunkKey(spec, [1, 0], 2)).toBe("a/1.0");
    expect(chunkKey(spec, [1, 0], 3)).toBe("a/c/1/0");
    expect(chunkKey({ ...spec, dims: [], shape: [], chunks: [] }, [], 2)).toBe("a/0");
  });

  it("pads edge chunks with the fill value", async () => {
    const bytes = await encodeChunk(spec, { data: new Int16Array([1, 2, 3]), shape: [1, 3], dtype: "int16" }, { compressor: null });
    expect(Array.from(new Int16Array(bytes.buffer, bytes.byteOffset, 6))).toEqual([1, 2, 3, -1, -1, -1]);
    await expect(encodeChunk(spec, { data: new Int16Array(8), shape: [2, 4], dtype: "int16" })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });

  it("writes chunk by chunk, commits metadata last, and reads back (memory fs: copy, then delete)", async () => {
    const mem = new MemoryFileSystem("w");
    const w = await createZarrWriter(mem, "out/a.zarr", { arrays: [spec], attrs: { k: 1 } });
    for (let cy = 0; cy < 3; cy++) {
      for (let cx = 0; cx < 2; cx++) {
        const h = Math.min(2, 5 - cy * 2),
          wd = Math.min(3, 5 - cx * 3);
        const data = new Int16Array(h * wd).map((_, i) => (cy * 2 + Math.floor(i / wd)) * 10 + cx * 3 + (i % wd));
        await w.writeChunk("a", [cy, cx], { data, shape: [h, wd], dtype: "int16" });
      }
    }
    expect(await mem.exists("out/a.zarr")).toBe(false); // nothing at the target before commit
    expect([...mem.objects.keys()].some((k) => k.endsWith(".zmetadata"))).toBe(false);
    await w.commit();
    expect([...mem.objects.keys()].some((k) => k.startsWith(w.tempPath))).toBe(false);
    const ds = await openZarr(mem, "out/a.zarr");
    expect(ds.attrs).toEqual({ k: 1 });
    const r = await ds.variable("a").read();
    expect(Array.from(r.data as Int16Array)).toEqual(Array.from({ length: 25 }, (_, i) => Math.floor(i / 5) * 10 + (i % 5)));
    expect(ds.variable("a").attrs._FillValue).toBe(-1);
  });

  it("an existing path without replace → ALREADY_EXISTS; with replace it is overwritten", async () => {
    const mem = new MemoryFileSystem("r");
    const one = new Dataset({ data_vars: { v: memVar("v", [1, 2, 3]) } });
    await writeDataset(one, mem, "x.zarr");
    const err = await writeDataset(one, mem, "x.zarr").catch((e: unknown) => e);
    expect(isEocubeError(err, "ALREADY_EXISTS")).toBe(true);
    await writeDataset(new Dataset({ data_vars: { w: memVar("w", [9]) } }), mem, "x.zarr", { replace: true });
    const ds = await openZarr(mem, "x.zarr");
    expect(Object.keys(ds.data_vars)).toEqual(["w"]);
  });

  it("abort and a failure mid-write leave no store at the path and no temporary files", async () => {
    const w = await createZarrWriter(out, "aborted.zarr", { arrays: [spec] });
    await w.writeChunk("a", [0, 0], { data: new Int16Array(6), shape: [2, 3], dtype: "int16" });
    await w.abort();
    const failing = new Dataset({
      data_vars: {
        ok: memVar("ok", [1, 2, 3, 4]),
        bad: new Variable({
          name: "bad",
          dims: ["n"],
          shape: [4],
          dtype: "float64",
          chunks: [2],
          read: async (sel) => {
            if ((sel[0] as [number, number])[0] >= 2) throw new Error("disk on fire");
            return { data: new Float64Array(2), shape: [2], dtype: "float64" };
          },
        }),
      },
    });
    await expect(writeDataset(failing, out, "failed.zarr")).rejects.toThrow("disk on fire");
    const left = await readdir(dir);
    expect(left).not.toContain("aborted.zarr");
    expect(left).not.toContain("failed.zarr");
    expect(left.filter((n) => n.includes(".tmp-"))).toEqual([]);
  });
});

describe("blosc-lz4 encoder (TypeScript)", () => {
  // inputs of every kind of block: compressible floats with NaN runs, random bytes (raw streams / memcpyed
  // frame), long runs, odd lengths (leftover block, trailing unshuffled bytes), tiny chunks
  const f = new Float32Array(300_001);
  for (let i = 0; i < f.length; i++) f[i] = i % 997 < 200 ? NaN : 280 + Math.sin(i / 300) * 5 + (i % 13) / 100;
  let seed = 7;
  const rnd = new Uint8Array(200_003).map(() => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 24;
  });
  const d = new Float64Array(70_001).map((_, i) => Math.floor(i / 1000));
  const cases: Array<[string, Uint8Array, number]> = [
    ["float32 field", new Uint8Array(f.buffer), 4],
    ["random bytes", rnd, 1],
    ["random as int16", rnd.subarray(0, 200_002), 2],
    ["float64 steps", new Uint8Array(d.buffer), 8],
    ["zeros", new Uint8Array(1 << 20), 4],
    ["tiny", new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]), 4],
    ["empty", new Uint8Array(0), 4],
  ];

  it("frames decode byte-identically with the TypeScript decoder and numcodecs' c-blosc (wasm)", async () => {
    const { encodeBloscLz4 } = await import("../../src/formats/zarr/blosc-encode.js");
    const { decodeBlosc } = await import("../../src/formats/zarr/blosc.js");
    const Blosc = (await import("numcodecs/blosc")).default;
    const ref = Blosc.fromConfig({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 });
    // clevel 5 (LZ4 acceleration 5, as c-blosc), 1 (acceleration 9) and 9 (acceleration 1, other block sizes)
    for (const clevel of [5, 1, 9]) {
      for (const [name, bytes, ts] of cases) {
        const frame = encodeBloscLz4(bytes, ts, clevel);
        expect(frame.length, name).toBeLessThanOrEqual(bytes.length + 16);
        expect(Buffer.from(decodeBlosc(frame)!).equals(Buffer.from(bytes)), `${name} at clevel ${clevel}`).toBe(true);
        if (bytes.length > 0)
          expect(Buffer.from(await ref.decode(frame)).equals(Buffer.from(bytes)), `${name} at clevel ${clevel}`).toBe(true);
      }
    }
    // compressible data shrinks (to ~40 % here; c-blosc's own LZ4 gets about the same); random data does not grow
    expect(encodeBloscLz4(cases[0]![1], 4).length).toBeLessThan(cases[0]![1].length / 2);
    expect(encodeBloscLz4(rnd, 1).length).toBe(rnd.length + 16);
  });

  it("shuffles 4- and 8-byte types and compresses their streams with WebAssembly into the same frames as in TypeScript", async () => {
    const { encodeBloscLz4, setSimdShuffle } = await import("../../src/formats/zarr/blosc-encode.js");
    const { decodeBlosc } = await import("../../src/formats/zarr/blosc.js");
    const { simdShuffle } = await import("../../src/formats/zarr/unshuffle-simd.js");
    expect(simdShuffle()).toBeDefined(); // Node 20 has WebAssembly SIMD: the comparison below is not vacuous
    let s = 11;
    const noise = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    // float64 whose low mantissa bytes are noise: their streams do not compress (stored raw), the high ones do
    const g = new Float64Array(100_003).map((_, i) => (i % 5000 < 700 ? NaN : 280 + Math.sin(i / 500) + noise() * 1e-3));
    const h = new Float32Array(77_777).map(() => noise() * 100);
    const big = new Uint8Array(g.buffer);
    const inputs: Array<[string, Uint8Array, 4 | 8]> = [
      ["float32 field", new Uint8Array(f.buffer), 4],
      ["float32 noise", new Uint8Array(h.buffer), 4],
      ["float64 noisy", big, 8],
      ["float64 steps", cases[3]![1], 8],
      ["float64 at byte offset 1", big.subarray(1, 1 + 8 * 60_001), 8],
      ["float32 at byte offset 3, 2 trailing bytes", big.subarray(3, 3 + 4 * 90_001 + 2), 4],
      ["float64, 5 trailing bytes", big.subarray(8, 8 + 8 * 33_339 + 5), 8],
      ["float64, 15 elements", big.subarray(0, 8 * 15), 8],
      ["float32, 17 elements", big.subarray(0, 4 * 17), 4],
      ["float64, 31 elements, offset 4", big.subarray(4, 4 + 8 * 31), 8],
    ];
    for (const clevel of [5, 1, 9]) {
      for (const [name, bytes, ts] of inputs) {
        setSimdShuffle(false);
        const js = Buffer.from(encodeBloscLz4(bytes, ts, clevel));
        setSimdShuffle(true, false);
        const shuffled = Buffer.from(encodeBloscLz4(bytes, ts, clevel));
        setSimdShuffle(true);
        const simd = Buffer.from(encodeBloscLz4(bytes, ts, clevel));
        expect(shuffled.equals(js), `${name} at clevel ${clevel} (SIMD shuffle, TypeScript LZ4)`).toBe(true);
        expect(simd.equals(js), `${name} at clevel ${clevel}`).toBe(true);
        expect(Buffer.from(decodeBlosc(simd)!).equals(Buffer.from(bytes)), `${name} at clevel ${clevel}`).toBe(true);
      }
    }
    // the noisy float64 has raw streams in a compressed (not memcpyed) frame
    const frame = encodeBloscLz4(big, 8);
    expect(frame[2]! & 0x02).toBe(0);
    expect(frame.length).toBeLessThan(big.length * 0.8);
  });

  it("a constant input (a chunk of fill values) gets the same frame from the encoder's cache as a fresh encoding", async () => {
    const { encodeBloscLz4 } = await import("../../src/formats/zarr/blosc-encode.js");
    const { decodeBlosc } = await import("../../src/formats/zarr/blosc.js");
    const Blosc = (await import("numcodecs/blosc")).default;
    const ref = Blosc.fromConfig({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 });
    const inputs: Array<[string, Uint8Array, number]> = [
      ["NaN float32", new Uint8Array(new Float32Array(49_400).fill(Number.NaN).buffer), 4],
      ["-999 float64", new Uint8Array(new Float64Array(20_001).fill(-999).buffer), 8],
      ["int16", new Uint8Array(new Int16Array(30_001).fill(-32768).buffer), 2],
      ["bytes", new Uint8Array(70_000).fill(7), 1],
      // a 4-byte pattern seen as 3-byte elements at an odd offset: not constant (encoded afresh)
      ["3-byte view", new Uint8Array(new Float32Array(10_001).fill(1.5).buffer).subarray(1, 30_001), 3],
    ];
    for (const [name, bytes, ts] of inputs) {
      const first = Buffer.from(encodeBloscLz4(bytes, ts));
      const again = Buffer.from(encodeBloscLz4(bytes, ts));
      expect(again.equals(first), name).toBe(true);
      expect(Buffer.from(decodeBlosc(again)!).equals(Buffer.from(bytes)), name).toBe(true);
      expect(Buffer.from(await ref.decode(again)).equals(Buffer.from(bytes)), name).toBe(true);
      // one element different (the last): encoded afresh, not taken for the constant
      const other = bytes.slice();
      other[other.length - 1]! ^= 1;
      expect(Buffer.from(decodeBlosc(encodeBloscLz4(other, ts))!).equals(Buffer.from(other)), name).toBe(true);
      // one element different between the probed ones (the second): found by the scan
      const second = bytes.slice();
      second[ts]! ^= 1;
      expect(Buffer.from(decodeBlosc(encodeBloscLz4(second, ts))!).equals(Buffer.from(second)), name).toBe(true);
      expect(Buffer.from(decodeBlosc(encodeBloscLz4(bytes, ts))!).equals(Buffer.from(bytes)), name).toBe(true);
    }
    // another length of the same value is another frame
    const shorter = new Uint8Array(new Float32Array(49_000).fill(Number.NaN).buffer);
    expect(Buffer.from(decodeBlosc(encodeBloscLz4(shorter, 4))!).equals(Buffer.from(shorter))).toBe(true);
  });

  it.skipIf(!hasPython)("frames decode with Debian's numcodecs (native c-blosc)", async () => {
    const { encodeBloscLz4 } = await import("../../src/formats/zarr/blosc-encode.js");
    const { writeFile } = await import("node:fs/promises");
    const paths: string[] = [];
    // (not the empty input: numcodecs refuses to decompress even c-blosc's own empty frames; Zarr chunks are never empty)
    const some = cases.filter(([, bytes]) => bytes.length > 0);
    for (const [i, [, bytes, ts]] of some.entries()) {
      const p = join(dir, `frame-${i}`);
      await writeFile(p, encodeBloscLz4(bytes, ts));
      await writeFile(`${p}.raw`, bytes);
      paths.push(p);
    }
    const res = python(
      `import sys, json
from numcodecs import blosc
print(json.dumps([bytes(blosc.decompress(open(p, "rb").read())) == open(p + ".raw", "rb").read() for p in sys.argv[1:]]))`,
      ...paths,
    );
    expect(JSON.parse(res)).toEqual(some.map(() => true));
  });
});

function memVar(name: string, values: number[]): Variable {
  const data = new Float64Array(values);
  return new Variable({
    name,
    dims: ["n"],
    shape: [values.length],
    dtype: "float64",
    read: async (sel) => {
      const [a, b] = (sel[0] as [number, number] | undefined) ?? [0, values.length];
      return { data: data.slice(a, b), shape: [b - a], dtype: "float64" };
    },
  });
}
