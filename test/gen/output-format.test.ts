// eocube gen's output_config.format: the same request written as Zarr, NetCDF4 (read back by xarray) and a Cloud
// Optimized GeoTIFF (read back by GDAL), on a small subset of the real Zarr cube; the GeoTIFF band rule refused up
// front; the format chosen by format, writer_id or the data_id's suffix.
import { execFile } from "node:child_process";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeGenRequest } from "../../src/gen/request.js";
import { runGen } from "../../src/gen/run.js";
import { DATA } from "../ops/helpers.js";
import { cli, tempDir } from "./helpers.js";

const run = promisify(execFile);

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

/** A request on 200 × 100 pixels of the real cube (its own 0.0025° grid) and its 2 time steps of 2017-01-16…25. */
const request = (data_id: string, variables: string[], extra: Record<string, unknown> = {}) => ({
  input_config: { store_id: "file", store_params: { root: `${DATA}zarr` }, data_id: "cube-1-250-250.zarr" },
  cube_config: {
    variable_names: variables,
    crs: "EPSG:4326",
    bbox: [1, 51, 1.5, 51.25],
    spatial_res: 0.0025,
    time_range: ["2017-01-16", "2017-01-25"],
    tile_size: 128,
  },
  output_config: { store_id: "file", store_params: { root: tmp.dir }, data_id, ...extra },
});

async function gen(name: string, doc: object): Promise<{ code: number; stdout: string; stderr: string }> {
  const path = join(tmp.dir, `${name}.json`);
  await writeFile(path, JSON.stringify(doc));
  return cli(["gen", path, "--workers", "0"]);
}

const py = async (code: string, ...args: string[]) =>
  JSON.parse((await run("/usr/bin/python3", ["-c", code, ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout);

describe("gen output_config.format", () => {
  it("writes the same cube as Zarr, NetCDF4 (xarray) and a COG (GDAL)", async () => {
    const vars = ["conc_chl", "conc_tsm"];
    expect((await gen("zarr", request("cube.zarr", vars))).code).toBe(0);
    const nc = await gen("nc", request("cube.nc", vars));
    expect(nc.stderr).toBe("");
    expect(nc.code).toBe(0);
    expect(nc.stdout).toMatch(/^wrote .*cube\.nc \(NetCDF4\): 2 variables/);
    const tif = await gen("tif", request("chl.tif", ["conc_chl"], { writer_id: "dataset:geotiff:file" }));
    expect(tif.code).toBe(0);
    // nothing else left: no temporary Zarr, no temporary file
    expect((await readdir(tmp.dir)).sort()).toEqual(["chl.tif", "cube.nc", "cube.zarr", "nc.json", "tif.json", "zarr.json"]);

    const { xr, gd } = await py(
      `
import sys, json, numpy as np, xarray as xr
from osgeo import gdal
z = xr.open_zarr(sys.argv[1]); n = xr.open_dataset(sys.argv[2])
out = {"dims": {k: int(v) for k, v in n.sizes.items()}, "vars": sorted(n.data_vars)}
for v in ["conc_chl", "conc_tsm"]:
    out[v] = bool(np.array_equal(z[v].values, n[v].values, equal_nan=True))
    out[v + "_valid"] = int(np.isfinite(n[v].values).sum())
for c in ["lat", "lon", "time"]:
    out[c] = bool(np.array_equal(z[c].values, n[c].values))
d = gdal.Open(sys.argv[3])
bands = [d.GetRasterBand(i + 1).ReadAsArray() for i in range(d.RasterCount)]
ref = z["conc_chl"].values
gd = {"gt": list(d.GetGeoTransform()), "size": [d.RasterXSize, d.RasterYSize], "count": d.RasterCount,
  "equal": [bool(np.array_equal(b, ref[i], equal_nan=True)) for i, b in enumerate(bands)],
  "epsg": d.GetSpatialRef().GetAuthorityCode(None), "layout": d.GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE")}
print(json.dumps({"xr": out, "gd": gd}))
`,
      join(tmp.dir, "cube.zarr"),
      join(tmp.dir, "cube.nc"),
      join(tmp.dir, "chl.tif"),
    );
    expect(xr).toMatchObject({ dims: { time: 2, lat: 100, lon: 200 }, conc_chl: true, conc_tsm: true, lat: true, lon: true, time: true });
    expect(xr.vars).toEqual(expect.arrayContaining(vars));
    expect(xr.conc_chl_valid).toBeGreaterThan(1000);
    expect(gd.size).toEqual([200, 100]);
    expect(gd.count).toBe(2);
    expect(gd.equal).toEqual([true, true]);
    expect(gd.epsg).toBe("4326");
    expect(gd.layout).toBe("COG");
    const [x0, dx, r1, y0, r2, dy] = gd.gt as number[];
    expect([x0, r1, y0, r2]).toEqual([1, 0, 51.25, 0]);
    expect(dx).toBeCloseTo(0.0025, 12);
    expect(dy).toBeCloseTo(-0.0025, 12);
  }, 120_000);

  it("refuses a GeoTIFF of several variables × several time steps before any work, exit 2, nothing written", async () => {
    const before = (await readdir(tmp.dir)).sort();
    const r = await gen("bad", request("both.tif", ["conc_chl", "conc_tsm"], { format: "geotiff" }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/output_config\/format geotiff: a GeoTIFF holds one band per variable at one time step/);
    expect(r.stderr).toMatch(/cube_config\.time_range|cube_config\.variable_names/);
    expect((await readdir(tmp.dir)).sort()).toEqual([...before, "bad.json"].sort());
  }, 60_000);

  it("leaves nothing when a NetCDF run is stopped (Ctrl-C's abort), and refuses an existing output", async () => {
    const before = (await readdir(tmp.dir)).sort();
    const abort = new AbortController();
    const req = normalizeGenRequest(request("stopped.nc", ["conc_chl", "conc_tsm"]));
    const err = await runGen(req, { workers: 0, signal: abort.signal, onProgress: () => abort.abort() }).catch((e) => e);
    expect(err).toMatchObject({ code: "CANCELLED" });
    expect(err.message).toMatch(/no change was made to .*stopped\.nc/);
    expect((await readdir(tmp.dir)).sort()).toEqual(before);
    const exists = await runGen(normalizeGenRequest(request("cube.nc", ["conc_chl"])), { workers: 0 }).catch((e) => e);
    expect(exists).toMatchObject({ code: "ALREADY_EXISTS", field: "output_config/replace" });
  }, 60_000);

  it("takes the format from format, writer_id or the data_id's suffix and names the field of a mismatch", () => {
    const fmt = (doc: object) => normalizeGenRequest(doc).output.format ?? "zarr";
    expect(fmt(request("a.zarr", ["conc_chl"]))).toBe("zarr");
    expect(fmt(request("a.nc", ["conc_chl"]))).toBe("netcdf");
    expect(fmt(request("a.tiff", ["conc_chl"]))).toBe("geotiff");
    expect(fmt(request("a.nc", ["conc_chl"], { writer_id: "dataset:netcdf:file" }))).toBe("netcdf");
    expect(fmt(request("a.tif", ["conc_chl"], { format: "geotiff" }))).toBe("geotiff");
    const bad = (doc: object) => {
      try {
        normalizeGenRequest(doc);
      } catch (e) {
        return e as { code: string; field: string; message: string };
      }
      throw new Error("no error");
    };
    expect(bad(request("a.zarr", ["conc_chl"], { format: "netcdf" }))).toMatchObject({
      code: "INVALID_CONFIG",
      field: "output_config/data_id",
    });
    expect(bad(request("a.nc", ["conc_chl"], { format: "netcdf", writer_id: "dataset:geotiff:file" }))).toMatchObject({
      field: "output_config/writer_id",
    });
    expect(bad({ ...request("a.nc", ["conc_chl"]), output_config: { store_id: "memory", data_id: "a.nc" } })).toMatchObject({
      field: "output_config/format",
    });
    expect(bad(request("a.txt", ["conc_chl"])).field).toBe("output_config/data_id");
    // -o decides by its suffix
    expect(normalizeGenRequest(request("a.zarr", ["conc_chl"]), { output: join(tmp.dir, "x.tif") }).output.format).toBe("geotiff");
  });
});
