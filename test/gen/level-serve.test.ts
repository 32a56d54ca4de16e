// `eocube level` output is served by `eocube serve` (issue 7, "Done when"): the real cube is written as
// a .levels pyramid by the CLI, then the server app (in-process, fastify inject) lists its levels and
// renders a low-zoom tile from them. The PNG is decoded by GDAL (Debian's /usr/bin/python3) to count
// the opaque pixels.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/index.js";
import { CUBE } from "../ops/helpers.js";
import { cli, tempDir } from "./helpers.js";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

/** [opaque pixel count, band count, width] of a PNG (RGBA or palette + tRNS), read by GDAL. */
function pngStats(file: string): [number, number, number] {
  const out = execFileSync(
    "/usr/bin/python3",
    [
      "-c",
      `import sys, json
from osgeo import gdal
import numpy as np
d = gdal.Open(sys.argv[1]); a = d.ReadAsArray()
ct = d.GetRasterBand(1).GetColorTable()
if d.RasterCount == 1 and ct is not None:
    alpha = np.array([ct.GetColorEntry(i)[3] for i in range(ct.GetCount())] + [0] * 256)
    opaque = int((alpha[a] > 0).sum())
else:
    opaque = int((a[-1] > 0).sum()) if d.RasterCount in (2, 4) else -1
print(json.dumps([opaque, d.RasterCount, d.RasterXSize]))`,
      file,
    ],
    { encoding: "utf8" },
  );
  return JSON.parse(out) as [number, number, number];
}

describe("eocube level → eocube serve", () => {
  it("a .levels written by the CLI is listed with its levels and renders a non-empty low-zoom tile", async () => {
    const out = join(tmp.dir, "cube.levels");
    const r = await cli(["level", CUBE, "-o", out, "--tile-size", "256", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const zlevels = JSON.parse(readFileSync(join(out, ".zlevels"), "utf8")) as { num_levels: number };
    expect(zlevels.num_levels).toBe(4);

    const app = await buildApp({ Datasets: [{ Identifier: "cube_levels", Path: out }] });
    try {
      const list = await app.inject("/datasets");
      expect(list.statusCode, list.body).toBe(200);
      expect(JSON.stringify(list.json())).toContain("cube_levels");
      const res = await app.inject("/datasets/cube_levels");
      expect(res.statusCode, res.body).toBe(200);
      const d = res.json() as { resolutions: number[]; variables: Array<{ name: string }> };
      // one resolution per saved level: 0.0025° doubling per level
      expect(d.resolutions).toHaveLength(4);
      d.resolutions.forEach((res, i) => {
        expect(res).toBeCloseTo(0.0025 * 2 ** i, 9);
      });
      expect(d.variables.map((v) => v.name)).toContain("conc_chl");

      // zoom 5 (one tile pixel ≈ 0.035°): drawn from the coarsest saved level
      const tile = await app.inject("/tiles/cube_levels/conc_chl/5/10/16?crs=EPSG:3857&vmin=0&vmax=20&time=2017-01-28");
      expect(tile.statusCode, tile.body).toBe(200);
      expect(tile.headers["content-type"]).toContain("image/png");
      const png = join(tmp.dir, "z5.png");
      writeFileSync(png, tile.rawPayload);
      const [opaque, bands, width] = pngStats(png);
      expect([1, 4]).toContain(bands);
      expect(width).toBe(256);
      // the cube spans 5° × 2.5° ≈ 114 × 90 tile pixels at zoom 5; on 2017-01-28 28.5 % of its pixels
      // are valid (xarray: 570284 of 2000000), the rest NaN (land, clouds) → transparent
      expect(opaque).toBeGreaterThan(1500);
      expect(opaque).toBeLessThan(5000);
    } finally {
      await app.close();
    }
  }, 240_000);
});
