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

describe("WMTS capabilities and RESTful URLs as xcube has them", () => {
  const get = async (path: string) => {
    const r = await fetch(`${server.url}${path}`);
    return { status: r.status, type: r.headers.get("content-type"), buf: Buffer.from(await r.arrayBuffer()) };
  };

  it("per tile matrix set: /wmts/1.0.0/{tms}/WMTSCapabilities.xml lists that set only; KVP and RESTful operations", async () => {
    const r = await get("/wmts/1.0.0/WorldCRS84Quad/WMTSCapabilities.xml");
    expect(r.status).toBe(200);
    const caps = r.buf.toString();
    expect(caps).toContain("<ows:Identifier>WorldCRS84Quad</ows:Identifier>");
    expect(caps).not.toContain("WorldWebMercatorQuad");
    expect(caps).toContain(`<ServiceMetadataURL xlink:href="${server.url}/wmts/1.0.0/WorldCRS84Quad/WMTSCapabilities.xml"/>`);
    for (const op of ["GetCapabilities", "GetTile", "GetFeatureInfo"]) expect(caps).toContain(`<ows:Operation name="${op}">`);
    expect(caps).toContain(
      `<ows:Get xlink:href="${server.url}/wmts/kvp?"><ows:Constraint name="GetEncoding"><ows:AllowedValues><ows:Value>KVP</ows:Value>`,
    );
    // the time dimension: its labels, Default current; the template's {time} placeholder
    expect(caps).toMatch(
      /<Dimension><ows:Identifier>time<\/ows:Identifier>.*<Default>current<\/Default><Current>true<\/Current><Value>2017-01-16T10:09:21.834Z<\/Value>/,
    );
    expect(caps).toContain("/wmts/1.0.0/tile/olci/conc_chl/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png?time={time}");
    // KVP GetCapabilities gives the same document for that set
    const kvp = await get("/wmts/kvp?SERVICE=WMTS&REQUEST=GetCapabilities&TileMatrixSet=WorldCRS84Quad");
    expect(kvp.buf.toString().replaceAll("kvp?", "")).toBe(caps.replaceAll("kvp?", ""));
    expect((await get("/wmts/1.0.0/Nope/WMTSCapabilities.xml")).status).toBe(400);
  });

  it("legacy tile URLs without the tile matrix set (tilematrixset=, default WorldCRS84Quad); any-case names; unfilled {time}", async () => {
    const t = "2017-01-16T10:09:21.834Z";
    const crs84 = await get(`/wmts/1.0.0/tile/olci/conc_chl/WorldCRS84Quad/6/13/65.png?time=${t}`);
    expect(crs84.status).toBe(200);
    expect((await get(`/wmts/1.0.0/tile/olci/conc_chl/6/13/65.png?time=${t}`)).buf).toEqual(crs84.buf);
    expect((await get(`/wmts/1.0.0/tile/olci/conc_chl/6/13/65.png?TIME=${t}&TileMatrixSet=WorldCRS84Quad`)).buf).toEqual(crs84.buf);
    const merc = await get(`/wmts/1.0.0/tile/olci/conc_chl/WorldWebMercatorQuad/6/21/32.png?time=${t}`);
    expect((await get(`/wmts/1.0.0/tile/olci/conc_chl/6/21/32.png?tilematrixset=WorldWebMercatorQuad&time=${t}`)).buf).toEqual(merc.buf);
    expect((await get(`/wmts/1.0.0/tile/olci/conc_chl/WorldWebMercatorQuad/6/21/32.png?Time=${t}`)).buf).toEqual(merc.buf);
    // a client that does not fill the template's {time} gets the Default (the last step), not a 400
    const last = await get("/wmts/1.0.0/tile/olci/conc_chl/WorldWebMercatorQuad/6/21/32.png");
    const literal = await get("/wmts/1.0.0/tile/olci/conc_chl/WorldWebMercatorQuad/6/21/32.png?time={time}");
    expect(literal.status).toBe(200);
    expect(literal.buf).toEqual(last.buf);
    expect(literal.buf).not.toEqual(merc.buf);
    // KVP GetTile answers the same tile
    const kvp = await get(
      `/wmts/kvp?service=WMTS&request=GetTile&version=1.0.0&layer=olci.conc_chl&style=default&format=image/png&TileMatrixSet=WorldCRS84Quad&TileMatrix=6&TileRow=13&TileCol=65&time=${t}`,
    );
    expect(kvp.type).toBe("image/png");
    expect(kvp.buf).toEqual(crs84.buf);
  });
});
