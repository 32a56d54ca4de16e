// Time-chunked storage (chunks of 5 steps, written at test time from the real OLCI cube): time series read
// through cached time tiles give the values of the one-step-per-chunk original, and concurrent requests
// decode each tile once (single flight in the chunk cache) instead of once per request.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCF } from "../../src/core/cf.js";
import { writeDataset } from "../../src/formats/zarr/writer.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { rechunk } from "../../src/ops/rechunk.js";
import { subset } from "../../src/ops/subset.js";
import { buildApp } from "../../src/server/app.js";
import { openDataset } from "../../src/stores/open.js";
import { DATA } from "./helpers.js";

let dir: string;
let original: string;
let chunked: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eocube-timechunks-"));
  const cube = decodeCF(await openDataset(`${DATA}zarr/cube-1-250-250.zarr`));
  const small = await subset(cube, { variable_names: ["conc_chl"], bbox: [1, 50.5, 3, 52] });
  const fs = new FileFileSystem(dir);
  await writeDataset(small, fs, "one-step.zarr");
  await writeDataset(rechunk(small, { time: 5, lat: 200, lon: 200 }), fs, "five-steps.zarr");
  original = join(dir, "one-step.zarr");
  chunked = join(dir, "five-steps.zarr");
}, 60_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const app = (path: string) => buildApp({ Datasets: [{ Identifier: "c", Path: path }] }, {}, { warmUp: false });
const post = (a: FastifyInstance, body: unknown, q = "?aggMethods=mean,median,min,max,count") =>
  a.inject({
    method: "POST",
    url: `/timeseries/c/conc_chl${q}`,
    payload: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
const box = (lon: number, lat: number, w: number, h: number) => ({
  type: "Polygon",
  coordinates: [
    [
      [lon, lat],
      [lon + w, lat],
      [lon + w, lat + h],
      [lon, lat + h],
      [lon, lat],
    ],
  ],
});
/** Chunk loads started (each decodes once, shared by every request waiting for it). */
const loads = async (a: FastifyInstance) =>
  ((await a.inject({ method: "GET", url: "/health" })).json() as { chunkCache: { loads: number } }).chunkCache.loads;

describe("time series of time-chunked storage", () => {
  it("equal the series of the one-step-per-chunk original", async () => {
    const a = await app(original);
    const b = await app(chunked);
    try {
      const geoms = [
        { type: "Point", coordinates: [1.7, 51.3] },
        box(1.2, 50.7, 0.6, 0.5),
        { type: "MultiPolygon", coordinates: [box(1.1, 51.5, 0.3, 0.3).coordinates, box(2.2, 50.9, 0.5, 0.2).coordinates] },
        {
          type: "FeatureCollection",
          features: [box(1.5, 51, 1, 0.8), { type: "Point", coordinates: [2.9, 51.9] }].map((geometry) => ({
            type: "Feature",
            properties: {},
            geometry,
          })),
        },
      ];
      for (const g of geoms) {
        const ra = await post(a, g);
        const rb = await post(b, g);
        expect(ra.statusCode).toBe(200);
        expect(rb.json()).toEqual(ra.json());
      }
      const last = await post(b, box(1.2, 50.7, 0.6, 0.5), "?maxValids=2");
      expect(last.json()).toEqual((await post(a, box(1.2, 50.7, 0.6, 0.5), "?maxValids=2")).json());
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("concurrent requests decode each time tile once", async () => {
    const g = box(1.1, 50.6, 1.8, 1.3);
    const one = await app(chunked);
    let single: { loads: number; body: unknown };
    try {
      const r = await post(one, g);
      single = { loads: await loads(one), body: r.json() };
    } finally {
      await one.close();
    }
    expect(single.loads).toBeGreaterThan(0);
    const many = await app(chunked);
    try {
      const rs = await Promise.all(Array.from({ length: 8 }, () => post(many, g)));
      for (const r of rs) expect(r.json()).toEqual(single.body);
      expect(await loads(many)).toBe(single.loads);
    } finally {
      await many.close();
    }
  });
});
