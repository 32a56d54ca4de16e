// Gen requests: the gen2 schema (clear messages: file, field, fix), xcube's legacy config, relative paths.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import { loadGenRequest, normalizeGenRequest } from "../../src/gen/request.js";
import { DATA } from "../ops/helpers.js";
import { ROOT, tempDir } from "./helpers.js";

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

const base = {
  input_config: { store_id: "file", store_params: { root: `${DATA}zarr` }, data_id: "cube-1-250-250.zarr" },
  cube_config: { crs: "EPSG:4326", bbox: [0, 50, 5, 52.5], spatial_res: 0.01 },
  output_config: { store_id: "file", store_params: { root: "/tmp" }, data_id: "out.zarr" },
};

describe("gen2 requests", () => {
  it("loads the example request with store roots resolved against its folder", async () => {
    const req = await loadGenRequest(join(ROOT, "examples/gen-request.yaml"));
    expect(req.format).toBe("gen2");
    expect(req.inputs).toHaveLength(3);
    expect(req.inputs[0]!.store_params.root).toBe(`${DATA}netcdf3`);
    expect(req.cube.tile_size).toEqual([104, 76]);
    expect(req.output).toMatchObject({ store_id: "file", data_id: "ostia-europe.zarr", replace: true, format_version: 2 });
  });

  it("names the file, the field and a fix for schema errors", async () => {
    const path = join(tmp.dir, "bad.yaml");
    await writeFile(path, "input_config: {data_id: x.zarr}\ncube_config: {spatial_resolution: 0.1}\noutput_config: {data_id: out.zarr}\n");
    const err = await loadGenRequest(path).catch((e) => e);
    expect(isEocubeError(err, "INVALID_CONFIG")).toBe(true);
    expect(err.path).toBe(path);
    expect(err.field).toBe("cube_config/spatial_resolution");
    expect(err.message).toBe(`${path}:2: unknown field "spatial_resolution" in cube_config`);
    expect(err.hint).toMatch(/^did you mean "spatial_res"\? allowed fields: variable_names, crs, bbox, spatial_res, /);
  });

  it("rejects a zero or negative spatial_res, an empty bbox, an output not ending in .zarr", () => {
    const bad = (cube: object, out?: object) => {
      try {
        normalizeGenRequest({ ...base, cube_config: { ...base.cube_config, ...cube }, output_config: { ...base.output_config, ...out } });
      } catch (e) {
        return e as { code: string; field: string; message: string };
      }
      throw new Error("no error");
    };
    expect(bad({ spatial_res: 0 })).toMatchObject({ code: "INVALID_CONFIG", field: "cube_config/spatial_res" });
    expect(bad({ spatial_res: -0.5 })).toMatchObject({ code: "INVALID_CONFIG", field: "cube_config/spatial_res" });
    expect(bad({ bbox: [5, 50, 0, 52] })).toMatchObject({ code: "INVALID_CONFIG", field: "cube_config/bbox" });
    expect(bad({}, { data_id: "out.txt" }).field).toBe("output_config/data_id");
    expect(bad({ time_method: "average" }).message).toMatch(/time_method/);
  });

  it("accepts xcube gen2's opener_id, writer_id, write_params, input variable_names and a memory data_id without .zarr", () => {
    // the fields of xcube's gen2 request schema (xcube/core/gen2/request.py, examples/gen2)
    const x1 = normalizeGenRequest({
      input_config: { ...base.input_config, opener_id: "dataset:zarr:file", open_params: {} },
      cube_config: base.cube_config,
      output_config: { ...base.output_config, writer_id: "dataset:zarr:file", write_params: {}, replace: true },
    });
    expect(x1.inputs[0]).toMatchObject({ store_id: "file", data_id: "cube-1-250-250.zarr" });
    const x4 = normalizeGenRequest({
      input_configs: [
        {
          store_params: { root: `${DATA}zarr` },
          data_id: "cube-1-250-250.zarr",
          variable_names: ["conc_chl"],
          opener_id: "dataset:zarr:file",
        },
      ],
      cube_config: base.cube_config,
      output_config: { store_id: "memory", data_id: "CHL" },
    });
    expect(x4.inputs[0]!.open_params).toEqual({ variable_names: ["conc_chl"] });
    expect(x4.output).toMatchObject({ store_id: "memory", data_id: "CHL" });
  });

  it("refuses unknown or contradicting opener/writer ids and a file data_id without .zarr", () => {
    const bad = (doc: object) => {
      try {
        normalizeGenRequest(doc, { source: "req.yaml" });
      } catch (e) {
        return e as { code: string; field: string; message: string; hint: string; path: string };
      }
      throw new Error("no error");
    };
    const e1 = bad({ ...base, input_config: { ...base.input_config, opener_id: "dataset:hdf9:file" } });
    expect(e1).toMatchObject({ code: "INVALID_CONFIG", field: "input_config/opener_id", path: "req.yaml" });
    expect(e1.hint).toMatch(/dataset:<format>:<store>/);
    expect(bad({ ...base, input_config: { ...base.input_config, opener_id: "dataset:zarr:s3" } }).message).toMatch(/store_id is "file"/);
    expect(bad({ ...base, input_config: { ...base.input_config, opener_id: "dataset:netcdf:file" } }).message).toMatch(/is zarr/);
    expect(bad({ ...base, output_config: { ...base.output_config, writer_id: "dataset:hdf5:file" } })).toMatchObject({
      field: "output_config/writer_id",
    });
    // dataset:netcdf:file writes NetCDF (test/gen/output-format.test.ts), so out.zarr is the wrong name for it
    expect(bad({ ...base, output_config: { ...base.output_config, writer_id: "dataset:netcdf:file" } })).toMatchObject({
      field: "output_config/data_id",
    });
    expect(bad({ ...base, output_config: { ...base.output_config, writer_id: "dataset:zarr:memory" } }).message).toMatch(
      /store_id is "file"/,
    );
    expect(
      bad({ ...base, input_config: { ...base.input_config, variable_names: ["a"], open_params: { variable_names: ["b"] } } }).field,
    ).toBe("input_config/variable_names");
    expect(bad({ ...base, output_config: { ...base.output_config, data_id: "CHL" } })).toMatchObject({ field: "output_config/data_id" });
  });

  it("needs exactly one of input_config / input_configs", () => {
    const { input_config: _ic, ...rest } = base;
    expect(() => normalizeGenRequest(rest)).toThrow(/input_config/);
  });
});

describe("xcube's legacy gen config", () => {
  it("normalises the real OSTIA demo config, inputs from the command line", async () => {
    const req = await loadGenRequest(`${DATA}gen/xcube_sst_demo_config.yml`, {
      inputs: [`${DATA}netcdf3/2017060*.nc`],
      output: join(tmp.dir, "sst.zarr"),
      cwd: ROOT,
    });
    expect(req.format).toBe("legacy");
    expect(req.inputs.map((i) => i.data_id)).toEqual([
      "20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc",
      "20170606120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc",
      "20170607120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc",
    ]);
    expect(req.cube).toMatchObject({
      crs: "EPSG:4326",
      size: [10240, 5632],
      tile_size: [640, 704],
      spatial_method: "nearest",
      variable_names: ["analysed_sst"],
    });
    expect(req.cube.bbox).toEqual([-16.0, 48.0, 10.666666666666666, 62.666666666666664]);
    expect(req.cube.metadata.title).toBe("CMEMS Global SST Anomaly Data Cube");
    expect(req.output.data_id).toBe("sst.zarr");
  });

  it("tells when no inputs are given and for unknown keys", async () => {
    const err = await loadGenRequest(`${DATA}gen/xcube_sst_demo_config.yml`).catch((e) => e);
    expect(err).toMatchObject({ code: "INVALID_CONFIG", field: "input_paths" });
    expect(() => normalizeGenRequest({ output_region: [0, 0, 1, 1], output_size: [1, 1], output_colour: 1 })).toThrow(/output_colour/);
  });
});
