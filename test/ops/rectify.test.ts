// rectify: the OLCI L2 swath (2-D lat/lon) onto a 0.003° EPSG:4326 grid, against gdalwarp -geoloc
// (references made once by test/fixtures/gen-expected/make.py).
import { describe, expect, it } from "vitest";
import { toFloat64 } from "../../src/core/ndarray.js";
import { isEocubeError } from "../../src/core/errors.js";
import { regularGrid } from "../../src/ops/grid.js";
import { rectify } from "../../src/ops/rectify.js";
import { compare, fixture, OLCI, openDecoded } from "./helpers.js";

interface RectFixture {
  bbox: [number, number, number, number];
  spatial_res: number;
  crs: string;
  shape: [number, number];
  values: Array<number | null>;
}

describe("rectify (OLCI swath)", () => {
  for (const [method, name, tol, share] of [
    ["nearest", "rectify-olci-near.json", 1e-6, 0.99],
    ["bilinear", "rectify-olci-bilinear.json", 0.05, 0.95],
  ] as const) {
    it(`${method}: agrees with gdalwarp -geoloc -r ${method === "nearest" ? "near" : method} on ≥ ${share * 100}% of the common pixels (within ${tol} mg/m³)`, async () => {
      const f = fixture<RectFixture>(name);
      const ds = await openDecoded(OLCI);
      const target = regularGrid({ crs: f.crs, bbox: f.bbox, spatial_res: f.spatial_res });
      expect([target.height, target.width]).toEqual(f.shape);
      const out = await rectify(ds, target, { method });
      const v = out.data_vars.conc_chl!;
      expect(v.dims).toEqual(["lat", "lon"]);
      const a = toFloat64(await v.read());
      const c = compare(a, f.values, tol);
      expect(c.n).toBeGreaterThan(5000);
      expect(c.within / c.n).toBeGreaterThan(share);
      // the swath footprint is the same: few pixels valid in one and missing in the other
      expect(c.nanMismatch / f.values.length).toBeLessThan(0.03);
      // flags are rectified by nearest neighbour and keep their integer dtype
      expect(out.data_vars.c2rcc_flags!.dtype).toBe("uint32");
      await ds.close();
    });
  }

  it("raises OUT_OF_RANGE when the swath misses the target grid", async () => {
    const ds = await openDecoded(OLCI);
    const err = await rectify(ds, regularGrid({ crs: "EPSG:4326", bbox: [10, 10, 11, 11], spatial_res: 0.01 })).catch((e) => e);
    expect(isEocubeError(err, "OUT_OF_RANGE")).toBe(true);
    await ds.close();
  });
});
