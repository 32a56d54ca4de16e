// eocube gen end to end on real data: outputs opened by xarray (Debian's /usr/bin/python3) must have the
// expected dims/coords/attrs and agree with the references: xarray nearest selection of the OSTIA files,
// gdalwarp (fixtures of test/fixtures/gen-expected/make.py) for space, xarray resample for time.
import { existsSync, readdirSync } from "node:fs";
import { writeFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify, parse } from "yaml";
import { decodeCF } from "../../src/core/cf.js";
import { writeDataset } from "../../src/formats/zarr/writer.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { subset } from "../../src/ops/subset.js";
import { compare, CUBE, DATA, fixture } from "../ops/helpers.js";
import { openDataset } from "../../src/stores/open.js";
import { cli, ROOT, tempDir, xr } from "./helpers.js";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

interface Summary {
  dims: Record<string, number>;
  coords: Record<string, { size: number; first: string; last: string }>;
  attrs: Record<string, unknown>;
  variables: Record<string, { dims: string[]; dtype: string; attrs: Record<string, unknown> }>;
}

async function request(name: string, doc: object): Promise<string> {
  const path = join(tmp.dir, name);
  await writeFile(path, stringify(doc));
  return path;
}

const OSTIA0 = `${DATA}netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`;

const ostiaInputs = ["05", "06", "07"].map((d) => ({
  store_id: "file",
  store_params: { root: `${DATA}netcdf3` },
  data_id: `201706${d}120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`,
}));

describe("eocube gen (gen2 requests)", () => {
  it("stacks the OSTIA files into a 3-day 0.25° cube over Europe, in 2 workers; xarray agrees exactly", async () => {
    const out = join(tmp.dir, "ostia.zarr");
    const r = await cli(["gen", join(ROOT, "examples/gen-request.yaml"), "-o", out, "--workers", "2", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ event: "done", chunks: 24 });
    expect(lines.filter((l) => l.event === "progress").length).toBe(12);
    const s = await xr<Summary>(out, "summary");
    expect(s.dims).toEqual({ time: 3, lat: 152, lon: 208, bnds: 2 });
    expect(s.coords.time).toMatchObject({ size: 3, first: "2017-06-05T12:00:00.000000000", last: "2017-06-07T12:00:00.000000000" });
    expect(s.coords.lat).toMatchObject({ first: "71.875", last: "34.125" });
    expect(Object.keys(s.coords).sort()).toEqual(["lat", "lat_bnds", "lon", "lon_bnds", "time"]);
    expect(s.variables.analysed_sst).toMatchObject({ dims: ["time", "lat", "lon"], dtype: "float32" });
    expect(s.variables.analysed_sst!.attrs).toMatchObject({ units: "kelvin", long_name: "analysed sea surface temperature" });
    expect(s.attrs).toMatchObject({
      title: "OSTIA SST, Europe, 0.25 degree grid, 3 days",
      Conventions: "CF-1.8, ACDD-1.3",
      geospatial_lon_min: -16,
      geospatial_lon_max: 36,
      geospatial_lat_min: 34,
      geospatial_lat_max: 72,
      time_coverage_start: "2017-06-05T12:00:00Z",
      time_coverage_end: "2017-06-07T12:00:00Z",
    });
    expect(String(s.attrs.history)).toMatch(/eocube gen .*gen-request\.yaml/);
    for (const v of ["analysed_sst", "sst_anomaly"]) {
      const c = await xr<{ n: number; max_diff: number; nan_mismatch: number }>(out, "ostia", v);
      expect(c.n).toBeGreaterThan(50_000);
      expect(c.max_diff).toBeLessThan(1e-4);
      expect(c.nan_mismatch).toBe(0);
    }
    // no temporary store left beside the output
    expect(readdirSync(tmp.dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("writes a 5 km EPSG:3035 cube (x/y, crs variable) agreeing with gdalwarp -r near on ≥ 99% of pixels", async () => {
    const f = fixture<{ bbox: number[]; spatial_res: number[]; step: number; shape: number[]; values: Array<number | null> }>(
      "space-ostia-3035-near.json",
    );
    const out = join(tmp.dir, "ostia-3035.zarr");
    const req = await request("laea.yaml", {
      input_configs: ostiaInputs,
      cube_config: {
        variable_names: ["analysed_sst"],
        crs: "EPSG:3035",
        bbox: f.bbox,
        spatial_res: f.spatial_res[0],
        tile_size: 400,
        spatial_method: "nearest",
      },
      output_config: { store_id: "file", store_params: { root: tmp.dir }, data_id: "ostia-3035.zarr" },
    });
    const r = await cli(["gen", req, "--workers", "0"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote .*ostia-3035\.zarr: 1 variables, 12 chunks/);
    const s = await xr<Summary>(out, "summary");
    expect(s.dims).toMatchObject({ time: 3, y: 800, x: 800 });
    expect(s.variables.analysed_sst!.attrs.grid_mapping).toBe("crs");
    expect(s.coords.crs).toBeDefined();
    // the crs variable: CF grid mapping as GDAL's netCDF driver writes it for EPSG:3035, real WKT that GDAL identifies
    const g = await xr<{ grid_mapping_name: string; mismatches: string[]; wkt_same: boolean; wkt_epsg: string | null; proj4: string }>(
      out,
      "cfcrs",
      "3035",
    );
    expect(g.grid_mapping_name).toBe("lambert_azimuthal_equal_area");
    expect(g.mismatches).toEqual([]);
    expect(g.wkt_same).toBe(true);
    expect(g.wkt_epsg).toBe("3035");
    expect(g.proj4).toMatch(/^\+proj=laea /);
    const sample = await xr<{ values: Array<number | null> }>(out, "sample", "analysed_sst", "0", String(f.step));
    const c = compare(
      sample.values.map((v) => (v === null ? NaN : v)),
      f.values,
      1e-4,
    );
    expect(c.within / c.n).toBeGreaterThan(0.99);
    expect(c.nanMismatch / f.values.length).toBeLessThan(0.01);
  });

  it("resamples the Zarr cube to 8-day and 1-month periods; xarray reads what xarray's resample computes", async () => {
    for (const period of ["8D", "1M"]) {
      const f = fixture<{ step: number; time: string[]; variables: Record<string, Record<string, Array<number | null>>> }>(
        `time-${period}.json`,
      );
      const id = `cube-${period}.zarr`;
      const req = await request(`time-${period}.yaml`, {
        input_config: { store_id: "file", store_params: { root: `${DATA}zarr` }, data_id: "cube-1-250-250.zarr" },
        cube_config: { variable_names: ["conc_chl", "kd489"], time_period: period, time_method: "mean", tile_size: 500 },
        output_config: { store_id: "file", store_params: { root: tmp.dir }, data_id: id },
      });
      const r = await cli(["gen", req, "--workers", "0"]);
      expect(r.code, r.stderr).toBe(0);
      const s = await xr<Summary>(join(tmp.dir, id), "summary");
      expect(s.dims).toMatchObject({ time: f.time.length, lat: 1000, lon: 2000 });
      expect(s.coords.time_bnds).toBeDefined();
      expect(s.attrs.time_coverage_resolution).toBe(period === "8D" ? "P8D" : "P1M");
      for (const v of ["conc_chl", "kd489"]) {
        const exp = f.variables[v]!.mean!;
        const per = exp.length / f.time.length;
        for (let t = 0; t < f.time.length; t++) {
          const got = await xr<{ values: Array<number | null> }>(join(tmp.dir, id), "sample", v, String(t), String(f.step));
          const c = compare(
            got.values.map((x) => (x === null ? NaN : x)),
            exp.slice(t * per, (t + 1) * per),
            1e-5,
          );
          expect(c.nanMismatch).toBe(0);
          expect(c.within).toBe(c.n);
        }
      }
    }
  });

  it("time_method count writes int32 counts without a NaN fill: xarray opens them and they equal xarray's resample().count()", async () => {
    const req = await request("time-count.yaml", {
      input_config: { store_id: "file", store_params: { root: `${DATA}zarr` }, data_id: "cube-1-250-250.zarr" },
      cube_config: { variable_names: ["conc_chl", "kd489"], time_period: "1M", time_method: "count", tile_size: 500 },
      output_config: { store_id: "file", store_params: { root: tmp.dir }, data_id: "cube-count.zarr" },
    });
    const r = await cli(["gen", req, "--workers", "0"]);
    expect(r.code, r.stderr).toBe(0);
    for (const v of ["conc_chl", "kd489"]) {
      const c = await xr<{
        shape: number[];
        ref_shape: number[];
        dtype: string;
        time_equal: boolean;
        n: number;
        max_diff: number;
        nan_mismatch: number;
        fill_value: unknown;
      }>(join(tmp.dir, "cube-count.zarr"), "resample", v, "1MS", "count");
      expect(c.shape).toEqual(c.ref_shape);
      expect(c.time_equal).toBe(true);
      expect(c.dtype).toBe("int32");
      expect(c.fill_value ?? null).toBeNull();
      expect(c.n).toBe(c.shape.reduce((a, b) => a * b, 1));
      expect(c.max_diff).toBe(0);
      expect(c.nan_mismatch).toBe(0);
    }
  });

  it("mean downsampling by 4 equals xarray's coarsen(4).mean(), all-NaN blocks staying NaN", async () => {
    const req = await request("down.yaml", {
      input_config: { store_id: "file", store_params: { root: `${DATA}zarr` }, data_id: "cube-1-250-250.zarr" },
      cube_config: { variable_names: ["conc_chl"], crs: "EPSG:4326", bbox: [0, 50, 5, 52.5], spatial_res: 0.01, spatial_method: "mean" },
      output_config: { store_id: "file", store_params: { root: tmp.dir }, data_id: "down.zarr" },
    });
    const r = await cli(["gen", req, "--workers", "0"]);
    expect(r.code, r.stderr).toBe(0);
    const c = await xr<{
      shape: number[];
      ref_shape: number[];
      coord_diff: number;
      n: number;
      ref_nan: number;
      max_rel_diff: number;
      nan_mismatch: number;
    }>(join(tmp.dir, "down.zarr"), "coarsen", "conc_chl", "4");
    expect(c.shape).toEqual(c.ref_shape);
    expect(c.coord_diff).toBeLessThan(1e-9);
    expect(c.ref_nan).toBeGreaterThan(1000); // the cube has land: many blocks are all NaN
    expect(c.n).toBeGreaterThan(50_000);
    expect(c.nan_mismatch).toBe(0);
    expect(c.max_rel_diff).toBeLessThan(1e-5);
  });

  it("runs xcube gen2 requests with opener_id/writer_id/write_params and per-input variable_names (file and memory outputs)", async () => {
    const input = {
      store_id: "file",
      opener_id: "dataset:zarr:file",
      store_params: { root: `${DATA}zarr` },
      data_id: "cube-1-250-250.zarr",
      open_params: {},
    };
    const cube_config = { crs: "WGS84", bbox: [1, 51, 2, 52], spatial_res: 0.01, time_period: "4D" };
    const req = await request("x4.yaml", {
      input_configs: [{ ...input, variable_names: ["conc_chl"] }],
      cube_config,
      output_config: {
        store_id: "file",
        writer_id: "dataset:zarr:file",
        store_params: { root: tmp.dir },
        data_id: "x4.zarr",
        write_params: {},
      },
    });
    const r = await cli(["gen", req, "--workers", "0"]);
    expect(r.code, r.stderr).toBe(0);
    const s = await xr<Summary>(join(tmp.dir, "x4.zarr"), "summary");
    expect(Object.keys(s.variables)).toEqual(["conc_chl"]);
    const mem = await request("x4-mem.yaml", {
      input_configs: [{ ...input, variable_names: ["conc_chl"] }],
      cube_config,
      output_config: { store_id: "memory", data_id: "CHL" },
    });
    const m = await cli(["gen", mem, "--workers", "0"]);
    expect(m.code, m.stderr).toBe(0);
  });

  it("rectifies the OLCI swath onto a 0.003° grid and reprojects the UTM GeoTIFF to EPSG:4326", async () => {
    const rect = fixture<{ bbox: number[]; shape: number[]; values: Array<number | null> }>("rectify-olci-near.json");
    const req = await request("olci.yaml", {
      input_config: { store_id: "file", store_params: { root: `${DATA}netcdf4` }, data_id: "O_L2_0001_SNS_2017104102450_v1.0.nc" },
      cube_config: {
        variable_names: ["conc_chl", "c2rcc_flags"],
        crs: "EPSG:4326",
        bbox: rect.bbox,
        spatial_res: 0.003,
        spatial_method: "nearest",
      },
      output_config: { store_id: "file", store_params: { root: tmp.dir }, data_id: "olci.zarr" },
    });
    const r = await cli(["gen", req, "--workers", "0"]);
    expect(r.code, r.stderr).toBe(0);
    const got = await xr<{ shape: number[]; values: Array<number | null> }>(join(tmp.dir, "olci.zarr"), "sample", "conc_chl", "-1", "1");
    expect(got.shape).toEqual(rect.shape);
    const c = compare(
      got.values.map((x) => (x === null ? NaN : x)),
      rect.values,
      1e-6,
    );
    expect(c.within / c.n).toBeGreaterThan(0.99);
    // no time coordinate: time_coverage_* from the input's start_date/stop_date ("14-APR-2017 10:27:29.454657"), as pandas parses them
    const os = await xr<Summary & { ref_start: string; ref_stop: string }>(join(tmp.dir, "olci.zarr"), "olci_times");
    expect(os.attrs.time_coverage_start).toBe(os.ref_start);
    expect(os.attrs.time_coverage_end).toBe(os.ref_stop);

    const rgb = fixture<{ bbox: number[]; size: number[]; values: Array<number | null> }>("space-rgb-near.json");
    const res = [(rgb.bbox[2]! - rgb.bbox[0]!) / rgb.size[0]!, (rgb.bbox[3]! - rgb.bbox[1]!) / rgb.size[1]!];
    const req2 = await request("rgb.yaml", {
      input_config: { store_id: "file", store_params: { root: `${DATA}geotiff` }, data_id: "RGB.byte.tif" },
      cube_config: { crs: "EPSG:4326", bbox: rgb.bbox, spatial_res: res, spatial_method: "nearest", tile_size: 128 },
      output_config: { store_id: "file", store_params: { root: tmp.dir }, data_id: "rgb.zarr" },
    });
    const r2 = await cli(["gen", req2, "--workers", "0"]);
    expect(r2.code, r2.stderr).toBe(0);
    const s = await xr<Summary>(join(tmp.dir, "rgb.zarr"), "summary");
    expect(s.dims).toMatchObject({ band: 3, lat: 200, lon: 240 });
    const b = await xr<{ values: Array<number | null> }>(join(tmp.dir, "rgb.zarr"), "sample", "band_data", "-1", "1");
    const c2 = compare(
      b.values.slice(0, 240 * 200).map((x) => (x === null ? NaN : x)),
      rgb.values,
      0,
    );
    expect(c2.within / c2.n).toBeGreaterThan(0.995);
  });

  it("--info prints the target grid, sizes, chunk count and estimated bytes without writing", async () => {
    const out = join(tmp.dir, "info.zarr");
    const r = await cli([
      "gen",
      `${DATA}gen/xcube_sst_demo_config.yml`,
      ...["05", "06", "07"].map((d) => `${DATA}netcdf3/201706${d}120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`),
      "-o",
      out,
      "--info",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.grid).toMatchObject({ crs: "EPSG:4326", width: 10240, height: 5632 });
    expect(info).toMatchObject({ chunks: 384, tasks: 384, estimated_bytes: 3 * 5632 * 10240 * 4, inputs: 3 });
    expect(existsSync(out)).toBe(false);
  });
});

describe("eocube gen (xcube's legacy config)", () => {
  it("runs the real demo config (smaller output_size) with input files as arguments", async () => {
    const doc = parse(await readFile(`${DATA}gen/xcube_sst_demo_config.yml`, "utf8"));
    doc.output_size = [1024, 563];
    doc.output_writer_params = { chunksizes: { lat: 563, lon: 512 } };
    const cfg = await request("legacy.yml", doc);
    const out = join(tmp.dir, "legacy.zarr");
    const files = ["05", "06", "07"].map((d) => `${DATA}netcdf3/201706${d}120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`);
    const r = await cli(["gen", cfg, ...files, "-o", out, "--workers", "0"]);
    expect(r.code, r.stderr).toBe(0);
    const s = await xr<Summary>(out, "summary");
    expect(s.dims).toMatchObject({ time: 3, lat: 563, lon: 1024 });
    expect(Object.keys(s.variables)).toEqual(["analysed_sst"]);
    expect(s.attrs).toMatchObject({
      title: "CMEMS Global SST Anomaly Data Cube",
      creator_name: "Brockmann Consult GmbH",
      processing_level: "L2C",
    });
    // the config's explicit "" (comment, summary, keywords, standard_name_vocabulary) leave none of the input's values
    for (const k of ["comment", "summary", "keywords", "standard_name_vocabulary", "contributor_name", "contributor_role"])
      expect(s.attrs[k], k).toBeUndefined();
    // OSTIA's extent/time attributes (0…360°, −90…90°, one day) would contradict the cube: gone; ACDD ones recomputed
    for (const k of [
      "westernmost_longitude",
      "easternmost_longitude",
      "southernmost_latitude",
      "northernmost_latitude",
      "spatial_resolution",
      "start_time",
      "stop_time",
    ]) {
      expect(s.attrs[k], k).toBeUndefined();
    }
    const [w, south, e, n] = doc.output_region as number[];
    expect(s.attrs.geospatial_lon_min).toBeCloseTo(w!, 9);
    expect(s.attrs.geospatial_lon_max).toBeCloseTo(e!, 9);
    expect(s.attrs.geospatial_lat_min).toBeCloseTo(south!, 9);
    expect(s.attrs.geospatial_lat_max).toBeCloseTo(n!, 9);
    expect(s.attrs.geospatial_lon_resolution).toBeCloseTo((e! - w!) / 1024, 12);
    expect(s.attrs).toMatchObject({
      time_coverage_start: `${s.coords.time!.first.slice(0, 19)}Z`,
      time_coverage_end: `${s.coords.time!.last.slice(0, 19)}Z`,
    });
    // valid_min/valid_max in kelvin (CF §8.1: unpacked like the data), not OSTIA's packed −300…4500
    const rg = await xr<{
      valid_min: number;
      valid_max: number;
      data_min: number;
      data_max: number;
      ref_valid_min: number;
      ref_valid_max: number;
    }>(out, "range", "analysed_sst");
    expect(rg.valid_min).toBeCloseTo(rg.ref_valid_min, 4); // float32 precision
    expect(rg.valid_max).toBeCloseTo(rg.ref_valid_max, 4);
    expect(rg.data_min).toBeGreaterThanOrEqual(rg.valid_min);
    expect(rg.data_max).toBeLessThanOrEqual(rg.valid_max);
    const c = await xr<{ n: number; max_diff: number; nan_mismatch: number }>(out, "ostia", "analysed_sst");
    expect(c.max_diff).toBeLessThan(1e-4);
    expect(c.nan_mismatch).toBe(0);
  });
});

describe("eocube gen: bad input → exit 2, clear message, nothing written", () => {
  const base = (over: Record<string, unknown> = {}, cube: Record<string, unknown> = {}, output: Record<string, unknown> = {}) => ({
    input_configs: ostiaInputs.slice(0, 1),
    cube_config: { variable_names: ["analysed_sst"], crs: "EPSG:4326", bbox: [0, 40, 10, 50], spatial_res: 0.5, ...cube },
    output_config: { store_id: "file", store_params: { root: tmp.dir }, data_id: "bad.zarr", ...output },
    ...over,
  });
  const cases: Array<[string, () => object, RegExp, string]> = [
    ["unknown store id", () => base({ input_configs: [{ ...ostiaInputs[0], store_id: "ftp" }] }), /no data store "ftp"/, "UNKNOWN_STORE"],
    ["unknown data id", () => base({ input_configs: [{ ...ostiaInputs[0], data_id: "missing.nc" }] }), /missing\.nc/, "NOT_FOUND"],
    [
      "bbox outside the data",
      () => base({}, { crs: "EPSG:3035", bbox: [-9e7, -9e7, -8.9e7, -8.9e7], spatial_res: 1000 }),
      /does not overlap/,
      "OUT_OF_RANGE",
    ],
    ["a CRS proj4 cannot parse", () => base({}, { crs: "EPSG:0" }), /cannot parse the CRS/, "INVALID_CONFIG"],
    ["zero resolution", () => base({}, { spatial_res: 0 }), /spatial_res must be positive/, "INVALID_CONFIG"],
  ];
  for (const [what, doc, message, code] of cases) {
    it(what, async () => {
      const req = await request(`bad-${what.replace(/\W+/g, "-")}.yaml`, doc());
      const r = await cli(["gen", req, "--workers", "0", "--json"]);
      expect(r.code).toBe(2);
      const err = JSON.parse(r.stderr).error;
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(join(tmp.dir, "bad.zarr"))).toBe(false);
    });
  }

  it("errors name the request file and the field in the request's own words", async () => {
    const run = async (args: string[]) => {
      const r = await cli(["gen", ...args, "--workers", "0", "--json"]);
      expect(r.code, r.stderr).toBe(2);
      return JSON.parse(r.stderr.trim().split("\n").at(-1)!).error as {
        code: string;
        message: string;
        path?: string;
        field?: string;
        hint?: string;
      };
    };
    // legacy config: an inverted output_region is output_region of that file, not cube_config/bbox
    const legacy = parse(await readFile(`${DATA}gen/xcube_sst_demo_config.yml`, "utf8"));
    legacy.output_size = [64, 32];
    const inverted = await request("inverted.yml", { ...legacy, output_region: [10, 48, -16, 62] });
    const e1 = await run([inverted, OSTIA0, "-o", join(tmp.dir, "bad.zarr")]);
    expect(e1).toMatchObject({ code: "INVALID_CONFIG", path: inverted, field: "output_region" });
    expect(e1.message).toContain(inverted);
    // legacy config, existing output: output_path and --replace, not output_config.replace/data_id
    const cfg = await request("small.yml", legacy);
    const out = join(tmp.dir, "legacy-exists.zarr");
    expect((await cli(["gen", cfg, OSTIA0, "-o", out, "--workers", "0"])).code).toBe(0);
    const e2 = await run([cfg, OSTIA0, "-o", out]);
    expect(e2).toMatchObject({ code: "ALREADY_EXISTS", field: "output_path" });
    expect(e2.hint).toMatch(/--replace/);
    expect(e2.hint).not.toMatch(/output_config|data_id/);
    // a missing request file
    const e3 = await run([join(tmp.dir, "no-such-request.yaml")]);
    expect(e3).toMatchObject({ code: "NOT_FOUND", path: join(tmp.dir, "no-such-request.yaml") });
    expect(e3.message).toMatch(/no-such-request\.yaml does not exist/);
    // time_period and time_range problems carry the file and the cube_config field
    const cubeReq = (cube: object) => ({
      input_config: { store_id: "file", store_params: { root: `${DATA}zarr` }, data_id: "cube-1-250-250.zarr" },
      cube_config: { variable_names: ["conc_chl"], ...cube },
      output_config: { store_id: "file", store_params: { root: tmp.dir }, data_id: "bad.zarr" },
    });
    const per = await request("per.yaml", cubeReq({ time_period: "8Q" }));
    expect(await run([per])).toMatchObject({ code: "INVALID_CONFIG", path: per, field: "cube_config/time_period" });
    const none = await request("tr.yaml", cubeReq({ time_range: ["2018-01-01", "2018-02-01"] }));
    const e5 = await run([none]);
    expect(e5).toMatchObject({ code: "OUT_OF_RANGE", path: none, field: "cube_config/time_range" });
    expect(e5.message).toMatch(/holds no time step/);
    const reversed = await request("tr2.yaml", cubeReq({ time_range: ["2017-02-01", "2017-01-01"] }));
    const e6 = await run([reversed]);
    expect(e6).toMatchObject({ code: "INVALID_CONFIG", path: reversed, field: "cube_config/time_range" });
    expect(e6.message).toMatch(/reversed/);
    expect(existsSync(join(tmp.dir, "bad.zarr"))).toBe(false);
  });

  it("incompatible inputs (a variable with different units)", async () => {
    const cube = await openDataset(CUBE);
    const small = await subset(decodeCF(cube), { variable_names: ["conc_chl"], bbox: [1, 51, 1.5, 51.5] });
    const fs = new FileFileSystem(tmp.dir);
    await writeDataset(small, fs, "units-a.zarr");
    const v = small.data_vars.conc_chl!;
    const other = await subset(decodeCF(cube), {
      variable_names: ["conc_chl"],
      bbox: [1, 51, 1.5, 51.5],
      time_range: ["2017-01-16", "2017-01-16"],
    });
    await writeDataset(
      other.with({ data_vars: { conc_chl: other.data_vars.conc_chl!.with({ attrs: { ...v.attrs, units: "g m^-3" } }) } }),
      fs,
      "units-b.zarr",
    );
    const req = await request("units.yaml", {
      input_configs: ["units-a.zarr", "units-b.zarr"].map((d) => ({ store_id: "file", store_params: { root: tmp.dir }, data_id: d })),
      cube_config: {},
      output_config: { store_id: "file", store_params: { root: tmp.dir }, data_id: "bad.zarr" },
    });
    const r = await cli(["gen", req, "--workers", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/incompatible inputs: variable conc_chl has units/);
    expect(existsSync(join(tmp.dir, "bad.zarr"))).toBe(false);
    await cube.close();
  });

  it("an existing output without replace is refused and left untouched", async () => {
    const req = await request("exists.yaml", base({}, {}, { data_id: "exists.zarr" }));
    expect((await cli(["gen", req, "--workers", "0"])).code).toBe(0);
    const before = readdirSync(join(tmp.dir, "exists.zarr")).sort();
    const r = await cli(["gen", req, "--workers", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exists/);
    expect(r.stderr).toMatch(/field: output_config\/replace/);
    expect(readdirSync(join(tmp.dir, "exists.zarr")).sort()).toEqual(before);
    expect((await cli(["gen", req, "--workers", "0", "--replace"])).code).toBe(0);
  });

  it("writes Zarr v3 when output_config.format_version is 3 (same values as v2, read back by eocube)", async () => {
    const v2 = await request("v2.yaml", base({}, {}, { data_id: "fmt-v2.zarr" }));
    const v3 = await request("v3.yaml", base({}, {}, { data_id: "fmt-v3.zarr", format_version: 3, compressor: "zstd" }));
    expect((await cli(["gen", v2, "--workers", "0"])).code).toBe(0);
    const r = await cli(["gen", v3, "--workers", "0"]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(tmp.dir, "fmt-v3.zarr", "zarr.json"))).toBe(true);
    const a = decodeCF(await openDataset(join(tmp.dir, "fmt-v2.zarr")));
    const b = decodeCF(await openDataset(join(tmp.dir, "fmt-v3.zarr")));
    expect(b.dims).toEqual(a.dims);
    const va = await a.data_vars.analysed_sst!.read();
    const vb = await b.data_vars.analysed_sst!.read();
    expect(Array.from(vb.data as Float32Array)).toEqual(Array.from(va.data as Float32Array));
    expect(Array.from((await b.coords.time!.read()).data as Float64Array)).toEqual(
      Array.from((await a.coords.time!.read()).data as Float64Array),
    );
    await a.close();
    await b.close();
  });

  it("a worker that dies mid-run: WORKER_FAILED, exit 2, no output and no temporary store", async () => {
    const req = await request(
      "die.yaml",
      base({ input_configs: ostiaInputs }, { bbox: [-16, 34, 36, 72], spatial_res: 0.25, tile_size: 52 }, { data_id: "die.zarr" }),
    );
    process.env.EOCUBE_GEN_FAULT = "exit-after:3";
    // this small job would run on the main thread alone: 0 starts the 2 worker threads at once (the fault ends one)
    process.env.EOCUBE_GEN_INLINE_MS = "0";
    try {
      const r = await cli(["gen", req, "--workers", "2", "--json"]);
      expect(r.code, r.stderr).toBe(2);
      const err = JSON.parse(r.stderr.trim().split("\n").at(-1)!).error;
      expect(err.code).toBe("WORKER_FAILED");
    } finally {
      delete process.env.EOCUBE_GEN_FAULT;
      delete process.env.EOCUBE_GEN_INLINE_MS;
    }
    expect(existsSync(join(tmp.dir, "die.zarr"))).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith(".die.zarr"))).toEqual([]);
  });
});
