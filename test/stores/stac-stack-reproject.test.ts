// stack_mode of the stac store across UTM zones: three COGs cut from a real Sentinel-2 scene (shared sample-cog.tif,
// UTM 13N) — one warped into UTM 12N, two kept in 13N — served by a STAC API on 127.0.0.1. Opened with crs EPSG:4326,
// spatial_res and bbox, the items are reprojected (nearest) and mosaicked per solar day; the cube agrees with GDAL's
// `gdalwarp -r near` of the same items onto the same grid. Without crs/spatial_res the store names the missing params.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EocubeError } from "../../src/core/errors.js";
import { newDataStore, openDataset } from "../../src/stores/index.js";
import type { StacDataStore } from "../../src/stores/stac/store.js";
import { startHttpServer, type TestHttpServer } from "../helpers/http-server.js";
import { SHARED_DATA } from "../helpers/paths.js";
import { type FakeStacApi, startStacApi } from "./stac-api.js";

const BBOX = [-106.2, 35.1, -104.84, 36.2];
const RES = 0.004;

let dir: string;
let files: TestHttpServer;
let api: FakeStacApi;

async function errorOf(p: Promise<unknown>): Promise<EocubeError> {
  try {
    await p;
  } catch (err) {
    return err as EocubeError;
  }
  throw new Error("no error thrown");
}

const gdal = (cmd: string, ...args: string[]) => execFileSync(cmd, ["-q", ...args], { cwd: dir, stdio: "pipe" });

/** WGS 84 bbox of a GeoTIFF, as gdalinfo gives it. */
function wgs84Bbox(file: string): number[] {
  const info = JSON.parse(execFileSync("gdalinfo", ["-json", file], { cwd: dir }).toString()) as {
    wgs84Extent: { coordinates: number[][][] };
  };
  const pts = info.wgs84Extent.coordinates[0]!;
  const xs = pts.map((p) => p[0]!);
  const ys = pts.map((p) => p[1]!);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eocube-stac-utm-"));
  const src = `${SHARED_DATA}geotiff/sample-cog.tif`;
  gdal("gdal_translate", "-srcwin", "0", "0", "200", "343", "-of", "VRT", src, "a13.vrt");
  gdal("gdalwarp", "-t_srs", "EPSG:32612", "-tr", "320", "320", "-r", "near", "-et", "0", "-of", "COG", "a13.vrt", "a.tif");
  gdal("gdal_translate", "-srcwin", "150", "0", "193", "343", "-of", "COG", src, "b.tif");
  gdal("gdal_translate", "-srcwin", "60", "100", "150", "150", "-of", "COG", src, "c.tif");
  // GDAL's answer: later inputs overwrite earlier ones, so the first item (a) comes last
  const warp = ["-r", "near", "-et", "0", "-t_srs", "EPSG:4326", "-te", ...BBOX.map(String), "-tr", String(RES), String(RES)];
  gdal("gdalwarp", ...warp, "b.tif", "a.tif", "ref-day1.tif");
  gdal("gdalwarp", ...warp, "c.tif", "ref-day2.tif");
  files = await startHttpServer(dir);
  const item = (id: string, datetime: string) => ({
    id,
    collection: "s2",
    bbox: wgs84Bbox(`${id}.tif`),
    datetime,
    assets: {
      image: { href: `${files.url}/${id}.tif`, type: "image/tiff; application=geotiff; profile=cloud-optimized", roles: ["data"] },
    },
  });
  // a and b: one solar day (UTC 17:50 and 03:00 the next UTC day, both 7 h behind at about 105.5° W); c two days later
  api = await startStacApi(
    [item("b", "2024-06-02T03:00:00Z"), item("a", "2024-06-01T17:50:00Z"), item("c", "2024-06-03T17:50:00Z")],
    [{ id: "s2", title: "Sentinel-2 tiles in two UTM zones" }],
  );
}, 60_000);

afterAll(async () => {
  await api?.close();
  await files?.close();
  rmSync(dir, { recursive: true, force: true });
});

function store(): StacDataStore {
  return newDataStore("stac", { url: api.url, stack_mode: true, retry_delay: 0.01 }) as StacDataStore;
}

describe("stac store stack_mode across UTM zones", () => {
  it("reprojects the items onto crs/spatial_res/bbox and mosaics each solar day as gdalwarp -r near does", async () => {
    const ds = await store().openData("s2", { crs: "EPSG:4326", spatial_res: RES, bbox: BBOX as [number, number, number, number] });
    try {
      expect(ds.dims).toMatchObject({ time: 2, band: 3, lat: 275, lon: 340 });
      expect(ds.data_vars.image!.dims).toEqual(["time", "band", "lat", "lon"]);
      const times = await ds.coords.time!.read([]);
      expect(Array.from(times.data as Float64Array).map((t) => new Date(t).toISOString())).toEqual([
        "2024-06-01T17:50:00.000Z",
        "2024-06-03T17:50:00.000Z",
      ]);
      expect(ds.attrs.stac_item_ids_per_time).toEqual(["a,b", "c"]);
      const lon = await ds.coords.lon!.read([[0, 1]]);
      expect((lon.data as Float64Array)[0]).toBeCloseTo(BBOX[0]! + RES / 2, 9);
      for (const [t, ref] of ["ref-day1.tif", "ref-day2.tif"].entries()) {
        const gd = await openDataset(join(dir, ref));
        try {
          const a = (await ds.data_vars.image!.read([t, null, null, null])).data as ArrayLike<number>;
          const b = (await gd.data_vars.band_data!.read([])).data as ArrayLike<number>;
          expect(a.length).toBe(b.length);
          const none = (x: number) => Number.isNaN(x) || x === 0;
          let same = 0;
          let valid = 0;
          for (let i = 0; i < a.length; i++) {
            if (!none(a[i]!)) valid++;
            if ((none(a[i]!) && none(b[i]!)) || a[i] === b[i]) same++;
          }
          expect(same / a.length).toBeGreaterThanOrEqual(0.99);
          expect(valid / a.length).toBeGreaterThan(t === 0 ? 0.6 : 0.05); // real data, not an empty grid
        } finally {
          await gd.close();
        }
      }
      // lazily: a window east of item a's footprint reads item b only
      files.reset();
      const east = await ds.data_vars.image!.read([0, 0, [100, 110], [320, 330]]);
      expect(east.shape).toEqual([10, 10]);
      expect(files.requests.map((r) => r.path)).not.toContain("/a.tif");
      expect(files.requests.map((r) => r.path)).toContain("/b.tif");
    } finally {
      await ds.close();
    }
  });

  it("reprojects a single item onto crs/spatial_res/bbox without stack_mode", async () => {
    const s = newDataStore("stac", { url: api.url, retry_delay: 0.01 }) as StacDataStore;
    const ds = await s.openData("collections/s2/items/c", {
      crs: "EPSG:4326",
      spatial_res: RES,
      bbox: BBOX as [number, number, number, number],
    });
    const gd = await openDataset(join(dir, "ref-day2.tif"));
    try {
      expect(ds.dims).toMatchObject({ band: 3, lat: 275, lon: 340 });
      const a = (await ds.data_vars.image!.read([1, [100, 200], [100, 200]])).data as ArrayLike<number>;
      const b = (await gd.data_vars.band_data!.read([1, [100, 200], [100, 200]])).data as ArrayLike<number>;
      let same = 0;
      for (let i = 0; i < a.length; i++) if (a[i] === b[i] || (Number.isNaN(a[i]!) && Number.isNaN(b[i]!))) same++;
      expect(same / a.length).toBeGreaterThanOrEqual(0.99);
    } finally {
      await gd.close();
      await ds.close();
    }
  });

  it("keeps items much smaller than the grid (between the points of its overlap lattice)", async () => {
    const ds = await store().openData("s2", { crs: "EPSG:4326", spatial_res: 0.05, bbox: [-120, 20, -90, 50] });
    try {
      expect(ds.dims).toMatchObject({ time: 2, lat: 600, lon: 600 });
      expect(ds.attrs.stac_item_ids_per_time).toEqual(["a,b", "c"]);
    } finally {
      await ds.close();
    }
  });

  it("names the open params to give when the items lie on different grids, and refuses a bbox outside the items", async () => {
    const plain = await errorOf(store().openData("s2"));
    expect(plain.code).toBe("INVALID_PARAMS");
    expect(plain.message).toMatch(/^stac store .*, data id "s2": cannot stack the collection's items: items a and b have different grids/);
    expect(plain.message).toContain("without open_params crs and spatial_res");
    expect(plain.hint).toContain("give open_params crs, spatial_res and bbox");
    const half = await errorOf(store().openData("s2", { crs: "EPSG:4326", bbox: BBOX as [number, number, number, number] }));
    expect(half.code).toBe("INVALID_PARAMS");
    expect(half.field).toBe("open_params/spatial_res");
    expect(half.message).toMatch(/open_params\/spatial_res is missing: reprojecting onto a target grid needs crs, spatial_res and bbox/);
    const away = await errorOf(store().openData("s2", { crs: "EPSG:32613", spatial_res: 320, bbox: [0, 0, 32000, 32000] }));
    expect(away.code).toBe("NOT_FOUND");
    expect(away.message).toMatch(/no item matches the search/);
  });
});
