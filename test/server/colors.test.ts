// Colour names in JSON user colour maps (CSS4 and matplotlib names), over HTTP on 127.0.0.1 with the real
// OSTIA file; expected RGBA values are matplotlib.colors.to_rgba's (matplotlib 3.6), written out here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { parseColor } from "../../src/server/render/colormaps.js";
import { decodePng, DATA } from "./helpers.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(
    { Datasets: [{ Identifier: "ostia", Path: `${DATA}netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc` }] },
    { port: 0, address: "127.0.0.1", logger: false, handleSignals: false, warmUp: false },
  );
});
afterAll(async () => {
  await server?.close();
});

describe("colour names in user colour maps", () => {
  it("parses CSS4 and matplotlib names as matplotlib does", () => {
    // round(255 · matplotlib.colors.to_rgba(name))
    expect(parseColor("cornflowerblue")).toEqual([100, 149, 237, 255]);
    expect(parseColor("RebeccaPurple")).toEqual([102, 51, 153, 255]);
    expect(parseColor("grey")).toEqual([128, 128, 128, 255]);
    expect(parseColor("g")).toEqual([0, 128, 0, 255]);
    expect(parseColor("c")).toEqual([0, 191, 191, 255]);
    expect(parseColor("tab:orange")).toEqual([255, 127, 14, 255]);
    expect(parseColor("C3")).toEqual([214, 39, 40, 255]);
    expect(parseColor("0.5")).toEqual([128, 128, 128, 255]);
    expect(parseColor("none")).toEqual([0, 0, 0, 0]);
    expect(parseColor("#6495ed")).toEqual([100, 149, 237, 255]);
  });

  it("renders a real tile with a stepwise map given by colour names", async () => {
    const cmap = JSON.stringify({
      type: "stepwise",
      colors: [
        [0, "cornflowerblue"],
        [290, "tab:orange"],
      ],
    });
    const r = await fetch(`${server.url}/tiles/ostia/analysed_sst/1/0/0?crs=EPSG:3857&cmap=${encodeURIComponent(cmap)}`);
    expect(r.status).toBe(200);
    const png = decodePng(new Uint8Array(await r.arrayBuffer()));
    const seen = new Set<string>();
    for (let k = 0; k < png.width * png.height; k++) {
      const px = png.pixels.subarray(k * 4, k * 4 + 4);
      if (px[3] !== 0) seen.add(Array.from(px).join(","));
    }
    expect([...seen].sort()).toEqual(["100,149,237,255", "255,127,14,255"]);
  });

  it("answers 400 naming close colour names for an unknown one", async () => {
    const cmap = JSON.stringify({ type: "categorical", colors: [[1, "cornflowerblu"]] });
    const r = await fetch(`${server.url}/tiles/ostia/analysed_sst/1/0/0?crs=EPSG:3857&cmap=${encodeURIComponent(cmap)}`);
    expect(r.status).toBe(400);
    const body = await r.json();
    expect(body).toMatchObject({ code: "INVALID_PARAMS", field: "cmap" });
    expect(body.message).toContain("close names: cornflowerblue");
  });
});
