// `eocube subset` run in-process (src/cli main): NetCDF4 and Zarr outputs that Debian's xarray reads with the source's
// values at the written labels (cells intersecting the bbox, edge cells included); Cloud Optimized GeoTIFFs that
// Debian's GDAL reads (COG validator, CRS, geotransform, nodata, scale/offset) with the source's values; bad options
// are user errors (exit 2) and write nothing.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/index.js";
import { SHARED_DATA, ZARR_CUBE } from "../helpers/paths.js";

const dir = mkdtempSync(join(tmpdir(), "eocube-subset-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Debian's xarray on the NetCDF4/Zarr outputs (the source at the written labels), and GDAL (python3-gdal) with its COG
// validator on the GeoTIFFs: the source's values from xarray (Zarr cube, OSTIA NetCDF) at the pixel centres GDAL's
// geotransform gives, or from GDAL (RGB.byte.tif). One Python process for all (importing xarray takes seconds).
const PY = `
import json, sys
import numpy as np, xarray as xr
from osgeo import gdal
from osgeo_utils.samples.validate_cloud_optimized_geotiff import validate
d, cube, sst, rgb = sys.argv[1:]
src = xr.open_zarr(cube)
out = {}
for f in ["chl.nc", "chl.zarr"]:
    a = xr.open_zarr(f"{d}/{f}") if f.endswith(".zarr") else xr.open_dataset(f"{d}/{f}")
    s = src.conc_chl.sel(lon=a.lon, lat=a.lat, time=a.time)  # the source at the written labels
    out[f.split(".")[1]] = {"vars": sorted(a.data_vars), "shape": list(a.conc_chl.shape), "equal": bool(np.array_equal(a.conc_chl.values, s.values, equal_nan=True)),
                   "valid": int(np.isfinite(s.values).sum())}
def info(name):
    g = gdal.Open(f"{d}/{name}")
    x0, dx, _, y0, _, dy = g.GetGeoTransform()
    b = [g.GetRasterBand(i + 1) for i in range(g.RasterCount)]
    return g, b, x0 + (np.arange(g.RasterXSize) + .5) * dx, y0 + (np.arange(g.RasterYSize) + .5) * dy, {
        "cog": validate(g, full_check=True)[0], "size": [g.RasterXSize, g.RasterYSize, g.RasterCount], "gt": list(g.GetGeoTransform()),
        "epsg": g.GetSpatialRef().GetAuthorityCode(None), "nodata": str(b[0].GetNoDataValue()), "desc": [x.GetDescription() for x in b],
        "type": gdal.GetDataTypeName(b[0].DataType), "overviews": [[o.XSize, o.YSize] for o in (b[0].GetOverview(k) for k in range(b[0].GetOverviewCount()))]}
g, b, lon, lat, r = info("chl.tif")
s = src.conc_chl.sel(lon=lon, lat=lat, method="nearest", tolerance=1e-6).isel(time=slice(0, 3))
r["equal"] = bool(np.array_equal(g.ReadAsArray(), s.values, equal_nan=True)); r["valid"] = int(np.isfinite(s.values).sum()); out["chl"] = r
g, b, lon, lat, r = info("all.tiff")
s = src.sel(lon=lon, lat=lat, method="nearest", tolerance=1e-6).isel(time=1)
r["equal"] = all(np.array_equal(x.ReadAsArray(), s[x.GetDescription()].values, equal_nan=True) for x in b); out["all"] = r
g, b, lon, lat, r = info("sst.tif")
s = xr.open_dataset(sst).isel(time=0).sel(lon=lon, lat=lat, method="nearest", tolerance=1e-4)
def unscale(x):
    a = x.ReadAsArray().astype("float64")
    return np.where(a == x.GetNoDataValue(), np.nan, a * x.GetScale() + x.GetOffset())
r["equal"] = all(np.allclose(unscale(x), s[x.GetDescription()].values, equal_nan=True, rtol=0, atol=1e-4) for x in b)
r["scale"] = [round(x.GetScale(), 6) for x in b]; r["offset"] = [x.GetOffset() for x in b]; r["valid"] = int(np.isfinite(unscale(b[0])).sum()); out["sst"] = r
g, b, lon, lat, r = info("rgb.tif")
o = gdal.Open(rgb)
r["equal"] = bool(np.array_equal(g.ReadAsArray(), o.ReadAsArray())); r["sameGeoTransform"] = g.GetGeoTransform() == o.GetGeoTransform(); out["rgb"] = r
print(json.dumps(out))
`;

const run = (...args: string[]) => main(["node", "eocube", "subset", ZARR_CUBE, ...args]);
const SST = `${SHARED_DATA}netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`;
const RGB = `${SHARED_DATA}geotiff/RGB.byte.tif`;

// every output first, then one Python run reads them all
const codes: Record<string, number> = {};
// biome-ignore lint/suspicious/noExplicitAny: the JSON the Python script prints
let out: any;
beforeAll(async () => {
  const bbox = ["--bbox", "3,51.3,3.5,51.6"];
  const chl = [...bbox, "--time-range", "2017-01-16/2017-01-26", "--variables", "conc_chl", "--json"];
  codes.nc = await run(...chl, "-o", join(dir, "chl.nc"));
  codes.zarr = await run(...chl, "--format", "zarr", "-o", join(dir, "chl.zarr"));
  // one variable, 3 time steps → 3 bands; all 5 variables at one time step → 5 bands (xcube's layout)
  codes.chl = await run(...chl, "-o", join(dir, "chl.tif"));
  codes.all = await run(...bbox, "--time-range", "2017-01-25/2017-01-25", "--format", "geotiff", "--json", "-o", join(dir, "all.tiff"));
  // packed int16 (scale_factor/add_offset, _FillValue) on a 0…360 grid; a projected uint8 GeoTIFF with an overview
  codes.sst = await main(["node", "eocube", "subset", SST, "--bbox", "350,40,360,60", "--json", "-o", join(dir, "sst.tif")]);
  codes.rgb = await main(["node", "eocube", "subset", RGB, "--json", "-o", join(dir, "rgb.tif")]);
  out = JSON.parse(execFileSync("/usr/bin/python3", ["-c", PY, dir, ZARR_CUBE, SST, RGB], { encoding: "utf8" }));
}, 90_000);

describe("eocube subset", () => {
  it("writes NetCDF4 and Zarr subsets that xarray reads with the source's values", () => {
    expect(codes).toMatchObject({ nc: 0, zarr: 0 });
    for (const k of ["nc", "zarr"]) expect(out[k]).toMatchObject({ vars: ["conc_chl"], shape: [3, 120, 201], equal: true });
    expect(out.nc.valid).toBeGreaterThan(0);
  });

  it("writes Cloud Optimized GeoTIFFs that GDAL reads with the source's values, CRS, geotransform, nodata and scale", () => {
    expect(codes).toMatchObject({ chl: 0, all: 0, sst: 0, rgb: 0 });
    for (const f of ["chl", "all", "sst", "rgb"]) expect(out[f].cog, f).toEqual([]);
    expect(out.chl).toMatchObject({
      size: [201, 120, 3],
      epsg: "4326",
      nodata: "nan",
      equal: true,
      desc: ["2017-01-16T10:09:21.834Z", "2017-01-25T09:35:51.060Z", "2017-01-26T10:50:16.686Z"],
    });
    expect(out.chl.gt[0]).toBeCloseTo(2.9975, 9); // edge of the cell intersecting west = 3
    expect(out.chl.gt[3]).toBeCloseTo(51.6, 9);
    expect(out.chl.gt[1]).toBeCloseTo(0.0025, 12);
    expect(out.chl.gt[5]).toBeCloseTo(-0.0025, 12);
    expect(out.chl.valid).toBeGreaterThan(0);
    expect(out.all).toMatchObject({
      size: [201, 120, 5],
      equal: true,
      desc: ["c2rcc_flags", "conc_chl", "conc_tsm", "kd489", "quality_flags"],
    });
    expect(out.sst).toMatchObject({ type: "Int16", nodata: "-32768.0", epsg: "4326", equal: true, desc: ["sst_anomaly", "analysed_sst"] });
    expect(out.sst.scale).toEqual([0.01, 0.01]);
    expect(out.sst.offset[1]).toBeCloseTo(273.15, 4);
    expect(out.sst.valid).toBeGreaterThan(0);
    expect(out.rgb).toMatchObject({
      type: "Byte",
      nodata: "0.0",
      epsg: "32618",
      equal: true,
      sameGeoTransform: true,
      overviews: [[396, 359]],
    });
  });

  it("refuses bad options with exit 2 and writes nothing", async () => {
    expect(await run("--bbox", "3,51,2", "-o", join(dir, "bad.nc"))).toBe(2);
    expect(await run("--time-range", "2017-01-16", "-o", join(dir, "bad.nc"))).toBe(2);
    expect(await run("--format", "geotiff", "-o", join(dir, "bad.nc"))).toBe(2); // 5 variables × 5 time steps
    expect(await run("--format", "tiff", "-o", join(dir, "bad.nc"))).toBe(2);
    expect(await run("--variables", "conc_chl", "-o", "s3://bucket/bad.tif")).toBe(2);
    expect(
      await run("--variables", "conc_chl", "--time-range", "2017-01-16/2017-01-16", "-o", join(dir, "bad.tif"), "--bbox", "9,9,10,10"),
    ).toBe(2);
    expect(await run("--variables", "nope", "-o", join(dir, "bad.nc"))).toBe(2);
    expect(existsSync(join(dir, "bad.nc")) || existsSync(join(dir, "bad.tif"))).toBe(false);
  }, 30_000);
});
