// eocube reproduce: a cube made by `eocube gen` from the shared OSTIA file, published (gen_request) into a real
// local catalog git repository, re-run and compared (equal; a removed chunk → different, exit 1); deep-code's real
// notebook publication is listed with what a re-run needs (exit 3); a bad id is a user error (exit 2).
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reproduceExperiment } from "../../../src/catalog/osc/reproduce/index.js";
import { eocubeVersion } from "../../../src/core/version.js";
import { cleanupTempDirs, git, initCatalogRepo, tempDir } from "../../helpers/catalog-repo.js";
import { startHttpServer, type TestHttpServer } from "../../helpers/http-server.js";
import { SHARED_DATA } from "../../helpers/paths.js";
import { cli } from "../../gen/helpers.js";

/** deep-code's real publication of a notebook workflow (its output in a copy of the OSC). */
const DEEP_CODE = join(SHARED_DATA, "../fixtures/deep-code/osc-real-output-0601c647");
const KINSHASA = "downscaling-land-surface-temperature-over-kinshasa";
const OSTIA = "20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc";

let dir: string;
let pub: string;
let catalog: string;
let server: TestHttpServer;

/** Publishes `d` + `w` into the catalog and checks its branch out (publish leaves the checkout as it was). */
async function publishAndSwitch(d: string, w: string): Promise<void> {
  const r = await cli(["publish", d, w, "--catalog", catalog]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const branch = /^branch: (\S+)$/m.exec(r.stdout)![1]!;
  git(catalog, "switch", "-q", branch);
}

beforeAll(async () => {
  dir = await tempDir("eocube-reproduce-");
  pub = join(dir, "pub");
  // the request (gen2) reads the shared file by a root relative to the request's folder
  const request = [
    "input_configs:",
    "  - store_id: file",
    `    store_params: {root: ${join(SHARED_DATA, "netcdf3")}}`,
    `    data_id: ${OSTIA}`,
    "cube_config:",
    "  variable_names: [analysed_sst, sst_anomaly]",
    "  crs: EPSG:4326",
    "  bbox: [-10.0, 50.0, 10.0, 60.0]",
    "  spatial_res: 0.25",
    "  tile_size: [40, 20]",
    "  spatial_method: nearest",
    "  metadata: {title: OSTIA SST around the North Sea}",
    "output_config:",
    "  store_id: file",
    "  store_params: {root: pub}",
    "  data_id: ostia-north-sea.zarr",
  ].join("\n");
  await writeFile(join(dir, "gen-request.yaml"), `${request}\n`);
  const g = await cli(["gen", join(dir, "gen-request.yaml"), "-o", join(pub, "ostia-north-sea.zarr"), "--workers", "0"]);
  expect(g.code, g.stderr).toBe(0);
  server = await startHttpServer(pub);

  catalog = await initCatalogRepo();
  // the gen workflow: the cube over HTTP, the request named by gen_request
  const dataset = [
    `dataset_id: ${server.url}/ostia-north-sea.zarr`,
    "collection_id: ostia-north-sea",
    "title: OSTIA SST around the North Sea",
    "description: Analysed SST and its anomaly from OSTIA on a 0.25 degree grid, made by eocube gen.",
    "license_type: CC-BY-4.0",
    "osc_themes: [oceans]",
    "osc_project: eocube-demo",
    "osc_project_title: eocube demo",
    "osc_project_url: https://github.com/xcube-dev/xcube",
    "osc_project_description: Demonstration of publishing data cubes with eocube.",
    "osc_project_technical_officer: {name: Jane Doe, email: jane.doe@example.org}",
    "variables:",
    "  analysed_sst:",
    "    id: sea-surface-temperature-ostia",
    "    description: Analysed sea surface temperature (OSTIA) [K].",
    "    gcmd_keyword_url: https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/Earth%20Science?gtm_keyword=SEA%20SURFACE%20TEMPERATURE&gtm_scheme=Earth%20Science",
    "  sst_anomaly:",
    "    id: sea-surface-temperature-anomaly-ostia",
    "    description: SST anomaly (OSTIA) [K].",
    "    gcmd_keyword_url: https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/Earth%20Science?gtm_keyword=SEA%20SURFACE%20TEMPERATURE&gtm_scheme=Earth%20Science",
  ].join("\n");
  const workflow = [
    "workflow_id: ostia-regrid",
    "properties:",
    "  title: OSTIA regridded with eocube gen",
    "  themes: [oceans]",
    "  license: MIT",
    "gen_request: gen-request.yaml",
  ].join("\n");
  await writeFile(join(dir, "ostia-dataset-config.yaml"), `${dataset}\n`);
  await writeFile(join(dir, "ostia-workflow-config.yaml"), `${workflow}\n`);
  await publishAndSwitch(join(dir, "ostia-dataset-config.yaml"), join(dir, "ostia-workflow-config.yaml"));
}, 30_000);

afterAll(async () => {
  await server?.close();
  await cleanupTempDirs();
});

describe("eocube publish with gen_request", () => {
  it("writes the request (absolute input root) to input.yaml and the versions to environment.yaml", async () => {
    const input = parse(await readFile(join(catalog, "experiments/ostia-regrid/input.yaml"), "utf8"));
    expect(input.workflow).toBe("eocube-gen");
    expect(input.outputs).toEqual([{ product: "ostia-north-sea", source: `${server.url}/ostia-north-sea.zarr` }]);
    expect(input.gen_request.input_configs[0]).toEqual({
      store_id: "file",
      store_params: { root: join(SHARED_DATA, "netcdf3") },
      data_id: OSTIA,
    });
    expect(input.gen_request.cube_config).toMatchObject({ bbox: [-10, 50, 10, 60], spatial_res: [0.25, 0.25], tile_size: [40, 20] });
    const env = parse(await readFile(join(catalog, "experiments/ostia-regrid/environment.yaml"), "utf8"));
    expect(env).toMatchObject({ eocube: eocubeVersion(), node: process.version, platform: `${process.platform}-${process.arch}` });
    expect(Object.keys(env.packages)).toEqual(expect.arrayContaining(["zarrita", "netcdfjs", "proj4"]));
  });

  it("refuses a gen_request that cannot be read, naming the field (exit 2); warns about a gen cube published without one", async () => {
    const wf = (await readFile(join(dir, "ostia-workflow-config.yaml"), "utf8")).replace("gen-request.yaml", "missing.yaml");
    await writeFile(join(dir, "bad-workflow-config.yaml"), wf);
    const d = join(dir, "ostia-dataset-config.yaml");
    const bad = await cli(["publish", d, join(dir, "bad-workflow-config.yaml"), "--catalog", catalog, "--dry-run"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: gen_request missing\.yaml: .*missing\.yaml/);
    expect(bad.stderr).toContain("field: gen_request");
    await writeFile(join(dir, "plain-workflow-config.yaml"), wf.replace(/^gen_request: .*$/m, "experiment_id: ostia-regrid-2"));
    const plain = await cli(["publish", d, join(dir, "plain-workflow-config.yaml"), "--catalog", catalog, "--dry-run"]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("warning: the cube was made by eocube gen from ");
    expect(plain.stdout).toContain("set gen_request: <path of that request> in the workflow config");
  });
});

describe("eocube reproduce", () => {
  it("re-creates the published gen product: same grid, equal values (exit 0)", async () => {
    const r = await cli(["reproduce", "ostia-regrid", "--catalog", catalog, "--workers", "0"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("workflow:   eocube-gen");
    expect(r.stdout).toContain("grid:       same (lat=40, bnds=2, lon=80, time=1; CRS EPSG:4326)");
    expect(r.stdout).toMatch(/analysed_sst: equal {5}max abs diff 0, 0 of 3200 cells differ/);
    expect(r.stdout).toContain("result: the published cube is reproduced");
  });

  it("reports the difference when a chunk of the published cube is gone (exit 1)", async () => {
    await rm(join(pub, "ostia-north-sea.zarr/analysed_sst/0.0.0"));
    const record = join(catalog, "experiments/ostia-regrid/record.json");
    const r = await cli(["reproduce", record, "--workers", "0", "--json"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.comparison.equal).toBe(false);
    expect(out.comparison.grid.equal).toBe(true);
    const sst = out.comparison.variables.find((v: { name: string }) => v.name === "analysed_sst");
    // the removed chunk (20 × 40 cells) reads as fill values: every sea cell there is a NaN mismatch
    expect(sst.status).toBe("different");
    expect(sst.nanMismatch).toBeGreaterThan(0);
    expect(sst.differing).toBe(sst.nanMismatch);
    expect(sst.differing).toBeLessThanOrEqual(800);
    expect(out.comparison.variables.find((v: { name: string }) => v.name === "sst_anomaly").status).toBe("equal");
    const text = await cli(["reproduce", record, "--workers", "0"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/analysed_sst: DIFFERENT max abs diff \S+, \d+ of 3200 cells differ/);
    expect(text.stdout).toContain("result: the published cube is NOT reproduced");
  });

  it("lists what a notebook workflow needs to re-run (exit 3): deep-code's real publication", async () => {
    const r = await cli(["reproduce", join(DEEP_CODE, "experiments", KINSHASA, "record.json")]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("workflow:   jupyter-notebook");
    expect(r.stdout).toContain("  - the notebook https://github.com/bcdev/earthcode-workflows/tree/main/momo-nbs\n");
    expect(r.stdout).toContain("  - a Jupyter Python kernel (no environment.yaml)\n");
    expect(r.stdout).toContain("  application-originating-platform: https://deep.earthsystemdatalab.net/  (DeepESDL platform)\n");
    // deep-code links input.yaml and environment.yaml without writing them
    expect(r.stderr).toMatch(/^warning: \S+\/input\.yaml is linked by the experiment record but does not exist$/m);
  });

  it("refuses an unknown experiment with the ids there (exit 2)", async () => {
    const r = await cli(["reproduce", "ostia-regird", "--catalog", catalog]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: experiment ostia-regird does not exist in /);
    expect(r.stderr).toContain("experiments here (1): ostia-regrid");
    expect(r.stderr).not.toContain("    at ");
    const bad = await cli(["reproduce", "../x y", "--catalog", catalog]);
    expect(bad.code).toBe(2);
  });

  it("reads an experiment by URL (the library function)", async () => {
    const web = await startHttpServer(DEEP_CODE);
    try {
      const r = await reproduceExperiment(`${web.url}/experiments/${KINSHASA}/record.json`);
      expect(r.workflow).toBe("jupyter-notebook");
      expect(r.warnings).toEqual([
        `${web.url}/experiments/${KINSHASA}/input.yaml is linked by the experiment record but does not exist`,
        `${web.url}/experiments/${KINSHASA}/environment.yaml is linked by the experiment record but does not exist`,
      ]);
      expect(r.needs?.links).toContainEqual(expect.objectContaining({ rel: "application", type: "application/x-ipynb+json" }));
    } finally {
      await web.close();
    }
  });
});
