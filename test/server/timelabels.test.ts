// Time labels → time steps on the real OLCI cube, whose stored times have sub-millisecond fractions
// (2017-01-16T10:09:21.834255872 …): every label /datasets reports selects its own step in time-series
// bounds, tiles and statistics. The second-precision labels come from test/fixtures/server-expected/olci.json
// (xarray's times cut to seconds by make_expected.py).
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { parseTimeLabel, timeRangeIndices } from "../../src/server/slices.js";
import { DATA } from "./helpers.js";

const olci = JSON.parse(readFileSync(new URL("../fixtures/server-expected/olci.json", import.meta.url), "utf8")) as {
  points: { times: string[] }[];
};

let app: FastifyInstance;
let labels: string[];
beforeAll(async () => {
  app = await buildApp({
    Datasets: [
      { Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` },
      { Identifier: "era", Path: `${DATA}netcdf3/eraint_uvz.nc` },
    ],
  });
  const d = (await app.inject("/datasets/olci")).json();
  labels = d.dimensions.find((x: { name: string }) => x.name === "time").coordinates;
});
afterAll(async () => {
  await app.close();
});

const whole = {
  type: "Polygon",
  coordinates: [
    [
      [0, 50],
      [5, 50],
      [5, 52.5],
      [0, 52.5],
      [0, 50],
    ],
  ],
};
const series = async (query: string) => {
  const r = await app.inject({
    method: "POST",
    url: `/timeseries/olci/conc_chl?aggMethods=mean,count&${query}`,
    payload: JSON.stringify(whole),
    headers: { "content-type": "application/json" },
  });
  expect(r.statusCode).toBe(200);
  return r.json().result as { mean: number | null; count: number; time: string }[];
};

describe("time labels of the OLCI cube", () => {
  it("reports whole-ms labels consistently in /datasets, coords, timeRange and time series", async () => {
    expect(labels).toHaveLength(5);
    for (const l of labels) expect(l).toMatch(/^2017-01-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
    const coords = (await app.inject("/datasets/olci/coords/time")).json().coordinates;
    expect(coords).toEqual(labels);
    const d = (await app.inject("/datasets/olci")).json();
    expect(d.timeRange).toEqual([labels[0], labels[4]]);
    expect((await series("")).map((e) => e.time)).toEqual(labels);
  });

  it("startDate = endDate = a label of /datasets selects exactly that step, for every label", async () => {
    const all = await series("");
    for (let i = 0; i < labels.length; i++) {
      const one = await series(`startDate=${labels[i]}&endDate=${labels[i]}`);
      expect(one).toEqual([all[i]]);
    }
    // ranges between labels
    expect((await series(`startDate=${labels[1]}&endDate=${labels[3]}`)).map((e) => e.time)).toEqual(labels.slice(1, 4));
  });

  it("second-precision labels (truncated as in the xarray fixture, or rounded as xcube prints them) select their step", async () => {
    const cut = olci.points[0]!.times;
    const rounded = labels.map((l) => new Date(Math.round(Date.parse(l) / 1000) * 1000).toISOString().replace(".000Z", "Z"));
    for (let i = 0; i < labels.length; i++) {
      for (const l of [cut[i]!, rounded[i]!]) {
        expect((await series(`startDate=${l}&endDate=${l}`)).map((e) => e.time)).toEqual([labels[i]]);
      }
      // a date selects its whole day
      expect((await series(`startDate=${labels[i]!.slice(0, 10)}&endDate=${labels[i]!.slice(0, 10)}`)).map((e) => e.time)).toEqual([
        labels[i],
      ]);
    }
  });

  it("tiles and statistics with time=<label> show the same step as the time series", async () => {
    const all = await series("");
    for (let i = 0; i < labels.length; i++) {
      const s = (
        await app.inject({
          method: "POST",
          url: `/statistics/olci/conc_chl?time=${labels[i]}`,
          payload: JSON.stringify(whole),
          headers: { "content-type": "application/json" },
        })
      ).json().result;
      expect(s.count).toBe(all[i]!.count);
      if (s.count > 0) expect(s.mean).toBeCloseTo(all[i]!.mean!, 9);
      const t = await app.inject(`/tiles/olci/conc_chl/6/21/32?crs=EPSG:3857&time=${labels[i]}`);
      expect(t.statusCode).toBe(200);
      expect(t.headers.etag).not.toBe(
        (await app.inject(`/tiles/olci/conc_chl/6/21/32?crs=EPSG:3857&time=${labels[(i + 1) % labels.length]}`)).headers.etag,
      );
    }
  });
});

describe("statistics need a time when the variable has a time dimension (as xcube)", () => {
  const stats = (query: string) =>
    app.inject({
      method: "POST",
      url: `/statistics/olci/conc_chl${query}`,
      payload: JSON.stringify(whole),
      headers: { "content-type": "application/json" },
    });
  it("answers 400 with the axis in the hint for GET and POST without time", async () => {
    for (const r of [await app.inject("/statistics/olci/conc_chl?lon=2.5&lat=51.3"), await stats(""), await stats("?time=")]) {
      expect(r.statusCode).toBe(400);
      const body = r.json();
      expect(body).toMatchObject({ code: "INVALID_PARAMS", field: "time" });
      expect(body.message).toMatch(/missing query parameter time/);
      expect(body.hint).toContain(`${labels[0]} … ${labels[4]}`);
    }
  });

  it("time=current is the last step; variables without a time axis need none", async () => {
    const last = (await stats(`?time=${labels[4]}`)).json();
    expect((await stats("?time=current")).json()).toEqual(last);
    const era = await app.inject("/statistics/era/z?lon=10&lat=50");
    expect(era.statusCode).toBe(200);
    expect(typeof era.json().result.value).toBe("number");
  });
});

describe("parseTimeLabel / timeRangeIndices", () => {
  it("keeps the label's precision and rounds fractions beyond ms", () => {
    expect(parseTimeLabel("2017-01-16")).toEqual({ ms: Date.UTC(2017, 0, 16), unit: 86_400_000, dateOnly: true });
    expect(parseTimeLabel("2017-01-16T10:09Z").unit).toBe(60_000);
    expect(parseTimeLabel("2017-01-16T10:09:21").unit).toBe(1000);
    expect(parseTimeLabel("2017-01-16T10:09:21.8Z")).toMatchObject({ ms: Date.UTC(2017, 0, 16, 10, 9, 21, 800), unit: 100 });
    expect(parseTimeLabel("2017-01-16T10:09:21.834255872")).toMatchObject({ ms: Date.UTC(2017, 0, 16, 10, 9, 21, 834), unit: 1 });
    expect(parseTimeLabel("2017-01-16T11:09:21.834+01:00").ms).toBe(Date.UTC(2017, 0, 16, 10, 9, 21, 834));
    expect(() => parseTimeLabel("soon", "startDate")).toThrow(/startDate/);
  });

  it("selects inclusive ranges at the labels' precision", () => {
    const t = Float64Array.of(Date.UTC(2020, 0, 1, 12), Date.UTC(2020, 0, 2, 12, 0, 0, 600), Date.UTC(2020, 0, 3, 12));
    expect(timeRangeIndices(t)).toEqual([0, 2]);
    expect(timeRangeIndices(t, "2020-01-02", "2020-01-02")).toEqual([1, 1]);
    expect(timeRangeIndices(t, "2020-01-02T12:00:01Z", "2020-01-02T12:00:01Z")).toEqual([1, 1]);
    expect(timeRangeIndices(t, "2020-01-02T12:00:00Z", "2020-01-02T12:00:00Z")).toEqual([1, 1]);
    expect(timeRangeIndices(t, "2020-01-02T12:00:00.600Z", "2020-01-02T12:00:00.600Z")).toEqual([1, 1]);
    const [a, b] = timeRangeIndices(t, "2020-01-02T12:00:00.601Z", "2020-01-02T12:00:00.601Z");
    expect(a).toBeGreaterThan(b);
  });
});
