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

describe("STAC collections as xcube lays them out, queryables, and GeoTIFF assets", () => {
  it("lists the union collection and one collection per dataset; each has one item, datacube", async () => {
    const cols = (await get("/ogc/collections")).body.collections;
    expect(cols.map((c: { id: string }) => c.id)).toEqual(["datacubes", "olci", "ostia", "ostia-attrs", "rgb"]);
    for (const c of cols) expect(validateStacObject(c, { extensions: true }), c.id).toEqual([]);
    const olci = (await get("/ogc/collections/olci")).body;
    expect(olci).toMatchObject({ type: "Collection", id: "olci" });
    expect(olci["cube:dimensions"].time.extent[0]).toBe("2017-01-16T10:09:21.834Z");
    expect(olci.links.find((l: { rel: string }) => l.rel === "item").href).toMatch(/\/ogc\/collections\/olci\/items\/datacube$/);
    const items = (await get("/ogc/collections/olci/items")).body;
    expect(items.features.map((f: { id: string; collection: string }) => [f.collection, f.id])).toEqual([["olci", "datacube"]]);
    const item = (await get("/ogc/collections/olci/items/datacube")).body;
    expect(validateStacObject(item, { extensions: true })).toEqual([]);
    expect(item.links.find((l: { rel: string }) => l.rel === "self").href).toMatch(/\/ogc\/collections\/olci\/items\/datacube$/);
    expect((await get("/ogc/collections/olci/items/olci")).status).toBe(404);
    expect((await get("/ogc/collections/nope")).body).toMatchObject({ code: "NOT_FOUND", field: "collectionId" });
    // a dataset without a time: a collection without items
    expect((await get("/ogc/collections/rgb")).status).toBe(200);
    expect((await get("/ogc/collections/rgb/items")).body.features).toEqual([]);
    expect((await get("/ogc/collections/rgb/items/datacube")).status).toBe(404);
  });

  it("search by collections: the union's items (id = dataset) and dataset collections' items (id datacube)", async () => {
    const pairs = (fc: { features: { id: string; collection: string }[] }) => fc.features.map((f) => `${f.collection}/${f.id}`);
    expect(pairs((await get("/ogc/search?collections=olci")).body)).toEqual(["olci/datacube"]);
    expect(pairs((await get("/ogc/search?collections=datacubes,ostia&limit=100")).body)).toEqual([
      "datacubes/olci",
      "datacubes/ostia",
      "datacubes/ostia-attrs",
      "ostia/datacube",
    ]);
    expect(pairs((await get("/ogc/search?collections=rgb")).body)).toEqual([]);
    const p1 = (await get("/ogc/search?collections=datacubes,olci&limit=2")).body;
    const next = p1.links.find((l: { rel: string }) => l.rel === "next").href;
    expect(next).toContain("collections=datacubes%2Colci");
    expect(pairs((await get(new URL(next).pathname + new URL(next).search)).body)).toEqual(["datacubes/ostia-attrs", "olci/datacube"]);
  });

  it("queryables: the global and each collection's, as JSON Schema (no filter parameter: none queryable)", async () => {
    for (const path of ["/ogc/queryables", "/ogc/collections/datacubes/queryables", "/ogc/collections/olci/queryables"]) {
      const r = await fetch(`${server.url}${path}`);
      expect(r.headers.get("content-type"), path).toMatch(/^application\/schema\+json/);
      const q = await r.json();
      expect(q, path).toMatchObject({
        $schema: "https://json-schema.org/draft/2019-09/schema",
        $id: `${server.url}${path}`,
        type: "object",
        properties: {},
      });
    }
    expect((await get("/ogc/collections/nope/queryables")).status).toBe(404);
    const land = (await get("/ogc")).body;
    expect(land.links.find((l: { rel: string }) => l.rel === "http://www.opengis.net/def/rel/ogc/1.0/queryables").href).toBe(
      `${server.url}/ogc/queryables`,
    );
  });

  it("items have a GeoTIFF asset per variable with the projection fields GDAL's STACIT needs", async () => {
    const item = (await get("/ogc/collections/datacubes/items/olci")).body;
    expect(item.stac_extensions).toContain("https://stac-extensions.github.io/projection/v1.2.0/schema.json");
    expect(item.assets.conc_chl).toMatchObject({
      href: `${server.url}/geotiff/olci/conc_chl.tif`,
      type: "image/tiff; application=geotiff",
      roles: ["data"],
      "proj:epsg": 4326,
      "proj:code": "EPSG:4326",
      "proj:shape": [1000, 2000],
    });
    const t = item.assets.conc_chl["proj:transform"];
    for (const [i, x] of [0.0025, 0, 0, 0, -0.0025, 52.5].entries()) expect(t[i]).toBeCloseTo(x, 12);
    expect(item.assets.visual.href).toContain("/tiles/olci/c2rcc_flags/{z}/{y}/{x}"); // the first variable
    expect(Object.keys(item.assets.visual["xcube:visual"])).toContain("kd489");
    expect(item.assets.thumbnail.roles).toEqual(["thumbnail"]);
    const thumb = await fetch(item.assets.thumbnail.href);
    expect(thumb.headers.get("content-type")).toBe("image/png");
    const head = await fetch(item.assets.conc_chl.href, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("accept-ranges")).toBe("bytes");
  });
});
