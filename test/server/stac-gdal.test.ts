// STAC as GDAL reads it, against a real server process on 127.0.0.1 serving ../shared/data: GDAL's STACIT driver
// opens a search of a dataset's collection and reads an asset (the served GeoTIFF) with the values of the source
// file as GDAL reads it directly; the GeoTIFF route answers HTTP Range requests as /vsicurl/ makes them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChildServer, type ChildServer } from "./serve-process.js";
import { DATA } from "./helpers.js";
import { runPython } from "./python-clients.js";

const OLCI = `${DATA}zarr/cube-1-250-250.zarr`;
const OSTIA = `${DATA}netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`;
const RGB = `${DATA}geotiff/RGB.byte.tif`;

interface GdalOut {
  driver: string;
  width: number;
  height: number;
  count: number;
  geotransform: number[];
  epsg: string | null;
  subdatasets: Record<string, string>;
  metadata: Record<string, string>;
  bands: { description: string; dtype: string; overviews: number; values: (number | null)[] }[];
}
interface CompareOut {
  geotransformA: number[];
  geotransformB: number[];
  pairs: { shapeA: number[]; shapeB: number[]; pixels: number; valid: number; nanMismatch: number; maxAbsDiff: number }[];
}

/** Geotransforms equal to 12 significant digits (GDAL derives some from coordinates, with rounding). */
function expectSameGrid(a: number[], b: number[]): void {
  expect(a).toHaveLength(6);
  for (const [i, x] of a.entries()) expect(x).toBeCloseTo(b[i]!, 12);
}

let server: ChildServer;
beforeAll(async () => {
  server = await startChildServer({
    Datasets: [
      { Identifier: "olci", Path: OLCI },
      { Identifier: "ostia", Path: OSTIA },
      { Identifier: "rgb", Path: RGB },
    ],
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const stacit = (collection: string, asset?: string) =>
  `STACIT:"${server.url}/ogc/search?collections=${collection}"${asset ? `:asset=${asset}` : ""}`;

describe("GDAL's STACIT driver", () => {
  it("lists a dataset collection's variables as subdatasets and reads one: every time step a band, the cube's grid", async () => {
    const list = await runPython<GdalOut>("gdal_read.py", { name: stacit("olci") });
    const names = Object.entries(list.subdatasets)
      .filter(([k]) => k.endsWith("_NAME"))
      .map(([, v]) => v);
    expect(names).toContain(stacit("olci", "conc_chl"));
    expect(names).toContain(stacit("olci", "kd489"));
    expect(names.join()).not.toMatch(/asset=(visual|thumbnail)/); // the XYZ assets are not rasters GDAL can open
    const out = await runPython<GdalOut>("gdal_read.py", { name: stacit("olci", "conc_chl"), window: [990, 490, 20, 20], bands: [1, 5] });
    expect(out).toMatchObject({ driver: "VRT", width: 2000, height: 1000, count: 5, epsg: "4326" });
    expect(out.geotransform).toEqual([0, 0.0025, 0, 52.5, 0, -0.0025]);
    expect(out.bands[0]!.values.filter((v) => v !== null).length).toBeGreaterThan(100);
  }, 120_000);

  it("reads the values of the source, as GDAL reads the Zarr cube directly, for the first and the last time step", async () => {
    const cmp = await runPython<CompareOut>("gdal_compare.py", {
      a: stacit("olci", "conc_chl"),
      b: `ZARR:"${OLCI}":/conc_chl:0`,
      pairs: [[1, 1]],
    });
    expectSameGrid(cmp.geotransformA, cmp.geotransformB);
    expect(cmp.pairs[0]).toMatchObject({ shapeA: [1000, 2000], shapeB: [1000, 2000], nanMismatch: 0, maxAbsDiff: 0 });
    expect(cmp.pairs[0]!.valid).toBeGreaterThan(100000);
    const last = await runPython<CompareOut>("gdal_compare.py", {
      a: stacit("olci", "conc_chl"),
      b: `ZARR:"${OLCI}":/conc_chl:4`,
      pairs: [[5, 1]],
    });
    expect(last.pairs[0]).toMatchObject({ nanMismatch: 0, maxAbsDiff: 0 });
  }, 120_000);

  it("reads a grid stored south-up with packed integers (OSTIA) north-up, as GDAL's netCDF driver gives it", async () => {
    const cmp = await runPython<CompareOut>("gdal_compare.py", {
      a: stacit("ostia", "analysed_sst"),
      b: `NETCDF:"${OSTIA}":analysed_sst`,
      pairs: [[1, 1]],
    });
    expectSameGrid(cmp.geotransformA, cmp.geotransformB);
    const p = cmp.pairs[0]!;
    expect(p).toMatchObject({ shapeA: [720, 1440], nanMismatch: 0 });
    expect(p.valid).toBeGreaterThan(500000);
    expect(p.maxAbsDiff).toBeLessThan(1e-4); // float32 of values near 300 K
  }, 120_000);

  it("finds no asset for a dataset without a time (it has no STAC item)", async () => {
    await expect(runPython("gdal_read.py", { name: stacit("rgb", "band_data") })).rejects.toThrow(/No compatible asset found/);
  }, 60_000);
});

describe("the GeoTIFF route", () => {
  const tif = (path: string) => `/vsicurl/${server.url}/geotiff/${path}`;

  it("gives a projected GeoTIFF (UTM 18N) with the source's grid and values, and the pyramid as overviews", async () => {
    const out = await runPython<GdalOut>("gdal_read.py", { name: tif("rgb/band_data.tif"), window: [0, 0, 1, 1], bands: [1] });
    expect(out).toMatchObject({ driver: "GTiff", width: 791, height: 718, count: 1, epsg: "32618" });
    expect(out.bands[0]).toMatchObject({ dtype: "Float32", overviews: 2 });
    const cmp = await runPython<CompareOut>("gdal_compare.py", { a: tif("rgb/band_data.tif"), b: RGB, pairs: [[1, 1]] });
    expectSameGrid(cmp.geotransformA, cmp.geotransformB);
    expect(cmp.pairs[0]).toMatchObject({ nanMismatch: 0, maxAbsDiff: 0 });
    const green = await runPython<CompareOut>("gdal_compare.py", { a: tif("rgb/band_data.tif?band=2"), b: RGB, pairs: [[1, 2]] });
    expect(green.pairs[0]).toMatchObject({ nanMismatch: 0, maxAbsDiff: 0 });
  }, 120_000);

  it("names its bands by time; ?time= gives the one nearest step", async () => {
    const all = await runPython<GdalOut>("gdal_read.py", { name: tif("olci/kd489.tif"), window: [0, 0, 1, 1], bands: [1, 5] });
    expect(all.count).toBe(5);
    expect(all.bands.map((b) => b.description)).toEqual(["2017-01-16T10:09:21.834Z", "2017-01-30T10:46:33.837Z"]);
    expect(all.metadata).toMatchObject({ variable: "kd489" });
    const one = await runPython<GdalOut>("gdal_read.py", { name: tif("olci/kd489.tif?time=2017-01-26"), window: [0, 0, 1, 1], bands: [1] });
    expect(one.count).toBe(1);
    expect(one.bands[0]!.description).toBe("2017-01-26T10:50:16.686Z");
  }, 60_000);

  it("answers HEAD, Range (206, several ranges coalesced, 416) and whole-file GETs with the same bytes", async () => {
    const url = `${server.url}/geotiff/ostia/sst_anomaly.tif`;
    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    expect(head.headers.get("content-type")).toBe("image/tiff; application=geotiff");
    const size = Number(head.headers.get("content-length"));
    expect(size).toBeGreaterThan(1440 * 720 * 4);
    const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(whole.length).toBe(size);
    expect(whole.subarray(0, 4).toString("latin1")).toBe("II*\u0000");
    for (const [range, start, end] of [
      ["bytes=0-16383", 0, 16383],
      ["bytes=100000-300000", 100000, 300000],
      [`bytes=-1000`, size - 1000, size - 1],
      [`bytes=${size - 10}-`, size - 10, size - 1],
      ["bytes=10-20, 5-7", 5, 20],
    ] as const) {
      const r = await fetch(url, { headers: { range } });
      expect(r.status, range).toBe(206);
      expect(r.headers.get("content-range"), range).toBe(`bytes ${start}-${end}/${size}`);
      expect(Buffer.from(await r.arrayBuffer()).equals(whole.subarray(start, end + 1)), range).toBe(true);
    }
    const past = await fetch(url, { headers: { range: `bytes=${size}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${size}`);
    expect((await fetch(`${server.url}/geotiff/ostia/nope.tif`)).status).toBe(404);
    expect((await fetch(`${url}?depth=3`)).status).toBe(400);
  }, 60_000);
});
