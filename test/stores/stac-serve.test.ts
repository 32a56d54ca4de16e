// Round trip: the stac store reads `eocube serve`'s own STAC API (src/server/routes/stac.ts) — lists its items,
// opens an item's per-variable GeoTIFF assets (/geotiff/{id}/{var}.tif) with the values of the source files.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { newDataStore, openDataset } from "../../src/stores/index.js";
import type { StacDataStore } from "../../src/stores/stac/store.js";
import { SHARED_DATA } from "../helpers/paths.js";

const OSTIA = `${SHARED_DATA}netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer(
    { Datasets: [{ Identifier: "ostia", Path: OSTIA }] },
    { port: 0, address: "127.0.0.1", logger: false, handleSignals: false, warmUp: false },
  );
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe("stac store over eocube serve's STAC API", () => {
  it("lists the served items and opens one's GeoTIFF assets with the source's values", async () => {
    const store = newDataStore("stac", { url: `${server.url}/ogc` }) as StacDataStore;
    const ids = await store.listDataIds();
    expect(ids).toEqual(["collections/datacubes/items/ostia"]);
    const found = await store.searchData({ bbox: [10, 40, 20, 50], time_range: ["2017-06-05", "2017-06-05"] });
    expect(found.map((d) => d.data_id)).toEqual(ids);
    expect(await store.searchData({ time_range: ["2018-01-01", null] })).toEqual([]);
    const ds = await store.openData(ids[0]!);
    const src = await openDataset(OSTIA);
    try {
      // per-variable GeoTIFFs (visual/thumbnail tiles skipped), merged on their common grid
      expect(Object.keys(ds.data_vars)).toEqual(["sst_anomaly", "analysed_sst"]);
      expect(ds.dims).toEqual({ band: 1, x: 1440, y: 720 });
      const ys = Array.from((await ds.coords.y!.read([[300, 310]])).data as Float64Array);
      const xs = Array.from((await ds.coords.x!.read([[700, 720]])).data as Float64Array);
      const lats = Array.from((await src.coords.lat!.read([[0, 720]])).data as Float64Array);
      const lons = Array.from((await src.coords.lon!.read([[0, 1440]])).data as Float64Array);
      const got = (await ds.data_vars.analysed_sst!.read([0, [300, 310], [700, 720]])).data as ArrayLike<number>;
      const want = (await src.data_vars.analysed_sst!.read([0, [0, 720], [0, 1440]])).data as ArrayLike<number>;
      let compared = 0;
      let valid = 0;
      for (const [r, y] of ys.entries()) {
        const li = lats.findIndex((l) => Math.abs(l - y) < 1e-6);
        for (const [c, x] of xs.entries()) {
          const oi = lons.findIndex((l) => Math.abs(((l - x + 540) % 360) - 180) < 1e-6);
          expect(li).toBeGreaterThanOrEqual(0);
          expect(oi).toBeGreaterThanOrEqual(0);
          const a = got[r * xs.length + c]!;
          const b = want[li * lons.length + oi]!;
          if (Number.isNaN(b)) expect(a).toBeNaN();
          else {
            expect(a).toBeCloseTo(b, 3);
            valid++;
          }
          compared++;
        }
      }
      expect(compared).toBe(200);
      expect(valid).toBeGreaterThan(100);
    } finally {
      await ds.close();
      await src.close();
    }
  });
});
