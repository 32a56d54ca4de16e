// The server on the real files of ../shared/data: values against xarray and GDAL references made once by
// test/fixtures/server-expected/make_expected.py (xarray/numpy/matplotlib for time series and statistics,
// gdalwarp -t_srs EPSG:3857 -r near -et 0 for tile pixels).
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateStacObject } from "../../src/catalog/stac/index.js";
import { buildApp } from "../../src/server/app.js";
import { decodePng, DATA } from "./helpers.js";

const FIX = new URL("../fixtures/server-expected/", import.meta.url);
const olci = JSON.parse(readFileSync(new URL("olci.json", FIX), "utf8"));
const ostia = JSON.parse(readFileSync(new URL("ostia.json", FIX), "utf8"));
const gdalTiles = JSON.parse(readFileSync(new URL("gdal-tiles.json", FIX), "utf8")) as {
  file: string;
  z: number;
  x: number;
  y: number;
  ovr: string;
  band1: string;
}[];

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp({
    Datasets: [
      { Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` },
      { Identifier: "ostia", Path: `${DATA}netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc` },
      { Identifier: "rgb", Path: `${DATA}geotiff/RGB.byte.tif` },
      { Identifier: "cog", Path: `${DATA}geotiff/sample-cog.tif` },
    ],
  });
});
afterAll(async () => {
  await app.close();
});

const post = (url: string, body: unknown) =>
  app.inject({ method: "POST", url, payload: JSON.stringify(body), headers: { "content-type": "application/json" } });
const close = (a: number | null, b: number | null, rel = 1e-6) => {
  if (a === null || b === null) return expect(a).toBe(b);
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));
};
const sameSecond = (a: string, b: string) => expect(Math.abs(Date.parse(a) - Date.parse(b))).toBeLessThanOrEqual(1000);

describe("OLCI Zarr cube (EPSG:4326, descending lat)", () => {
  it("describes the cube", async () => {
    const d = (await app.inject("/datasets/olci")).json();
    expect(d.bbox).toEqual([0, 50, 5, 52.5]);
    expect(d.variables.map((v: { name: string }) => v.name)).toContain("conc_chl");
    expect(d.dimensions.find((x: { name: string }) => x.name === "time").size).toBe(5);
  });

  it("point time series equal xarray's nearest-cell values", async () => {
    for (const p of olci.points) {
      const r = (await post("/timeseries/olci/conc_chl?aggMethods=mean", { type: "Point", coordinates: [p.lon, p.lat] })).json().result;
      expect(r).toHaveLength(p.values.length);
      r.forEach((e: { mean: number | null; time: string }, i: number) => {
        close(e.mean, p.values[i]);
        sameSecond(e.time, p.times[i]);
      });
    }
  });

  it("polygon time series equal xarray over the pixel-centre mask", async () => {
    const poly = olci.polygons[0];
    const r = (
      await post("/timeseries/olci/conc_chl?aggMethods=mean,median,std,min,max,count", { type: "Polygon", coordinates: [poly.ring] })
    ).json().result;
    expect(r).toHaveLength(poly.series.length);
    r.forEach((e: Record<string, number | null>, i: number) => {
      const x = poly.series[i];
      expect(e.count).toBe(x.count);
      for (const k of ["mean", "median", "std", "min", "max"]) close(e[k] as number | null, x[k], 1e-9);
    });
  });

  it("polygon statistics (count, min, max, mean, deviation, histogram) equal numpy", async () => {
    const s = olci.statistics[0];
    const r = (await post(`/statistics/olci/conc_chl?time=${s.time}`, { type: "Polygon", coordinates: [s.ring] })).json().result;
    expect(r.count).toBe(s.count);
    for (const k of ["minimum", "maximum", "mean", "deviation"]) close(r[k], s[k], 1e-9);
    r.histogram.edges.forEach((e: number, i: number) => {
      close(e, s.histogram.edges[i], 1e-9);
    });
    r.histogram.values.forEach((v: number, i: number) => {
      close(v, s.histogram.values[i], 1e-6);
    });
  });

  it("renders tiles at every zoom from the pyramid (levels derived on the fly)", async () => {
    for (const url of [
      "/tiles/olci/conc_chl/0/0/0?crs=EPSG:3857",
      "/tiles/olci/conc_chl/6/21/32?crs=EPSG:3857&time=2017-01-16",
      "/tiles/olci/conc_chl/10/342/516?crs=EPSG:3857&time=2017-01-16&cmap=plasma&vmin=0&vmax=20",
    ]) {
      const r = await app.inject(url);
      expect(r.statusCode, url).toBe(200);
      expect(r.headers["content-type"]).toBe("image/png");
    }
    const png = decodePng((await app.inject("/tiles/olci/conc_chl/6/21/32?crs=EPSG:3857&time=2017-01-16&vmin=0&vmax=20")).rawPayload);
    expect(png.pixels.some((v, i) => i % 4 === 3 && v === 255)).toBe(true);
  });
});

describe("OSTIA NetCDF3 (0…360 longitudes)", () => {
  it("values at points given in −180…180 equal xarray", async () => {
    for (const p of ostia.points) {
      const r = (await app.inject(`/statistics/ostia/analysed_sst?lon=${p.lon}&lat=${p.lat}&time=${ostia.time}`)).json().result;
      if (p.value === null) expect(r).toEqual({});
      else close(r.value, p.value, 1e-6);
    }
  });

  it("polygon statistics west of Greenwich equal numpy", async () => {
    const s = ostia.statistics;
    const r = (await post(`/statistics/ostia/analysed_sst?time=${ostia.time}`, { type: "Polygon", coordinates: [s.ring] })).json().result;
    expect(r.count).toBe(s.count);
    for (const k of ["minimum", "maximum"]) close(r[k], s[k], 1e-6);
    for (const k of ["mean", "deviation"]) close(r[k], s[k], 1e-4);
  });

  it("renders a world tile with the 0…360 grid shifted to −180…180", async () => {
    const png = decodePng((await app.inject("/tiles/ostia/analysed_sst/1/0/0?crs=EPSG:3857&vmin=270&vmax=305")).rawPayload);
    // the western hemisphere (lon < 0 → 180…360 in the file) has ocean pixels
    expect(png.pixels.some((v, i) => i % 4 === 3 && v === 255)).toBe(true);
  });
});

describe("projected GeoTIFF/COG tiles against GDAL", () => {
  for (const t of gdalTiles) {
    it(`${t.file} z=${t.z} x=${t.x} y=${t.y} (gdalwarp -ovr ${t.ovr})`, async () => {
      const id = t.file.startsWith("RGB") ? "rgb" : "cog";
      const r = await app.inject(`/tiles/${id}/band_data/${t.z}/${t.y}/${t.x}?crs=EPSG:3857&band=1&cmap=gray&vmin=0&vmax=255`);
      expect(r.statusCode).toBe(200);
      const png = decodePng(r.rawPayload);
      const ref = Buffer.from(t.band1, "base64");
      let mismatches = 0;
      let valid = 0;
      for (let k = 0; k < 256 * 256; k++) {
        const mine = png.pixels[k * 4 + 3] === 0 ? 0 : png.pixels[k * 4]!;
        if (ref[k]! > 0) valid++;
        if (mine !== ref[k]) mismatches++;
      }
      expect(valid).toBeGreaterThan(1000);
      // base-level tiles match GDAL pixel for pixel (pixel-centre sampling, no half-cell shift)
      expect(mismatches / (256 * 256)).toBeLessThanOrEqual(t.ovr === "NONE" ? 0.001 : 0.02);
    });
  }

  it("uses the COG's overviews as pyramid levels", async () => {
    const d = (await app.inject("/datasets/cog")).json();
    expect(d.resolutions.length).toBe(3);
    expect(d.resolutions[0]).toBe(320);
  });
});

describe("STAC documents", () => {
  it("validate against the bundled STAC 1.0.0 schemas (and the datacube extension)", async () => {
    for (const url of [
      "/ogc",
      "/ogc/collections/datacubes",
      "/ogc/collections/datacubes/items/olci",
      "/ogc/collections/datacubes/items/ostia",
    ]) {
      const doc = (await app.inject(url)).json();
      expect(validateStacObject(doc, { extensions: true }), url).toEqual([]);
    }
    const search = (await app.inject("/ogc/search?bbox=-80,20,-70,30")).json();
    // the global OSTIA grid overlaps; RGB.byte.tif has no time, so no STAC item (test/server/stac.test.ts)
    expect(search.features.map((f: { id: string }) => f.id)).toEqual(["ostia"]);
  });
});
