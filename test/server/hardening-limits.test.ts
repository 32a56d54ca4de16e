// Bounded work per request on the real OLCI cube (app.inject): features, vertices and pixel × time-step work
// over the limits are refused up front with 413 TOO_LARGE naming the limit (nothing read); within the
// limits, many geometries give the same series as one request each; concurrent heavy requests share
// chunk reads and stay within the work-memory budget; Limits is validated with the config.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { buildApp } from "../../src/server/app.js";
import { validateServerConfig } from "../../src/server/config.js";
import { DATA } from "./helpers.js";

const CUBE = `${DATA}zarr/cube-1-250-250.zarr`;
type Health = {
  chunkCache: { misses: number; hits: number; loads: number };
  work: { peak: number; capacity: number; used: number; waiting: number };
};

/** A box polygon of `w` × `h` degrees at lon/lat. */
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
const fc = (geoms: unknown[]) => ({
  type: "FeatureCollection",
  features: geoms.map((geometry) => ({ type: "Feature", properties: {}, geometry })),
});

async function app(config: Record<string, unknown> = {}): Promise<FastifyInstance> {
  return buildApp({ Datasets: [{ Identifier: "olci", Path: CUBE }], ...config }, {}, { warmUp: false });
}
const post = (a: FastifyInstance, body: unknown, query = "") =>
  a.inject({
    method: "POST",
    url: `/timeseries/olci/conc_chl${query}`,
    payload: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
const health = async (a: FastifyInstance) => (await a.inject({ method: "GET", url: "/health" })).json() as Health;

describe("limits refused up front (413 TOO_LARGE naming the limit, nothing read)", () => {
  let a: FastifyInstance;
  beforeAll(async () => {
    a = await app();
  });
  afterAll(async () => {
    await a?.close();
  });

  it("a FeatureCollection of 500 half-degree polygons: over Limits.MaxPixelSteps", async () => {
    const r = await post(a, fc(Array.from({ length: 500 }, (_, i) => box(0.3 + ((i * 0.37) % 4.4), 50.2 + ((i * 0.19) % 2.1), 0.5, 0.5))));
    expect(r.statusCode).toBe(413);
    const body = r.json();
    expect(body).toMatchObject({ code: "TOO_LARGE", field: "Limits.MaxPixelSteps" });
    expect(body.message).toMatch(/500 geometries over 5 steps/);
    expect(body.message).toMatch(/more than the limit of 50,000,000/);
    expect(Object.keys(body).sort()).toEqual(["code", "field", "hint", "message"]);
    expect((await health(a)).chunkCache.misses).toBe(0);
  });

  it("20,000 features and a 100k-point MultiPoint: over Limits.MaxFeatures", async () => {
    const many = await post(
      a,
      fc(Array.from({ length: 20_000 }, (_, i) => box(0.3 + ((i * 0.37) % 4.4), 50.2 + ((i * 0.19) % 2.1), 0.05, 0.04))),
    );
    expect(many.statusCode).toBe(413);
    expect(many.json()).toMatchObject({ code: "TOO_LARGE", field: "Limits.MaxFeatures" });
    expect(many.json().message).toMatch(/limit of 1000/);
    const points = await post(a, {
      type: "MultiPoint",
      coordinates: Array.from({ length: 100_000 }, (_, i) => [0.01 + ((i * 0.0137) % 4.98), 50.01 + ((i * 0.0071) % 2.48)]),
    });
    expect(points.statusCode).toBe(413);
    expect(points.json()).toMatchObject({ code: "TOO_LARGE", field: "Limits.MaxFeatures" });
    expect((await health(a)).chunkCache.misses).toBe(0);
  });

  it("a 100k-vertex zigzag polygon whose mask crosses every row 100k times: over Limits.MaxPixelSteps", async () => {
    const n = 100_000;
    const zigzag = {
      type: "Polygon",
      coordinates: [[...Array.from({ length: n - 1 }, (_, i) => [0.01 + (4.98 * i) / n, i % 2 ? 50.01 : 52.49]), [0.01, 50.01]]],
    };
    const r = await post(a, zigzag);
    expect(r.statusCode).toBe(413);
    expect(r.json()).toMatchObject({ code: "TOO_LARGE", field: "Limits.MaxPixelSteps" });
    expect(r.json().message).toMatch(/polygon edge × pixel row crossings/);
    const s = await a.inject({
      method: "POST",
      url: "/statistics/olci/conc_chl?time=2017-01-16",
      payload: JSON.stringify(zigzag),
      headers: { "content-type": "application/json" },
    });
    expect(s.statusCode).toBe(413);
    expect(s.json()).toMatchObject({ code: "TOO_LARGE", field: "Limits.MaxPixelSteps" });
    expect((await health(a)).chunkCache.misses).toBe(0);
  });

  it("a short time range brings the same request within the limit", async () => {
    const geoms = Array.from({ length: 300 }, (_, i) => box(0.3 + ((i * 0.37) % 4.4), 50.2 + ((i * 0.19) % 2.1), 0.5, 0.5));
    expect((await post(a, fc(geoms))).statusCode).toBe(413);
    const r = await post(a, fc(geoms), "?startDate=2017-01-16&endDate=2017-01-16");
    expect(r.statusCode).toBe(200);
    expect(r.json().result).toHaveLength(300);
    expect(r.json().result[0]).toHaveLength(1);
  });
});

describe("configured limits", () => {
  it("Limits.MaxFeatures and MaxVertices from the config, and many geometries equal one request each", async () => {
    const a = await app({ Limits: { MaxFeatures: 40, MaxVertices: 250 } });
    try {
      const geoms = Array.from({ length: 40 }, (_, i) =>
        box(0.2 + ((i * 0.61) % 4.5), 50.1 + ((i * 0.23) % 2.2), 0.02 + (i % 3) * 0.01, 0.02),
      );
      const all = await post(a, fc(geoms), "?aggMethods=mean,median,count");
      expect(all.statusCode).toBe(200);
      const each = await Promise.all(geoms.map((g) => post(a, g, "?aggMethods=mean,median,count")));
      expect(all.json().result).toEqual(each.map((r) => r.json().result));
      const tooMany = await post(a, fc([...geoms, geoms[0]]));
      expect(tooMany.statusCode).toBe(413);
      expect(tooMany.json()).toMatchObject({ code: "TOO_LARGE", field: "Limits.MaxFeatures" });
      expect(tooMany.json().message).toMatch(/limit of 40/);
      const ring = Array.from({ length: 300 }, (_, i) => [
        2 + Math.cos((2 * Math.PI * i) / 299),
        51 + 0.5 * Math.sin((2 * Math.PI * i) / 299),
      ]);
      const tooLong = await post(a, { type: "Polygon", coordinates: [ring] });
      expect(tooLong.statusCode).toBe(413);
      expect(tooLong.json()).toMatchObject({ code: "TOO_LARGE", field: "Limits.MaxVertices" });
    } finally {
      await a.close();
    }
  });

  it("concurrent series share chunk reads and hold at most Limits.WorkMemory", async () => {
    const poly = box(1.9, 50.9, 0.7, 0.7);
    const one = await app();
    let single: { loads: number; result: unknown };
    try {
      const r = await post(one, poly, "?aggMethods=mean,median,count");
      single = { loads: (await health(one)).chunkCache.loads, result: r.json().result };
    } finally {
      await one.close();
    }
    const a = await app({ Limits: { WorkMemory: "24M" } });
    try {
      const rs = await Promise.all(Array.from({ length: 12 }, () => post(a, poly, "?aggMethods=mean,median,count")));
      expect(rs.map((r) => r.statusCode)).toEqual(Array(12).fill(200));
      for (const r of rs) expect(r.json().result).toEqual(single.result);
      const h = await health(a);
      // each chunk decoded once, however many requests asked for it at the same time
      expect(h.chunkCache.loads).toBe(single.loads);
      expect(h.work.capacity).toBe(24 * 1024 ** 2);
      expect(h.work.peak).toBeGreaterThan(0);
      expect(h.work.peak).toBeLessThanOrEqual(h.work.capacity);
      expect(h.work.used).toBe(0);
    } finally {
      await a.close();
    }
  });

  it("bad Limits are INVALID_CONFIG naming the field", () => {
    const bad = (Limits: unknown) => {
      try {
        validateServerConfig({ Datasets: [], Limits }, "server.yaml");
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e1 = bad({ WorkMemory: "lots" });
    expect(isEocubeError(e1, "INVALID_CONFIG")).toBe(true);
    expect((e1 as Error).message).toMatch(/Limits.WorkMemory "lots" is not a size/);
    const e2 = bad({ MaxFeature: 10 });
    expect(isEocubeError(e2, "INVALID_CONFIG")).toBe(true);
    expect((e2 as Error).message).toMatch(/MaxFeature/);
    const e3 = bad({ MaxPixelSteps: 0 });
    expect((e3 as { field?: string }).field).toBe("Limits.MaxPixelSteps");
  });
});
