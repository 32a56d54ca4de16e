// eocube level: xcube's multi-level format, read back by eocube's levels reader and by xarray.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCF } from "../../src/core/cf.js";
import { toFloat64 } from "../../src/core/ndarray.js";
import { openDataset } from "../../src/stores/open.js";
import { CUBE } from "../ops/helpers.js";
import { cli, tempDir, xr } from "./helpers.js";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

describe("eocube level", () => {
  it("writes .zlevels and 0.zarr…3.zarr of the real cube; the levels reader and xarray read them", async () => {
    const out = join(tmp.dir, "cube.levels");
    const r = await cli(["level", CUBE, "-o", out, "--tile-size", "256", "--agg", "mean", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ num_levels: 4, tile_size: [256, 256] });
    const z = JSON.parse(readFileSync(join(out, ".zlevels"), "utf8"));
    expect(z).toMatchObject({ version: "1.0", num_levels: 4, tile_size: [256, 256] });
    for (const i of [0, 1, 2, 3]) expect(existsSync(join(out, `${i}.zarr`, ".zmetadata"))).toBe(true);

    const ml = decodeCF(await openDataset(out));
    expect(ml.overviews).toHaveLength(3);
    expect(ml.dims).toMatchObject({ lat: 1000, lon: 2000, time: 5 });
    const l1 = decodeCF(ml.overviews[0]!);
    expect(l1.dims).toMatchObject({ lat: 500, lon: 1000 });
    expect(l1.data_vars.conc_chl!.chunks).toEqual([1, 256, 256]);
    // level 1 = NaN-aware mean of 2×2 blocks of level 0
    const src = decodeCF(await openDataset(CUBE));
    let checked = 0;
    for (let r = 100; r < 1000 && checked < 20; r += 46) {
      for (let c = 100; c < 2000 && checked < 20; c += 94) {
        const block = toFloat64(await src.data_vars.conc_chl!.read([2, [r, r + 2], [c, c + 2]]));
        const vals = Array.from(block).filter((v) => !Number.isNaN(v));
        const got = toFloat64(await l1.data_vars.conc_chl!.read([2, [r / 2, r / 2 + 1], [c / 2, c / 2 + 1]]))[0]!;
        if (vals.length === 0) {
          expect(got).toBeNaN();
          continue;
        }
        expect(got).toBeCloseTo(vals.reduce((a, b) => a + b, 0) / vals.length, 6);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
    // flags are never averaged: level 1 takes the block's first value
    const flags0 = toFloat64(await src.data_vars.c2rcc_flags!.read([2, 600, 1200]));
    expect(toFloat64(await l1.data_vars.c2rcc_flags!.read([2, 300, 600]))[0]).toBe(flags0[0]);
    const lat1 = toFloat64(await l1.coords.lat!.read([[0, 1]]))[0]!;
    expect(lat1).toBeCloseTo(52.4975, 9); // centre of the first 2×2 block
    await src.close();
    await ml.close();

    const s = await xr<{ dims: Record<string, number> }>(join(out, "3.zarr"), "summary");
    expect(s.dims).toMatchObject({ time: 5, lat: 125, lon: 250 });
  });

  it(".zlevels names the aggregation each variable got (flags: first); --num-levels beyond 1 × 1 is capped with a note", async () => {
    const out = join(tmp.dir, "capped.levels");
    const r = await cli(["level", CUBE, "-o", out, "--tile-size", "256", "--agg", "mean", "--num-levels", "20"]);
    expect(r.code, r.stderr).toBe(0);
    // 2000 × 1000 halves to 1 × 1 at level 11: 12 levels
    expect(r.stderr).toMatch(/--num-levels 20 capped at 12/);
    const z = JSON.parse(readFileSync(join(out, ".zlevels"), "utf8"));
    expect(z.num_levels).toBe(12);
    expect(existsSync(join(out, "11.zarr"))).toBe(true);
    expect(existsSync(join(out, "12.zarr"))).toBe(false);
    expect(z.agg_methods).toMatchObject({ conc_chl: "mean", kd489: "mean", c2rcc_flags: "first" });
    // xarray: level 11 is 1 × 1, level 1's flags are the top-left value of each 2×2 block, conc_chl the NaN-skipping block mean
    const s = await xr<{ dims: Record<string, number> }>(join(out, "11.zarr"), "summary");
    expect(s.dims).toMatchObject({ lat: 1, lon: 1 });
    const lv = await xr<{ flags_first_equal: boolean; mean_max_diff: number }>(join(out, "1.zarr"), "level1");
    expect(lv.flags_first_equal).toBe(true);
    expect(lv.mean_max_diff).toBeLessThan(1e-5);
  });

  it("writes 0.link with --link, refuses an existing output without --replace", async () => {
    const out = join(tmp.dir, "linked.levels");
    expect((await cli(["level", CUBE, "-o", out, "--link", "--num-levels", "2"])).code).toBe(0);
    expect(readFileSync(join(out, "0.link"), "utf8")).toBe(CUBE.replace(/\/$/, ""));
    const ml = await openDataset(out);
    expect(ml.dims).toMatchObject({ lat: 1000, lon: 2000 });
    expect(ml.overviews).toHaveLength(1);
    await ml.close();
    const again = await cli(["level", CUBE, "-o", out, "--num-levels", "2"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists/);
    const bad = await cli(["level", CUBE, "-o", join(tmp.dir, "x.zarr")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/must end in \.levels/);
  });
});
