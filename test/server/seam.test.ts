// Polygons crossing a grid's longitude seam (0° of the 0…360 OSTIA grid, ±180° of the −180…180 world
// GeoTIFF), over HTTP on 127.0.0.1: time series and statistics equal xarray/numpy/GDAL references made by
// test/server/fixtures/make_seam_expected.py (pixel-centre masks with the grid wrapped, not the ring).
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { polygonMask, polygonMasks } from "../../src/ops/masks.js";
import { DATA } from "./helpers.js";

const ref = JSON.parse(readFileSync(new URL("fixtures/seam.json", import.meta.url), "utf8"));

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(
    {
      Datasets: [
        { Identifier: "ostia", Path: `${DATA}netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc` },
        { Identifier: "world", Path: `${DATA}geotiff/world.byte.tif` },
      ],
    },
    { port: 0, address: "127.0.0.1", logger: false, handleSignals: false, warmUp: false },
  );
});
afterAll(async () => {
  await server?.close();
});

const post = async (path: string, body: unknown) => {
  const r = await fetch(`${server.url}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  return { status: r.status, body: await r.json() };
};
const near = (a: number, b: number, rel: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));
/** The box `ring` (lon0 < lon1) as a MultiPolygon cut at longitude `cut` (RFC 7946 §3.1.9), `alt` added to the eastern part's lons. */
const cutAt = (ring: [number, number][], cut: number, alt: number) => {
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  const [w, e, s, n] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const box = (a: number, b: number) => [
    [
      [a, s],
      [b, s],
      [b, n],
      [a, n],
      [a, s],
    ],
  ];
  return { type: "MultiPolygon", coordinates: [box(w, cut), box(cut + alt, e + alt)] };
};

describe("polygons crossing the longitude seam", () => {
  it("OSTIA (0…360): a box over Greenwich gives xarray's time series, as one polygon or cut at 0°", async () => {
    for (const geometry of [{ type: "Polygon", coordinates: [ref.ostia.ring] }, cutAt(ref.ostia.ring, 0, 0)]) {
      const r = await post("/timeseries/ostia/analysed_sst?aggMethods=mean,count,min,max,std", geometry);
      expect(r.status).toBe(200);
      expect(r.body.result).toHaveLength(1);
      const e = r.body.result[0];
      expect(e.count).toBe(ref.ostia.count);
      near(e.mean, ref.ostia.mean, 1e-9);
      near(e.min, ref.ostia.min, 1e-9);
      near(e.max, ref.ostia.max, 1e-9);
      near(e.std, ref.ostia.std, 1e-9);
      expect(Date.parse(e.time)).toBe(Date.parse(ref.ostia.time));
    }
  });

  it("OSTIA (0…360): polygon statistics over Greenwich equal numpy", async () => {
    const r = await post(`/statistics/ostia/analysed_sst?time=${ref.ostia.time}`, { type: "Polygon", coordinates: [ref.ostia.ring] });
    expect(r.status).toBe(200);
    expect(r.body.result.count).toBe(ref.ostia.count);
    near(r.body.result.mean, ref.ostia.mean, 1e-9);
    near(r.body.result.deviation, ref.ostia.std, 1e-9);
  });

  it("world.byte.tif (−180…180): a box over the antimeridian as one polygon (170…190) or cut at 180° equals GDAL/numpy", async () => {
    for (const geometry of [{ type: "Polygon", coordinates: [ref.world.ring] }, cutAt(ref.world.ring, 180, -360)]) {
      const r = await post("/statistics/world/band_data", geometry);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const s = r.body.result;
      expect(s.count).toBe(ref.world.count);
      near(s.mean, ref.world.mean, 1e-12);
      near(s.deviation, ref.world.deviation, 1e-12);
      expect([s.minimum, s.maximum]).toEqual([ref.world.min, ref.world.max]);
    }
  });

  it("masks the two ends of the grid in separate windows, each pixel once", () => {
    // 0…360 grid of 1° cells, 10 rows from 10°N down
    const gm = { isGeographic: true, isLon360: true, width: 360, height: 10, transform: [0, 1, 0, 10, 0, -1] } as unknown as Parameters<
      typeof polygonMasks
    >[0];
    const parts = polygonMasks(gm, [
      [
        [
          [-5, 0],
          [5, 0],
          [5, 10],
          [-5, 10],
          [-5, 0],
        ],
      ],
    ]);
    expect(parts.map((p) => [p.c0, p.c1, p.count])).toEqual([
      [0, 5, 50],
      [355, 360, 50],
    ]);
    expect(
      polygonMask(gm, [
        [
          [
            [-5, 0],
            [5, 0],
            [5, 10],
            [-5, 10],
            [-5, 0],
          ],
        ],
      ])?.count,
    ).toBe(100);
    // a ring spanning more than the grid's 360° covers each pixel once
    const all = polygonMasks(gm, [
      [
        [
          [-180, 0],
          [360, 0],
          [360, 10],
          [-180, 10],
          [-180, 0],
        ],
      ],
    ]);
    expect(all.map((p) => [p.c0, p.c1, p.count])).toEqual([[0, 360, 3600]]);
  });
});
