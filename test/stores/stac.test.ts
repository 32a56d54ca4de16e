// The stac store against a STAC API on 127.0.0.1 (item search with paging, collections, items) whose assets are real
// files of shared/data on a second server, and against a static catalog on disk: params, listing, search, opening
// (NetCDF, GeoTIFF, Zarr) with values equal to the files', and failures (404, 401, 429 + Retry-After, 5xx, timeout).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EocubeError } from "../../src/core/errors.js";
import { describeDataset, getDataStoreParamsSchema, newDataStore, openDataset, storeForRoot } from "../../src/stores/index.js";
import { stackItems } from "../../src/stores/stac/stack.js";
import type { StacDataStore } from "../../src/stores/stac/store.js";
import { startHttpServer, type TestHttpServer } from "../helpers/http-server.js";
import { SHARED_DATA, ZARR_CUBE } from "../helpers/paths.js";
import { type FakeItem, type FakeStacApi, startStacApi } from "./stac-api.js";

const SST = (d: string) => `netcdf3/201706${d}120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`;

let files: TestHttpServer;
let api: FakeStacApi;
let dir: string;

async function errorOf(p: Promise<unknown>): Promise<EocubeError> {
  try {
    await p;
  } catch (err) {
    return err as EocubeError;
  }
  throw new Error("no error thrown");
}

function store(extra: Record<string, unknown> = {}): StacDataStore {
  return newDataStore("stac", { url: api.url, page_size: 2, retry_delay: 0.01, ...extra }) as StacDataStore;
}

beforeAll(async () => {
  files = await startHttpServer(SHARED_DATA);
  const items: FakeItem[] = ["05", "06", "07"].map((d) => ({
    id: `sst-201706${d}`,
    collection: "sst",
    bbox: [-180, -90, 180, 90],
    datetime: `2017-06-${d}T12:00:00Z`,
    assets: {
      sst: { href: `${files.url}/${SST(d)}`, type: "application/x-netcdf", roles: ["data"] },
      thumbnail: { href: `${files.url}/none.png`, type: "image/png", roles: ["thumbnail"] },
    },
  }));
  items.push({
    id: "rgb",
    collection: "rgb",
    bbox: [-78.96, 23.56, -76.57, 25.55],
    datetime: "2017-01-01T00:00:00Z",
    assets: { image: { href: `${files.url}/geotiff/RGB.byte.tif`, type: "image/tiff; application=geotiff", roles: ["data"] } },
  });
  items.push({
    id: "cube",
    collection: "cubes",
    bbox: [0, 50, 5, 52.5],
    datetime: "2017-01-16T10:09:21Z",
    assets: { zarr: { href: `${files.url}/zarr/cube-1-250-250.zarr`, type: "application/vnd+zarr", roles: ["data"] } },
  });
  api = await startStacApi(items, [
    { id: "sst", title: "GHRSST" },
    { id: "rgb", title: "RGB" },
    { id: "cubes", title: "Cubes" },
  ]);
  // a static catalog on disk whose item references a shared file by a relative path
  dir = mkdtempSync(join(tmpdir(), "eocube-stac-"));
  mkdirSync(join(dir, "rgb", "item1"), { recursive: true });
  const itemDir = join(dir, "rgb", "item1");
  writeFileSync(
    join(dir, "catalog.json"),
    JSON.stringify({
      type: "Catalog",
      stac_version: "1.0.0",
      id: "local",
      description: "d",
      links: [{ rel: "child", href: "./rgb/collection.json" }],
    }),
  );
  writeFileSync(
    join(dir, "rgb", "collection.json"),
    JSON.stringify({
      type: "Collection",
      stac_version: "1.0.0",
      id: "rgb",
      description: "d",
      license: "CC0-1.0",
      extent: { spatial: { bbox: [[-79, 23, -76, 26]] }, temporal: { interval: [["2017-01-01T00:00:00Z", null]] } },
      links: [{ rel: "item", href: "./item1/item1.json" }],
    }),
  );
  writeFileSync(
    join(itemDir, "item1.json"),
    JSON.stringify({
      type: "Feature",
      stac_version: "1.0.0",
      id: "item1",
      collection: "rgb",
      bbox: [-78.96, 23.56, -76.57, 25.55],
      geometry: null,
      properties: { datetime: "2017-01-01T00:00:00Z" },
      assets: { nc: { href: relative(itemDir, `${SHARED_DATA}netcdf3/RGB.nc`), roles: ["data"] } },
      links: [],
    }),
  );
}, 60_000);
afterAll(async () => {
  await files?.close();
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("stac store params", () => {
  it("has a params schema with url required", async () => {
    const schema = getDataStoreParamsSchema("stac") as { required: string[]; properties: Record<string, unknown> };
    expect(schema.required).toEqual(["url"]);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["url", "timeout", "retries", "page_size", "max_items"]));
    expect(() => newDataStore("stac", {})).toThrow("store_params must have required property 'url'");
    expect(() => newDataStore("stac", { url: api.url, colour: 1 })).toThrow("store_params must NOT have additional properties (colour)");
    const s = store();
    expect(s.root).toBe(api.url);
    const open = (await s.getOpenDataParamsSchema("collections/sst/items/sst-20170605")) as {
      properties: { asset_names: { items: { enum: string[] } } };
    };
    expect(open.properties.asset_names.items.enum).toEqual(["sst", "thumbnail"]);
  });
});

describe("stac store over a STAC API", () => {
  it("lists every item, following next links page after page", async () => {
    api.requests.splice(0);
    const ids = await store().listDataIds();
    expect(ids).toEqual([
      "collections/sst/items/sst-20170605",
      "collections/sst/items/sst-20170606",
      "collections/sst/items/sst-20170607",
      "collections/rgb/items/rgb",
      "collections/cubes/items/cube",
    ]);
    expect(api.requests.filter((r) => r.path === "/api/search")).toHaveLength(3);
    expect(await store({ max_items: 2 }).listDataIds()).toHaveLength(2);
    // `eocube list <url> --store stac` takes the root as the url
    expect((await storeForRoot(api.url, "stac").listDataIds()).length).toBe(5);
  });

  it("lists collections and searches items by collection, time range and bbox", async () => {
    expect((await store().listCollections()).map((c) => c.id)).toEqual(["sst", "rgb", "cubes"]);
    const found = await store().searchData({ collections: ["sst"], time_range: ["2017-06-06", "2017-06-07"] });
    expect(found.map((d) => d.data_id)).toEqual(["collections/sst/items/sst-20170606", "collections/sst/items/sst-20170607"]);
    expect(found[0]).toMatchObject({
      crs: "EPSG:4326",
      bbox: [-180, -90, 180, 90],
      time_range: ["2017-06-06T12:00:00Z", "2017-06-06T12:00:00Z"],
    });
    const inBox = await store().searchData({ bbox: [1, 50.5, 2, 51] });
    expect(inBox.map((d) => d.attrs.stac_item_id)).toEqual(["sst-20170605", "sst-20170606", "sst-20170607", "cube"]);
    // a STAC `query` goes by POST, and its next links (POST bodies, merge) are followed
    api.requests.splice(0);
    const posted = await store().searchData({ query: { "eo:cloud_cover": { lt: 10 } } });
    expect(posted).toHaveLength(5);
    expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(3);
    expect(await store().searchData({ limit: 1 })).toHaveLength(1);
  });

  it("opens a NetCDF asset with the values of the file", async () => {
    const s = store();
    const ds = await s.openData("collections/sst/items/sst-20170605");
    const direct = await openDataset(`${SHARED_DATA}${SST("05")}`);
    try {
      expect(Object.keys(ds.data_vars).sort()).toEqual(["analysed_sst", "sst_anomaly"]);
      expect(ds.attrs).toMatchObject({ stac_item_id: "sst-20170605", stac_catalog_url: api.url });
      const a = await ds.data_vars.analysed_sst!.read([0, [300, 310], [700, 720]]);
      const b = await direct.data_vars.analysed_sst!.read([0, [300, 310], [700, 720]]);
      expect(Array.from(a.data as Float64Array)).toEqual(Array.from(b.data as Float64Array));
    } finally {
      await ds.close();
      await direct.close();
    }
  });

  it("opens a GeoTIFF asset under its asset key and describes it", async () => {
    const ds = await store().openData("collections/rgb/items/rgb");
    const direct = await openDataset(`${SHARED_DATA}geotiff/RGB.byte.tif`);
    try {
      expect(Object.keys(ds.data_vars)).toEqual(["image"]);
      const a = await ds.data_vars.image!.read([
        [0, 3],
        [100, 110],
        [200, 220],
      ]);
      const b = await direct.data_vars.band_data!.read([
        [0, 3],
        [100, 110],
        [200, 220],
      ]);
      expect(Array.from(a.data as Float32Array)).toEqual(Array.from(b.data as Float32Array));
    } finally {
      await ds.close();
      await direct.close();
    }
    const d = await describeDataset("collections/rgb/items/rgb", { storeId: "stac", storeParams: { url: api.url } });
    expect(d).toMatchObject({ data_id: "collections/rgb/items/rgb", crs: "EPSG:32618", dims: { band: 3, x: 791, y: 718 } });
  });

  it("opens a Zarr asset subset by open params", async () => {
    const ds = await store().openData("collections/cubes/items/cube", {
      variable_names: ["conc_chl"],
      time_range: ["2017-01-16", "2017-01-20"],
    });
    const direct = await openDataset(ZARR_CUBE);
    try {
      expect(Object.keys(ds.data_vars)).toEqual(["conc_chl"]);
      expect(ds.dims.time).toBeLessThan(direct.dims.time!);
    } finally {
      await ds.close();
      await direct.close();
    }
  });

  it("fails with one error naming the store, the data id and the cause", async () => {
    let err = await errorOf(store().openData("collections/sst/items/nope"));
    expect(err.code).toBe("NOT_FOUND");
    expect(err.message).toBe(
      `stac store ${api.url}, data id "collections/sst/items/nope": cannot read the item: HTTP 404 from ${api.url}/collections/sst/items/nope`,
    );
    expect(await store().hasData("collections/sst/items/nope")).toBe(false);
    expect(await store().hasData("collections/rgb/items/rgb")).toBe(true);
    err = await errorOf(store().openData("collections/rgb/items/rgb", { asset_names: ["B04"] }));
    expect(err.code).toBe("NOT_FOUND");
    expect(err.message).toMatch(
      /^stac store .*, data id "collections\/rgb\/items\/rgb": cannot open the item's data: item rgb has no asset "B04"$/,
    );
    expect(err.hint).toBe("assets: image");
    files.faults.set("/geotiff/", { status: 404 });
    try {
      err = await errorOf(store().openData("collections/rgb/items/rgb"));
      expect(err.code).toBe("NOT_FOUND");
      expect(err.message).toMatch(
        /data id "collections\/rgb\/items\/rgb": cannot open the item's data: asset image \(http:.*RGB\.byte\.tif\)/,
      );
    } finally {
      files.faults.clear();
    }
    api.faults.set("/api/collections/rgb", { status: 401 });
    try {
      err = await errorOf(store().openData("collections/rgb/items/rgb"));
      expect(err.code).toBe("ACCESS_DENIED");
      expect(err.message).toMatch(/data id "collections\/rgb\/items\/rgb": cannot read the item: access denied \(HTTP 401\)/);
    } finally {
      api.faults.clear();
    }
  });

  it("waits for a 429's Retry-After and retries 5xx answers with backoff", async () => {
    api.requests.splice(0);
    api.faults.set("/api/search", { status: 429, headers: { "retry-after": "1" }, times: 1 });
    const t0 = Date.now();
    expect(await store().listDataIds()).toHaveLength(5);
    const searches = api.requests.filter((r) => r.path === "/api/search");
    expect(searches[1]!.time - searches[0]!.time).toBeGreaterThanOrEqual(950);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    // a Retry-After longer than max_retry_after fails at once
    api.faults.set("/api/search", { status: 429, headers: { "retry-after": "3600" } });
    let err = await errorOf(store().listDataIds());
    expect(err.code).toBe("REMOTE_ERROR");
    expect(err.message).toMatch(/^stac store .*: item search failed: rate limited \(HTTP 429\) by .*, Retry-After 3600 s$/);
    api.faults.set("/api/collections/cubes/items/cube", { status: 503, times: 2 });
    expect((await store().getItem("collections/cubes/items/cube")).id).toBe("cube");
    api.faults.set("/api/collections/cubes/items/cube", { status: 503 });
    api.requests.splice(0);
    err = await errorOf(store({ retries: 2 }).getItem("collections/cubes/items/cube"));
    expect(err.code).toBe("REMOTE_ERROR");
    expect(err.message).toMatch(/data id "collections\/cubes\/items\/cube": cannot read the item: HTTP 503 .*: injected 503$/);
    expect(api.requests.filter((r) => r.path.endsWith("/cube"))).toHaveLength(3);
    api.faults.clear();
  });

  it("times out a hanging server after the retries", async () => {
    api.faults.set("/api/collections/cubes/items/cube", { status: 0, hang: true });
    try {
      const err = await errorOf(store({ timeout: 0.2, retries: 1 }).openData("collections/cubes/items/cube"));
      expect(err.code).toBe("TIMEOUT");
      expect(err.message).toMatch(/data id "collections\/cubes\/items\/cube": cannot read the item: no answer from .* within 200 ms/);
    } finally {
      api.faults.clear();
    }
  });
});

describe("stac store with stack_mode", () => {
  it("lists collections as data ids and stacks a collection's items along time, values equal to each file's", async () => {
    const s = store({ stack_mode: true });
    expect(await s.listDataIds()).toEqual(["sst", "rgb", "cubes"]);
    expect(await s.hasData("sst")).toBe(true);
    const ds = await s.openData("sst", { variable_names: ["analysed_sst"] });
    try {
      expect(ds.dims).toMatchObject({ time: 3, lat: 720, lon: 1440 });
      expect(ds.attrs.stac_item_ids).toEqual(["sst-20170605", "sst-20170606", "sst-20170607"]);
      for (const [t, d] of ["05", "06", "07"].entries()) {
        const src = await openDataset(`${SHARED_DATA}${SST(d)}`);
        try {
          const a = await ds.data_vars.analysed_sst!.read([t, [400, 404], [100, 110]]);
          const b = await src.data_vars.analysed_sst!.read([0, [400, 404], [100, 110]]);
          expect(Array.from(a.data as Float64Array)).toEqual(Array.from(b.data as Float64Array));
        } finally {
          await src.close();
        }
      }
    } finally {
      await ds.close();
    }
    const later = await s.openData("sst", { time_range: ["2017-06-06", null] });
    expect(later.dims.time).toBe(2);
    await later.close();
    // onto a target grid: each item's one time step reprojected (nearest), one solar day per item
    const onGrid = await s.openData("sst", {
      variable_names: ["analysed_sst"],
      crs: "EPSG:4326",
      spatial_res: 0.25,
      bbox: [0, 40, 10, 50],
    });
    try {
      expect(onGrid.dims).toMatchObject({ time: 3, lat: 40, lon: 40 });
      const src = await openDataset(`${SHARED_DATA}${SST("06")}`);
      try {
        const a = Array.from((await onGrid.data_vars.analysed_sst!.read([1, [0, 40], [0, 40]])).data as Float64Array);
        const b = (await src.data_vars.analysed_sst!.read([0, [520, 560], [0, 40]])).data as Float64Array;
        const flipped = Array.from({ length: 40 }, (_, r) => Array.from(b.subarray((39 - r) * 40, (40 - r) * 40))).flat();
        expect(a).toEqual(flipped);
      } finally {
        await src.close();
      }
    } finally {
      await onGrid.close();
    }
  });

  it("gives items without a time dimension one at their datetime, and refuses items on different grids", async () => {
    const ds = await store({ stack_mode: true }).openData("rgb");
    try {
      expect(ds.data_vars.image!.dims).toEqual(["time", "band", "y", "x"]);
      const d = await describeDataset("rgb", { storeId: "stac", storeParams: { url: api.url, stack_mode: true } });
      expect(d.time_range).toEqual(["2017-01-01T00:00:00Z", "2017-01-01T00:00:00Z"]);
      const direct = await openDataset(`${SHARED_DATA}geotiff/RGB.byte.tif`);
      const a = await ds.data_vars.image!.read([0, 1, [10, 12], [300, 305]]);
      const b = await direct.data_vars.band_data!.read([1, [10, 12], [300, 305]]);
      expect(Array.from(a.data as Float32Array)).toEqual(Array.from(b.data as Float32Array));
      await direct.close();
    } finally {
      await ds.close();
    }
    const a = await openDataset(`${SHARED_DATA}geotiff/RGB.byte.tif`);
    const b = await openDataset(`${SHARED_DATA}geotiff/world.byte.tif`);
    const err = await errorOf(
      stackItems([
        { ds: a, datetime: "2017-01-01T00:00:00Z", id: "a" },
        { ds: b, datetime: "2017-01-02T00:00:00Z", id: "b" },
      ]),
    );
    expect(err.code).toBe("INVALID_PARAMS");
    expect(err.message).toMatch(/^items a and b have different grids/);
    expect(err.hint).toMatch(/^give open_params crs, spatial_res and bbox/);
    await a.close();
    await b.close();
    const none = await errorOf(store({ stack_mode: true }).openData("sst", { time_range: ["2020-01-01", null] }));
    expect(none.code).toBe("NOT_FOUND");
    expect(none.message).toBe(`stac store ${api.url}, data id "sst": cannot stack the collection's items: no item matches the search`);
  });
});

describe("stac store over a static catalog on disk", () => {
  it("lists, searches and opens items with relative asset hrefs", async () => {
    const s = newDataStore("stac", { url: join(dir, "catalog.json") }) as StacDataStore;
    expect(await s.listDataIds()).toEqual(["rgb/item1/item1.json"]);
    expect((await s.listCollections()).map((c) => c.id)).toEqual(["rgb"]);
    expect(await s.searchData({ bbox: [0, 0, 1, 1] })).toEqual([]);
    expect((await s.searchData({ bbox: [-78, 24, -77, 25], time_range: ["2017", "2017"] })).map((d) => d.data_id)).toEqual([
      "rgb/item1/item1.json",
    ]);
    const d = await s.describeData("rgb/item1/item1.json");
    expect(d).toMatchObject({ crs: "EPSG:32618", dims: { x: 791, y: 718 } });
    expect(Object.keys(d.data_vars)).toEqual(expect.arrayContaining(["Band1", "Band2", "Band3"]));
    const err = await errorOf(s.openData("rgb/missing.json"));
    expect(err.code).toBe("NOT_FOUND");
    expect(err.message).toMatch(
      /^stac store .*catalog\.json, data id "rgb\/missing\.json": cannot read the item: cannot read .*missing\.json: ENOENT$/,
    );
  });
});
