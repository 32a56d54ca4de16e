// resampleInSpace: exact results on synthetic grids, and agreement with gdalwarp on real data
// (references made once by test/fixtures/gen-expected/make.py; tolerances stated per case).
import { describe, expect, it } from "vitest";
import { toFloat64 } from "../../src/core/ndarray.js";
import { isEocubeError } from "../../src/core/errors.js";
import { regularGrid } from "../../src/ops/grid.js";
import { applyNearest, applyNearestSeparable, nearestIndex, nearestSeparable, windowOf } from "../../src/ops/kernels.js";
import { separableMap } from "../../src/ops/pixelmap.js";
import { resampleInSpace } from "../../src/ops/resample-space.js";
import { compare, fixture, OSTIA, openDecoded, RGB, syntheticGrid } from "./helpers.js";

interface SpaceFixture {
  bbox: [number, number, number, number];
  size?: [number, number];
  spatial_res?: [number, number];
  crs: string;
  shape?: [number, number];
  step?: number;
  values: Array<number | null>;
}

describe("resampleInSpace on synthetic grids", () => {
  const ramp = Array.from({ length: 4 }, (_, j) => Array.from({ length: 6 }, (_, i) => 10 * j + i));

  it("nearest onto the same grid is the identity", async () => {
    const ds = syntheticGrid(ramp);
    const out = await resampleInSpace(ds, regularGrid({ crs: "EPSG:4326", bbox: [0, 0, 6, 4], spatial_res: 1 }), { method: "nearest" });
    expect(Array.from(toFloat64(await out.data_vars.v!.read()))).toEqual(ramp.flat());
    expect(out.data_vars.v!.dims).toEqual(["lat", "lon"]);
    expect(Array.from(toFloat64(await out.coords.lat!.read()))).toEqual([3.5, 2.5, 1.5, 0.5]);
  });

  it("bilinear reproduces a linear ramp at half-pixel offsets", async () => {
    const ds = syntheticGrid(ramp);
    const target = regularGrid({ crs: "EPSG:4326", bbox: [0.5, 0.5, 5.5, 3.5], spatial_res: 0.5 });
    const out = await resampleInSpace(ds, target, { method: "bilinear" });
    const v = toFloat64(await out.data_vars.v!.read());
    // target centre (x, y) → source pixel coords (x − 0.5, 4 − y − 0.5); value = 10·row + col
    const xs = Array.from({ length: target.width }, (_, i) => 0.5 + (i + 0.5) * 0.5);
    const ys = Array.from({ length: target.height }, (_, j) => 3.5 - (j + 0.5) * 0.5);
    ys.forEach((y, j) => {
      xs.forEach((x, i) => {
        expect(v[j * target.width + i]).toBeCloseTo(10 * (4 - y - 0.5) + (x - 0.5), 9);
      });
    });
  });

  it("mean of 2×2 blocks skips NaN", async () => {
    const vals = [
      [1, 2, NaN, NaN],
      [3, 4, NaN, 8],
      [5, 5, 5, 5],
      [5, 5, 5, 9],
    ];
    const out = await resampleInSpace(syntheticGrid(vals), regularGrid({ crs: "EPSG:4326", bbox: [0, 0, 4, 4], spatial_res: 2 }), {
      method: "mean",
    });
    expect(Array.from(toFloat64(await out.data_vars.v!.read()))).toEqual([2.5, 8, 5, 6]);
  });

  it("reads only the window of a selection, with time kept as an outer dim", async () => {
    const ds = syntheticGrid(ramp, { times: [0, 86_400_000] });
    const out = await resampleInSpace(ds, regularGrid({ crs: "EPSG:4326", bbox: [0, 0, 6, 4], spatial_res: 1 }), { method: "nearest" });
    const a = await out.data_vars.v!.read([1, [1, 3], [2, 4]]);
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(toFloat64(a))).toEqual([13, 14, 23, 24]);
  });

  it("rejects a target grid that misses the data (OUT_OF_RANGE)", async () => {
    const err = await resampleInSpace(syntheticGrid(ramp), regularGrid({ crs: "EPSG:4326", bbox: [50, 50, 60, 60], spatial_res: 1 })).catch(
      (e) => e,
    );
    expect(isEocubeError(err, "OUT_OF_RANGE")).toBe(true);
  });

  it("rejects a CRS proj4 cannot parse and a non-positive resolution (INVALID_ARGUMENT)", () => {
    expect(() => regularGrid({ crs: "EPSG:999999", bbox: [0, 0, 1, 1], spatial_res: 1 })).toThrow(/CRS/);
    expect(() => regularGrid({ crs: "+proj=nonsense", bbox: [0, 0, 1, 1], spatial_res: 1 })).toThrow(/CRS/);
    expect(() => regularGrid({ crs: "EPSG:4326", bbox: [0, 0, 1, 1], spatial_res: 0 })).toThrow(/positive/);
    expect(() => regularGrid({ crs: "EPSG:4326", bbox: [0, 0, 1, 1], spatial_res: -1 })).toThrow(/positive/);
  });
});

describe("resampleInSpace against gdalwarp (real data)", () => {
  it("UTM GeoTIFF → EPSG:4326, nearest: ≥ 99.5% of pixels identical to gdalwarp -r near", async () => {
    const f = fixture<SpaceFixture>("space-rgb-near.json");
    const ds = await openDecoded(RGB);
    const target = regularGrid({ crs: f.crs, bbox: f.bbox, size: f.size });
    const out = await resampleInSpace(ds, target, { method: "nearest" });
    const a = toFloat64(await out.data_vars.band_data!.read([0]));
    const c = compare(a, f.values, 0);
    // gdalwarp's approximate transformer (0.125 px) may pick the neighbour at pixel boundaries
    expect(c.within / c.n).toBeGreaterThan(0.995);
    expect(c.nanMismatch / f.values.length).toBeLessThan(0.005);
    await ds.close();
  });

  it("OSTIA 0.25° → 0.1°, bilinear: within 0.01 K of gdalwarp -r bilinear", async () => {
    const f = fixture<SpaceFixture>("space-ostia-bilinear.json");
    const ds = await openDecoded(OSTIA[0]!);
    const target = regularGrid({ crs: f.crs, bbox: f.bbox, spatial_res: f.spatial_res });
    expect([target.height, target.width]).toEqual(f.shape);
    const out = await resampleInSpace(ds, target, { method: "bilinear" });
    const full = toFloat64(await out.data_vars.analysed_sst!.read([0]));
    const sub: number[] = [];
    for (let j = 0; j < target.height; j += f.step!) for (let i = 0; i < target.width; i += f.step!) sub.push(full[j * target.width + i]!);
    const c = compare(sub, f.values, 0.01);
    expect(c.within / c.n).toBeGreaterThan(0.995);
    expect(c.nanMismatch / c.n).toBeLessThan(0.005);
    await ds.close();
  });

  it("OSTIA 0…360 → a bbox across lon 0, bilinear: interpolates across the seam as gdalwarp does (within 0.01 K)", async () => {
    const f = fixture<SpaceFixture>("space-ostia-bilinear-seam.json");
    const ds = await openDecoded(OSTIA[0]!);
    const target = regularGrid({ crs: f.crs, bbox: f.bbox, spatial_res: f.spatial_res });
    expect([target.height, target.width]).toEqual(f.shape);
    const out = await resampleInSpace(ds, target, { method: "bilinear" });
    const a = toFloat64(await out.data_vars.analysed_sst!.read([0]));
    const c = compare(a, f.values, 0.01);
    expect(c.n).toBeGreaterThan(9000);
    expect(c.nanMismatch).toBe(0);
    expect(c.within, `max diff ${c.maxDiff} K`).toBe(c.n);
    // the columns next to lon 0 (between the source centres at −0.125° and +0.125°) in particular
    const w = target.width;
    const seam: number[] = [],
      ref: Array<number | null> = [];
    for (let j = 0; j < target.height; j++) {
      for (let i = 0; i < w; i++) {
        const lon = f.bbox[0]! + (i + 0.5) * f.spatial_res![0]!;
        if (Math.abs(lon) < 0.125) {
          seam.push(a[j * w + i]!);
          ref.push(f.values[j * w + i]!);
        }
      }
    }
    const cs = compare(seam, ref, 0.01);
    expect(cs.n).toBeGreaterThan(800);
    expect(cs.within, `seam max diff ${cs.maxDiff} K`).toBe(cs.n);
    await ds.close();
  });

  it("OSTIA 0.25° → 1°, mean: within 0.02 K of gdalwarp -r average", async () => {
    const f = fixture<SpaceFixture>("space-ostia-average.json");
    const ds = await openDecoded(OSTIA[0]!);
    const target = regularGrid({ crs: f.crs, bbox: f.bbox, spatial_res: f.spatial_res });
    const out = await resampleInSpace(ds, target, { method: "mean" });
    const a = toFloat64(await out.data_vars.analysed_sst!.read([0]));
    const c = compare(a, f.values, 0.02);
    expect(c.n).toBeGreaterThan(500);
    expect(c.within).toBe(c.n);
    expect(c.nanMismatch).toBe(0);
    await ds.close();
  });

  it("OSTIA → 5 km EPSG:3035, nearest: ≥ 99% identical to gdalwarp -r near", async () => {
    const f = fixture<SpaceFixture>("space-ostia-3035-near.json");
    const ds = await openDecoded(OSTIA[0]!);
    const target = regularGrid({ crs: f.crs, bbox: f.bbox, spatial_res: f.spatial_res });
    expect([target.height, target.width]).toEqual(f.shape);
    expect([target.xDim, target.yDim]).toEqual(["x", "y"]);
    const out = await resampleInSpace(ds, target, { method: "nearest" });
    const full = toFloat64(await out.data_vars.analysed_sst!.read([0]));
    const sub: number[] = [];
    for (let j = 0; j < target.height; j += f.step!) for (let i = 0; i < target.width; i += f.step!) sub.push(full[j * target.width + i]!);
    const c = compare(sub, f.values, 1e-4);
    expect(c.within / c.n).toBeGreaterThan(0.99);
    expect(c.nanMismatch / f.values.length).toBeLessThan(0.01);
    await ds.close();
  });
});

describe("separable nearest index", () => {
  it("gives the per-pixel index's values (NaN maps, pixels outside the window, rows and columns outside, upsampling runs)", () => {
    // u per column and v per row in source pixel-edge coordinates: some NaN, some off the 9×13 source
    const sparse = [
      Float64Array.from([-0.6, 0.2, 0.5, 3.99, 4, NaN, 7.5, 12.99, 13.2, 6.1]),
      Float64Array.from([NaN, -1, 0.01, 2.5, 8.99, 9.5, 4.4]),
    ];
    // upsampling: 8 target pixels per source pixel, a row of NaN, runs of the same column and of the same row
    const up = [
      Float64Array.from({ length: 64 }, (_, c) => -0.5 + c / 8),
      Float64Array.from({ length: 40 }, (_, r) => (r === 3 ? NaN : 8.2 - r / 8)),
    ];
    for (const [uc, vr] of [sparse, up] as const) {
      const map = separableMap(vr!.length, uc!.length, uc!, vr!);
      const win = windowOf(map, "nearest", 9, 13)!;
      const src = Float32Array.from({ length: 2 * (win.r1 - win.r0) * (win.c1 - win.c0) }, (_, i) => (i % 7 === 3 ? NaN : i * 1.5 - 7));
      const plane = map.h * map.w;
      const a = new Float32Array(2 * plane);
      const b = new Float32Array(2 * plane).fill(123);
      const idx = nearestIndex(map, win);
      const ix = nearestSeparable(map, win)!;
      for (let k = 0; k < 2; k++) {
        applyNearest(idx, src, k * (src.length / 2), a, k * plane, NaN);
        applyNearestSeparable(ix, src, k * (src.length / 2), b, k * plane, NaN);
      }
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
      expect(a.some((x) => Number.isNaN(x))).toBe(true);
      expect(a.some((x) => !Number.isNaN(x))).toBe(true);
      expect(ix.runs !== undefined).toBe(uc === up[0]);
    }
  });
});
