// WMTS GetTile bounds over HTTP on 127.0.0.1 with the real OLCI cube: TileMatrix ids beyond the deepest the
// capabilities list answer 400 OUT_OF_RANGE (OGC 07-057r7 TileOutOfRange), the deepest one renders.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { DATA } from "./helpers.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(
    { Datasets: [{ Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` }] },
    { port: 0, address: "127.0.0.1", logger: false, handleSignals: false, warmUp: false },
  );
});
afterAll(async () => {
  await server?.close();
});

describe("WMTS GetTile zoom bounds", () => {
  it("serves the deepest TileMatrix of the capabilities and refuses deeper ones", async () => {
    const caps = await (await fetch(`${server.url}/wmts/1.0.0/WMTSCapabilities.xml`)).text();
    const ids = [...caps.matchAll(/<TileMatrix><ows:Identifier>(\d+)<\/ows:Identifier>/g)].map((m) => Number(m[1]));
    const max = Math.max(...ids);
    // a tile over the cube (lon 2.5, lat 51.25) at the deepest level, and one level deeper
    const tile = (z: number) => {
      const n = 2 ** z;
      const x = Math.floor(((2.5 + 180) / 360) * n);
      const lat = (51.25 * Math.PI) / 180;
      const y = Math.floor(((1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2) * n);
      return `${server.url}/wmts/1.0.0/tile/olci/conc_chl/WorldWebMercatorQuad/${z}/${y}/${x}.png?time=2017-01-16`;
    };
    const ok = await fetch(tile(max));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toContain("image/png");
    for (const z of [max + 1, 24, 30]) {
      const r = await fetch(tile(z));
      expect(r.status, `z=${z}`).toBe(400);
      const body = await r.json();
      expect(body).toMatchObject({ code: "OUT_OF_RANGE", field: "z" });
      expect(body.hint).toContain(`0…${max}`);
    }
  });
});
