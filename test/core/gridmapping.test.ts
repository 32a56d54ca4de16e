// readGridMapping / bboxToWgs84 on real files, against GDAL: the expected size, geotransform, EPSG code and
// WGS 84 bbox come from test/fixtures/nc-expected/*.json (made once by
// `/usr/bin/python3 test/fixtures/make-nc-expected.py` with `gdalinfo -json NETCDF:"file":var` and osr) and
// test/fixtures/tiff-expected/*.json (the GeoTIFF reader's gdalinfo fixtures). GDAL flips south-up NetCDF
// grids to north-up; eocube describes the array as stored, so bbox and resolution are compared, and the
// orientation is checked against the coordinate values.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeCF } from "../../src/core/cf.js";
import { cfGridMappingToProj4, epsgFromWkt, projNameOf } from "../../src/core/crs.js";
import { Dataset } from "../../src/core/dataset.js";
import { bboxToWgs84, readGridMapping } from "../../src/core/gridmapping-read.js";
import type { DType, NdArray } from "../../src/core/ndarray.js";
import { Variable, type Attrs } from "../../src/core/variable.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { geotiffReader } from "../../src/formats/geotiff.js";
import { netcdf3Reader } from "../../src/formats/netcdf3.js";
import { netcdf4Reader } from "../../src/formats/netcdf4.js";
import { zarrReader } from "../../src/formats/zarr/reader.js";
import { DATA_DIR, loadExpected } from "../formats/nc-expected.js";

const fs = new FileFileSystem(DATA_DIR);

async function open(path: string): Promise<Dataset> {
  const reader = path.startsWith("netcdf4/")
    ? netcdf4Reader
    : path.startsWith("netcdf3/")
      ? netcdf3Reader
      : path.endsWith(".zarr")
        ? zarrReader
        : geotiffReader;
  return decodeCF(await reader.open(fs, path));
}

function close(a: number[], b: number[], rel = 1e-9): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    expect(Math.abs(x - b[i]!), `[${i}] ${x} vs ${b[i]}`).toBeLessThanOrEqual(Math.max(1e-9, Math.abs(b[i]!) * rel));
  });
}

/** File → [CRS eocube reports, isLon360, isYDescending as stored]. GDAL gives no EPSG for the CF lat/lon files. */
const GRIDDED: Record<string, [string, boolean, boolean]> = {
  "netcdf3/RGB.nc": ["EPSG:32618", false, false],
  "netcdf3/eraint_uvz.nc": ["EPSG:4326", false, true],
  "netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc": ["EPSG:4326", true, false],
  "netcdf4/GFS_global.nc": ["+proj=longlat +R=6371229 +no_defs", true, true],
  "netcdf4/gfs_output.nc": ["EPSG:4326", true, true],
  "netcdf4/basin_mask.nc": ["EPSG:4326", true, false],
};

describe("readGridMapping agrees with GDAL on the NetCDF files", () => {
  for (const [path, [crs, lon360, yDesc]] of Object.entries(GRIDDED)) {
    it(path, async () => {
      const ds = await open(path);
      const gm = await readGridMapping(ds);
      await ds.close();
      expect(gm).toBeDefined();
      const gdal = loadExpected(path.split("/")[1]!).gdal!;
      expect(gm!.crs).toBe(crs);
      if (gdal.epsg) expect(gm!.crs).toBe(`EPSG:${gdal.epsg}`);
      expect([gm!.width, gm!.height]).toEqual(gdal.size);
      // GDAL's netCDF driver shifts 0…360 grids east of 180° to −180…180
      const shift = gm!.bbox[0] - gdal.bbox[0] === 360 ? 360 : 0;
      close(gm!.bbox, [gdal.bbox[0]! + shift, gdal.bbox[1]!, gdal.bbox[2]! + shift, gdal.bbox[3]!]);
      close(gm!.resolution, [Math.abs(gdal.geoTransform[1]!), Math.abs(gdal.geoTransform[5]!)]);
      expect(gm!.isLon360).toBe(lon360);
      expect(gm!.isYDescending).toBe(yDesc);
      expect(gm!.isGeographic).toBe(crs !== "EPSG:32618");
    });
  }

  it("RGB.nc: UTM 18N from the transverse_mercator grid mapping, WGS 84 bbox as GDAL/osr", async () => {
    const ds = await open("netcdf3/RGB.nc");
    const gm = (await readGridMapping(ds))!;
    expect(gm.gridMappingName).toBe("transverse_mercator");
    expect(gm.xDim).toBe("x");
    expect(gm.yDim).toBe("y");
    expect(gm.crsWkt).toMatch(/^PROJCS\["WGS 84 \/ UTM zone 18N"/);
    close(bboxToWgs84(gm), loadExpected("RGB.nc").gdal!.bbox_wgs84 as number[], 1e-9);
  });

  it("0…360 longitudes give a −180…180 WGS 84 bbox", async () => {
    const ds = await open("netcdf4/gfs_output.nc");
    const gm = (await readGridMapping(ds))!;
    await ds.close();
    expect(gm.bbox).toEqual([219.875, 14.875, 310.125, 65.125]);
    expect(bboxToWgs84(gm)).toEqual([-140.125, 14.875, -49.875, 65.125]);
    const ostia = await open("netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc");
    expect(bboxToWgs84((await readGridMapping(ostia))!)).toEqual([-180, -90, 180, 90]);
  });

  it("no regular grid: station data and a swath with 2-D lat/lon give undefined", async () => {
    for (const path of ["netcdf3/madis-sao.nc", "netcdf4/O_L2_0001_SNS_2017104102450_v1.0.nc"]) {
      const ds = await open(path);
      expect(await readGridMapping(ds), path).toBeUndefined();
      await ds.close();
    }
  });
});

describe("readGridMapping on Zarr and GeoTIFF datasets", () => {
  it("the Zarr cube: edges [0, 50, 5, 52.5], 0.0025°, descending lat", async () => {
    const gm = (await readGridMapping(await open("zarr/cube-1-250-250.zarr")))!;
    expect(gm.crs).toBe("EPSG:4326");
    expect(gm.bbox).toEqual([0, 50, 5, 52.5]);
    close(gm.resolution, [0.0025, 0.0025]);
    expect(gm.isYDescending).toBe(true);
    expect(gm.isLon360).toBe(false);
    expect([gm.xDim, gm.yDim, gm.width, gm.height]).toEqual(["lon", "lat", 2000, 1000]);
  });

  for (const name of ["RGB.byte", "sample-cog", "shade", "world.byte", "goes", "cogeo"]) {
    it(`geotiff/${name}.tif: the rioxarray-style spatial_ref gives GDAL's grid and CRS`, async () => {
      const exp = JSON.parse(readFileSync(new URL(`../fixtures/tiff-expected/${name}.json`, import.meta.url), "utf8")) as {
        size: [number, number];
        geoTransform: number[];
        epsg: number | null;
        proj4: string;
        isGeographic: boolean;
      };
      const ds = await open(`geotiff/${name}.tif`);
      const gm = (await readGridMapping(ds))!;
      await ds.close();
      expect(gm.gridMappingName).toBe("spatial_ref");
      expect(gm.crs).toBe(exp.epsg ? `EPSG:${exp.epsg}` : gm.proj4);
      expect([gm.width, gm.height]).toEqual(exp.size);
      close(gm.transform, exp.geoTransform, 1e-9);
      expect(gm.isGeographic).toBe(exp.isGeographic);
      const wgs = bboxToWgs84(gm);
      expect(wgs.every(Number.isFinite)).toBe(true);
      expect(wgs[1]).toBeLessThan(wgs[3]);
      if (name === "goes") {
        // full disk seen from 75° W: the corners are off the globe, the visible disk is sampled inside
        expect(wgs[0]).toBeGreaterThan(-160);
        expect(wgs[2]).toBeLessThan(10);
        expect(wgs[1]).toBeGreaterThan(-82);
        expect(wgs[3]).toBeLessThan(82);
      }
    });
  }

  it("RGB.byte.tif and RGB.nc (the same scene) give the same grid", async () => {
    const a = (await readGridMapping(await open("geotiff/RGB.byte.tif")))!;
    const b = (await readGridMapping(await open("netcdf3/RGB.nc")))!;
    expect(a.crs).toBe(b.crs);
    close(a.bbox, b.bbox, 1e-6);
  });
});

/** A memory variable for synthetic datasets. */
function mem(name: string, dims: string[], data: NdArray["data"], dtype: DType, attrs: Attrs = {}): Variable {
  const shape = dims.length === 0 ? [] : [(data as ArrayLike<unknown>).length];
  return new Variable({ name, dims, shape, dtype, attrs, read: async () => ({ data, shape, dtype }) });
}

function grid(extraAttrs: Attrs, coords: Record<string, Variable>, gmName = "crs"): Dataset {
  const v = new Variable({
    name: "v",
    dims: ["y", "x"],
    shape: [2, 3],
    dtype: "float32",
    attrs: { grid_mapping: gmName },
    read: async () => ({ data: new Float32Array(6), shape: [2, 3], dtype: "float32" }),
  });
  return new Dataset({ coords: { ...coords, [gmName]: mem(gmName, [], new Int32Array(1), "int32", extraAttrs) }, data_vars: { v } });
}

describe("readGridMapping on synthetic CF grids", () => {
  const xy = {
    x: mem("x", ["x"], new Float64Array([500, 1500, 2500]), "float64", { standard_name: "projection_x_coordinate", units: "m" }),
    y: mem("y", ["y"], new Float64Array([7500, 6500]), "float64", { standard_name: "projection_y_coordinate", units: "m" }),
  };

  it("CF parameters alone give a PROJ string (polar stereographic)", async () => {
    const attrs = {
      grid_mapping_name: "polar_stereographic",
      straight_vertical_longitude_from_pole: -45,
      latitude_of_projection_origin: 90,
      standard_parallel: 70,
      false_easting: 0,
      false_northing: 0,
      semi_major_axis: 6378137,
      inverse_flattening: 298.257223563,
    };
    const gm = (await readGridMapping(grid(attrs, xy)))!;
    expect(gm.crs).toBe(gm.proj4);
    expect(gm.proj4).toContain("+proj=stere");
    expect(gm.transform).toEqual([0, 1000, 0, 8000, 0, -1000]);
    expect(gm.bbox).toEqual([0, 6000, 3000, 8000]);
    expect(gm.isYDescending).toBe(true);
    expect(gm.isGeographic).toBe(false);
    const wgs = bboxToWgs84(gm, { densify: 5 });
    expect(wgs[3]).toBeLessThan(90);
    expect(wgs[1]).toBeGreaterThan(80);
  });

  it("a polar grid containing the pole reaches 90° N and spans all longitudes in WGS 84", async () => {
    const x = mem("x", ["x"], new Float64Array([-1e6, 0, 1e6]), "float64", { standard_name: "projection_x_coordinate" });
    const y = mem("y", ["y"], new Float64Array([1e6, -1e6]), "float64", { standard_name: "projection_y_coordinate" });
    const v = new Variable({
      name: "v",
      dims: ["y", "x"],
      shape: [2, 3],
      dtype: "float32",
      attrs: { grid_mapping: "crs" },
      read: async () => ({ data: new Float32Array(6), shape: [2, 3], dtype: "float32" }),
    });
    const ds = new Dataset({ coords: { x, y, crs: mem("crs", [], new Int32Array(1), "int32", { epsg: 3413 }) }, data_vars: { v } });
    const gm = (await readGridMapping(ds))!;
    expect(gm.crs).toBe("EPSG:3413");
    const wgs = bboxToWgs84(gm);
    expect([wgs[0], wgs[2], wgs[3]]).toEqual([-180, 180, 90]);
    expect(wgs[1]).toBeGreaterThan(60);
  });

  it("a one-pixel grid takes its cell size from CF bounds", async () => {
    const lat = mem("lat", ["lat"], new Float64Array([52.25]), "float64", { units: "degrees_north", bounds: "lat_bnds" });
    const lon = mem("lon", ["lon"], new Float64Array([4.5]), "float64", { units: "degrees_east", bounds: "lon_bnds" });
    const latB = new Variable({
      name: "lat_bnds",
      dims: ["lat", "bnds"],
      shape: [1, 2],
      dtype: "float64",
      read: async () => ({ data: new Float64Array([52.5, 52]), shape: [1, 2], dtype: "float64" }),
    });
    const lonB = new Variable({
      name: "lon_bnds",
      dims: ["lon", "bnds"],
      shape: [1, 2],
      dtype: "float64",
      read: async () => ({ data: new Float64Array([4, 5]), shape: [1, 2], dtype: "float64" }),
    });
    const t = new Variable({
      name: "t",
      dims: ["lat", "lon"],
      shape: [1, 1],
      dtype: "float32",
      read: async () => ({ data: new Float32Array(1), shape: [1, 1], dtype: "float32" }),
    });
    const gm = (await readGridMapping(new Dataset({ coords: { lat, lon }, data_vars: { t, lat_bnds: latB, lon_bnds: lonB } })))!;
    expect(gm.bbox).toEqual([4, 52, 5, 52.5]);
    expect(gm.resolution).toEqual([1, 0.5]);
    expect(gm.isYDescending).toBe(true);
  });

  it("an epsg attribute wins and is reported as EPSG:N", async () => {
    const gm = (await readGridMapping(grid({ epsg: 32633 }, xy)))!;
    expect(gm.crs).toBe("EPSG:32633");
    expect(gm.proj4).toBe("+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs");
  });

  it("a GeoTransform alone places a grid whose dims have no coordinate variables", async () => {
    const ds = grid(
      {
        crs_wkt:
          'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]',
        GeoTransform: "10 0.5 0 60 0 -0.5",
      },
      {},
      "spatial_ref",
    );
    const gm = (await readGridMapping(ds))!;
    expect(gm.crs).toBe("EPSG:4326");
    expect(gm.bbox).toEqual([10, 59, 11.5, 60]);
    expect(gm.isGeographic).toBe(true);
  });

  it("lat/lon grids without any CRS default to EPSG:4326; irregular axes give undefined", async () => {
    const lat = mem("lat", ["lat"], new Float32Array([10, 11, 12]), "float32", { units: "degrees_north" });
    const lon = mem("lon", ["lon"], new Float32Array([-1, 0]), "float32", { units: "degrees_east" });
    const v = new Variable({
      name: "t",
      dims: ["lat", "lon"],
      shape: [3, 2],
      dtype: "float32",
      read: async () => ({ data: new Float32Array(6), shape: [3, 2], dtype: "float32" }),
    });
    const gm = (await readGridMapping(new Dataset({ coords: { lat, lon }, data_vars: { t: v } })))!;
    expect(gm.crs).toBe("EPSG:4326");
    expect(gm.bbox).toEqual([-1.5, 9.5, 0.5, 12.5]);
    const irregular = mem("lat", ["lat"], new Float32Array([10, 11, 15]), "float32", { units: "degrees_north" });
    expect(await readGridMapping(new Dataset({ coords: { lat: irregular, lon }, data_vars: { t: v } }))).toBeUndefined();
  });
});

describe("CRS helpers", () => {
  it("epsgFromWkt takes the root AUTHORITY, not the datum's or the unit's", () => {
    const wkt = loadExpected("RGB.nc").variables.transverse_mercator!.attrs.spatial_ref as string;
    expect(epsgFromWkt(wkt)).toBe(32618);
    expect(
      epsgFromWkt('GEOGCS["x",DATUM["d",SPHEROID["s",1,2,AUTHORITY["EPSG","7030"]]],UNIT["degree",1,AUTHORITY["EPSG","9122"]]]'),
    ).toBeUndefined();
    expect(epsgFromWkt('PROJCRS["WGS 84 / UTM zone 33N",BASEGEOGCRS["WGS 84",ID["EPSG",4326]],ID["EPSG",32633]]')).toBe(32633);
  });

  it("every CF grid mapping name gives a PROJ string proj4js accepts", () => {
    for (const name of [
      "latitude_longitude",
      "transverse_mercator",
      "mercator",
      "lambert_conformal_conic",
      "albers_conical_equal_area",
      "polar_stereographic",
      "stereographic",
      "lambert_azimuthal_equal_area",
      "lambert_cylindrical_equal_area",
      "orthographic",
      "sinusoidal",
      "geostationary",
      "rotated_latitude_longitude",
    ]) {
      const p = cfGridMappingToProj4({
        grid_mapping_name: name,
        standard_parallel: [30, 60],
        perspective_point_height: 35786023,
        grid_north_pole_latitude: 39.25,
        grid_north_pole_longitude: -162,
      });
      expect(p, name).toBeDefined();
      expect(projNameOf(p!), `${name}: ${p}`).toBeDefined();
    }
    expect(cfGridMappingToProj4({ grid_mapping_name: "latitude_longitude", earth_radius: 6371229 })).toBe(
      "+proj=longlat +R=6371229 +no_defs",
    );
    expect(cfGridMappingToProj4({ grid_mapping_name: "unknown_thing" })).toBeUndefined();
  });
});
