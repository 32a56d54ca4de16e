// The file and memory stores on real data: list, has, describe, open with open_params (lazy), search, errors.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FileFileSystem } from "../../src/fs/file.js";
import { withCounting } from "../../src/fs/counting.js";
import { FsDataStore, newDataStore, openDataset, describeDataset } from "../../src/stores/index.js";
import { SHARED_DATA, ZARR_CUBE } from "../helpers/paths.js";

const store = () => newDataStore("file", { root: SHARED_DATA });
const CUBE = "zarr/cube-1-250-250.zarr";

describe("file store on shared/data", () => {
  it("lists every dataset, folders first-level deep and Zarr folders as one id", async () => {
    const ids = await store().listDataIds();
    expect(ids).toContain(CUBE);
    expect(ids).toContain("netcdf3/RGB.nc");
    expect(ids).toContain("geotiff/sample-cog.tif");
    expect(ids).toContain("netcdf4/gfs_output.nc");
    expect(ids.some((i) => i.startsWith(`${CUBE}/`))).toBe(false);
    expect(ids.some((i) => i.endsWith(".md") || i.endsWith(".yml"))).toBe(false);
    const shallow = await newDataStore("file", { root: SHARED_DATA, max_depth: 1 }).listDataIds();
    expect(shallow).toEqual([]);
  });

  it("tells which data ids exist", async () => {
    const s = store();
    expect(await s.hasData(CUBE)).toBe(true);
    expect(await s.hasData("netcdf3/RGB.nc")).toBe(true);
    expect(await s.hasData("netcdf3/nope.nc")).toBe(false);
    expect(await s.hasData("zarr/nope.zarr")).toBe(false);
    // files and folders that exist but hold no dataset (as listDataIds skips them)
    for (const notData of ["README.md", "SHA256SUMS", "stac-schemas", "gen/xcube_sst_demo_config.yml"]) {
      expect(await s.hasData(notData), notData).toBe(false);
    }
    await expect(s.hasData("../etc/passwd")).rejects.toMatchObject({ code: "UNSAFE_ID" });
    await expect(s.hasData("/etc/passwd")).rejects.toMatchObject({ code: "UNSAFE_ID" });
  });

  it("describes the Zarr cube like xcube (crs, bbox of edges, time range, resolution, chunks)", async () => {
    const d = await store().describeData(CUBE);
    expect(d.data_id).toBe(CUBE);
    expect(d.crs).toBe("EPSG:4326");
    expect(d.bbox).toEqual([0, 50, 5, 52.5]);
    expect(d.spatial_res).toBeCloseTo(0.0025, 12);
    expect(d.time_range).toEqual(["2017-01-16T10:09:21.834Z", "2017-01-30T10:46:33.837Z"]);
    expect(d.dims).toEqual({ lat: 1000, bnds: 2, lon: 2000, time: 5 });
    expect(d.data_vars.conc_chl).toMatchObject({ name: "conc_chl", dtype: "float64", dims: ["time", "lat", "lon"], chunks: [1, 250, 250] });
    expect(d.bbox_wgs84).toBeUndefined();
    expect(Object.keys(d)).toEqual([
      "data_id",
      "data_type",
      "crs",
      "bbox",
      "time_range",
      "spatial_res",
      "dims",
      "coords",
      "data_vars",
      "attrs",
    ]);
  });

  it("opens with variable_names, bbox and time_range lazily: only chunks in the window are read", async () => {
    const fs = withCounting(new FileFileSystem(SHARED_DATA));
    const s = new FsDataStore("file", {}, fs);
    const ds = await s.openData(CUBE, { variable_names: ["conc_chl"], bbox: [1, 51, 1.5, 51.5], time_range: ["2017-01-20", "2017-01-28"] });
    expect(Object.keys(ds.data_vars)).toEqual(["conc_chl"]);
    const v = ds.data_vars.conc_chl!;
    // xarray: ds.sel(time=slice("2017-01-20", "2017-01-28"), lon=slice(1, 1.5), lat=slice(51.5, 51)) → time 3, lat 200, lon 200
    expect(v.shape).toEqual([3, 200, 200]);
    const lat = await ds.coords.lat!.read();
    const lon = await ds.coords.lon!.read();
    expect(lat.data[0]).toBeCloseTo(51.49875, 9);
    expect(lon.data[0]).toBeCloseTo(1.00125, 9);
    const time = await ds.coords.time!.read();
    expect(Array.from(time.data as Float64Array, (t) => new Date(t).toISOString().slice(0, 10))).toEqual([
      "2017-01-25",
      "2017-01-26",
      "2017-01-28",
    ]);
    fs.reset();
    const one = await v.read([0]);
    expect(one.shape).toEqual([200, 200]);
    // window lat rows 400..600, lon cols 400..600 → chunks (1,250,250): lat chunks 1–2, lon chunks 1–2 → 4 chunks
    const chunkReads = fs.counts.keys.filter((k) => k.includes("/conc_chl/"));
    expect(chunkReads.length).toBe(4);
    // the same values as a read of the full variable through the unsubset dataset
    const full = await openDataset(ZARR_CUBE);
    const ref = await full.data_vars.conc_chl!.read([2, [400, 600], [400, 600]]);
    expect(Array.from(one.data as Float64Array)).toEqual(Array.from(ref.data as Float64Array));
    await ds.close();
    await full.close();
  });

  it("reports open_params errors with the schema's words and OUT_OF_RANGE/NOT_FOUND with hints", async () => {
    const s = store();
    await expect(s.openData(CUBE, { bbox: [1, 2, 3] } as never)).rejects.toMatchObject({
      code: "INVALID_PARAMS",
      message: "open_params/bbox must NOT have fewer than 4 items",
    });
    await expect(s.openData(CUBE, { variable_names: ["chl"] })).rejects.toMatchObject({
      code: "NOT_FOUND",
      field: "open_params/variable_names",
    });
    await expect(s.openData(CUBE, { bbox: [10, 10, 11, 11] })).rejects.toMatchObject({ code: "OUT_OF_RANGE", field: "open_params/bbox" });
    // inside the extent but smaller than a pixel (0.0025°), between the centres 1.00125 and 1.00375
    await expect(s.openData(CUBE, { bbox: [1.0015, 51.0015, 1.002, 51.002] })).rejects.toMatchObject({
      code: "OUT_OF_RANGE",
      message: expect.stringContaining("contains no pixel centre"),
      hint: expect.stringContaining("0.0025"),
    });
    await expect(s.openData(CUBE, { bbox: [10, 10, 11, 11] })).rejects.toMatchObject({
      message: expect.stringContaining("does not overlap"),
    });
    await expect(s.openData(CUBE, { time_range: ["2020-01-01", null] })).rejects.toMatchObject({ code: "OUT_OF_RANGE" });
    await expect(s.openData(CUBE, { time_range: ["yesterday", null] })).rejects.toMatchObject({ code: "INVALID_PARAMS" });
  });

  it("subsets projected data by a bbox in the data CRS", async () => {
    const d = await describeDataset(`${SHARED_DATA}netcdf3/RGB.nc`, { openParams: { bbox: [200000, 2700000, 230000, 2730000] } });
    expect(d.crs).toBe("EPSG:32618");
    expect(d.dims.x).toBeGreaterThan(90);
    expect(d.dims.x).toBeLessThan(110);
    expect(d.bbox![0]).toBeGreaterThanOrEqual(199_700);
    expect(d.bbox![2]).toBeLessThanOrEqual(230_300);
  });

  // reference: xarray ds.sel(time=slice(a, b)).time.size on the cube (pandas partial-string slicing); the steps are
  // 2017-01-16T10:09:21.834, 01-25T09:35:51.060, 01-26T10:50:16.686, 01-28T09:58:11.350, 01-30T10:46:33.837
  it("reads time_range ends as xarray .sel does: a partial time includes all it names", async () => {
    const s = store();
    const steps = async (time_range: [string | null, string | null]) => (await s.describeData(CUBE, { time_range })).dims.time;
    expect(await steps([null, "2017-01-16T10:09:21"])).toBe(1);
    expect(await steps([null, "2017-01-16T10:09"])).toBe(1);
    expect(await steps(["2017-01", "2017-01"])).toBe(5);
    expect(await steps(["2017", null])).toBe(5);
    expect(await steps(["2017-01-25T09", "2017-01-25T09"])).toBe(1);
    expect(await steps([null, "2017-01-25T09:35:51.06"])).toBe(2);
    await expect(s.openData(CUBE, { time_range: [null, "2017-01-16T10:09:20"] })).rejects.toMatchObject({ code: "OUT_OF_RANGE" });
    await expect(s.openData(CUBE, { time_range: [null, "2016"] })).rejects.toMatchObject({ code: "OUT_OF_RANGE" });
    // a time_range between two steps selects nothing (xarray: an empty time axis)
    await expect(s.openData(CUBE, { time_range: ["2017-01-17", "2017-01-24"] })).rejects.toMatchObject({
      code: "OUT_OF_RANGE",
      hint: "the time steps run from 2017-01-16T10:09:21.834Z to 2017-01-30T10:46:33.837Z (5 steps)",
    });
  });

  it("refuses a bbox with west > east or south > north and a time_range starting after its end", async () => {
    const s = store();
    await expect(s.openData(CUBE, { bbox: [2, 51, 1, 52] })).rejects.toMatchObject({
      code: "INVALID_PARAMS",
      field: "open_params/bbox",
      message: expect.stringContaining("west > east"),
    });
    await expect(s.openData(CUBE, { bbox: [1, 52, 2, 51] })).rejects.toMatchObject({
      code: "INVALID_PARAMS",
      message: expect.stringContaining("south > north"),
    });
    await expect(s.openData(CUBE, { time_range: ["2017-01-28", "2017-01-20"] })).rejects.toMatchObject({
      code: "INVALID_PARAMS",
      field: "open_params/time_range",
    });
  });

  it("takes a −180…180 bbox on a 0…360 grid (shifted by 360°) and cuts a seam-crossing one as xarray .sel", async () => {
    const s = newDataStore("file", { root: `${SHARED_DATA}netcdf3` });
    const id = "20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc";
    // reference: xarray ds.sel(lon=slice(340, 350), lat=slice(40, 50)): 40 × 40, lon 340.125…349.875
    const ds = await s.openData(id, { bbox: [-20, 40, -10, 50], variable_names: ["analysed_sst"] });
    const lon = (await ds.coords.lon!.read()).data as Float32Array;
    expect([lon.length, lon[0], lon[lon.length - 1]]).toEqual([40, 340.125, 349.875]);
    const v = await ds.data_vars.analysed_sst!.read();
    expect(v.shape).toEqual([1, 40, 40]);
    const data = v.data as Float64Array;
    let sum = 0;
    for (const x of data) if (!Number.isNaN(x)) sum += x;
    expect(sum).toBeCloseTo(462586.125, 0);
    expect(data[0]).toBeCloseTo(291.2, 4);
    expect(data[data.length - 1]).toBeCloseTo(286.96, 4);
    await ds.close();
    // crossing 0°: only the part on the grid, as xarray's .sel(lon=slice(-10, 10)) gives
    const d = await s.describeData(id, { bbox: [-10, 40, 10, 50] });
    expect(d.dims.lon).toBe(40);
    expect(d.bbox![0]).toBe(0);
  });

  it("opens a group (open_params/group) of a NetCDF4 file or Zarr store, and refuses it elsewhere", async () => {
    const nc = newDataStore("file", { root: fileURLToPath(new URL("../fixtures/nc-synthetic/", import.meta.url)) });
    expect((await nc.describeData("edge4.nc", { group: "sub" })).dims).toEqual({ y: 2 });
    await expect(nc.openData("edge4.nc", { group: "nope" })).rejects.toMatchObject({ code: "NOT_FOUND", hint: "groups of the file: sub" });
    await expect(nc.openData("edge4.nc", { group: "../x" })).rejects.toMatchObject({ code: "INVALID_PARAMS", field: "open_params/group" });
    await expect(nc.openData("records.nc", { group: "sub" })).rejects.toMatchObject({ code: "UNSUPPORTED", field: "open_params/group" });
    const z = newDataStore("file", { root: `${SHARED_DATA}zarr-conformance` });
    const d = await z.describeData("v3/data.zarr", { group: "consolidated/nested" });
    expect(Object.keys(d.data_vars)).toEqual(["1d.i2"]);
    expect(d.attrs).toEqual({ description: "A nested group" });
  });

  it("gives the open-params schema with variable names enumerated", async () => {
    const schema = (await store().getOpenDataParamsSchema(CUBE)) as { properties: { variable_names: { items: { enum: string[] } } } };
    expect(schema.properties.variable_names.items.enum).toEqual(["c2rcc_flags", "conc_chl", "conc_tsm", "kd489", "quality_flags"]);
  });

  it("searches by bbox and time range", async () => {
    const s = newDataStore("file", { root: `${SHARED_DATA}zarr` });
    expect((await s.searchData({ bbox: [2, 51, 3, 52] })).map((d) => d.data_id)).toEqual(["cube-1-250-250.zarr"]);
    expect(await s.searchData({ bbox: [20, 51, 30, 52] })).toEqual([]);
    expect((await s.searchData({ time_range: ["2017-01-01", "2017-01-17"] })).length).toBe(1);
    expect(await s.searchData({ time_range: ["2018-01-01", null] })).toEqual([]);
    // a date-only end includes its day (the cube starts 2017-01-16T10:09Z), as in open_params
    expect((await s.searchData({ time_range: [null, "2017-01-16"] })).length).toBe(1);
    await expect(s.searchData({ time_range: ["soon", null] })).rejects.toMatchObject({ code: "INVALID_PARAMS", field: "query/time_range" });
    // a malformed query was taken as "no criterion" and matched everything
    await expect(s.searchData({ bbox: [2, 51] } as never)).rejects.toMatchObject({
      code: "INVALID_PARAMS",
      message: "query/bbox must NOT have fewer than 4 items",
    });
    await expect(s.searchData({ data_type: "geodataframe" } as never)).rejects.toMatchObject({ code: "INVALID_PARAMS" });
    await expect(s.searchData({ limit: -1 })).rejects.toMatchObject({ code: "INVALID_PARAMS" });
    await expect(s.searchData({ timerange: ["2017", null] } as never)).rejects.toMatchObject({ code: "INVALID_PARAMS" });
  });

  it("searches a 0…360 grid with a −180…180 bbox", async () => {
    const s = newDataStore("file", { root: `${SHARED_DATA}netcdf4` });
    const ids = (await s.searchData({ bbox: [-100, 30, -90, 40] })).map((d) => d.data_id);
    expect(ids).toContain("gfs_output.nc"); // lon 220…310
    expect(ids).toContain("GFS_global.nc");
    expect(ids).not.toContain("O_L2_0001_SNS_2017104102450_v1.0.nc");
  });

  it("refuses writes on a read-only store", async () => {
    const s = newDataStore("file", { root: SHARED_DATA, read_only: true });
    await expect(s.deleteData(CUBE)).rejects.toMatchObject({ code: "READ_ONLY" });
    const ds = await openDataset(ZARR_CUBE);
    await expect(s.writeData(ds, "x.zarr")).rejects.toMatchObject({ code: "READ_ONLY" });
    await ds.close();
    expect((await readFile(`${ZARR_CUBE}/.zmetadata`)).length).toBeGreaterThan(0);
  });
});
