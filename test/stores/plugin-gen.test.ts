// eocube gen with an input from a plugin store, computed in a worker thread: the thread registers the installed
// plugins itself (found through EOCUBE_STORE_PLUGIN_PATH), so its cube equals the one read from the file store.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeGenRequest } from "../../src/gen/request.js";
import { runGen } from "../../src/gen/run.js";
import { loadStorePlugins, openDataset, unregisterDataStore } from "../../src/stores/index.js";
import { ensureBuilt } from "../helpers/build.js";
import { REPO_ROOT, SHARED_DATA } from "../helpers/paths.js";

const NC = "20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc";
let dir: string;
const saved = process.env.EOCUBE_STORE_PLUGIN_PATH;

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "eocube-plugin-gen-"));
  const nm = join(dir, "node_modules");
  mkdirSync(join(nm, "eocube-store-sst"), { recursive: true });
  symlinkSync(REPO_ROOT.replace(/\/$/, ""), join(nm, "eocube"), "dir");
  writeFileSync(
    join(nm, "eocube-store-sst", "package.json"),
    JSON.stringify({ name: "eocube-store-sst", version: "0.1.0", type: "module" }),
  );
  writeFileSync(
    join(nm, "eocube-store-sst", "index.js"),
    `import { newDataStore } from "eocube";
export const stores = [{
  storeId: "sstplugin", title: "OSTIA files", mutable: false,
  paramsSchema: { type: "object", properties: {}, additionalProperties: false },
  create: () => newDataStore("file", { root: ${JSON.stringify(`${SHARED_DATA}netcdf3`)}, read_only: true }),
}];
`,
  );
  process.env.EOCUBE_STORE_PLUGIN_PATH = nm;
  await loadStorePlugins({ nodeModules: [nm], reload: true });
}, 300_000);
afterAll(() => {
  unregisterDataStore("sstplugin");
  if (saved === undefined) delete process.env.EOCUBE_STORE_PLUGIN_PATH;
  else process.env.EOCUBE_STORE_PLUGIN_PATH = saved;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("eocube gen with a plugin store input", () => {
  it("computes the chunks in a worker thread that loaded the plugin", async () => {
    const cube = { variable_names: ["analysed_sst"], crs: "EPSG:4326", bbox: [0, 40, 10, 50], spatial_res: 0.5, spatial_method: "nearest" };
    const req = (storeId: string, params: object, out: string) =>
      normalizeGenRequest({
        input_configs: [{ store_id: storeId, store_params: params, data_id: NC }],
        cube_config: cube,
        output_config: { store_id: "file", store_params: { root: dir }, data_id: out },
      });
    await runGen(req("file", { root: `${SHARED_DATA}netcdf3` }, "file.zarr"), { workers: 0 });
    await runGen(req("sstplugin", {}, "plugin.zarr"), { workers: 1, inlineMs: 0 }); // in 1 worker thread, however small
    const a = await openDataset(join(dir, "file.zarr"));
    const b = await openDataset(join(dir, "plugin.zarr"));
    try {
      const va = Array.from((await a.data_vars.analysed_sst!.read([])).data as Float32Array, (v) => (Number.isNaN(v) ? "NaN" : v));
      const vb = Array.from((await b.data_vars.analysed_sst!.read([])).data as Float32Array, (v) => (Number.isNaN(v) ? "NaN" : v));
      expect(vb).toEqual(va);
      expect(va.filter((v) => v !== "NaN").length).toBeGreaterThan(100);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
