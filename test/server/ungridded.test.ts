// Datasets without a regular grid (the OLCI L2 swath with 2-D lat/lon, MADIS station observations) on the
// real files of ../shared/data: described by /datasets without tile levels, and every grid-needing route
// answers 400 INVALID_PARAMS with a clear message — never a 5xx.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dataset } from "../../src/core/dataset.js";
import { Variable } from "../../src/core/variable.js";
import { writeDataset } from "../../src/formats/zarr/writer.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { buildApp } from "../../src/server/app.js";
import { DATA } from "./helpers.js";

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp({
    Datasets: [
      { Identifier: "swath", Path: `${DATA}netcdf4/O_L2_0001_SNS_2017104102450_v1.0.nc` },
      { Identifier: "madis", Path: `${DATA}netcdf3/madis-sao.nc` },
      { Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` },
    ],
  });
});
afterAll(async () => {
  await app.close();
});

const post = (url: string, body: unknown) =>
  app.inject({ method: "POST", url, payload: JSON.stringify(body), headers: { "content-type": "application/json" } });

describe("datasets without a regular grid", () => {
  it("are listed and described with no tile levels", async () => {
    const list = (await app.inject("/datasets?details=1")).json().datasets as {
      id: string;
      gridded?: boolean;
      resolutions?: number[];
      variables: Record<string, unknown>[];
    }[];
    expect(list.map((d) => d.id)).toEqual(["swath", "madis", "olci"]);
    for (const d of list.slice(0, 2)) {
      expect(d.gridded).toBe(false);
      expect(d.resolutions).toBeUndefined();
      expect(d.variables.length).toBeGreaterThan(0);
      for (const v of d.variables) {
        expect(v.tileLevelMin).toBeUndefined();
        expect(v.tileLevelMax).toBeUndefined();
      }
    }
    expect(list[2]!.gridded).toBeUndefined();
    expect(list[2]!.variables[0]!.tileLevelMax).toBeGreaterThan(0);
    const swath = (await app.inject("/datasets/swath")).json();
    // extent of the swath's 2-D lat/lon (data README: lat 52.33…52.64, lon 1.15…1.64)
    expect(swath.bbox[0]).toBeCloseTo(1.15, 2);
    expect(swath.bbox[1]).toBeCloseTo(52.33, 2);
    expect(swath.bbox[2]).toBeCloseTo(1.64, 2);
    expect(swath.bbox[3]).toBeCloseTo(52.64, 2);
    expect(swath.variables.map((v: { name: string }) => v.name)).toContain("conc_chl");
    expect((await app.inject("/datasets/swath/coords/x")).json()).toMatchObject({ name: "x", size: 100 });
    expect((await app.inject("/datasets/madis")).statusCode).toBe(200);
  });

  it("answer 400 with a no-regular-grid message for tiles, legends, values, time series, statistics, WMTS and STAC items", async () => {
    const point = { type: "Point", coordinates: [1.3, 52.4] };
    const responses = await Promise.all([
      app.inject("/tiles/swath/conc_chl/0/0/0?crs=EPSG:3857"),
      app.inject("/tiles/madis/elevation/3/2/1?crs=EPSG:3857"),
      app.inject("/tiles/swath/conc_chl/legend"),
      app.inject("/wmts/1.0.0/tile/swath/conc_chl/WorldWebMercatorQuad/0/0/0.png"),
      app.inject("/statistics/swath/conc_chl?lon=1.3&lat=52.4"),
      post("/statistics/swath/conc_chl", point),
      post("/timeseries/swath/conc_chl", point),
      app.inject("/ogc/collections/datacubes/items/swath"),
    ]);
    for (const r of responses) {
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ code: "INVALID_PARAMS", field: "datasetId" });
      expect(r.json().message).toMatch(/has no regular grid/);
    }
  });

  it("are left out of WMTS capabilities and STAC items, which still list the gridded ones", async () => {
    const caps = (await app.inject("/wmts/1.0.0/WMTSCapabilities.xml")).body;
    expect(caps).toContain("olci.conc_chl");
    expect(caps).not.toContain("swath.");
    const items = (await app.inject("/ogc/collections/datacubes/items")).json().features.map((f: { id: string }) => f.id);
    expect(items).toEqual(["olci"]);
  });
});

describe("station data on a 0…360 longitude axis", () => {
  it("is described with its bbox in −180…180 longitudes (was east > 180)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eocube-lon360-"));
    try {
      const obs = (name: string, values: number[], attrs: Record<string, unknown> = {}) =>
        new Variable({
          name,
          dims: ["obs"],
          shape: [values.length],
          dtype: "float64",
          attrs,
          read: async () => ({ dtype: "float64", shape: [values.length], data: Float64Array.from(values) }),
        });
      const write = (lon: number[]) =>
        writeDataset(
          new Dataset({
            coords: { lon: obs("lon", lon, { units: "degrees_east" }), lat: obs("lat", [10, -5, 0], { units: "degrees_north" }) },
            data_vars: { temp: obs("temp", [280, 281, 282]) },
          }),
          new FileFileSystem(dir),
          lon[0]! >= 180 ? "west.zarr" : "both.zarr",
        );
      await write([350, 355, 359.5]);
      await write([170, 190, 200]);
      const stationApp = await buildApp({
        Datasets: [
          { Identifier: "west", Path: join(dir, "west.zarr") },
          { Identifier: "both", Path: join(dir, "both.zarr") },
        ],
      });
      try {
        expect((await stationApp.inject("/datasets/west")).json().bbox).toEqual([-10, -5, -0.5, 10]);
        expect((await stationApp.inject("/datasets/both")).json().bbox).toEqual([-180, -5, 180, 10]);
      } finally {
        await stationApp.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
