// STAC API times over HTTP on 127.0.0.1, on the real files: an item's time comes from the time axis, else
// from the dataset's attributes (ACDD time_coverage_start/end), and a dataset with neither has no item —
// never an invented 1970 date; items validate against the bundled STAC 1.0.0 schemas and /ogc/search's
// datetime filter uses the same times.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateStacObject } from "../../src/catalog/stac/index.js";
import { Dataset } from "../../src/core/dataset.js";
import { DEFAULT_DEPS, startServer, type RunningServer } from "../../src/server/app.js";
import { DATA } from "./helpers.js";

const OSTIA = `${DATA}netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`;

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(
    {
      Datasets: [
        { Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` },
        { Identifier: "ostia", Path: OSTIA },
        // the OSTIA file without its time coordinate: only its ACDD attributes tell its time
        { Identifier: "ostia-attrs", Path: OSTIA },
        { Identifier: "rgb", Path: `${DATA}geotiff/RGB.byte.tif` },
      ],
    },
    {
      port: 0,
      address: "127.0.0.1",
      logger: false,
      handleSignals: false,
      warmUp: false,
      deps: {
        openDataset: async (entry, options) => {
          const ds = await DEFAULT_DEPS.openDataset(entry, options);
          if (entry.id !== "ostia-attrs") return ds;
          return new Dataset({
            coords: { lat: ds.coords.lat!, lon: ds.coords.lon! },
            data_vars: { analysed_sst: ds.data_vars.analysed_sst! },
            attrs: ds.attrs,
          });
        },
      },
    },
  );
});
afterAll(async () => {
  await server?.close();
});

const get = async (path: string) => {
  const r = await fetch(`${server.url}${path}`);
  return { status: r.status, body: await r.json() };
};
const ids = (fc: { features: { id: string }[] }) => fc.features.map((f) => f.id).sort();

describe("STAC item times", () => {
  it("a cube's item spans its time axis; a single step is its datetime", async () => {
    const olci = (await get("/ogc/collections/datacubes/items/olci")).body;
    expect(validateStacObject(olci, { extensions: true })).toEqual([]);
    expect(olci.properties).toMatchObject({ datetime: null });
    expect(Date.parse(olci.properties.start_datetime)).toBeLessThan(Date.parse(olci.properties.end_datetime));
    const ostia = (await get("/ogc/collections/datacubes/items/ostia")).body;
    expect(validateStacObject(ostia, { extensions: true })).toEqual([]);
    expect(Date.parse(ostia.properties.datetime)).toBe(Date.UTC(2017, 5, 5, 12));
    expect(ostia.properties.start_datetime).toBeUndefined();
  });

  it("without a time axis, the item's time comes from ACDD time_coverage_start/end", async () => {
    const item = (await get("/ogc/collections/datacubes/items/ostia-attrs")).body;
    expect(validateStacObject(item, { extensions: true })).toEqual([]);
    expect(item.properties.datetime).toBeNull();
    expect(Date.parse(item.properties.start_datetime)).toBe(Date.UTC(2017, 5, 5));
    expect(Date.parse(item.properties.end_datetime)).toBe(Date.UTC(2017, 5, 6));
  });

  it("a dataset with no known time has no item (404 naming it), and no 1970 date anywhere", async () => {
    const r = await get("/ogc/collections/datacubes/items/rgb");
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: "NOT_FOUND" });
    expect(r.body.message).toContain('"rgb" has no time');
    const items = (await get("/ogc/collections/datacubes/items?limit=100")).body;
    expect(ids(items)).toEqual(["olci", "ostia", "ostia-attrs"]);
    expect(items.numberMatched).toBe(3);
    expect(JSON.stringify(items)).not.toContain("1970");
    const collection = (await get("/ogc/collections/datacubes")).body;
    expect(validateStacObject(collection, { extensions: true })).toEqual([]);
    expect(JSON.stringify(collection)).not.toContain("1970");
    expect((await get("/datasets")).body.datasets.map((d: { id: string }) => d.id)).toContain("rgb"); // still served
  });

  it("/ogc/search filters by datetime on the same times (GET and POST)", async () => {
    expect(ids((await get("/ogc/search?datetime=1970-01-01T00:00:00Z")).body)).toEqual([]);
    // 06:00 on 5 June: inside the attributes' day, before the axis' 12:00 step
    expect(ids((await get("/ogc/search?datetime=2017-06-05T06:00:00Z")).body)).toEqual(["ostia-attrs"]);
    expect(ids((await get("/ogc/search?datetime=2017-06-05T00:00:00Z/..")).body)).toEqual(["ostia", "ostia-attrs"]);
    const post = await fetch(`${server.url}/ogc/search`, {
      method: "POST",
      body: JSON.stringify({ datetime: "../2017-06-05T12:00:00Z", bbox: [-80, 20, -70, 30] }),
      headers: { "content-type": "application/json" },
    });
    expect(ids(await post.json())).toEqual(["ostia", "ostia-attrs"]);
  });

  it("a datetime without a zone is UTC, also when the server's time zone is not (it was read as local time)", async () => {
    const old = process.env.TZ;
    process.env.TZ = "Asia/Tokyo"; // UTC+9: 11:00…13:00 local would be 02:00…04:00 UTC, before the 12:00 step
    try {
      expect(new Date(Date.UTC(2017, 5, 5)).getHours()).toBe(9);
      expect(ids((await get("/ogc/search?datetime=2017-06-05T11:00:00/2017-06-05T13:00:00")).body)).toEqual(["ostia", "ostia-attrs"]);
      expect(ids((await get("/ogc/search?datetime=2017-06-05T13:00:00/..")).body)).toEqual(["ostia-attrs"]);
      expect((await get("/ogc/search?datetime=2017-06-05T25:00:00")).status).toBe(400);
    } finally {
      if (old === undefined) delete process.env.TZ;
      else process.env.TZ = old;
    }
  });
});
