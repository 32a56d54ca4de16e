// POST /timeseries parameter errors over HTTP on 127.0.0.1, on the real files: each a 400 JSON error that
// names the field, never a 5xx.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { DATA } from "./helpers.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({
    Datasets: [
      { Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` },
      { Identifier: "world", Path: `${DATA}geotiff/world.byte.tif` },
    ],
  }, { port: 0, address: "127.0.0.1", logger: false, handleSignals: false, warmUp: false });
});
afterAll(async () => {
  await server?.close();
});

const post = async (path: string, body: unknown) => {
  const r = await fetch(`${server.url}${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
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
