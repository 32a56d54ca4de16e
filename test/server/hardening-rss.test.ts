// Memory of the real `eocube serve` process under concurrent whole-cube time series: its RSS stays below
// the configured caches + Limits.WorkMemory + the documented margin (RSS_MARGIN_BYTES), because running
// requests reserve the values they hold from the work budget and wait for each other beyond it (before,
// 16 such requests took the process to 1.6 GB with these caches).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RSS_MARGIN_BYTES } from "../../src/server/limits.js";
import { DATA } from "./helpers.js";
import { rssOf, startServeProcess, type ServeProcess } from "./hardening-child.js";

const MiB = 1024 ** 2;
const CHUNK_CACHE = 64 * MiB;
const TILE_CACHE = 16 * MiB;
const WORK = 64 * MiB;

let srv: ServeProcess;
beforeAll(async () => {
  srv = await startServeProcess({
    Datasets: [{ Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` }],
    DatasetChunkCacheSize: CHUNK_CACHE,
    TileCacheSize: TILE_CACHE,
    RequestTimeout: 120_000,
    Limits: { WorkMemory: WORK },
  });
}, 60_000);
afterAll(async () => {
  await srv?.stop();
});

describe("RSS under concurrent heavy requests", () => {
  it("10 concurrent whole-cube series of 3 variables stay within caches + WorkMemory + margin, all answered", async () => {
    let max = 0;
    const poll = setInterval(() => (max = Math.max(max, rssOf(srv.pid))), 50);
    const whole = JSON.stringify({
      type: "Polygon",
      coordinates: [
        [
          [-0.5, 49.5],
          [5.5, 49.5],
          [5.5, 53],
          [-0.5, 53],
          [-0.5, 49.5],
        ],
      ],
    });
    const vars = ["conc_chl", "conc_tsm", "kd489"];
    try {
      const rs = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          fetch(`${srv.url}/timeseries/olci/${vars[i % 3]}?aggMethods=mean,count`, {
            method: "POST",
            body: whole,
            headers: { "content-type": "application/json" },
          }).then(async (r) => ({ status: r.status, body: (await r.json()) as { result: { count: number }[] } })),
        ),
      );
      for (const r of rs) {
        expect(r.status).toBe(200);
        expect(r.body.result).toHaveLength(5);
      }
      expect(rs[0]!.body.result[0]!.count).toBeGreaterThan(0);
    } finally {
      clearInterval(poll);
    }
    const h = (await (await fetch(`${srv.url}/health`)).json()) as {
      work: { peak: number; capacity: number };
      chunkCache: { bytes: number };
    };
    expect(h.work.peak).toBeLessThanOrEqual(WORK);
    expect(h.chunkCache.bytes).toBeLessThanOrEqual(CHUNK_CACHE);
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThan(CHUNK_CACHE + TILE_CACHE + WORK + RSS_MARGIN_BYTES);
  }, 120_000);
});
