// 4-D variables with a time and a level dimension (GFS_global: [time3, isobaric6, lat, lon] on a 0…360
// grid; ERA-Interim: [month, level, latitude, longitude] on a −180…180 grid) over HTTP on 127.0.0.1:
// time series, statistics and tiles equal xarray references made by test/server/fixtures/make_gfs_expected.py.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { DATA, decodePng } from "./helpers.js";

const ref = JSON.parse(readFileSync(new URL("fixtures/gfs.json", import.meta.url), "utf8"));

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(
    {
      Datasets: [
        { Identifier: "gfs", Path: `${DATA}netcdf4/GFS_global.nc` },
        { Identifier: "era", Path: `${DATA}netcdf3/eraint_uvz.nc` },
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

describe("GFS_global time series (time first, a size-1 level dimension second)", () => {
  it("at a point: every time step, equal to xarray", async () => {
    const r = await post("/timeseries/gfs/Temperature_isobaric", { type: "Point", coordinates: [ref.point.lon, ref.point.lat] });
    expect(r.status).toBe(200);
    expect(r.body.result.map((e: { time: string }) => Date.parse(e.time))).toEqual(ref.times.map(Date.parse));
    r.body.result.forEach((e: { mean: number }, t: number) => {
      near(e.mean, ref.point.values[t], 1e-9);
    });
  });

  it("over a box: mean, std and count per step equal xarray", async () => {
    const r = await post("/timeseries/gfs/Temperature_isobaric?aggMethods=mean,std,count", {
      type: "Polygon",
      coordinates: [ref.box.ring],
    });
    expect(r.status).toBe(200);
    expect(r.body.result).toHaveLength(ref.times.length);
    r.body.result.forEach((e: { mean: number; std: number; count: number }, t: number) => {
      expect(e.count).toBe(ref.box.count[t]);
      near(e.mean, ref.box.mean[t], 1e-9);
      near(e.std, ref.box.std[t], 1e-9);
    });
  });

  it("a date range selects its steps", async () => {
    const r = await post(`/timeseries/gfs/Temperature_isobaric?startDate=${ref.times[1]}&endDate=${ref.times[2]}`, {
      type: "Point",
      coordinates: [ref.point.lon, ref.point.lat],
    });
    expect(r.status).toBe(200);
    expect(r.body.result.map((e: { mean: number }) => e.mean)).toEqual(ref.point.values.slice(1));
  });
});

describe("cells at the longitude seam cover their whole width", () => {
  it("GFS_global (centres 0…359): points west of 0° and beyond 359.5° take the cell centred on 0°, as xarray on the grid extended by ±360°", async () => {
    for (const p of ref.seam) {
      const r = await fetch(`${server.url}/statistics/gfs/Temperature_isobaric?lon=${p.lon}&lat=${p.lat}&time=current`);
      expect(r.status).toBe(200);
      const body = await r.json();
      expect(body.result.value, `lon ${p.lon}`).toBe(p.value);
    }
  });

  it("ERA-Interim (centres −180…179.25): a point east of the last cell's edge takes the cell centred on −180°, at a chosen level and month", async () => {
    for (const p of ref.era.points.filter((q: { lon: number }) => q.lon >= -180)) {
      const r = await fetch(`${server.url}/statistics/era/z?lon=${p.lon}&lat=${p.lat}&level=${ref.era.level}&month=${ref.era.month}`);
      expect(r.status).toBe(200);
      expect((await r.json()).result.value, `lon ${p.lon}`).toBe(p.value);
    }
  });

  it("GFS_global: the Web Mercator tiles meeting at 0° have no empty column; their edge columns equal xarray", async () => {
    const all = [...ref.tile.columns["1"].values, ...ref.tile.columns["2"].values] as number[];
    const vmin = Math.min(...all) - 1;
    const vmax = Math.max(...all) + 1;
    for (const tx of ["1", "2"]) {
      const col = ref.tile.columns[tx];
      const r = await fetch(
        `${server.url}/tiles/gfs/Temperature_isobaric/${ref.tile.z}/${ref.tile.y}/${tx}?crs=EPSG:3857&time=current&cmap=gray&vmin=${vmin}&vmax=${vmax}`,
      );
      expect(r.status).toBe(200);
      const png = decodePng(new Uint8Array(await r.arrayBuffer()));
      expect(png.width).toBe(256);
      for (let j = 0; j < 256; j++) {
        const k = (j * 256 + col.px) * png.channels;
        expect(png.pixels[k + png.channels - 1], `tile x=${tx} row ${j} alpha`).toBe(255);
        // gray: colour index ⌊(v − vmin)·256/(vmax − vmin)⌋ is the grey level
        const expected = Math.min(255, Math.floor(((col.values[j] - vmin) * 256) / (vmax - vmin)));
        expect(Math.abs(png.pixels[k]! - expected), `tile x=${tx} row ${j}`).toBeLessThanOrEqual(1);
      }
    }
  });
});
