// Hostile files served beside a real cube by a real `eocube serve` process (test/server/child-server.ts):
// a GeoTIFF whose next-IFD pointer loops, a sparse 200,000 × 100,000 BigTIFF without overviews (GDAL), a
// NetCDF4 variable of 1e6 × 1e6 in unwritten chunks (python3 netCDF4), Zarr arrays with 1 × 1 chunks and
// with one chunk of 1e12 values, a Zarr chunk that inflates to 2 GiB, and Zarr variables of unreadable data
// types. The real cube keeps answering, each hostile file gets a clear {code, message}, tiles of huge rasters
// are decimated pictures (or 413 naming the size), and the server's RSS stays bounded (issue 10).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createGzip } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePng, DATA } from "./helpers.js";
import { startChildServer, type ChildServer } from "./serve-process.js";

const GiB = 1024 ** 3;
const work = mkdtempSync(join(tmpdir(), "eocube-hostile-serve-"));
let server: ChildServer;

const put = (path: string, data: string | Uint8Array) => {
  mkdirSync(dirname(join(work, path)), { recursive: true });
  writeFileSync(join(work, path), data);
};
const f8 = (values: ArrayLike<number>) => new Uint8Array(Float64Array.from(values).buffer);
/** n pixel centres from `start` in steps of `step`. */
const centres = (n: number, start: number, step: number) => Float64Array.from({ length: n }, (_, i) => start + (i + 0.5) * step);

/** A v2 Zarr group `name` with 1-D `lat`/`lon` coordinates (one uncompressed chunk each) and the given arrays. */
function zarrGroup(name: string, lat: Float64Array, lon: Float64Array, arrays: Record<string, Record<string, unknown>>): void {
  put(`${name}/.zgroup`, JSON.stringify({ zarr_format: 2 }));
  put(`${name}/.zattrs`, "{}");
  for (const [dim, values, units] of [
    ["lat", lat, "degrees_north"],
    ["lon", lon, "degrees_east"],
  ] as const) {
    put(
      `${name}/${dim}/.zarray`,
      JSON.stringify({
        zarr_format: 2,
        shape: [values.length],
        chunks: [values.length],
        dtype: "<f8",
        compressor: null,
        fill_value: null,
        filters: null,
        order: "C",
      }),
    );
    put(`${name}/${dim}/.zattrs`, JSON.stringify({ _ARRAY_DIMENSIONS: [dim], units }));
    put(`${name}/${dim}/0`, f8(values));
  }
  for (const [v, meta] of Object.entries(arrays)) {
    put(
      `${name}/${v}/.zarray`,
      JSON.stringify({ zarr_format: 2, compressor: null, fill_value: "NaN", filters: null, order: "C", ...meta }),
    );
    put(`${name}/${v}/.zattrs`, JSON.stringify({ _ARRAY_DIMENSIONS: ["lat", "lon"] }));
  }
}

/** `bytes` zeros gzipped as a stream, 1 MiB at a time. */
function gzipZeros(bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = createGzip({ level: 1 });
    const parts: Buffer[] = [];
    z.on("data", (d: Buffer) => parts.push(d));
    z.on("end", () => resolve(Buffer.concat(parts)));
    z.on("error", reject);
    const zeros = Buffer.alloc(1024 ** 2);
    let left = bytes / zeros.length;
    const write = () => {
      while (left > 0) {
        left--;
        if (!z.write(zeros)) return void z.once("drain", write);
      }
      z.end();
    };
    write();
  });
}

const NC_SCRIPT = `
import sys, netCDF4, numpy as np
ds = netCDF4.Dataset(sys.argv[1], "w")
n = 1000000
ds.createDimension("lat", n); ds.createDimension("lon", n)
lat = ds.createVariable("lat", "f8", ("lat",)); lat.units = "degrees_north"
lon = ds.createVariable("lon", "f8", ("lon",)); lon.units = "degrees_east"
lat[:] = 90 - (np.arange(n) + 0.5) * (180 / n)
lon[:] = -180 + (np.arange(n) + 0.5) * (360 / n)
v = ds.createVariable("v", "f4", ("lat", "lon"), zlib=True, fill_value=np.float32(np.nan))
v[0:4, 0:4] = np.ones((4, 4), "f4")
ds.close()
`;

beforeAll(async () => {
  // a GeoTIFF whose only IFD points back to itself
  const gdal = (...args: string[]) => execFileSync("gdal_create", ["-of", "GTiff", "-a_srs", "EPSG:4326", ...args], { stdio: "ignore" });
  gdal("-outsize", "64", "32", "-ot", "Byte", "-burn", "7", "-a_ullr", "0", "10", "20", "0", join(work, "loop.tif"));
  const b = await readFile(join(work, "loop.tif"));
  const ifd = b.readUInt32LE(4);
  b.writeUInt32LE(ifd, ifd + 2 + b.readUInt16LE(ifd) * 12);
  await writeFile(join(work, "loop.tif"), b);
  // the sparse BigTIFF (georeferenced so that it can be tiled)
  gdal(
    "-outsize",
    "200000",
    "100000",
    "-ot",
    "Float32",
    "-co",
    "TILED=YES",
    "-co",
    "SPARSE_OK=TRUE",
    "-co",
    "BIGTIFF=YES",
    "-a_ullr",
    "-180",
    "90",
    "180",
    "-90",
    join(work, "big.tif"),
  );
  // NetCDF4: 1e6 × 1e6 float32 in netCDF-C's default chunks, all but one unwritten
  const py = spawnSync("/usr/bin/python3", ["-c", NC_SCRIPT, join(work, "big.nc")], { encoding: "utf8" });
  expect(py.status, py.stderr).toBe(0);
  // Zarr: 1000 × 2000 in 1 × 1 chunks (a 10 × 10 corner stored)
  zarrGroup("ones.zarr", centres(1000, 60, -0.01), centres(2000, 0, 0.01), { v: { shape: [1000, 2000], chunks: [1, 1], dtype: "<f4" } });
  for (let r = 0; r < 10; r++) for (let c = 0; c < 10; c++) put(`ones.zarr/v/${r}.${c}`, new Uint8Array(new Float32Array([r + c]).buffer));
  // Zarr: 1e6 × 1e6 in one chunk of 1e12 values, which is stored
  zarrGroup("huge.zarr", centres(1e6, 90, -180 / 1e6), centres(1e6, -180, 360 / 1e6), {
    v: { shape: [1e6, 1e6], chunks: [1e6, 1e6], dtype: "<f4", compressor: { id: "zlib", level: 1 } },
  });
  put("huge.zarr/v/0.0", new Uint8Array([0x78, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
  // Zarr: a gzip chunk declared 4 MiB that inflates to 2 GiB
  zarrGroup("bomb.zarr", centres(1024, 10, -0.01), centres(1024, 0, 0.01), {
    v: { shape: [1024, 1024], chunks: [1024, 1024], dtype: "<f4", compressor: { id: "gzip", level: 1 } },
  });
  put("bomb.zarr/v/0.0", await gzipZeros(2 * GiB));
  // Zarr: variables of data types eocube cannot read, beside a good one
  zarrGroup("types.zarr", centres(2, 11, -1), centres(3, 20, 1), {
    good: { shape: [2, 3], chunks: [2, 3], dtype: "<f4" },
    f16: { shape: [2, 3], chunks: [2, 3], dtype: "<f16" },
    void: { shape: [2, 3], chunks: [2, 3], dtype: "|V7" },
    strings: { shape: [2, 3], chunks: [2, 3], dtype: "|O", filters: [{ id: "vlen-utf8" }], fill_value: null },
  });
  put("types.zarr/good/0.0", new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer));

  server = await startChildServer({
    DatasetChunkCacheSize: 64 * 1024 ** 2,
    // the test checks answers and memory, not speed: a loaded machine must not turn a slow tile into a 504
    RequestTimeout: 120_000,
    Datasets: [
      { Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` },
      ...["loop.tif", "big.tif", "big.nc", "ones.zarr", "huge.zarr", "bomb.zarr", "types.zarr"].map((f) => ({
        Identifier: f.replace(".", "_"),
        Path: join(work, f),
      })),
    ],
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are walked by field name
type Json = any;

const get = (path: string) => fetch(`${server.url}${path}`);
async function json(path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, Json> }> {
  const r = await fetch(`${server.url}${path}`, init);
  return { status: r.status, body: (await r.json()) as Record<string, Json> };
}
async function png(path: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const r = await get(path);
  const bytes = new Uint8Array(await r.arrayBuffer());
  expect(r.status, `${path}: ${new TextDecoder().decode(bytes.slice(0, 300))}`).toBe(200);
  expect(r.headers.get("content-type")).toBe("image/png");
  const img = decodePng(bytes);
  // RGBA, as every tile is
  expect(img.channels).toBe(4);
  return { width: img.width, height: img.height, data: img.pixels };
}
const REAL_TILE = "/tiles/olci/conc_chl/8/84/128?crs=EPSG:3857&time=2017-01-16&vmin=0&vmax=20";
let realTile: Uint8Array;
let maxRss = 0;
async function rss(): Promise<number> {
  const h = (await json("/health")).body as { rssBytes: number };
  maxRss = Math.max(maxRss, h.rssBytes);
  return h.rssBytes;
}
/** Resident set sizes of the server's child processes (the HDF5 worker), from /proc. */
function childRss(): number[] {
  const out = spawnSync("pgrep", ["-P", String(server.pid)], { encoding: "utf8" }).stdout.trim();
  return out
    ? out.split("\n").map((pid) => {
        try {
          const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
          return m ? Number(m[1]) * 1024 : 0;
        } catch {
          return 0;
        }
      })
    : [];
}

describe("hostile files beside a real cube in a real server", () => {
  it("the real cube answers first", async () => {
    expect((await json("/datasets/olci")).status).toBe(200);
    realTile = (await png(REAL_TILE)).data;
    await rss();
  });

  it("a looping IFD chain: 422 CORRUPT_DATA naming the file, for describe and tiles", async () => {
    for (const path of ["/datasets/loop_tif", "/tiles/loop_tif/band_data/0/0/0?crs=EPSG:3857"]) {
      const r = await json(path);
      expect(r.status).toBe(422);
      expect(r.body.code).toBe("CORRUPT_DATA");
      expect(r.body.message).toMatch(/loop\.tif is not a readable TIFF: the next-IFD pointer of IFD 0 loops back/);
    }
  });

  it("a 200,000 × 100,000 BigTIFF without overviews: z0 and z3 tiles and WMTS are decimated pictures, memory bounded", async () => {
    for (const path of [
      "/tiles/big_tif/band_data/0/0/0?crs=EPSG:3857&vmin=-1&vmax=1",
      "/tiles/big_tif/band_data/3/3/4?crs=CRS84&vmin=-1&vmax=1",
      "/wmts/1.0.0/tile/big_tif/band_data/WorldWebMercatorQuad/1/0/1.png?vmin=-1&vmax=1",
    ]) {
      const img = await png(path);
      expect([img.width, img.height]).toEqual([256, 256]);
      // the sparse file is all 0: every pixel drawn, in one colour
      expect(img.data[3]).toBe(255);
      expect(img.data.slice(0, 4)).toEqual(img.data.slice(img.data.length - 4));
    }
    expect(await rss()).toBeLessThan(1.5 * GiB);
  }, 120_000);

  it("statistics over the whole BigTIFF: 413 TOO_LARGE naming the window; a point still answers", async () => {
    const all = {
      type: "Polygon",
      coordinates: [
        [
          [-179, -89],
          [179, -89],
          [179, 89],
          [-179, 89],
          [-179, -89],
        ],
      ],
    };
    const r = await json("/statistics/big_tif/band_data", {
      method: "POST",
      body: JSON.stringify(all),
      headers: { "content-type": "application/json" },
    });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe("TOO_LARGE");
    expect(r.body.message).toMatch(/pixel/);
    const p = await json("/statistics/big_tif/band_data?lon=10.5&lat=20.5");
    expect(p.status).toBe(200);
    expect(p.body.result.value).toBe(0);
  });

  it("a NetCDF4 variable of 1e6 × 1e6: tiles answer (transparent where unwritten), the HDF5 worker stays bounded", async () => {
    for (const path of ["/tiles/big_nc/v/0/0/0?crs=EPSG:3857", "/tiles/big_nc/v/3/2/3?crs=EPSG:3857"]) {
      const img = await png(path);
      expect(img.width).toBe(256);
    }
    for (const w of childRss()) expect(w).toBeLessThan(1.5 * GiB);
    expect(await rss()).toBeLessThan(1.5 * GiB);
  }, 120_000);

  it("Zarr in 1 × 1 chunks: a z0 tile and a deep tile answer with a picture", async () => {
    await png("/tiles/ones_zarr/v/0/0/0?crs=EPSG:3857&vmin=0&vmax=20");
    // the stored corner (lat 60…59.9, lon 0…0.1) at z12
    const img = await png("/tiles/ones_zarr/v/12/1190/2048?crs=EPSG:3857&vmin=0&vmax=20");
    expect(img.data.some((v, i) => i % 4 === 3 && v === 255)).toBe(true);
  }, 120_000);

  it("Zarr with one stored chunk of 1e12 values: 413 TOO_LARGE naming the chunk's size", async () => {
    for (const path of ["/tiles/huge_zarr/v/0/0/0?crs=EPSG:3857", "/statistics/huge_zarr/v?lon=1&lat=1"]) {
      const r = await json(path);
      expect(r.status, JSON.stringify(r.body)).toBe(413);
      expect(r.body.code).toBe("TOO_LARGE");
      expect(r.body.message).toMatch(/3\.6 TiB/);
    }
  });

  it("a gzip chunk inflating to 2 GiB: 422 CORRUPT_DATA naming the chunk, RSS bounded", async () => {
    const r = await json("/tiles/bomb_zarr/v/5/15/16?crs=EPSG:3857");
    expect(r.status).toBe(422);
    expect(r.body.code).toBe("CORRUPT_DATA");
    expect(r.body.message).toMatch(/bomb\.zarr\/v\/0\.0.*gzip data inflates to more than the chunk's 4\.\d MiB/);
    expect(await rss()).toBeLessThan(1.5 * GiB);
  });

  it("variables of unreadable data types are listed as skipped with the reason, and refused by name", async () => {
    const d = await json("/datasets/types_zarr");
    expect(d.status).toBe(200);
    expect(d.body.variables.map((v: { name: string }) => v.name)).toEqual(["good"]);
    const skipped = Object.fromEntries((d.body.skippedVariables as { name: string; reason: string }[]).map((s) => [s.name, s.reason]));
    expect(Object.keys(skipped).sort()).toEqual(["f16", "strings", "void"]);
    expect(skipped.f16).toMatch(/stored data type "<f16" \(128-bit floating point numbers\) cannot be read/);
    expect(skipped.void).toMatch(/"\|V7" \(raw records of 7 bytes/);
    expect(skipped.strings).toMatch(/holds objects, not numbers/);
    const t = await json("/tiles/types_zarr/f16/0/0/0?crs=EPSG:3857");
    expect(t.status).toBe(501);
    expect(t.body.code).toBe("UNSUPPORTED");
    expect(t.body.message).toMatch(/variable "f16" of dataset types_zarr is not served: its stored data type "<f16"/);
    await png("/tiles/types_zarr/good/0/0/0?crs=EPSG:3857&vmin=0&vmax=6");
  });

  it("the real cube still answers the same tile, and the server never grew past the bound", async () => {
    expect((await png(REAL_TILE)).data).toEqual(realTile);
    expect((await json("/datasets/olci")).status).toBe(200);
    await rss();
    expect(maxRss).toBeLessThan(1.5 * GiB);
  });
});
