// Every route of the server on an in-memory cube (app.inject, no socket), plus bad input → 4xx JSON.
import { gunzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { decodePng, memCube } from "./helpers.js";

let app: FastifyInstance;
const reads = { n: 0 };

beforeAll(async () => {
  const cube = memCube(reads);
  app = await buildApp(
    {
      Datasets: [
        { Identifier: "mem", Path: "mem.zarr", Title: "Synthetic", Style: "warm" },
        { Identifier: "mem2", Path: "mem2.zarr" },
      ],
      Styles: [{ Identifier: "warm", ColorMappings: { temp: { ColorBar: "inferno", ValueRange: [0, 5000] } } }],
      DatasetChunkCacheSize: "16M",
    },
    { openDataset: async () => cube },
  );
});
afterAll(async () => {
  await app.close();
});

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: "GET", url, headers });
const post = (url: string, body: unknown) =>
  app.inject({
    method: "POST",
    url,
    payload: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });

describe("meta routes", () => {
  it("answers /, /health, /openapi.json", async () => {
    const root = await get("/");
    expect(root.statusCode).toBe(200);
    expect(root.json().name).toBe("eocube");
    expect(root.headers["x-request-id"]).toBeTruthy();
    expect((await get("/places")).json()).toEqual({ placeGroups: [] });
    const health = (await get("/health")).json();
    expect(health.status).toBe("ok");
    expect(health.chunkCacheLimit).toBe(16 * 1024 ** 2);
    const api = (await get("/openapi.json")).json();
    expect(api.openapi).toMatch(/^3\./);
    for (const p of [
      "/datasets/{datasetId}",
      "/tiles/{datasetId}/{varName}/{z}/{y}/{x}",
      "/timeseries/{datasetId}/{varName}",
      "/statistics/{datasetId}/{varName}",
      "/ogc/search",
      "/wmts/1.0.0/WMTSCapabilities.xml",
    ]) {
      expect(Object.keys(api.paths)).toContain(p);
    }
  });

  it("keeps request ids given by the client and sends CORS headers", async () => {
    const r = await get("/health", { "x-request-id": "abc-123", origin: "http://example.org" });
    expect(r.headers["x-request-id"]).toBe("abc-123");
    expect(r.headers["access-control-allow-origin"]).toBe("*");
  });

  it("has a /viewer slot that answers JSON 404 while the viewer is not built", async () => {
    const redirect = await get("/viewer");
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe("/viewer/");
    expect([200, 404]).toContain((await get("/viewer/")).statusCode); // no redirect loop
    const r = await get("/viewer/index.html");
    expect([200, 404]).toContain(r.statusCode);
    if (r.statusCode === 404) expect(r.json().code).toBe("NOT_FOUND");
    expect((await get("/viewer/..%2F..%2Fpackage.json")).statusCode).toBeGreaterThanOrEqual(400);
  });
});

describe("datasets", () => {
  it("lists datasets, with details on request, gzipped", async () => {
    expect((await get("/datasets")).json().datasets).toEqual([
      { id: "mem", title: "Synthetic" },
      { id: "mem2", title: "mem2" },
    ]);
    const r = await get("/datasets?details=1", { "accept-encoding": "gzip" });
    expect(r.headers["content-encoding"]).toBe("gzip");
    const body = JSON.parse(gunzipSync(r.rawPayload).toString());
    expect(body.datasets).toHaveLength(2);
  });

  it("describes a dataset in xcube's shape", async () => {
    const d = (await get("/datasets/mem")).json();
    expect(d.bbox).toEqual([0, 0, 20, 10]);
    expect(d.spatialRef).toBe("EPSG:4326");
    const v = d.variables[0];
    expect(v).toMatchObject({
      id: "mem.temp",
      name: "temp",
      dims: ["time", "lat", "lon"],
      shape: [4, 40, 80],
      dtype: "float64",
      units: "K",
      title: "Temperature",
      timeChunkSize: 1,
      colorBarName: "inferno",
      colorBarMin: 0,
      colorBarMax: 5000,
    });
    expect(v.tileLevelMax).toBeGreaterThan(0);
    const time = d.dimensions.find((x: { name: string }) => x.name === "time");
    expect(time.coordinates[0]).toBe("2020-01-01T12:00:00Z");
    const c = (await get("/datasets/mem/coords/lat")).json();
    expect(c).toMatchObject({ name: "lat", size: 40 });
    expect(c.coordinates[0]).toBe(9.875);
  });
});

describe("tiles", () => {
  const grayUrl = (extra = "", range = "vmin=4900&vmax=5155") => `/tiles/mem/temp/3/3/8?crs=CRS84&cmap=gray&${range}${extra}`;

  it("renders PNG tiles whose pixels sample the cell under each pixel centre", async () => {
    const r = await get(grayUrl());
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("image/png");
    const png = decodePng(r.rawPayload);
    expect([png.width, png.height]).toEqual([256, 256]);
    // pixel (row 200, col 50): lon 4.438 → j 17, lat 4.878 → i 20; last time t = 3 → 5017 → gray 117
    const o = (200 * 256 + 50) * 4;
    expect(Array.from(png.pixels.subarray(o, o + 4))).toEqual([117, 117, 117, 255]);
    // outside the data (lat > 10): transparent
    expect(png.pixels[(10 * 256 + 10) * 4 + 3]).toBe(0);
  });

  it("selects time by nearest label, retina gives 512 px, and ETag/Cache-Control allow 304", async () => {
    const t0 = decodePng((await get(grayUrl("&time=2020-01-03T20:00:00Z", "vmin=3900&vmax=4155"))).rawPayload);
    // 2020-01-03T20Z is nearest to 2020-01-03T12Z (t = 2): value 4017 with vmin 3900 → 117
    expect(t0.pixels[(200 * 256 + 50) * 4]).toBe(117);
    const retina = decodePng((await get(grayUrl("&retina=1"))).rawPayload);
    expect(retina.width).toBe(512);
    const first = await get(grayUrl());
    expect(first.headers["cache-control"]).toMatch(/max-age/);
    const again = await get(grayUrl(), { "if-none-match": String(first.headers.etag) });
    expect(again.statusCode).toBe(304);
  });

  it("returns a transparent tile outside the extent, and serves Web Mercator tiles", async () => {
    const out = await get("/tiles/mem/temp/4/0/0?crs=EPSG:3857");
    expect(out.statusCode).toBe(200);
    const png = decodePng(out.rawPayload);
    expect(png.pixels.every((v, i) => i % 4 !== 3 || v === 0)).toBe(true);
    const merc = decodePng((await get("/tiles/mem/temp/2/1/2?crs=EPSG:3857&cmap=viridis_r&norm=log&vmin=1&vmax=5000")).rawPayload);
    expect(merc.pixels.some((v, i) => i % 4 === 3 && v === 255)).toBe(true);
    const user = await get(
      `/tiles/mem/temp/2/1/2?crs=EPSG:3857&cmap=${encodeURIComponent(
        JSON.stringify({
          type: "stepwise",
          colors: [
            [0, "#ff0000"],
            [3000, "#0000ff"],
          ],
        }),
      )}`,
    );
    expect(user.statusCode).toBe(200);
  });

  it("draws legends and lists colour bars", async () => {
    const leg = decodePng((await get("/tiles/mem/temp/legend?width=100&height=10")).rawPayload);
    expect([leg.width, leg.height]).toEqual([100, 10]);
    const bars = (await get("/colorbars")).json();
    const seq = bars.find((c: unknown[]) => c[0] === "Perceptually Uniform Sequential");
    expect(seq[2][0][0]).toBe("viridis");
    expect(Buffer.from(seq[2][0][1], "base64").subarray(1, 4).toString()).toBe("PNG");
    const one = await get("/colorbars/RdBu_r.png");
    expect(one.headers["content-type"]).toBe("image/png");
    expect(decodePng(one.rawPayload).width).toBe(256);
    expect((await get("/colorbars/nope")).statusCode).toBe(400);
  });
});

describe("WMTS", () => {
  it("publishes capabilities with both tile matrix sets and RESTful tiles", async () => {
    const r = await get("/wmts/1.0.0/WMTSCapabilities.xml");
    expect(r.headers["content-type"]).toMatch(/xml/);
    for (const s of [
      "<ows:Identifier>mem.temp</ows:Identifier>",
      "WorldWebMercatorQuad",
      "WorldCRS84Quad",
      "/wmts/1.0.0/tile/mem/temp/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png",
      "<Value>2020-01-04T12:00:00Z</Value>",
    ]) {
      expect(r.body).toContain(s);
    }
    const t = await get("/wmts/1.0.0/tile/mem/temp/WorldCRS84Quad/3/3/8.png?time=current");
    expect(t.statusCode).toBe(200);
    expect(t.headers["content-type"]).toBe("image/png");
    expect((await get("/wmts/1.0.0/tile/mem/temp/Nope/3/3/8.png")).statusCode).toBe(400);
  });
});

describe("time series", () => {
  it("gives a point's series with count", async () => {
    const r = await post("/timeseries/mem/temp?aggMethods=mean,count", { type: "Point", coordinates: [5.1, 4.9] });
    expect(r.statusCode).toBe(200);
    const res = r.json().result;
    expect(res).toHaveLength(4);
    expect(res[2]).toEqual({ mean: 4020, count: 1, time: "2020-01-03T12:00:00Z" });
  });

  it("aggregates polygons by pixel centre, honours dates and maxValids, and answers collections per feature", async () => {
    const square = {
      type: "Polygon",
      coordinates: [
        [
          [1, 8],
          [2, 8],
          [2, 9],
          [1, 9],
          [1, 8],
        ],
      ],
    };
    const r = (
      await post("/timeseries/mem/temp?aggMethods=mean,median,std,min,max,count&startDate=2020-01-02&endDate=2020-01-03", {
        type: "Feature",
        properties: {},
        geometry: square,
      })
    ).json().result;
    expect(r.map((e: { time: string }) => e.time)).toEqual(["2020-01-02T12:00:00Z", "2020-01-03T12:00:00Z"]);
    expect(r[0]).toMatchObject({ count: 16, mean: 1555.5, median: 1555.5, min: 1404, max: 1707 });
    expect(r[0].std).toBeCloseTo(Math.sqrt(100 ** 2 * 1.25 + 1.25), 9);
    const nanCorner = {
      type: "Polygon",
      coordinates: [
        [
          [0, 9.5],
          [0.5, 9.5],
          [0.5, 10],
          [0, 10],
          [0, 9.5],
        ],
      ],
    };
    const fc = (
      await post("/timeseries/mem/temp?aggMethods=mean&maxValids=2", {
        type: "FeatureCollection",
        features: [
          { type: "Feature", geometry: nanCorner, properties: {} },
          { type: "Feature", geometry: { type: "Point", coordinates: [50, 50] }, properties: {} },
        ],
      })
    ).json().result;
    expect(fc).toHaveLength(2);
    expect(fc[0]).toHaveLength(2);
    expect(fc[0][1]).toMatchObject({ count: 3, time: "2020-01-04T12:00:00Z" });
    expect(fc[0][1].mean).toBeCloseTo(3000 + 202 / 3, 9);
    expect(fc[1]).toEqual([]);
  });
});

describe("statistics", () => {
  it("gives the value at a point (GET) and statistics in a polygon (POST)", async () => {
    expect((await get("/statistics/mem/temp?lon=5.1&lat=4.9&time=2020-01-02T12:00:00Z")).json()).toEqual({
      result: { value: 1000 + 2020 },
    });
    expect((await get("/statistics/mem/temp?lon=0.1&lat=9.9&time=2020-01-02T12:00:00Z")).json()).toEqual({ result: {} });
    const square = {
      type: "Polygon",
      coordinates: [
        [
          [1, 8],
          [2, 8],
          [2, 9],
          [1, 9],
          [1, 8],
        ],
      ],
    };
    const s = (await post("/statistics/mem/temp?time=2020-01-01T12:00:00Z", square)).json().result;
    expect(s).toMatchObject({ count: 16, minimum: 404, maximum: 707, mean: 555.5 });
    expect(s.histogram.values).toHaveLength(100);
    expect(s.histogram.edges).toHaveLength(101);
  });
});

describe("STAC under /ogc", () => {
  it("has landing, conformance, collections and items with pagination", async () => {
    const land = (await get("/ogc")).json();
    expect(land.conformsTo).toContain("https://api.stacspec.org/v1.0.0/item-search");
    expect((await get("/ogc/conformance")).json().conformsTo.length).toBeGreaterThan(3);
    const cols = (await get("/ogc/collections")).json();
    expect(cols.collections[0].id).toBe("datacubes");
    expect((await get("/ogc/collections/datacubes")).json().extent.temporal.interval[0][0]).toBe("2020-01-01T12:00:00Z");
    const p1 = (await get("/ogc/collections/datacubes/items?limit=1")).json();
    expect(p1.features).toHaveLength(1);
    expect(p1.numberMatched).toBe(2);
    const next = p1.links.find((l: { rel: string }) => l.rel === "next");
    const p2 = (await get(new URL(next.href).pathname + new URL(next.href).search)).json();
    expect(p2.features[0].id).toBe("mem2");
    const item = (await get("/ogc/collections/datacubes/items/mem")).json();
    expect(item).toMatchObject({ type: "Feature", id: "mem", bbox: [0, 0, 20, 10] });
    expect(item.properties["cube:dimensions"].time.extent).toEqual(["2020-01-01T12:00:00Z", "2020-01-04T12:00:00Z"]);
  });

  it("searches by bbox and datetime (GET and POST)", async () => {
    expect((await get("/ogc/search?bbox=1,1,2,2")).json().features).toHaveLength(2);
    expect((await get("/ogc/search?bbox=100,1,120,2")).json().features).toHaveLength(0);
    expect((await get("/ogc/search?datetime=2021-01-01T00:00:00Z/..")).json().features).toHaveLength(0);
    expect((await post("/ogc/search", { datetime: "2020-01-02T00:00:00Z/2020-01-03T00:00:00Z", limit: 1 })).json().features).toHaveLength(
      1,
    );
  });
});

describe("bad input → 4xx JSON, never 5xx", () => {
  const huge = { type: "Polygon", coordinates: [Array.from({ length: 1_000_000 }, (_, i) => [1 + (i % 7) * 0.1, 2 + (i % 5) * 0.1])] };
  const cases: [string, () => Promise<{ statusCode: number; json(): { code: string; message: string } }>, number][] = [
    ["unknown dataset", () => get("/tiles/nope/temp/0/0/0?crs=EPSG:3857"), 404],
    ["unknown variable", () => get("/tiles/mem/nope/0/0/0?crs=EPSG:3857"), 404],
    ["unknown dataset (describe)", () => get("/datasets/nope"), 404],
    ["unknown dimension", () => get("/datasets/mem/coords/depth"), 404],
    ["x out of range", () => get("/tiles/mem/temp/0/0/1?crs=EPSG:3857"), 400],
    ["y out of range", () => get("/tiles/mem/temp/2/4/0?crs=EPSG:3857"), 400],
    ["z out of range", () => get("/tiles/mem/temp/30/0/0?crs=EPSG:3857"), 400],
    ["negative x", () => get("/tiles/mem/temp/1/0/-1?crs=EPSG:3857"), 400],
    ["vmin > vmax", () => get("/tiles/mem/temp/0/0/0?crs=EPSG:3857&vmin=5&vmax=1"), 400],
    ["log with vmin 0", () => get("/tiles/mem/temp/0/0/0?crs=EPSG:3857&vmin=0&vmax=1&norm=log"), 400],
    ["unknown cmap", () => get("/tiles/mem/temp/0/0/0?crs=EPSG:3857&cmap=rainbowish"), 400],
    ["malformed JSON cmap", () => get("/tiles/mem/temp/0/0/0?crs=EPSG:3857&cmap=%7B%22colors%22%3A"), 400],
    ["unknown crs", () => get("/tiles/mem/temp/0/0/0?crs=EPSG:32633"), 400],
    ["time outside the axis", () => get("/tiles/mem/temp/0/0/0?crs=EPSG:3857&time=1999-01-01"), 400],
    ["time not a time", () => get("/tiles/mem/temp/0/0/0?crs=EPSG:3857&time=yesterday"), 400],
    ["path traversal in dataset id", () => get("/tiles/..%2F..%2Fetc%2Fpasswd/temp/0/0/0?crs=EPSG:3857"), 400],
    ["path traversal in describe", () => get("/datasets/..%2Fsecret"), 400],
    ["hidden-file id", () => get("/datasets/.hidden"), 400],
    ["malformed GeoJSON", () => post("/timeseries/mem/temp", { type: "Point", coordinates: "here" }), 400],
    [
      "unsupported geometry",
      () =>
        post("/timeseries/mem/temp", {
          type: "LineString",
          coordinates: [
            [0, 0],
            [1, 1],
          ],
        }),
      400,
    ],
    ["not JSON", () => post("/timeseries/mem/temp", "{oops"), 400],
    ["bad aggMethod", () => post("/timeseries/mem/temp?aggMethods=mode", { type: "Point", coordinates: [1, 1] }), 400],
    ["bad maxValids", () => post("/timeseries/mem/temp?maxValids=0", { type: "Point", coordinates: [1, 1] }), 400],
    ["bad startDate", () => post("/timeseries/mem/temp?startDate=soon", { type: "Point", coordinates: [1, 1] }), 400],
    ["lat out of range", () => get("/statistics/mem/temp?lon=1&lat=100"), 400],
    ["missing lon", () => get("/statistics/mem/temp?lat=1"), 400],
    ["statistics without geometry", () => post("/statistics/mem/temp", { type: "FeatureCollection", features: [] }), 400],
    ["bad STAC bbox", () => get("/ogc/search?bbox=1,2,3"), 400],
    ["bad STAC datetime", () => get("/ogc/search?datetime=tomorrow"), 400],
    ["unknown collection", () => get("/ogc/collections/nope/items"), 404],
    ["unknown route", () => get("/nope"), 404],
  ];
  for (const [name, call, status] of cases) {
    it(name, async () => {
      const r = await call();
      expect(r.statusCode).toBe(status);
      const body = r.json();
      expect(typeof body.code).toBe("string");
      expect(typeof body.message).toBe("string");
    });
  }

  it("a polygon with 10^6 vertices (a body over 16 MiB → 413; a compact one → 413 vertex limit)", async () => {
    const r = await post("/timeseries/mem/temp", huge);
    expect(r.statusCode).toBe(413);
    expect(r.json()).toMatchObject({ code: "TOO_LARGE", field: "Limits.MaxVertices" });
    expect(r.json().message).toMatch(/100000 vertices/);
    const padded = `{"type":"Polygon","coordinates":[[${Array.from({ length: 1_000_000 }, (_, i) => `[${(1 + (i % 7) / 3).toFixed(15)},${(2 + (i % 5) / 3).toFixed(15)}]`).join(",")}]]}`;
    expect(padded.length).toBeGreaterThan(16 * 1024 * 1024);
    const big = await post("/timeseries/mem/temp", padded);
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: "TOO_LARGE", field: "Limits.MaxBodySize" });
    const compact = `{"type":"Polygon","coordinates":[[${Array.from({ length: 1_000_000 }, (_, i) => `[${1 + (i % 7)},${2 + (i % 5)}]`).join(",")}]]}`;
    expect(compact.length).toBeLessThan(16 * 1024 * 1024);
    const c = await post("/statistics/mem/temp", compact);
    expect(c.statusCode).toBe(413);
    expect(c.json()).toMatchObject({ code: "TOO_LARGE" });
    expect(c.json().message).toMatch(/100000 vertices/);
  });

  it("read only the chunks under the requests (no whole-array reads)", () => {
    // 4 times × 3×5 chunks of 16×16: every request above together read fewer chunks than that
    expect(reads.n).toBeLessThanOrEqual(60);
  });
});
