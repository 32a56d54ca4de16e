// RGB tiles (xcube's varName=rgb) on a real server with the real OLCI cube and a real 3-band GeoTIFF: each
// channel is its variable normalised over its range (as a gray tile of that variable over the same range, to
// one grey level), opaque where all three are valid; r/g/b and rvmin… override the style's rgb mapping.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { DATA, decodePng } from "./helpers.js";
import { webMercatorTile } from "./xcube-helpers.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(
    {
      Datasets: [
        { Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr`, Style: "olci" },
        { Identifier: "plain", Path: `${DATA}zarr/cube-1-250-250.zarr` },
        { Identifier: "landsat", Path: `${DATA}geotiff/RGB.byte.tif`, Style: "bands" },
      ],
      Styles: [
        {
          Identifier: "olci",
          ColorMappings: {
            rgb: {
              Red: { Variable: "conc_chl", ValueRange: [0, 24] },
              Green: { Variable: "conc_tsm", ValueRange: [0, 100] },
              Blue: { Variable: "kd489", ValueRange: [0, 6] },
            },
          },
        },
        {
          Identifier: "bands",
          ColorMappings: {
            rgb: {
              Red: { Variable: "band_1", ValueRange: [0, 255] },
              Green: { Variable: "band_2", ValueRange: [0, 255] },
              Blue: { Variable: "band_3", ValueRange: [0, 255] },
            },
          },
        },
      ],
    },
    { port: 0, address: "127.0.0.1", handleSignals: false, warmUp: false, logger: false },
  );
}, 60_000);
afterAll(async () => server?.close());

async function png(path: string): Promise<Uint8Array> {
  const r = await fetch(`${server.url}${path}`);
  expect(r.status, `${path}: ${r.status === 200 ? "" : await r.clone().text()}`).toBe(200);
  return decodePng(Buffer.from(await r.arrayBuffer())).pixels;
}

/** Checks an RGB tile against gray tiles of its three variables over the same ranges. */
async function compareWithGray(rgbPath: string, grayPaths: [string, string, string]): Promise<number> {
  const rgb = await png(rgbPath);
  const grays = await Promise.all(grayPaths.map(png));
  let opaque = 0;
  for (let k = 0; k < rgb.length; k += 4) {
    const valid = grays.every((g) => g[k + 3] === 255);
    expect(rgb[k + 3]).toBe(valid ? 255 : 0);
    if (!valid) continue;
    opaque++;
    // RGB: ⌊255·t⌋; the gray LUT: entry ⌊256·t⌋ (matplotlib's indexing): at most one level apart
    for (let c = 0; c < 3; c++) expect(Math.abs(rgb[k + c]! - grays[c]![k]!)).toBeLessThanOrEqual(1);
  }
  return opaque;
}

describe("RGB tiles (varName=rgb)", () => {
  const tile = webMercatorTile(2.5, 51.25, 6);
  const q = "crs=EPSG:3857&time=2017-01-16";

  it("draws the style's rgb mapping: each channel its variable over its ValueRange", async () => {
    const opaque = await compareWithGray(`/tiles/olci/rgb/${tile}?${q}`, [
      `/tiles/olci/conc_chl/${tile}?${q}&cmap=gray&vmin=0&vmax=24`,
      `/tiles/olci/conc_tsm/${tile}?${q}&cmap=gray&vmin=0&vmax=100`,
      `/tiles/olci/kd489/${tile}?${q}&cmap=gray&vmin=0&vmax=6`,
    ]);
    expect(opaque).toBeGreaterThan(1000);
  });

  it("takes r, g, b and rvmin… from the query, over the mapping or where there is none", async () => {
    const opaque = await compareWithGray(
      `/tiles/plain/rgb/${tile}?${q}&r=kd489&g=conc_chl&b=kd489&rvmax=3&gvmin=0&gvmax=10&bvmin=0&bvmax=6`,
      [
        `/tiles/plain/kd489/${tile}?${q}&cmap=gray&vmin=0&vmax=3`,
        `/tiles/plain/conc_chl/${tile}?${q}&cmap=gray&vmin=0&vmax=10`,
        `/tiles/plain/kd489/${tile}?${q}&cmap=gray&vmin=0&vmax=6`,
      ],
    );
    expect(opaque).toBeGreaterThan(1000);
  });

  it("answers 400 naming the channel without a variable, 404 for an unknown one", async () => {
    const r = await fetch(`${server.url}/tiles/plain/rgb/${tile}?${q}&r=kd489`);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { message: string }).message).toBe('No variable in dataset "plain" specified for RGB component G');
    expect((await fetch(`${server.url}/tiles/plain/rgb/${tile}?${q}&r=kd489&g=kd489&b=nope`)).status).toBe(404);
  });

  it("draws a 3-band GeoTIFF from xcube's band_1 … band_3", async () => {
    const landsat = webMercatorTile(-77.7, 24.5, 8);
    const p = "crs=EPSG:3857&cmap=gray&vmin=0&vmax=255";
    const opaque = await compareWithGray(`/tiles/landsat/rgb/${landsat}?crs=EPSG:3857`, [
      `/tiles/landsat/band_1/${landsat}?${p}`,
      `/tiles/landsat/band_2/${landsat}?${p}`,
      `/tiles/landsat/band_3/${landsat}?${p}`,
    ]);
    expect(opaque).toBeGreaterThan(1000);
  });
});
