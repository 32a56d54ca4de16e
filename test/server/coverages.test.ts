// OGC API – Coverages download (/ogc/collections/{id}/coverage) against a server on 127.0.0.1: the NetCDF4 answer read
// by Debian's xarray (values of the source at the written labels) and by GDAL (bbox, CRS); GeoTIFF answers (f=geotiff
// or Accept: image/tiff) read by GDAL as valid COGs with the source's values, CRS, geotransform and nodata; bad
// parameters → 400, other media types → 415; subset (= the bbox/datetime answer), scale-factor (= numpy's 2×2 nanmean),
// crs=EPSG:3857 (GDAL: its CRS and the source extent transformed) and the Zarr zip (xarray through zarr.ZipStore).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { DATA } from "./helpers.js";

const OLCI = `${DATA}zarr/cube-1-250-250.zarr`;
const COG = "image/tiff; application=geotiff; profile=cloud-optimized";
const dir = mkdtempSync(join(tmpdir(), "eocube-cov-"));
let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp({ Datasets: [{ Identifier: "olci", Path: OLCI }] }, {}, { warmUp: false });
}, 30_000);
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

// xarray on the NetCDF answer; GDAL and its COG validator on the GeoTIFF answers (argv[3:]), whose bands are compared
// with the source at the pixel centres of GDAL's geotransform (bands named by time: conc_chl; by variable: one time)
const PY = `
import json, sys
import numpy as np, xarray as xr
from osgeo import gdal
from osgeo_utils.samples.validate_cloud_optimized_geotiff import validate
a = xr.open_dataset(sys.argv[1])
src = xr.open_zarr(sys.argv[2])
s = src.conc_chl.sel(lon=a.lon, lat=a.lat, time=a.time)
out = {"vars": sorted(a.data_vars), "shape": list(a.conc_chl.shape), "equal": bool(np.array_equal(a.conc_chl.values, s.values, equal_nan=True)), "tif": []}
for f in sys.argv[3:]:
    g = gdal.Open(f)
    x0, dx, _, y0, _, dy = g.GetGeoTransform()
    at = src.sel(lon=x0 + (np.arange(g.RasterXSize) + .5) * dx, lat=y0 + (np.arange(g.RasterYSize) + .5) * dy, method="nearest", tolerance=1e-6)
    bands = [g.GetRasterBand(i + 1) for i in range(g.RasterCount)]
    ref = lambda b: at[b.GetDescription()].sel(time="2017-01-25").squeeze() if b.GetDescription() in at else at.conc_chl.sel(time=np.datetime64(b.GetDescription().rstrip("Z")), method="nearest")
    out["tif"].append({"cog": validate(g, full_check=True)[0], "bbox": [x0, y0 + dy * g.RasterYSize, x0 + dx * g.RasterXSize, y0], "epsg": g.GetSpatialRef().GetAuthorityCode(None),
        "nodata": str(bands[0].GetNoDataValue()), "desc": [b.GetDescription() for b in bands],
        "equal": all(np.array_equal(b.ReadAsArray(), ref(b).values, equal_nan=True) for b in bands)})
# the answers of subset, scale-factor, crs and f=zarr (paths in the EXTRA environment variable)
import os
x = json.loads(os.environ["EXTRA"])
sb = xr.open_dataset(x["subset"])
out["subset_equal"] = bool(sb.conc_chl.shape == a.conc_chl.shape and np.array_equal(sb.conc_chl.values, a.conc_chl.values, equal_nan=True)
    and np.array_equal(sb.lat.values, a.lat.values) and np.array_equal(sb.time.values, a.time.values))
sc = xr.open_dataset(x["scaled"])
v = a.conc_chl.values
t, h, w = v.shape
blocks = np.pad(v, ((0, 0), (0, h % 2), (0, w % 2)), constant_values=np.nan).reshape(t, (h + 1) // 2, 2, (w + 1) // 2, 2)
import warnings
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    mean = np.nanmean(blocks, axis=(2, 4))
out["scaled"] = {"shape": list(sc.conc_chl.shape), "equal": bool(np.allclose(sc.conc_chl.values, mean, equal_nan=True, rtol=1e-12, atol=0)),
    "lon0": float(sc.lon[0]), "lon_ref": float(a.lon[:2].mean())}
g = gdal.Open(x["merc"])
x0, dx, _, y0, _, dy = g.GetGeoTransform()
out["merc"] = {"epsg": g.GetSpatialRef().GetAuthorityCode(None), "bbox": [x0, y0 + dy * g.RasterYSize, x0 + dx * g.RasterXSize, y0], "res": [dx, dy],
    "size": [g.RasterXSize, g.RasterYSize], "valid": int(np.isfinite(g.GetRasterBand(1).ReadAsArray()).sum())}
# nearest: each pixel centre (spherical Mercator inverse) takes the cell of the bbox window it falls in (NaN outside)
R = 6378137.0
lon = np.degrees((x0 + (np.arange(g.RasterXSize) + .5) * dx) / R)
lat = np.degrees(2 * np.arctan(np.exp((y0 + (np.arange(g.RasterYSize) + .5) * dy) / R)) - np.pi / 2)
win = src.conc_chl.sel(time="2017-01-16", lon=slice(1, 1.5), lat=slice(51.5, 51)).squeeze()
sl, st = win.lon.values, win.lat.values
col = np.floor((lon - (sl[0] - (sl[1] - sl[0]) / 2)) / (sl[1] - sl[0])).astype(int)
row = np.floor((lat - (st[0] - (st[1] - st[0]) / 2)) / (st[1] - st[0])).astype(int)
ref = np.pad(win.values, 1, constant_values=np.nan)[np.ix_(np.clip(row, -1, len(st)) + 1, np.clip(col, -1, len(sl)) + 1)]
m = g.GetRasterBand(1).ReadAsArray()
out["merc"]["same"] = float(np.mean((m == ref) | (np.isnan(ref) & np.isnan(m))))
import zarr
z = xr.open_zarr(zarr.ZipStore(x["zarr"], mode="r"))
out["zarr"] = {"vars": sorted(z.data_vars), "equal": bool(np.array_equal(z.conc_chl.values, a.conc_chl.values, equal_nan=True)),
    "time": bool(np.array_equal(z.time.values, a.time.values)), "lat": bool(np.array_equal(z.lat.values, a.lat.values))}
print(json.dumps(out))
`;

describe("/ogc/collections/{id}/coverage", () => {
  it("answers a bbox, datetime and properties subset as NetCDF4 that xarray and GDAL read, and as COGs GDAL reads", async () => {
    const r = await app.inject({
      url: "/ogc/collections/olci/coverage?bbox=1,51,1.5,51.5&datetime=2017-01-16/2017-01-26&properties=conc_chl&f=netcdf",
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("application/netcdf");
    expect(r.headers["content-crs"]).toBe("[OGC:CRS84]");
    const file = join(dir, "olci.nc");
    writeFileSync(file, r.rawPayload);
    // GeoTIFF: all properties at one time (a band each), and one property's time steps (a band each) by Accept
    const tifs = [
      await app.inject({ url: "/ogc/collections/olci/coverage?bbox=1,51,1.5,51.5&datetime=2017-01-25T09:00:00Z&f=geotiff" }),
      await app.inject({
        url: "/ogc/collections/olci/coverage?bbox=1,51,1.5,51.5&datetime=2017-01-16/2017-01-26&properties=conc_chl",
        headers: { accept: "application/json;q=0.5, image/tiff; application=geotiff" },
      }),
    ].map((t, i) => {
      expect(t.statusCode, t.body.slice(0, 300)).toBe(200);
      expect(t.headers["content-type"]).toBe("image/tiff; application=geotiff; profile=cloud-optimized");
      expect(t.headers["content-disposition"]).toContain('filename="olci.tif"');
      writeFileSync(join(dir, `olci-${i}.tif`), t.rawPayload);
      return join(dir, `olci-${i}.tif`);
    });
    // subset, scale-factor, crs and zarr answers of the same window
    const extra: Record<string, string> = {};
    for (const [name, q, type] of [
      ["subset", 'subset=Lat(51:51.5),lon(1:1.5)&subset=time("2017-01-16":"2017-01-26")&properties=conc_chl', "application/netcdf"],
      ["scaled", "bbox=1,51,1.5,51.5&datetime=2017-01-16/2017-01-26&properties=conc_chl&scale-factor=2", "application/netcdf"],
      [
        "merc",
        "bbox=1,51,1.5,51.5&datetime=2017-01-16T10:00:00Z&properties=conc_chl&crs=http://www.opengis.net/def/crs/EPSG/0/3857&f=geotiff",
        COG,
      ],
      ["zarr", "bbox=1,51,1.5,51.5&datetime=2017-01-16/2017-01-26&properties=conc_chl&f=zarr", "application/zip"],
    ]) {
      const t = await app.inject({ url: `/ogc/collections/olci/coverage?${q}` });
      expect(t.statusCode, `${name}: ${t.body.slice(0, 300)}`).toBe(200);
      expect(t.headers["content-type"]).toBe(type);
      extra[name!] = join(dir, `${name}.${name === "merc" ? "tif" : name === "zarr" ? "zip" : "nc"}`);
      writeFileSync(extra[name!]!, t.rawPayload);
      if (name === "merc") expect(t.headers["content-crs"]).toBe("[EPSG:3857]");
    }
    const out = JSON.parse(
      execFileSync("/usr/bin/python3", ["-c", PY, file, OLCI, ...tifs], {
        encoding: "utf8",
        env: { ...process.env, EXTRA: JSON.stringify(extra) },
      }),
    );
    expect(out.subset_equal).toBe(true);
    expect(out.scaled).toMatchObject({ shape: [3, 100, 100], equal: true });
    expect(out.scaled.lon0).toBeCloseTo(out.scaled.lon_ref, 9);
    expect(out.zarr).toEqual({ vars: ["conc_chl", "crs"], equal: true, time: true, lat: true });
    // Web Mercator of the bbox (spherical formulas of EPSG:3857), within one answer pixel
    const R = 6378137;
    const merc = [R * (Math.PI / 180), 0, R * ((1.5 * Math.PI) / 180), 0];
    merc[1] = R * Math.log(Math.tan(Math.PI / 4 + (51 * Math.PI) / 360));
    merc[3] = R * Math.log(Math.tan(Math.PI / 4 + (51.5 * Math.PI) / 360));
    expect(out.merc.epsg).toBe("3857");
    for (const k of [0, 1, 2, 3]) expect(Math.abs(out.merc.bbox[k] - merc[k]!)).toBeLessThan(out.merc.res[0]);
    expect(out.merc.valid).toBeGreaterThan(10_000);
    expect(out.merc.same).toBe(1);
    expect(out).toMatchObject({ vars: ["conc_chl", "crs"], equal: true });
    const times = ["2017-01-16T10:09:21.834Z", "2017-01-25T09:35:51.060Z", "2017-01-26T10:50:16.686Z"];
    const vars = ["c2rcc_flags", "conc_chl", "conc_tsm", "kd489", "quality_flags"];
    for (const [i, desc] of [vars, times].entries()) {
      expect(out.tif[i]).toMatchObject({ cog: [], epsg: "4326", nodata: "nan", desc, equal: true });
      for (const [k, v] of [1, 51, 1.5, 51.5].entries()) expect(out.tif[i].bbox[k]).toBeCloseTo(v, 6);
    }
    expect(out.shape[0]).toBe(3);
    const g = JSON.parse(execFileSync("gdalinfo", ["-json", `NETCDF:${file}:conc_chl`], { encoding: "utf8" }));
    expect(g.stac["proj:epsg"]).toBe(4326);
    const [x0, dx, , y0, , dy] = g.geoTransform as number[];
    expect(x0).toBeCloseTo(1, 6);
    expect(y0).toBeCloseTo(51.5, 6);
    expect(x0! + dx! * g.size[0]).toBeCloseTo(1.5, 6);
    expect(y0! + dy! * g.size[1]).toBeCloseTo(51, 6);
  }, 60_000);

  it("refuses bad parameters with 400 and unsupported media types with 415", async () => {
    const get = (q: string) => app.inject({ url: `/ogc/collections/olci/coverage?${q}` });
    for (const q of [
      "bbox=1,51,0,52",
      "bbox=a,b,c,d",
      "datetime=yesterday",
      "properties=nope",
      "datetime=2017-01-01/2017-01-02/2017-01-03",
    ]) {
      const r = await get(q);
      expect(r.statusCode, q).toBe(400);
      expect(r.json().field, q).toBeDefined();
    }
    for (const [q, field] of [
      ["subset=Lat(51:52", "subset"],
      ["subset=depth(1:2)", "subset"],
      ["subset=Lat(52:51)", "subset"],
      ["subset=Lat(a:b)", "subset"],
      ["subset=Lat(51:52)&bbox=1,51,1.5,51.5", "subset"],
      ['subset=time("2017-01-16":*)&datetime=2017-01-25', "subset"],
      ["subset=Lat(10:11)", "subset"],
      ["scale-factor=abc", "scale-factor"],
      ["scale-factor=0", "scale-factor"],
      ["scale-factor=1.5", "scale-factor"],
      ["crs=EPSG:999999", "crs"],
      ["crs=nonsense", "crs"],
    ]) {
      const r = await get(q!);
      expect(r.statusCode, q).toBe(400);
      expect(r.json().field, q).toBe(field);
    }
    expect((await get("scale-size=Lat(10),Lon(10)")).json()).toMatchObject({ code: "UNSUPPORTED", field: "scale-size" });
    // slices: one time step (the nearest) and one row of cells, the axes kept with length 1; Accept of a Zarr zip
    const slice = await app.inject({
      url: '/ogc/collections/olci/coverage?subset=Lat(51.2),Lon(1:1.5),time("2017-01-16T10:00:00Z")&properties=conc_chl',
      headers: { accept: "application/vnd+zarr" },
    });
    expect(slice.statusCode, slice.body.slice(0, 300)).toBe(200);
    expect(slice.headers["content-type"]).toBe("application/zip");
    const meta = JSON.parse(new TextDecoder().decode(unzipSync(slice.rawPayload)[".zmetadata"]));
    expect(meta.metadata["conc_chl/.zarray"].shape).toEqual([1, 1, 200]);
    const cb = String(slice.headers["content-bbox"]).split(",").map(Number);
    for (const [k, v] of [1, 51.1975, 1.5, 51.2].entries()) expect(cb[k]).toBeCloseTo(v, 6);
    expect((await get("f=image/png")).statusCode).toBe(415);
    expect((await app.inject({ url: "/ogc/collections/olci/coverage", headers: { accept: "image/png" } })).statusCode).toBe(415);
    // a GeoTIFF holds the time steps of one property, or the properties at one time step
    const multi = await get("bbox=1,51,1.5,51.5&datetime=2017-01-16/2017-01-26&f=geotiff");
    expect(multi.statusCode).toBe(400);
    expect(multi.json()).toMatchObject({ code: "INVALID_PARAMS", field: "properties" });
    expect((await get("bbox=10,10,11,11")).statusCode).toBe(400); // outside the data
    expect((await app.inject({ url: "/ogc/collections/nope/coverage" })).statusCode).toBe(404);
  });
});
