// 4-D variables with a time and a level dimension (GFS_global: [time3, isobaric6, lat, lon] on a 0…360
// grid; ERA-Interim: [month, level, latitude, longitude] on a −180…180 grid) over HTTP on 127.0.0.1:
// time series, statistics and tiles equal xarray references made by test/server/fixtures/make_gfs_expected.py.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { DATA } from "./helpers.js";

const ref = JSON.parse(readFileSync(new URL("fixtures/gfs.json", import.meta.url), "utf8"));

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    Datasets: [
      { Identifier: "gfs", Path: `${DATA}netcdf4/GFS_global.nc` },
      { Identifier: "era", Path: `${DATA}netcdf3/eraint_uvz.nc` },
    ],
  }, { port: 0, address: "127.0.0.1", logger: false, handleSignals: false, warmUp: false });
});
afterAll(async () => {
  await server?.close();
});

const post = async (path: string, body: unknown) => {
  const r = await fetch(`${server.url}${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  return { status: r.status, body: await r.json() };
};
const near = (a: number, b: number, rel: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));

describe("GFS_global time series (time first, a size-1 level dimension second)", () => {
  it("at a point: every time step, equal to xarray", async () => {
    const r = await post("/timeseries/gfs/Temperature_isobaric", { type: "Point", coordinates: [ref.point.lon, ref.point.lat] });
    expect(r.status).toBe(200);
    expect(r.body.result.map((e: { time: string }) => Date.parse(e.time))).toEqual(ref.times.map(Date.parse));
    r.body.result.forEach((e: { mean: number }, t: number) => near(e.mean, ref.point.values[t], 1e-9));
  });

  it("over a box: mean, std and count per step equal xarray", async () => {
    const r = await post("/timeseries/gfs/Temperature_isobaric?aggMethods=mean,std,count", { type: "Polygon", coordinates: [ref.box.ring] });
    expect(r.status).toBe(200);
    expect(r.body.result).toHaveLength(ref.times.length);
    r.body.result.forEach((e: { mean: number; std: number; count: number }, t: number) => {
      expect(e.count).toBe(ref.box.count[t]);
      near(e.mean, ref.box.mean[t], 1e-9);
      near(e.std, ref.box.std[t], 1e-9);
    });
  });

  it("a date range selects its steps", async () => {
    const r = await post(`/timeseries/gfs/Temperature_isobaric?startDate=${ref.times[1]}&endDate=${ref.times[2]}`, { type: "Point", coordinates: [ref.point.lon, ref.point.lat] });
    expect(r.status).toBe(200);
    expect(r.body.result.map((e: { mean: number }) => e.mean)).toEqual(ref.point.values.slice(1));
  });
});
