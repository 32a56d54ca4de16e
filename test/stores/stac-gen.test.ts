// eocube gen with a stac store input: the same request once from the three OSTIA files (file store) and once from a
// local STAC API's collection in stack_mode (the items' NetCDF assets served over HTTP) gives the same cube.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeGenRequest } from "../../src/gen/request.js";
import { runGen } from "../../src/gen/run.js";
import { openDataset } from "../../src/stores/index.js";
import { startHttpServer, type TestHttpServer } from "../helpers/http-server.js";
import { SHARED_DATA } from "../helpers/paths.js";
import { type FakeStacApi, startStacApi } from "./stac-api.js";

const NAME = (d: string) => `201706${d}120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`;
let files: TestHttpServer;
let api: FakeStacApi;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eocube-stac-gen-"));
  files = await startHttpServer(SHARED_DATA);
  api = await startStacApi(
    ["05", "06", "07"].map((d) => ({
      id: `sst-201706${d}`,
      collection: "sst",
      bbox: [-180, -90, 180, 90],
      datetime: `2017-06-${d}T12:00:00Z`,
      assets: { sst: { href: `${files.url}/netcdf3/${NAME(d)}`, type: "application/x-netcdf", roles: ["data"] } },
    })),
    [{ id: "sst", title: "GHRSST" }],
  );
}, 60_000);
afterAll(async () => {
  await files?.close();
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cube = {
  variable_names: ["analysed_sst"],
  crs: "EPSG:4326",
  bbox: [0, 40, 10, 50],
  spatial_res: 0.25,
  time_range: ["2017-06-05", "2017-06-07"],
  spatial_method: "nearest",
};

describe("eocube gen from a stac store", () => {
  it("makes the same cube from a STAC collection (stack_mode) as from the files", async () => {
    const fromFiles = normalizeGenRequest({
      input_configs: ["05", "06", "07"].map((d) => ({
        store_id: "file",
        store_params: { root: `${SHARED_DATA}netcdf3` },
        data_id: NAME(d),
      })),
      cube_config: cube,
      output_config: { store_id: "file", store_params: { root: dir }, data_id: "files.zarr" },
    });
    const fromStac = normalizeGenRequest({
      input_configs: [{ store_id: "stac", store_params: { url: api.url, stack_mode: true }, data_id: "sst" }],
      cube_config: cube,
      output_config: { store_id: "file", store_params: { root: dir }, data_id: "stac.zarr" },
    });
    await runGen(fromFiles, { workers: 0 });
    await runGen(fromStac, { workers: 1, inlineMs: 0 }); // the worker thread reopens the stac input itself
    const a = await openDataset(join(dir, "files.zarr"));
    const b = await openDataset(join(dir, "stac.zarr"));
    try {
      expect(b.dims).toEqual(a.dims);
      expect(b.dims.time).toBe(3);
      const va = Array.from((await a.data_vars.analysed_sst!.read([])).data as Float32Array);
      const vb = Array.from((await b.data_vars.analysed_sst!.read([])).data as Float32Array);
      expect(vb.map((v) => (Number.isNaN(v) ? "NaN" : v))).toEqual(va.map((v) => (Number.isNaN(v) ? "NaN" : v)));
      expect(va.filter((v) => !Number.isNaN(v)).length).toBeGreaterThan(1000);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
