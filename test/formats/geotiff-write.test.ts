// The COG writer on small synthetic grids, read back by Debian's GDAL (python3-gdal): a south-up grid stored as
// [x, y] with a CRS known only by its WKT, float32 with NaN, 16-px tiles and two overviews (2×2 means of the valid
// pixels); mixed int16/float32 variables as float32 with the int16 _FillValue as NaN; a CRS known by a PROJ string
// only; an abort leaves no file.
// The real-data cases (Zarr cube, packed OSTIA, UTM RGB.byte.tif, COG validator) are in test/cli/subset.test.ts.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Dataset } from "../../src/core/dataset.js";
import { writeGeoTiff } from "../../src/formats/geotiff-write.js";
import { memoryVariable } from "../../src/ops/grid.js";

const dir = mkdtempSync(join(tmpdir(), "eocube-cog-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// a Lambert azimuthal equal-area CRS with no EPSG code (no AUTHORITY anywhere)
const WKT =
  'PROJCS["custom LAEA",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Lambert_Azimuthal_Equal_Area"],PARAMETER["latitude_of_center",52],PARAMETER["longitude_of_center",10],PARAMETER["false_easting",0],PARAMETER["false_northing",0],UNIT["metre",1]]';
const W = 40;
const H = 30;
const xs = Float64Array.from({ length: W }, (_, i) => 1000 + 500 * (i + 0.5));
const ys = Float64Array.from({ length: H }, (_, j) => -2000 + 500 * (j + 0.5)); // ascending: south-up
/** value at column i (west → east), row j of the stored south-up grid; NaN on a diagonal */
const value = (i: number, j: number) => ((i + 2 * j) % 7 === 0 ? Number.NaN : i * 0.5 + j * 100 + 0.25);

const PY = `
import json, sys
import numpy as np
from osgeo import gdal, osr
from osgeo_utils.samples.validate_cloud_optimized_geotiff import validate
out = {}
for f in sys.argv[1:]:
    g = gdal.Open(f)
    assert validate(g, full_check=True)[0] == [], f
    b = g.GetRasterBand(1)
    srs = g.GetSpatialRef()
    out[f.split("/")[-1]] = {"gt": list(g.GetGeoTransform()), "size": [g.RasterXSize, g.RasterYSize, g.RasterCount],
        "proj": srs.GetAttrValue("PROJECTION") if srs else None, "proj4": srs.ExportToProj4().strip() if srs else None, "lat0": srs.GetProjParm(osr.SRS_PP_LATITUDE_OF_CENTER) if srs else None,
        "nodata": str(b.GetNoDataValue()), "type": gdal.GetDataTypeName(b.DataType), "desc": [g.GetRasterBand(i + 1).GetDescription() for i in range(g.RasterCount)],
        "bands": [np.where(np.isnan(a), None, a).tolist() for a in (g.GetRasterBand(i + 1).ReadAsArray().astype("float64") for i in range(g.RasterCount))],
        "ovr": [np.where(np.isnan(a), None, a).tolist() for a in (b.GetOverview(k).ReadAsArray().astype("float64") for k in range(b.GetOverviewCount()))]}
print(json.dumps(out))
`;

describe("writeGeoTiff", () => {
  it("writes grids GDAL reads north-up with their CRS, values, nodata and overviews", async () => {
    const crs = memoryVariable("crs", [], { data: Int32Array.of(0), shape: [], dtype: "int32" }, { crs_wkt: WKT });
    const coords = {
      x: memoryVariable("x", ["x"], { data: xs, shape: [W], dtype: "float64" }, { units: "m", standard_name: "projection_x_coordinate" }),
      y: memoryVariable("y", ["y"], { data: ys, shape: [H], dtype: "float64" }, { units: "m", standard_name: "projection_y_coordinate" }),
    };
    const t = new Float32Array(W * H); // stored as [x, y]
    for (let i = 0; i < W; i++) for (let j = 0; j < H; j++) t[i * H + j] = value(i, j);
    const a = new Dataset({
      coords,
      data_vars: {
        t: memoryVariable("t", ["x", "y"], { data: t, shape: [W, H], dtype: "float32" }, { grid_mapping: "crs", units: "K" }),
        crs,
      },
    });
    const ra = await writeGeoTiff(a, join(dir, "a.tif"), { tileSize: 16 });
    expect(await writeGeoTiff(a, join(dir, "big.tif"), { tileSize: 16, bigTiff: true })).toMatchObject({ bigTiff: true });
    expect(ra).toMatchObject({
      width: W,
      height: H,
      dtype: "float32",
      nodata: "nan",
      crs: "wkt",
      skipped: ["crs"],
      overviews: [
        [20, 15],
        [10, 8],
      ],
    });

    const n = new Int16Array(W * H).map((_, k) => (k % 11 === 0 ? -999 : k)); // [y, x]
    const b = new Dataset({
      coords,
      data_vars: {
        n: memoryVariable("n", ["y", "x"], { data: n, shape: [H, W], dtype: "int16" }, { _FillValue: -999, grid_mapping: "crs" }),
        t: a.data_vars.t!,
        crs,
      },
    });
    expect(await writeGeoTiff(b, join(dir, "b.tif"))).toMatchObject({ dtype: "float32", nodata: "nan", overviews: [] });

    // a CRS known only by a PROJ string (a model's sphere): a WKT with the PROJ string as its PROJ4 extension
    const sphere = memoryVariable(
      "crs",
      [],
      { data: Int32Array.of(0), shape: [], dtype: "int32" },
      { proj4: "+proj=longlat +R=6371229 +no_defs" },
    );
    const c = new Dataset({
      coords: {
        lat: memoryVariable(
          "lat",
          ["lat"],
          { data: Float64Array.of(50.5, 49.5), shape: [2], dtype: "float64" },
          { units: "degrees_north" },
        ),
        lon: memoryVariable(
          "lon",
          ["lon"],
          { data: Float64Array.of(0.5, 1.5, 2.5), shape: [3], dtype: "float64" },
          { units: "degrees_east" },
        ),
      },
      data_vars: {
        u: memoryVariable(
          "u",
          ["lat", "lon"],
          { data: Uint8Array.of(1, 2, 3, 4, 5, 6), shape: [2, 3], dtype: "uint8" },
          { grid_mapping: "crs" },
        ),
        crs: sphere,
      },
    });
    expect(await writeGeoTiff(c, join(dir, "c.tif"))).toMatchObject({ dtype: "uint8", crs: "wkt" });
    const out = JSON.parse(
      execFileSync("/usr/bin/python3", ["-c", PY, join(dir, "a.tif"), join(dir, "b.tif"), join(dir, "c.tif"), join(dir, "big.tif")], {
        encoding: "utf8",
      }),
    );
    expect(out["c.tif"]).toMatchObject({
      proj4: "+proj=longlat +R=6371229 +no_defs",
      gt: [0, 1, 0, 51, 0, -1],
      bands: [
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
      ],
      nodata: "None",
    });
    const A = out["a.tif"];
    expect(A).toMatchObject({
      gt: [1000, 500, 0, 13000, 0, -500],
      size: [W, H, 1],
      proj: "Lambert_Azimuthal_Equal_Area",
      lat0: 52,
      nodata: "nan",
    });
    expect(A.type).toBe("Float32");
    const north = (i: number, r: number) => value(i, H - 1 - r); // row r of the file, north first
    const expected = Array.from({ length: H }, (_, r) => Array.from({ length: W }, (_, i) => Math.fround(north(i, r))));
    expect(A.bands[0]).toEqual(expected.map((row) => row.map((v) => (Number.isNaN(v) ? null : v))));
    // first overview: the mean of the valid pixels of each 2×2 block
    const ov = Array.from({ length: 15 }, (_, r) =>
      Array.from({ length: 20 }, (_, c) => {
        const v = [0, 1].flatMap((dr) => [0, 1].map((dc) => expected[2 * r + dr]![2 * c + dc]!)).filter((x) => !Number.isNaN(x));
        return v.length === 0 ? null : Math.fround(v.reduce((s, x) => s + x, 0) / v.length);
      }),
    );
    expect(A.ovr[0]).toEqual(ov);
    expect(A.ovr[1]).toHaveLength(8);
    expect(out["big.tif"]).toEqual(A); // the same file as BigTIFF (LONG8 offsets)

    const B = out["b.tif"];
    expect(B).toMatchObject({ size: [W, H, 2], type: "Float32", desc: ["n", "t"] });
    expect(B.bands[0][H - 1][0]).toBeNull(); // n[0] = -999 (the fill) at the stored first row, now the last
    expect(B.bands[0][H - 1][1]).toBe(1);
    expect(B.bands[1]).toEqual(A.bands[0]);
  }, 60_000);

  it("leaves no file behind when aborted", async () => {
    const v = memoryVariable("v", ["lat", "lon"], { data: new Float64Array(64 * 64), shape: [64, 64], dtype: "float64" });
    const ds = new Dataset({
      coords: {
        lat: memoryVariable("lat", ["lat"], {
          data: Float64Array.from({ length: 64 }, (_, i) => 60 - i * 0.1),
          shape: [64],
          dtype: "float64",
        }),
        lon: memoryVariable("lon", ["lon"], { data: Float64Array.from({ length: 64 }, (_, i) => i * 0.1), shape: [64], dtype: "float64" }),
      },
      data_vars: { v },
    });
    const ac = new AbortController();
    const p = writeGeoTiff(ds, join(dir, "d.tif"), { signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: "CANCELLED" });
    expect(readdirSync(dir).filter((f) => f.startsWith("d.tif") || f.startsWith(".d.tif"))).toEqual([]);
  });
});
