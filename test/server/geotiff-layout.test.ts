// The layout of the served GeoTIFFs (server/geotiff-layout.ts), read by real GDAL: a small file written tile by tile
// from the layout gives every pixel of every band and overview back; a BigTIFF of 19.6 GB (sparse on disk) opens
// with its size, bands, overviews and CRS; tileAt finds the tile of any byte.
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { geoTiffLayout, tileAt, type GeoTiffSpec } from "../../src/server/geotiff-layout.js";
import { runPython } from "./python-clients.js";

interface GdalOut {
  driver: string;
  width: number;
  height: number;
  count: number;
  geotransform: number[];
  epsg: string | null;
  metadata: Record<string, string>;
  bands: { description: string; dtype: string; overviews: number; nodata: number | null; values: (number | null)[] }[];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "eocube-geotiff-layout-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SPEC: GeoTiffSpec = {
  levels: [
    { width: 300, height: 200 },
    { width: 150, height: 100 },
  ],
  bands: 3,
  sampleType: "float32",
  georef: { x0: 10, y1: 60, dx: 0.5, dy: 0.25, epsg: 4326, geographic: true },
  gdalMetadata:
    '<GDALMetadata><Item name="DESCRIPTION" sample="1" role="description">second</Item><Item name="variable">v</Item></GDALMetadata>',
  nodata: "nan",
};
/** The value written at a pixel: level, band, row and column in its digits (exact in float32). */
const value = (level: number, band: number, row: number, col: number) => level * 4_000_000 + band * 1_000_000 + row * 1000 + col;

describe("geoTiffLayout", () => {
  it("places every tile where its TileOffsets say: GDAL reads each band and overview back", async () => {
    const layout = geoTiffLayout(SPEC);
    expect(layout.bigTiff).toBe(false);
    const file = new Uint8Array(layout.size);
    file.set(layout.header);
    const T = layout.tileSize;
    for (const [li, l] of layout.levels.entries()) {
      for (let b = 0; b < SPEC.bands; b++) {
        for (let ty = 0; ty < l.tilesDown; ty++) {
          for (let tx = 0; tx < l.tilesAcross; tx++) {
            const start = l.dataOffset + (b * l.tilesAcross * l.tilesDown + ty * l.tilesAcross + tx) * layout.tileBytes;
            expect(tileAt(layout, start + 5)).toEqual({ level: li, band: b, ty, tx, start });
            const tile = new Float32Array(T * T).fill(Number.NaN);
            for (let r = 0; r < T; r++)
              for (let c = 0; c < T; c++)
                if (ty * T + r < l.height && tx * T + c < l.width) tile[r * T + c] = value(li, b, ty * T + r, tx * T + c);
            file.set(new Uint8Array(tile.buffer), start);
          }
        }
      }
    }
    expect(tileAt(layout, 0)).toBeUndefined();
    expect(tileAt(layout, layout.size)).toBeUndefined();
    const path = join(dir, "small.tif");
    await writeFile(path, file);
    const base = await runPython<GdalOut>("gdal_read.py", { name: path, bands: [1, 2, 3] });
    expect(base).toMatchObject({
      driver: "GTiff",
      width: 300,
      height: 200,
      count: 3,
      epsg: "4326",
      geotransform: [10, 0.5, 0, 60, 0, -0.25],
    });
    expect(base.metadata).toMatchObject({ variable: "v" });
    expect(base.bands[1]).toMatchObject({ description: "second", dtype: "Float32", overviews: 1 });
    expect(base.bands[0]!.nodata).toBeNull(); // NaN (printed as null)
    for (const [b, band] of base.bands.entries()) {
      expect(band.values).toHaveLength(300 * 200);
      for (const [r, c] of [
        [0, 0],
        [0, 299],
        [199, 0],
        [199, 299],
        [255 % 200, 256],
        [100, 150],
      ] as const) {
        expect(band.values[r * 300 + c], `band ${b} (${r}, ${c})`).toBe(value(0, b, r, c));
      }
    }
    const ovr = await runPython<GdalOut>("gdal_read.py", { name: path, bands: [3], overview: 0 });
    expect(ovr.bands[0]!.values).toHaveLength(150 * 100);
    expect(ovr.bands[0]!.values[99 * 150 + 149]).toBe(value(1, 2, 99, 149));
  }, 60_000);

  it("switches to BigTIFF past 4 GiB; GDAL opens it (a sparse file of 19.6 GB)", async () => {
    const spec: GeoTiffSpec = {
      levels: [70000, 35000, 17500].map((n) => ({ width: n, height: n })),
      bands: 1,
      sampleType: "float32",
      georef: { x0: 500000, y1: 7000000, dx: 10, dy: 10, epsg: 32633, geographic: false },
    };
    const layout = geoTiffLayout(spec);
    expect(layout.bigTiff).toBe(true);
    expect(layout.size).toBeGreaterThan(2 ** 32);
    const path = join(dir, "big.tif");
    const fh = await open(path, "w");
    try {
      await fh.write(layout.header, 0, layout.header.length, 0);
      await fh.truncate(layout.size);
    } finally {
      await fh.close();
    }
    const out = await runPython<GdalOut>("gdal_read.py", { name: path, window: [69990, 69990, 2, 2], bands: [1] });
    expect(out).toMatchObject({ width: 70000, height: 70000, count: 1, epsg: "32633", geotransform: [500000, 10, 0, 7000000, 0, -10] });
    expect(out.bands[0]).toMatchObject({ overviews: 2, values: [0, 0, 0, 0] });
    const last = tileAt(layout, layout.size - 1)!;
    expect(last).toMatchObject({ level: 2, band: 0, ty: Math.ceil(17500 / 256) - 1, tx: Math.ceil(17500 / 256) - 1 });
  }, 60_000);

  it("refuses band counts a TIFF cannot hold", () => {
    expect(() => geoTiffLayout({ ...SPEC, bands: 70000 })).toThrow(RangeError);
    expect(() => geoTiffLayout({ ...SPEC, levels: [{ width: 0, height: 5 }] })).toThrow(RangeError);
  });
});
