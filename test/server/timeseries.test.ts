// POST /timeseries parameter errors over HTTP on 127.0.0.1, on the real files: each a 400 JSON error that
// names the field, never a 5xx.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { Dataset } from "../../src/core/dataset.js";
import { DATA, memVariable } from "./helpers.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(
    {
      Datasets: [
        { Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` },
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
  return { status: r.status, body: (await r.json()) as { code: string; message: string; field?: string; hint?: string } };
};

describe("POST /timeseries errors", () => {
  it("a variable without a time dimension is a 400 naming the variable", async () => {
    const r = await post("/timeseries/world/band_data", { type: "Point", coordinates: [10, 50] });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: "INVALID_PARAMS", field: "varName" });
    expect(r.body.message).toContain("band_data");
    expect(r.body.hint).toContain("/statistics/world/band_data");
  });
});

describe("POST /timeseries dates", () => {
  it("startDate after endDate is a 400 naming startDate", async () => {
    const r = await post("/timeseries/olci/conc_chl?startDate=2017-01-30&endDate=2017-01-16", { type: "Point", coordinates: [2.5, 51.5] });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: "INVALID_PARAMS", field: "startDate" });
    expect(r.body.message).toContain("after endDate");
    // the same day on both ends is a valid one-day range
    const ok = await post("/timeseries/olci/conc_chl?startDate=2017-01-16&endDate=2017-01-16", { type: "Point", coordinates: [2.5, 51.5] });
    expect(ok.status).toBe(200);
    expect((ok.body as unknown as { result: unknown[] }).result).toHaveLength(1);
  });
});

/**
 * A synthetic cube with a level dimension, stored time-then-level (`a`, chunked 2 steps in time) and
 * level-then-time (`b`, all steps in one chunk): `v[t, l, i, j] = t·1000 + l·100 + i·10 + j`.
 */
function levelCube(): Dataset {
  const T = 4,
    L = 3,
    H = 4,
    W = 8;
  const val = (t: number, l: number, i: number, j: number) => t * 1000 + l * 100 + i * 10 + j;
  const a = new Float64Array(T * L * H * W);
  const b = new Float64Array(T * L * H * W);
  for (let t = 0; t < T; t++)
    for (let l = 0; l < L; l++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          a[((t * L + l) * H + i) * W + j] = val(t, l, i, j);
          b[((l * T + t) * H + i) * W + j] = val(t, l, i, j);
        }
  return new Dataset({
    coords: {
      time: memVariable(
        "time",
        ["time"],
        [T],
        Float64Array.from({ length: T }, (_, t) => Date.UTC(2020, 0, 1 + t)),
        { dtype: "datetime64[ns]" },
      ),
      level: memVariable("level", ["level"], [L], Float64Array.of(1000, 850, 500), { attrs: { units: "hPa" } }),
      lat: memVariable(
        "lat",
        ["lat"],
        [H],
        Float64Array.from({ length: H }, (_, i) => 3.5 - i),
        { attrs: { units: "degrees_north", standard_name: "latitude" } },
      ),
      lon: memVariable(
        "lon",
        ["lon"],
        [W],
        Float64Array.from({ length: W }, (_, j) => 0.5 + j),
        { attrs: { units: "degrees_east", standard_name: "longitude" } },
      ),
    },
    data_vars: {
      a: memVariable("a", ["time", "level", "lat", "lon"], [T, L, H, W], a, { chunks: [2, 1, H, W] }),
      b: memVariable("b", ["level", "time", "lat", "lon"], [L, T, H, W], b, { chunks: [1, T, H, W] }),
    },
    attrs: {},
  });
}

describe("POST /timeseries other dimensions by name", () => {
  let mem: RunningServer;
  beforeAll(async () => {
    const cube = levelCube();
    mem = await startServer(
      { Datasets: [{ Identifier: "lv", Path: "lv.zarr" }] },
      { port: 0, address: "127.0.0.1", logger: false, handleSignals: false, warmUp: false, deps: { openDataset: async () => cube } },
    );
  });
  afterAll(async () => {
    await mem?.close();
  });
  const postMem = async (path: string, body: unknown) => {
    const r = await fetch(`${mem.url}${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
    return { status: r.status, body: await r.json() };
  };
  // the pixel at lon 2.5, lat 1.5: row i = 2, column j = 2
  const point = { type: "Point", coordinates: [2.5, 1.5] };
  const expected = (l: number) => [0, 1, 2, 3].map((t) => t * 1000 + l * 100 + 22);

  it("selects the level by its coordinate label (default the first), in either dimension order", async () => {
    for (const v of ["a", "b"]) {
      const first = await postMem(`/timeseries/lv/${v}`, point);
      expect(first.status).toBe(200);
      expect(first.body.result.map((e: { mean: number }) => e.mean)).toEqual(expected(0));
      const l500 = await postMem(`/timeseries/lv/${v}?level=500`, point);
      expect(l500.body.result.map((e: { mean: number }) => e.mean)).toEqual(expected(2));
      const l850 = await postMem(`/timeseries/lv/${v}?level=850&startDate=2020-01-02&endDate=2020-01-03`, point);
      expect(l850.body.result.map((e: { mean: number }) => e.mean)).toEqual(expected(1).slice(1, 3));
    }
  });

  it("over a polygon: the mean of the level's pixels per step", async () => {
    // pixel centres lon 1.5…2.5, lat 1.5…2.5: rows 1…2, columns 1…2
    const r = await postMem("/timeseries/lv/b?level=850&aggMethods=mean,count", {
      type: "Polygon",
      coordinates: [
        [
          [1, 1],
          [3, 1],
          [3, 3],
          [1, 3],
          [1, 1],
        ],
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.result.map((e: { mean: number; count: number }) => [e.mean, e.count])).toEqual(
      [0, 1, 2, 3].map((t) => [t * 1000 + 100 + 16.5, 4]),
    );
  });

  it("an unknown dimension, the time or a spatial dimension, or a label that is not a number is a 400 naming it", async () => {
    for (const [q, field] of [
      ["height=3", "height"],
      ["time=2020-01-02", "time"],
      ["lat=1", "lat"],
      ["level=high", "level"],
    ] as const) {
      const r = await postMem(`/timeseries/lv/a?${q}`, point);
      expect(r.status, q).toBe(400);
      expect(r.body).toMatchObject({ code: "INVALID_PARAMS", field });
    }
  });
});

describe("POST /timeseries GFS_global level", () => {
  it("isobaric6=30000 (its only label) gives the default series; another name is a 400", async () => {
    const g = await startServer(
      { Datasets: [{ Identifier: "gfs", Path: `${DATA}netcdf4/GFS_global.nc` }] },
      { port: 0, address: "127.0.0.1", logger: false, handleSignals: false, warmUp: false },
    );
    try {
      const p = (q: string) =>
        fetch(`${g.url}/timeseries/gfs/Temperature_isobaric?${q}`, {
          method: "POST",
          body: JSON.stringify({ type: "Point", coordinates: [10, 50] }),
          headers: { "content-type": "application/json" },
        });
      const a = await (await p("isobaric6=30000")).json();
      const b = await (await p("")).json();
      expect(a.result).toHaveLength(3);
      expect(a).toEqual(b);
      const bad = await p("isobaric=30000");
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: "INVALID_PARAMS", field: "isobaric" });
    } finally {
      await g.close();
    }
  });
});
