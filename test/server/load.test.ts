// Bounded load test: 10,000 mixed tile/time-series requests (autocannon, 8 connections, 127.0.0.1) against
// a server in its own process; no request may fail and its RSS must stay below the cache bounds + 300 MB.
import autocannon from "autocannon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA } from "./helpers.js";
import { startChildServer, type ChildServer } from "./serve-process.js";

const CACHE = 64 * 1024 ** 2;
const TILE_CACHE = 16 * 1024 ** 2;
let server: ChildServer;

beforeAll(async () => {
  server = await startChildServer({
    DatasetChunkCacheSize: CACHE,
    TileCacheSize: TILE_CACHE,
    Datasets: [
      { Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` },
      { Identifier: "cog", Path: `${DATA}geotiff/sample-cog.tif` },
    ],
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

/** Tiles over the OLCI cube at zooms 5…10 and all times, the COG at 7…10, plus point and polygon time series. */
function requests(): autocannon.Request[] {
  const out: autocannon.Request[] = [];
  const times = ["2017-01-16", "2017-01-25", "2017-01-26", "2017-01-28", "2017-01-30"];
  const tile = (lon: number, lat: number, z: number) => {
    const n = 2 ** z;
    const x = Math.floor(((lon + 180) / 360) * n);
    const r = (lat * Math.PI) / 180;
    const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
    return [x, y] as const;
  };
  let k = 0;
  for (let z = 5; z <= 10; z++) {
    for (const [lon, lat] of [
      [0.5, 50.5],
      [2.5, 51.3],
      [4.4, 52.2],
      [3.3, 51.0],
    ] as const) {
      const [x, y] = tile(lon, lat, z);
      for (const t of times)
        out.push({
          method: "GET",
          path: `/tiles/olci/conc_chl/${z}/${y}/${x}?crs=EPSG:3857&time=${t}&vmin=0&vmax=${15 + (k % 7)}&cmap=${k++ % 2 ? "viridis" : "plasma_r"}`,
        });
    }
  }
  for (let z = 7; z <= 10; z++) {
    const [x, y] = tile(-105.5, 35.65, z);
    out.push({ method: "GET", path: `/tiles/cog/band_data/${z}/${y}/${x}?crs=EPSG:3857&band=2&vmin=0&vmax=255&cmap=gray` });
  }
  const ts = out.length;
  for (let i = 0; i < ts / 2; i++) {
    const lon = 0.3 + ((i * 0.37) % 4.4);
    const lat = 50.2 + ((i * 0.19) % 2.1);
    const body =
      i % 3 === 0
        ? {
            type: "Polygon",
            coordinates: [
              [
                [lon, lat],
                [lon + 0.05, lat],
                [lon + 0.05, lat + 0.04],
                [lon, lat + 0.04],
                [lon, lat],
              ],
            ],
          }
        : { type: "Point", coordinates: [lon, lat] };
    out.push({
      method: "POST",
      path: "/timeseries/olci/conc_chl?aggMethods=mean,count",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }
  return out;
}

describe("load", () => {
  it("serves 10,000 mixed requests without failure within the cache bounds + 300 MB RSS", async () => {
    let maxRss = 0;
    const poll = setInterval(() => {
      fetch(`${server.url}/health`)
        .then((r) => r.json())
        .then(
          (h: { rssBytes: number }) => {
            maxRss = Math.max(maxRss, h.rssBytes);
          },
          () => undefined,
        );
    }, 250);
    const result = await autocannon({ url: server.url, connections: 8, amount: 10_000, timeout: 60, requests: requests() });
    clearInterval(poll);
    const health = (await (await fetch(`${server.url}/health`)).json()) as { rssBytes: number; chunkCache: { bytes: number } };
    maxRss = Math.max(maxRss, health.rssBytes);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.requests.total).toBeGreaterThanOrEqual(10_000);
    expect(health.chunkCache.bytes).toBeLessThanOrEqual(CACHE);
    expect(maxRss).toBeLessThan(CACHE + TILE_CACHE + 300 * 1024 ** 2);
  }, 300_000);
});
