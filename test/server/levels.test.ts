// Pyramid levels: an xcube `.levels` dataset (written by `eocube level`) is served from its own levels;
// plain cubes get levels derived on the fly, sampling base pixels at level-pixel centres.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeLevels } from "../../src/gen/level.js";
import { buildApp, DEFAULT_DEPS } from "../../src/server/app.js";
import { DatasetsContext } from "../../src/server/datasets.js";
import { readWindow } from "../../src/server/levels.js";
import { sliceOf } from "../../src/server/slices.js";
import { chooseLevel } from "../../src/server/tiles.js";
import { WEB_MERCATOR_QUAD } from "../../src/server/render/tilegrid.js";
import { DATA } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "eocube-levels-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("pyramid levels", () => {
  it("serves an xcube .levels dataset from its saved levels", async () => {
    const out = join(tmp, "cube.levels");
    const res = await writeLevels(`${DATA}zarr/cube-1-250-250.zarr`, out, { link: true });
    const app = await buildApp({ Datasets: [{ Identifier: "lv", Path: out }] });
    try {
      const d = (await app.inject("/datasets/lv")).json();
      expect(d.resolutions).toHaveLength(res.num_levels);
      expect(d.resolutions[1]).toBeCloseTo(0.005, 9);
      for (const url of [
        "/tiles/lv/conc_chl/5/10/16?crs=EPSG:3857&vmin=0&vmax=20",
        "/tiles/lv/conc_chl/10/342/516?crs=EPSG:3857&vmin=0&vmax=20",
      ]) {
        expect((await app.inject(url)).statusCode).toBe(200);
      }
    } finally {
      await app.close();
    }
  }, 120_000);

  it("derives levels from the base by sampling level-pixel centres, and matches them to the zoom", async () => {
    const ctx = new DatasetsContext({ Datasets: [{ Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr` }] }, DEFAULT_DEPS, {
      chunkCacheBytes: 128 * 1024 ** 2,
    });
    try {
      const sd = await ctx.get("olci");
      expect(sd.levels.map((l) => [l.width, l.height])).toEqual([
        [2000, 1000],
        [1000, 500],
        [500, 250],
        [250, 125],
      ]);
      const slice = await sliceOf(ctx, sd, ctx.variable(sd, "conc_chl"), { time: "2017-01-16" });
      const level2 = await readWindow(ctx.chunkCache, sd.levels, 2, slice, 100, 110, 200, 210);
      const base = await readWindow(ctx.chunkCache, sd.levels, 0, slice, 400, 440, 800, 840);
      // level-2 pixel (i, j) is base pixel (4i + 2, 4j + 2)
      for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) expect(level2[i * 10 + j]).toBe(base[(4 * i + 2) * 40 + 4 * j + 2]);
      // at 51.5° N a zoom-8 tile pixel spans 0.0034° of latitude (< 0.005° of level 1): the base;
      // zoom 7 spans 0.0068°: level 1 (0.005°); zoom 0: the coarsest level
      expect(chooseLevel(sd, { grid: WEB_MERCATOR_QUAD, z: 8, y: 85, x: 130, size: 256 })).toBe(0);
      expect(chooseLevel(sd, { grid: WEB_MERCATOR_QUAD, z: 7, y: 42, x: 65, size: 256 })).toBe(1);
      expect(chooseLevel(sd, { grid: WEB_MERCATOR_QUAD, z: 0, y: 0, x: 0, size: 256 })).toBe(3);
    } finally {
      await ctx.close();
    }
  });
});
