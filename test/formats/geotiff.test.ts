// GeoTIFF/COG reader against GDAL for every file of shared/data/geotiff.
// Reference values: test/fixtures/tiff-expected/<name>.json, made once by
// test/fixtures/tiff-expected/make_expected.py with Debian's GDAL 3.6 (gdalinfo -json + osgeo.gdal ReadAsArray).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { FileFileSystem } from "../../src/fs/file.js";
import type { FileSystem } from "../../src/fs/types.js";
import { crsFromGeoKeys, openGeoTiff } from "../../src/formats/geotiff.js";
import { getFormatReader } from "../../src/formats/registry.js";

const DATA = fileURLToPath(new URL("../../../shared/data/geotiff/", import.meta.url));
const FIX = fileURLToPath(new URL("../fixtures/tiff-expected/", import.meta.url));
const FILES = ["RGB.byte.tif", "cogeo.tif", "goes.tif", "sample-cog.tif", "shade.tif", "world.byte.tif"];
/** JPEG-compressed files: GDAL (libjpeg, fancy chroma upsampling) and geotiff.js decode slightly differently. */
const JPEG = new Set(["cogeo.tif", "goes.tif"]);

// biome-ignore lint/suspicious/noExplicitAny: expected values read from JSON fixtures, walked by key
type Json = Record<string, any>;
const load = async (name: string): Promise<Json> => JSON.parse(await readFile(join(FIX, name.replace(/\.tif$/, ".json")), "utf8"));
const fs = new FileFileSystem(DATA, { readOnly: true });

function countingFs(inner: FileSystem): FileSystem & { ranges: [number, number][] } {
  const ranges: [number, number][] = [];
  return {
    root: inner.root,
    ranges,
    get: (k, o) => inner.get(k, o),
    getRange: async (k, off, len, o) => {
      const r = await inner.getRange(k, off, len, o);
      ranges.push([off, off + r.length]);
      return r;
    },
    put: (k, d, o) => inner.put(k, d, o),
    list: (k, o) => inner.list(k, o),
    delete: (k, o) => inner.delete(k, o),
    exists: (k, o) => inner.exists(k, o),
  };
}

describe.each(FILES)("geotiff reader: %s", (file) => {
  it("matches gdalinfo: size, geotransform, CRS, dtype, nodata, overviews", async () => {
    const exp = await load(file);
    const ds = await (await getFormatReader("geotiff")).open(fs, file);
    const [w, h] = exp.size as [number, number];
    expect(ds.dims).toEqual({ band: exp.bands.length, x: w, y: h });
    const v = ds.variable("band_data");
    expect(v.dims).toEqual(["band", "y", "x"]);
    expect(v.dtype).toBe("uint8");
    expect(exp.bands.every((b: Json) => b.type === "Byte")).toBe(true);
    expect(v.attrs._FillValue).toBe(exp.bands[0].noDataValue ?? undefined);
    expect(v.attrs.grid_mapping).toBe("spatial_ref");
    expect(v.attrs.AREA_OR_POINT).toBe(exp.areaOrPoint);
    expect(v.chunks).toEqual([1, Math.min(exp.block[1], h), Math.min(exp.block[0], w)]);
    const sr = ds.variable("spatial_ref");
    expect(sr.dims).toEqual([]);
    expect(String(sr.attrs.GeoTransform).split(" ").map(Number)).toEqual(exp.geoTransform);
    expect(sr.attrs.epsg).toBe(exp.epsg ?? undefined);
    expect(sr.attrs.proj4).toBe(exp.proj4.trim());
    expect(typeof sr.attrs.crs_wkt).toBe("string");
    expect(sr.attrs.spatial_ref).toBe(sr.attrs.crs_wkt);
    // band 1..N; x, y = pixel centres from the geotransform
    const band = await ds.variable("band").read();
    expect(Array.from(band.data as BigInt64Array, Number)).toEqual(exp.bands.map((_: unknown, i: number) => i + 1));
    const gt = exp.geoTransform as number[];
    const x = (await ds.variable("x").read()).data as Float64Array;
    const y = (await ds.variable("y").read()).data as Float64Array;
    expect(x[0]).toBeCloseTo(gt[0]! + 0.5 * gt[1]!, 6);
    expect(x[w - 1]).toBeCloseTo(gt[0]! + (w - 0.5) * gt[1]!, 6);
    expect(y[0]).toBeCloseTo(gt[3]! + 0.5 * gt[5]!, 6);
    expect(y[h - 1]).toBeCloseTo(gt[3]! + (h - 0.5) * gt[5]!, 6);
    expect(ds.overviews.map((o) => [o.dims.x, o.dims.y])).toEqual(exp.overviews.map((o: Json) => o.size));
    for (const o of ds.overviews) {
      const ogt = String(o.variable("spatial_ref").attrs.GeoTransform).split(" ").map(Number);
      expect(ogt[0]).toBeCloseTo(gt[0]!, 6);
      expect(ogt[3]).toBeCloseTo(gt[3]!, 6);
      expect(ogt[1]! * o.dims.x!).toBeCloseTo(gt[1]! * w, 3);
      expect(ogt[5]! * o.dims.y!).toBeCloseTo(gt[5]! * h, 3);
    }
  });

  it("reads GDAL's pixel values (full image and overviews)", async () => {
    const exp = await load(file);
    const ds = await openGeoTiff(fs, file);
    const levels = [ds, ...ds.overviews];
    const expLevels = [exp, ...exp.overviews];
    for (let l = 0; l < levels.length; l++) {
      const v = levels[l]!.variable("band_data");
      for (const win of expLevels[l].windows as Json[]) {
        const [xo, yo, xs, ys] = win.window as number[];
        const r = await v.read([null, [yo!, yo! + ys!], [xo!, xo! + xs!]]);
        expect(r.shape).toEqual([v.shape[0], ys, xs]);
        const got = Array.from(r.data as Uint8Array);
        if (!JPEG.has(file)) {
          expect(got, `level ${l} window ${win.window}`).toEqual(win.values);
        } else {
          const diffs = got.map((g, i) => Math.abs(g - win.values[i]));
          expect(Math.max(...diffs), `level ${l} window ${win.window}`).toBeLessThanOrEqual(12);
          expect(diffs.reduce((a, b) => a + b, 0) / diffs.length).toBeLessThanOrEqual(3);
        }
      }
    }
    // a single band, a single row
    const one = await ds.variable("band_data").read([0, 3, [0, 4]]);
    expect(one.shape).toEqual([4]);
  });
});

describe("geotiff reader: range reads", () => {
  it("reads only the tiles of the window of a COG (through getRange)", async () => {
    const cfs = countingFs(fs);
    const ds = await openGeoTiff(cfs, "sample-cog.tif");
    const headerReads = cfs.ranges.length;
    expect(headerReads).toBeGreaterThan(0);
    // the tile byte ranges, from the TIFF itself
    const { GeoTIFF } = await import("geotiff");
    const buf = await readFile(join(DATA, "sample-cog.tif"));
    const tiff = await GeoTIFF.fromSource({
      fileSize: buf.length,
      fetch: async (slices: { offset: number; length: number }[]) =>
        slices.map((s) => buf.buffer.slice(buf.byteOffset + s.offset, buf.byteOffset + s.offset + s.length)),
      close: async () => {},
    } as never);
    const img = await tiff.getImage(0);
    const offsets = Array.from((await img.getFileDirectory().loadValue("TileOffsets")) as ArrayLike<number>, Number);
    const counts = Array.from((await img.getFileDirectory().loadValue("TileByteCounts")) as ArrayLike<number>, Number);
    const tilesAcross = Math.ceil(343 / 128);
    const tileRange = (tx: number, ty: number): [number, number] => {
      const i = ty * tilesAcross + tx;
      return [offsets[i]!, offsets[i]! + counts[i]!];
    };
    cfs.ranges.length = 0;
    // rows 130..140, cols 250..260: tile (1, 1) and (2, 1)
    await ds.variable("band_data").read([null, [130, 140], [250, 260]]);
    const wanted = [tileRange(1, 1), tileRange(2, 1)];
    expect(cfs.ranges.length).toBeGreaterThan(0);
    for (const [a, b] of cfs.ranges) {
      expect(
        wanted.some(([s, e]) => a >= s && b <= e),
        `range ${a}-${b} outside the window's tiles`,
      ).toBe(true);
    }
    const fetched = cfs.ranges.map(([a, b]) => `${a}-${b}`).sort();
    expect(new Set(fetched)).toEqual(new Set(wanted.map(([a, b]) => `${a}-${b}`)));
  });
});

describe("geotiff reader: CRS from GeoKeys", () => {
  it("uses EPSG codes and the ESRI PE string of user-defined CRSs", async () => {
    const utm = await crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32633 });
    expect(utm).toMatchObject({ epsg: 32633, proj4: "+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs", isGeographic: false });
    expect(utm.wkt).toMatch(/^PROJCS\["WGS 84 \/ UTM zone 33N"/);
    const geo = await crsFromGeoKeys({ GTModelTypeGeoKey: 2, GeographicTypeGeoKey: 4326 });
    expect(geo).toMatchObject({ epsg: 4326, isGeographic: true });
    const ds = await openGeoTiff(fs, "goes.tif");
    const sr = ds.variable("spatial_ref").attrs;
    expect(sr.epsg).toBeUndefined();
    expect(sr.crs_wkt).toMatch(/^PROJCS\["unnamed".*Geostationary_Satellite/);
  });
});

describe("geotiff reader: bad input", () => {
  let dir: string;
  let tfs: FileFileSystem;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "eocube-tiff-"));
    tfs = new FileFileSystem(dir);
    const cog = await readFile(join(DATA, "sample-cog.tif"));
    await writeFile(join(dir, "truncated.tif"), cog.subarray(0, 60_000));
    await writeFile(join(dir, "not-a.tif"), "this is not a TIFF at all, just text");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => "ok",
      (e: unknown) => (isEocubeError(e) ? `${e.code} ${e.path}` : String(e)),
    );

  it("missing file → NOT_FOUND", async () => {
    expect(await codeOf(openGeoTiff(tfs, "missing.tif"))).toMatch(/^NOT_FOUND .*missing\.tif/);
  });
  it("not a TIFF → CORRUPT_DATA", async () => {
    expect(await codeOf(openGeoTiff(tfs, "not-a.tif"))).toMatch(/^CORRUPT_DATA .*not-a\.tif/);
  });
  it("truncated COG → CORRUPT_DATA when reading the missing tiles", async () => {
    const ds = await openGeoTiff(tfs, "truncated.tif");
    expect(await codeOf(ds.variable("band_data").read([null, [300, 343], [300, 343]]))).toMatch(/^CORRUPT_DATA .*truncated\.tif/);
  });
  it("truncated COG → the message says so (the decoder's cause is not lost)", async () => {
    const ds = await openGeoTiff(tfs, "truncated.tif");
    const err = await ds
      .variable("band_data")
      .read([null, [300, 343], [300, 343]])
      .catch((e: unknown) => e);
    expect(isEocubeError(err, "CORRUPT_DATA")).toBe(true);
    expect((err as Error).message).toMatch(
      /^cannot decode the tiles of .*truncated\.tif: the file is truncated \(a tile needs bytes \d+…\d+ but the file ends (at|before) byte \d+\)$/,
    );
    expect((err as Error).message).not.toContain("undefined");
  });
  it("truncated LZW strips (whose decoder only warns) → CORRUPT_DATA, not zeros", async () => {
    const tif = await readFile(join(DATA, "world.byte.tif"));
    await writeFile(join(dir, "world-cut.tif"), tif.subarray(0, 50_000));
    const ds = await openGeoTiff(tfs, "world-cut.tif");
    const err = await ds
      .variable("band_data")
      .read()
      .catch((e: unknown) => e);
    expect(isEocubeError(err, "CORRUPT_DATA")).toBe(true);
    expect((err as Error).message).toContain("the file is truncated");
  });
});
