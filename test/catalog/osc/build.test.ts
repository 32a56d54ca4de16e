// buildPublication on real data (the Zarr cube, an OSTIA NetCDF3 file, the UTM GeoTIFF) into a fresh
// `catalog init` catalog and into a copy of the real OSC sample; every applied plan is checked with
// validateCatalog. Reference extents: test/fixtures/osc/bbox-reference.json, made once by
// test/fixtures/osc/make-bbox-reference.py (GDAL gdalinfo/OSR and xarray).
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { buildPublication } from "../../../src/catalog/osc/build/index.js";
import { loadDatasetConfig, loadWorkflowConfig, parseDatasetConfig, parseWorkflowConfig } from "../../../src/catalog/osc/config.js";
import type { PublicationPlan } from "../../../src/catalog/osc/plan.js";
import { validateCatalog } from "../../../src/catalog/osc/validate/index.js";
import { isEocubeError } from "../../../src/core/errors.js";
import { applyPlan, ciErrors, freshCatalog as freshCatalogAt, type Json, readJson, sampleCopy as sampleCopyOf } from "./catalogs.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const SHARED = fileURLToPath(new URL("../../../../shared/", import.meta.url));
const DATA = join(SHARED, "data");
const SAMPLE = join(SHARED, "fixtures/osc-catalog-sample");
const ZARR = join(DATA, "zarr/cube-1-250-250.zarr");
const OSTIA = join(DATA, "netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc");
const UTM = join(DATA, "geotiff/RGB.byte.tif");
const NOW = new Date("2026-11-22T10:00:00Z");
const NOW_ISO = "2026-11-22T10:00:00Z";

/** The text with its (first) `updated` value set to NOW, as a publication bumps it in the files it patches. */
function bumpUpdated(text: string): string {
  return text.replace(/("updated":\s*)"[^"]*"/, `$1"${NOW_ISO}"`);
}

let reference: Json;

beforeAll(async () => {
  reference = JSON.parse(await readFile(join(REPO, "test/fixtures/osc/bbox-reference.json"), "utf8"));
});

const freshCatalog = () => freshCatalogAt(NOW, "eocube-build-");
const sampleCopy = () => sampleCopyOf("eocube-build-sample-");
const apply = applyPlan;
const json = readJson;

function byRel(doc: Json, rel: string): Json[] {
  return (doc.links as Json[]).filter((l) => l.rel === rel);
}

async function expectError(
  p: Promise<unknown>,
  code: string,
  field?: string,
): Promise<{ message: string; field?: string; path?: string; hint?: string }> {
  try {
    await p;
  } catch (err) {
    if (!isEocubeError(err)) throw err;
    expect(err.code).toBe(code);
    if (field !== undefined) expect(err.field).toBe(field);
    return err;
  }
  throw new Error("expected an error");
}

/** The original text reappears in the patched one with one block inserted: only additions, nothing rewritten. */
function expectPureInsertion(before: string, after: string): void {
  const a = before.split("\n");
  const b = after.split("\n");
  let top = 0;
  while (top < a.length && a[top] === b[top]) top++;
  let bottom = 0;
  while (bottom < a.length - top && a[a.length - 1 - bottom] === b[b.length - 1 - bottom]) bottom++;
  const removed = a.slice(top, a.length - bottom);
  expect(removed.length).toBeLessThanOrEqual(1); // at most the last element's "}" gains a comma
  if (removed.length === 1) expect(b[top]).toBe(`${removed[0]},`);
  expect(after.endsWith("\n")).toBe(before.endsWith("\n"));
}

describe("buildPublication: the Zarr cube into a fresh `catalog init` catalog (the examples)", () => {
  let dir: string;
  let plan: PublicationPlan;

  beforeAll(async () => {
    dir = await freshCatalog();
    const dc = await loadDatasetConfig(join(REPO, "examples/dataset-config.yaml"));
    const wc = await loadWorkflowConfig(join(REPO, "examples/workflow-config.yaml"));
    // the example names the cube relative to the repository root
    dc.data_source = [ZARR];
    plan = await buildPublication(dc, wc, dir, { mode: "all", now: NOW });
    await apply(dir, plan);
  });

  it("plans every entity and reverse link", () => {
    expect(plan.collectionId).toBe("xcube-demo-olci-north-sea");
    expect(plan.workflowId).toBe("xcube-demo-olci-rectification");
    expect(plan.files.map((f) => `${f.action} ${f.path}`)).toEqual([
      "update eo-missions/catalog.json",
      "create eo-missions/sentinel-3/catalog.json",
      "update experiments/catalog.json",
      "create experiments/xcube-demo-olci-rectification/environment.yaml",
      "create experiments/xcube-demo-olci-rectification/input.yaml",
      "create experiments/xcube-demo-olci-rectification/record.json",
      "update products/catalog.json",
      "create products/xcube-demo-olci-north-sea/collection.json",
      "update projects/catalog.json",
      "create projects/eocube-demo/collection.json",
      "update themes/oceans/catalog.json",
      "create variables/attenuation-transmission/catalog.json",
      "create variables/c2rcc-flags/catalog.json",
      "update variables/catalog.json",
      "create variables/chlorophyll-a/catalog.json",
      "create variables/olci-quality-flags/catalog.json",
      "create variables/suspended-solids/catalog.json",
      "update workflows/catalog.json",
      "create workflows/xcube-demo-olci-rectification/record.json",
    ]);
    for (const f of plan.files) if (f.path.endsWith(".json")) expect(f.content.endsWith("}\n")).toBe(true);
  });

  it("passes the OSC validator", async () => {
    expect(await ciErrors(dir)).toEqual([]);
  });

  it("has the bbox of the pixel edges and the time range of the CF time bounds (xarray reference)", async () => {
    const p = await json(dir, "products/xcube-demo-olci-north-sea/collection.json");
    const ref = reference["zarr/cube-1-250-250.zarr"];
    const half = 0.00125; // half a pixel of the 0.0025° grid
    expect(p.extent.spatial.bbox[0]).toEqual(
      [ref.lon_centres[0] - half, ref.lat_centres[0] - half, ref.lon_centres[1] + half, ref.lat_centres[1] + half].map((v) =>
        Number(v.toFixed(10)),
      ),
    );
    const [start, end] = p.extent.temporal.interval[0];
    expect(start).toMatch(/Z$/);
    expect(Math.abs(Date.parse(start) - Date.parse(ref.bounds_min))).toBeLessThanOrEqual(1);
    expect(Math.abs(Date.parse(end) - Date.parse(ref.bounds_max))).toBeLessThanOrEqual(1);
  });

  it("follows the sample's product fields and link rules", async () => {
    const p = await json(dir, "products/xcube-demo-olci-north-sea/collection.json");
    expect(Object.keys(p)).toEqual([
      "type",
      "id",
      "stac_version",
      "description",
      "links",
      "stac_extensions",
      "osc:project",
      "osc:type",
      "osc:status",
      "osc:region",
      "osc:variables",
      "osc:missions",
      "osc:experiment",
      "cf:parameter",
      "created",
      "updated",
      "themes",
      "title",
      "extent",
      "license",
      "keywords",
    ]);
    expect(p["osc:variables"]).toEqual([
      "c2rcc-flags",
      "chlorophyll-a",
      "suspended-solids",
      "attenuation-transmission",
      "olci-quality-flags",
    ]);
    expect(p["osc:missions"]).toEqual(["sentinel-3"]);
    expect(p["cf:parameter"]).toContainEqual({ name: "conc_chl", unit: "mg m^-3" });
    const rels = (p.links as Json[]).map((l) => `${l.rel}:${l.title ?? ""}`);
    expect(rels.slice(0, 4)).toEqual([
      "root:Open Science Catalog",
      "parent:Products",
      "related:Project: eocube demo",
      "related:Theme: Oceans",
    ]);
    expect(rels).toContain("related:EO Mission: Sentinel-3");
    expect(rels).toContain("related:Variable: Chlorophyll-a");
    expect(rels).toContain("related:Experiment: Rectification of Sentinel-3 OLCI Level-2 data with xcube");
    expect(rels.at(-1)).toBe("self:");
  });

  it("is free of the defects maintainers fixed by hand in deep-code's output (provenance.json)", async () => {
    const provenance = JSON.parse(await readFile(join(SHARED, "fixtures/deep-code/provenance.json"), "utf8"));
    expect(provenance["osc-real-output-0601c647"].known_defects_visible).toHaveLength(6);
    const p = await json(dir, "products/xcube-demo-olci-north-sea/collection.json");
    // 1. bbox in WGS84 degrees, not projected metres
    const [w, s, e, n] = p.extent.spatial.bbox[0];
    expect(w >= -180 && e <= 180 && s >= -90 && n <= 90 && w < e && s < n).toBe(true);
    // 2. no redundant via link to s3://
    expect(byRel(p, "via").every((l) => !String(l.href).startsWith("s3://"))).toBe(true);
    // 3. variable descriptions are real descriptions, not title-cased ids
    for (const id of p["osc:variables"]) {
      const v = await json(dir, `variables/${id}/catalog.json`);
      const titleCased = id
        .split("-")
        .map((x: string) => x[0]!.toUpperCase() + x.slice(1))
        .join(" ");
      expect(v.description).not.toBe(titleCased);
      expect(v.description.length).toBeGreaterThan(20);
      expect(byRel(v, "via")[0]!.href).toMatch(/^https:\/\/gcmd\.earthdata\.nasa\.gov\/KeywordViewer\//);
    }
    // 4. the experiment's input.yaml and environment.yaml are written
    const exp = await json(dir, "experiments/xcube-demo-olci-rectification/record.json");
    for (const rel of ["input", "environment"]) {
      const link = byRel(exp, rel)[0]!;
      const text = await readFile(join(dir, "experiments/xcube-demo-olci-rectification", link.href), "utf8");
      expect(text.length).toBeGreaterThan(20);
    }
    expect(await readFile(join(dir, "experiments/xcube-demo-olci-rectification/input.yaml"), "utf8")).toContain("spatial_res: 0.0025");
    // 5. the workflow links its experiment; application fields are scalars
    const wf = await json(dir, "workflows/xcube-demo-olci-rectification/record.json");
    expect(byRel(wf, "child").map((l) => l.href)).toEqual(["../../experiments/xcube-demo-olci-rectification/record.json"]);
    expect(Array.isArray(wf.properties["application:container"])).toBe(false);
    expect(Array.isArray(wf.properties["application:language"])).toBe(false);
    // 6. the notebook link has the notebook media type and names the .ipynb file (no GitHub tree URL)
    const nb = (wf.links as Json[]).filter((l) => l["application:type"] === "jupyter-notebook");
    expect(nb).toHaveLength(1);
    expect(nb[0]!.type).toBe("application/x-ipynb+json");
    expect(nb[0]!.href).toMatch(/\/blob\/.*\.ipynb$/);
    // deep-code's jupyter:kernel on the notebook link, from jupyter_kernel_info (python_version kept as given)
    expect(nb[0]!["jupyter:kernel"]).toEqual({
      name: "xcube",
      pythonVersion: "3.12",
      envFile: "https://github.com/xcube-dev/xcube/blob/main/environment.yml",
    });
    expect((wf.links as Json[]).some((l) => l.type === "application/json" && /github\.com\/.*\/tree\//.test(l.href))).toBe(false);
  });

  it("links everything back: sub-catalogs, theme, variables, mission, project, workflow ↔ experiment", async () => {
    const child = (doc: Json) => (doc.links as Json[]).filter((l) => l.rel === "child").map((l) => l.href);
    expect(child(await json(dir, "products/catalog.json"))).toContain("./xcube-demo-olci-north-sea/collection.json");
    expect(child(await json(dir, "themes/oceans/catalog.json"))).toContain("../../products/xcube-demo-olci-north-sea/collection.json");
    expect(child(await json(dir, "variables/chlorophyll-a/catalog.json"))).toEqual([
      "../../products/xcube-demo-olci-north-sea/collection.json",
    ]);
    expect(child(await json(dir, "eo-missions/sentinel-3/catalog.json"))).toEqual([
      "../../products/xcube-demo-olci-north-sea/collection.json",
    ]);
    const project = await json(dir, "projects/eocube-demo/collection.json");
    expect(child(project)).toEqual(["../../products/xcube-demo-olci-north-sea/collection.json"]);
    expect(byRel(project, "related").map((l) => l.title)).toContain("Workflow: Rectification of Sentinel-3 OLCI Level-2 data with xcube");
    expect(project.contacts[0]).toEqual({ name: "Jane Doe", roles: ["technical_officer"], emails: [{ value: "jane.doe@example.org" }] });
    const items = (doc: Json) => byRel(doc, "item").map((l) => l.href);
    expect(items(await json(dir, "workflows/catalog.json"))).toEqual(["./xcube-demo-olci-rectification/record.json"]);
    expect(items(await json(dir, "experiments/catalog.json"))).toEqual(["./xcube-demo-olci-rectification/record.json"]);
    const exp = await json(dir, "experiments/xcube-demo-olci-rectification/record.json");
    expect(byRel(exp, "related").map((l) => l.title)).toContain("Workflow: Rectification of Sentinel-3 OLCI Level-2 data with xcube");
    expect(byRel(exp, "child").map((l) => l.href)).toEqual(["../../products/xcube-demo-olci-north-sea/collection.json"]);
  });

  it("is a no-op when the same configs are published again", async () => {
    const dc = await loadDatasetConfig(join(REPO, "examples/dataset-config.yaml"));
    const wc = await loadWorkflowConfig(join(REPO, "examples/workflow-config.yaml"));
    dc.data_source = [ZARR];
    const again = await buildPublication(dc, wc, dir, { mode: "all", now: new Date("2027-01-01T00:00:00Z") });
    expect(again.files).toEqual([]);
  });

  it("commits into the catalog's git repository as a clean change set", async () => {
    execFileSync("git", ["add", "--all"], { cwd: dir });
    const staged = execFileSync("git", ["diff", "--cached", "--name-only"], { cwd: dir, encoding: "utf8" }).trim().split("\n").sort();
    expect(staged).toEqual(plan.files.map((f) => f.path).sort());
  });
});

describe("buildPublication: the OSTIA NetCDF3 file into a copy of the real OSC sample", () => {
  let dir: string;
  let plan: PublicationPlan;
  const config = `
dataset_id: ${OSTIA}
collection_id: ostia-sst-anomaly-20170605
license_type: CC-BY-4.0
osc_themes: [oceans, atmosphere]
osc_project: esa-science-hub-blanka-piskala
osc_missions: [jason-3, in-situ-observations]
access_link: https://github.com/xcube-dev/xcube/tree/main/examples/gen/data
variables:
  analysed_sst:
    id: ocean-heat-budget
  sst_anomaly:
    id: sea-ice
`;

  beforeAll(async () => {
    dir = await sampleCopy();
    plan = await buildPublication(parseDatasetConfig(config, "ostia.yaml"), undefined, dir, { mode: "dataset", now: NOW });
    await apply(dir, plan);
  });

  it("reads the 0–360 grid as −180…180 and the day the file covers (time_coverage_start/end), not the instant of its one step", async () => {
    const p = await json(dir, "products/ostia-sst-anomaly-20170605/collection.json");
    expect(p.extent.spatial.bbox).toEqual([[-180, -90, 180, 90]]);
    const ref = reference["netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc"];
    // the file's time_coverage_start/end: 20170605T000000Z, 20170606T000000Z; its one time step lies inside
    expect(p.extent.temporal.interval).toEqual([["2017-06-05T00:00:00Z", "2017-06-06T00:00:00Z"]]);
    expect(ref.time_min).toBe(ref.time_max);
    expect(Date.parse(ref.time_min)).toBeGreaterThan(Date.parse("2017-06-05T00:00:00Z"));
    expect(Date.parse(ref.time_min)).toBeLessThan(Date.parse("2017-06-06T00:00:00Z"));
    expect(plan.warnings.some((w) => w.includes("single instant"))).toBe(false);
    expect(p.title).toBe("Global SST & Sea Ice Anomaly, L4 OSTIA, 0.25 deg daily (METOFFICE-GLO-SST-L4-NRT-OBS-ANOM-V2)");
    expect(p["osc:variables"]).toEqual(["sea-ice", "ocean-heat-budget"]);
  });

  it("patches existing variables, themes, missions and the project without rewriting them", async () => {
    const patched = plan.files.filter((f) => f.action === "update").map((f) => f.path);
    expect(patched).toEqual([
      "eo-missions/in-situ-observations/catalog.json",
      "eo-missions/jason-3/catalog.json",
      "products/catalog.json",
      "projects/esa-science-hub-blanka-piskala/collection.json",
      "themes/atmosphere/catalog.json",
      "themes/oceans/catalog.json",
      "variables/ocean-heat-budget/catalog.json",
      "variables/sea-ice/catalog.json",
    ]);
    for (const f of plan.files.filter((x) => x.action === "update")) {
      const before = await readFile(join(SAMPLE, f.path), "utf8");
      expect(f.previous).toBe(before);
      // every patched file gets `updated` bumped in place; the rest is a pure insertion
      expect(JSON.parse(f.content).updated).toBe(NOW_ISO);
      expectPureInsertion(bumpUpdated(before), f.content);
      expect(Object.keys(JSON.parse(f.content))).toEqual(Object.keys(JSON.parse(before)));
    }
    // sea-ice has no trailing newline in the real catalog, and keeps it that way
    const seaIce = plan.files.find((f) => f.path === "variables/sea-ice/catalog.json")!;
    expect(seaIce.content.endsWith("}")).toBe(true);
    const project = await json(dir, "projects/esa-science-hub-blanka-piskala/collection.json");
    expect(project.created).toBe("2026-03-25T15:35:05.257557Z");
    expect(byRel(project, "child").map((l) => l.title)).toContain(
      "Global SST & Sea Ice Anomaly, L4 OSTIA, 0.25 deg daily (METOFFICE-GLO-SST-L4-NRT-OBS-ANOM-V2)",
    );
  });

  it("passes the OSC validator", async () => {
    expect(await ciErrors(dir)).toEqual([]);
  });

  it("keeps key order and `created` of its own product when republished with changes", async () => {
    const changed = `${config}description: A new description.\n`;
    const later = new Date("2027-02-03T04:05:06Z");
    const again = await buildPublication(parseDatasetConfig(changed, "ostia.yaml"), undefined, dir, { mode: "dataset", now: later });
    expect(again.files.map((f) => `${f.action} ${f.path}`)).toEqual(["update products/ostia-sst-anomaly-20170605/collection.json"]);
    const before = JSON.parse(again.files[0]!.previous!);
    const after = JSON.parse(again.files[0]!.content);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(after.created).toBe(before.created);
    expect(after.updated).toBe("2027-02-03T04:05:06Z");
    expect(after.description).toBe("A new description.");
  });

  it("renames the child links to its product when republished with a new title (only the title strings change)", async () => {
    const renamed = `${config}title: OSTIA SST anomaly, 5 June 2017\n`;
    const again = await buildPublication(parseDatasetConfig(renamed, "ostia.yaml"), undefined, dir, { mode: "dataset", now: NOW });
    expect(again.files.map((f) => f.path)).toEqual([
      "eo-missions/in-situ-observations/catalog.json",
      "eo-missions/jason-3/catalog.json",
      "products/catalog.json",
      "products/ostia-sst-anomaly-20170605/collection.json",
      "projects/esa-science-hub-blanka-piskala/collection.json",
      "themes/atmosphere/catalog.json",
      "themes/oceans/catalog.json",
      "variables/ocean-heat-budget/catalog.json",
      "variables/sea-ice/catalog.json",
    ]);
    const old = "Global SST & Sea Ice Anomaly, L4 OSTIA, 0.25 deg daily (METOFFICE-GLO-SST-L4-NRT-OBS-ANOM-V2)";
    for (const f of again.files.filter((x) => !x.path.startsWith("products/ostia"))) {
      // the same text with the one title replaced: key order, formatting and the other links untouched
      expect(f.content).toBe(f.previous!.replace(JSON.stringify(old), JSON.stringify("OSTIA SST anomaly, 5 June 2017")));
    }
    await apply(dir, again);
    expect(await ciErrors(dir)).toEqual([]);
  });
});

describe("buildPublication: the UTM GeoTIFF (projected grid, no time coordinate)", () => {
  const base = `
dataset_id: ${UTM}
collection_id: bahamas-landsat-rgb
license_type: CC0-1.0
osc_themes: [land]
osc_project: eocube-demo
osc_project_title: eocube demo
osc_project_url: https://example.org/eocube
osc_project_technical_officer: {name: Jane Doe, email: jane.doe@example.org}
description: Landsat 7 ETM+ RGB scene over the Bahamas (rasterio test data).
access_link: https://github.com/rasterio/rasterio/tree/main/tests/data
`;
  const withVar =
    base +
    "variables:\n  band_data:\n    description: Landsat 7 ETM+ RGB digital numbers\n    gcmd_keyword_url: https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/all/x\n";

  it("needs a time_range, naming the field", async () => {
    const dir = await freshCatalog();
    const e = await expectError(
      buildPublication(parseDatasetConfig(withVar, "utm.yaml"), undefined, dir, { mode: "dataset", now: NOW }),
      "INVALID_CONFIG",
      "time_range",
    );
    expect(e.message).toContain("has no time coordinate");
  });

  it("names the variable that lacks a GCMD keyword URL", async () => {
    const dir = await freshCatalog();
    const e = await expectError(
      buildPublication(parseDatasetConfig(`${base}time_range: ['1999-01-01', null]\n`, "utm.yaml"), undefined, dir, {
        mode: "dataset",
        now: NOW,
      }),
      "INVALID_CONFIG",
      "variables.band_data.gcmd_keyword_url",
    );
    expect(e.message).toContain("band_data");
  });

  it("asks for the GCMD keyword URL only when given a prompt", async () => {
    const dir = await freshCatalog();
    const asked: string[] = [];
    const noUrl = `${base}time_range: ['1999-01-01', null]\nvariables:\n  band_data: {description: Landsat 7 ETM+ RGB digital numbers}\n`;
    const plan = await buildPublication(parseDatasetConfig(noUrl, "utm.yaml"), undefined, dir, {
      mode: "dataset",
      now: NOW,
      prompt: async (q) => {
        asked.push(q);
        return "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/all/typed";
      },
    });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain("band_data");
    const v = JSON.parse(plan.files.find((f) => f.path === "variables/band-data/catalog.json")!.content);
    expect(byRel(v, "via")[0]!.href).toBe("https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/all/typed");
  });

  it("asks again, with the reason, when the interactive answer is not a web URL (bounded)", async () => {
    const noUrl = `${base}time_range: ['1999-01-01', null]\nvariables:\n  band_data: {description: Landsat 7 ETM+ RGB digital numbers}\n`;
    const answers = ["sea ice", "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/all/typed"];
    const asked: string[] = [];
    const opts = (answer: () => string) => ({
      mode: "dataset" as const,
      now: NOW,
      prompt: async (q: string) => {
        asked.push(q);
        return answer();
      },
    });
    const plan = await buildPublication(
      parseDatasetConfig(noUrl, "utm.yaml"),
      undefined,
      await freshCatalog(),
      opts(() => answers.shift()!),
    );
    expect(asked).toHaveLength(2);
    expect(asked[1]).toBe(
      '"sea ice" is not a web URL (https://…); GCMD keyword URL for variable band_data (https://gcmd.earthdata.nasa.gov/KeywordViewer/…): ',
    );
    const v = JSON.parse(plan.files.find((f) => f.path === "variables/band-data/catalog.json")!.content);
    expect(byRel(v, "via")[0]!.href).toBe("https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/all/typed");
    // three wrong answers: give up, and the error names the field
    asked.length = 0;
    await expectError(
      buildPublication(
        parseDatasetConfig(noUrl, "utm.yaml"),
        undefined,
        await freshCatalog(),
        opts(() => "ftp://x/y"),
      ),
      "INVALID_CONFIG",
      "variables.band_data.gcmd_keyword_url",
    );
    expect(asked).toHaveLength(3);
  });

  it("refuses a gcmd_keyword_url that is not a web URL, and warns when it is not a GCMD keyword viewer page", async () => {
    const cfg = (url: string) =>
      base +
      `time_range: ['1999-01-01', null]\nvariables:\n  band_data: {description: Landsat 7 ETM+ RGB digital numbers, gcmd_keyword_url: "${url}"}\n`;
    const e = await expectError(
      buildPublication(parseDatasetConfig(cfg("mailto:someone@example.org"), "utm.yaml"), undefined, await freshCatalog(), {
        mode: "dataset",
        now: NOW,
      }),
      "INVALID_CONFIG",
      "variables.band_data.gcmd_keyword_url",
    );
    expect(e.message).toBe('variables.band_data.gcmd_keyword_url: "mailto:someone@example.org" is not a web URL (https://…)');
    expect(e.hint).toMatch(/GCMD keyword viewer \(https:\/\/gcmd\.earthdata\.nasa\.gov\/KeywordViewer\/…\)/);
    for (const url of [
      "https://example.org/sea-ice",
      "http://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/x",
      "https://gcmd.earthdata.nasa.gov/KeywordViewer/",
      "https://gcmd.earthdata.nasa.gov/static/kms/x",
    ]) {
      const plan = await buildPublication(parseDatasetConfig(cfg(url), "utm.yaml"), undefined, await freshCatalog(), {
        mode: "dataset",
        now: NOW,
      });
      expect(plan.warnings, url).toContain(
        `variables.band_data.gcmd_keyword_url: ${url} is not a GCMD keyword viewer page (https://gcmd.earthdata.nasa.gov/KeywordViewer/…); the OSC expects the variable's GCMD science keyword page`,
      );
    }
    const ok = await buildPublication(
      parseDatasetConfig(cfg("https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/Earth%20Science/abc?gtm_scheme=x"), "utm.yaml"),
      undefined,
      await freshCatalog(),
      { mode: "dataset", now: NOW },
    );
    expect(ok.warnings.filter((w) => /gcmd_keyword_url/.test(w))).toEqual([]);
  });

  it("reprojects the densified pixel edges to WGS84 (GDAL reference) and validates", async () => {
    const dir = await freshCatalog();
    const plan = await buildPublication(
      parseDatasetConfig(`${withVar}time_range: ['1999-01-01', '2000-12-31T23:59:59Z']\n`, "utm.yaml"),
      undefined,
      dir,
      {
        mode: "dataset",
        now: NOW,
      },
    );
    await apply(dir, plan);
    const p = await json(dir, "products/bahamas-landsat-rgb/collection.json");
    const [w, s, e, n] = p.extent.spatial.bbox[0];
    const ref = reference["geotiff/RGB.byte.tif"];
    ref.densified_edges_bbox.forEach((v: number, i: number) => {
      expect([w, s, e, n][i]).toBeCloseTo(v, 6);
    });
    ref.gdalinfo_wgs84Extent_bbox.forEach((v: number, i: number) => {
      expect(Math.abs([w, s, e, n][i] - v)).toBeLessThan(1e-3);
    });
    expect(p.extent.temporal.interval).toEqual([["1999-01-01T00:00:00Z", "2000-12-31T23:59:59Z"]]);
    expect(await ciErrors(dir)).toEqual([]);
  });
});

describe("buildPublication: workflow-only mode after a dataset-only publication", () => {
  it("writes the workflow only (no experiment outside mode all, as deep-code) and lists it in the project's osc:workflows", async () => {
    const dir = await freshCatalog();
    const dc = await loadDatasetConfig(join(REPO, "examples/dataset-config.yaml"));
    dc.data_source = ZARR;
    await apply(dir, await buildPublication(dc, undefined, dir, { mode: "dataset", now: NOW }));
    expect((await json(dir, "projects/eocube-demo/collection.json"))["osc:workflows"]).toBeUndefined();
    const wc = await loadWorkflowConfig(join(REPO, "examples/workflow-config.yaml"));
    const plan = await buildPublication(dc, wc, dir, { mode: "workflow", now: NOW });
    expect(plan.files.map((f) => `${f.action} ${f.path}`)).toEqual([
      "update projects/eocube-demo/collection.json",
      "update workflows/catalog.json",
      "create workflows/xcube-demo-olci-rectification/record.json",
    ]);
    await apply(dir, plan);
    expect(await ciErrors(dir)).toEqual([]);
    // the project had no osc:workflows: it gets one
    expect((await json(dir, "projects/eocube-demo/collection.json"))["osc:workflows"]).toEqual(["xcube-demo-olci-rectification"]);
    expect(byRel(await json(dir, "workflows/xcube-demo-olci-rectification/record.json"), "child")).toEqual([]);
    expect((await buildPublication(dc, wc, dir, { mode: "workflow", now: new Date("2027-01-01T00:00:00Z") })).files).toEqual([]);
    // without the dataset config the project must already exist, and the themes come from the workflow
    const alone = await buildPublication(undefined, { ...wc, osc_project: "eocube-demo" }, dir, { mode: "workflow", now: NOW });
    expect(alone.files).toEqual([]);
    await expectError(
      buildPublication(undefined, { ...wc, osc_project: "no-such-project" }, dir, { mode: "workflow" }),
      "INVALID_CONFIG",
      "osc_project",
    );
  });

  it("renames every link to the workflow when its title changes (related titles keep their prefix), its experiments' included", async () => {
    const dir = await freshCatalog();
    const dc = await loadDatasetConfig(join(REPO, "examples/dataset-config.yaml"));
    dc.data_source = ZARR;
    const wc = await loadWorkflowConfig(join(REPO, "examples/workflow-config.yaml"));
    await apply(dir, await buildPublication(dc, wc, dir, { mode: "all", now: NOW }));
    const old = wc.properties.title;
    const notebook = "https://github.com/xcube-dev/xcube/blob/main/examples/notebooks/rectify_sen3_olci_v2.ipynb";
    const contact = [
      {
        name: "A. Scientist",
        organization: "Org",
        position: "Researcher",
        links: [{ rel: "about", type: "text/html", href: "https://org.example" }],
      },
    ];
    const renamed = {
      ...wc,
      contact,
      jupyter_notebook_url: notebook,
      properties: { ...wc.properties, title: "OLCI rectification, renamed" },
    };
    const plan = await buildPublication(dc, renamed, dir, { mode: "workflow", now: NOW });
    await apply(dir, plan);
    expect(await ciErrors(dir)).toEqual([]);
    const titles = async (path: string) => ((await json(dir, path)).links as Json[]).map((l) => l.title as string);
    // links to the workflow carry its new title (the workflow's child link to its experiment keeps the experiment's title)
    const toExperiment = (l: Json) => l.rel === "child" && String(l.href).includes("/experiments/");
    for (const path of plan.files.map((f) => f.path).filter((p) => p.endsWith(".json"))) {
      const links = (await json(dir, path)).links as Json[];
      expect(links.filter((l) => !toExperiment(l) && String(l.title).includes(old))).toEqual([]);
    }
    expect(await titles("projects/eocube-demo/collection.json")).toContain("Workflow: OLCI rectification, renamed");
    expect(await titles("workflows/catalog.json")).toContain("OLCI rectification, renamed");
    // the experiment (not written in mode workflow) keeps its own title but links to the workflow by its new one
    expect(await titles("experiments/xcube-demo-olci-rectification/record.json")).toContain("Workflow: OLCI rectification, renamed");
    expect(await titles("experiments/catalog.json")).toContain(old);
    expect(plan.files.map((f) => f.path)).not.toContain("experiments/xcube-demo-olci-rectification/input.yaml");
    // a new notebook URL replaces the notebook link (one application link, not two)
    const apps = byRel(await json(dir, "workflows/xcube-demo-olci-rectification/record.json"), "application");
    expect(apps.map((l) => [l.href, l.title])).toEqual([[notebook, "Jupyter Notebook: OLCI rectification, renamed"]]);
    // deep-code's contact `position` reaches the records
    expect((await json(dir, "workflows/xcube-demo-olci-rectification/record.json")).properties.contacts).toEqual(contact);
  });
});

describe("buildPublication: default texts of new entities", () => {
  const ostia = `
dataset_id: ${OSTIA}
collection_id: ostia-sst-anom
license_type: CC-BY-4.0
osc_themes: [oceans]
osc_project: eocube-demo
osc_project_title: eocube demo
osc_project_url: https://example.org
osc_project_technical_officer: {name: Jane Doe, email: jane@esa.int}
access_link: https://example.org/ostia
variables:
  analysed_sst:
    id: sea-surface-temperature
    gcmd_keyword_url: https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/Earth%20Science/a
  sst_anomaly:
    id: sst-anomaly
    units: K
    gcmd_keyword_url: https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/Earth%20Science/b
`;

  it("a new variable without a configured description gets one from its CF long_name, standard_name and units, not its title", async () => {
    const dir = await freshCatalog();
    const plan = await buildPublication(parseDatasetConfig(ostia, "ostia.yaml"), undefined, dir, { mode: "dataset", now: NOW });
    await apply(dir, plan);
    const sst = await json(dir, "variables/sea-surface-temperature/catalog.json");
    // the long_name in the title case of the OSC's own variables
    expect(sst.title).toBe("Analysed Sea Surface Temperature");
    expect((await json(dir, "variables/sst-anomaly/catalog.json")).title).toBe(
      "Sea Surface Temperature Anomaly from Pathfinder Climatology",
    );
    expect(sst.description).toBe("Analysed sea surface temperature (sea_surface_foundation_temperature, kelvin)");
    const anom = await json(dir, "variables/sst-anomaly/catalog.json");
    expect(anom.description).toBe("Sea surface temperature anomaly from pathfinder climatology (K)");
    const report = await validateCatalog(dir);
    expect(report.files.flatMap((f) => f.warnings.filter((w) => w.rule === "description").map(() => f.file))).toEqual([]);
    expect(plan.warnings.filter((w) => /repeats its id or title/.test(w))).toEqual([]);
    // the new project has no osc_project_description: its title stands in, and publish says so
    expect((await json(dir, "projects/eocube-demo/collection.json")).description).toBe("eocube demo");
    expect(plan.warnings).toContain(
      'the new project eocube-demo has no osc_project_description, so its title "eocube demo" is used as its description; set osc_project_description in the dataset config',
    );
    expect(plan.warnings.some((w) => /the product has no title/.test(w))).toBe(false); // the file has a title attribute
  });

  it("warns when a new variable's description repeats its title, and when the product falls back to its id in words as title", async () => {
    const dir = await freshCatalog();
    const cfg = `
dataset_id: ${UTM}
collection_id: bahamas-landsat-rgb
license_type: CC0-1.0
osc_themes: [land]
osc_project: eocube-demo
osc_project_title: eocube demo
osc_project_description: Demonstration project.
osc_project_url: https://example.org/eocube
osc_project_technical_officer: {name: Jane Doe, email: jane.doe@example.org}
description: Landsat 7 ETM+ RGB scene over the Bahamas (rasterio test data).
access_link: https://github.com/rasterio/rasterio/tree/main/tests/data
time_range: ['1999-01-01', null]
variables:
  band_data:
    id: rgb
    title: RGB
    description: RGB
    gcmd_keyword_url: https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/all/x
`;
    const plan = await buildPublication(parseDatasetConfig(cfg, "utm.yaml"), undefined, dir, { mode: "dataset", now: NOW });
    expect(plan.warnings).toContain(
      'new variable rgb (data variable band_data) gets the description "RGB", which repeats its id or title; set variables.band_data.description in the dataset config (what it measures, units, method)',
    );
    expect(
      plan.warnings.filter((w) =>
        /the product has no title .* its id in words "Bahamas Landsat Rgb" is used; set title in the dataset config/.test(w),
      ),
    ).toHaveLength(1);
    expect(plan.warnings.some((w) => /osc_project_description/.test(w))).toBe(false);
    await apply(dir, plan);
    expect((await json(dir, "products/bahamas-landsat-rgb/collection.json")).title).toBe("Bahamas Landsat Rgb");
    // an open interval, as the OSC allows it
    expect((await json(dir, "products/bahamas-landsat-rgb/collection.json")).extent.temporal.interval).toEqual([
      ["1999-01-01T00:00:00Z", null],
    ]);
    expect(await ciErrors(dir)).toEqual([]);
  });
});

describe("buildPublication: the temporal extent of a new project", () => {
  const cfg = `
dataset_id: ${OSTIA}
collection_id: ostia-sst-anom
license_type: CC-BY-4.0
osc_themes: [oceans]
osc_project: eocube-demo
osc_project_title: eocube demo
osc_project_description: Demonstration project.
osc_project_url: https://example.org
osc_project_technical_officer: {name: Jane Doe, email: jane@esa.int}
access_link: https://example.org/ostia
variables:
  analysed_sst: {id: sea-surface-temperature, gcmd_keyword_url: "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/Earth%20Science/a"}
  sst_anomaly: {id: sst-anomaly, gcmd_keyword_url: "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/Earth%20Science/b"}
`;
  const interval = (doc: Json) => doc.extent.temporal.interval;

  it("is the product's temporal extent, not the publication time", async () => {
    const dir = await freshCatalog();
    await apply(dir, await buildPublication(parseDatasetConfig(cfg, "d.yaml"), undefined, dir, { mode: "dataset", now: NOW }));
    const product = interval(await json(dir, "products/ostia-sst-anom/collection.json"));
    expect(product).toEqual([["2017-06-05T00:00:00Z", "2017-06-06T00:00:00Z"]]);
    expect(interval(await json(dir, "projects/eocube-demo/collection.json"))).toEqual(product);
    expect(await ciErrors(dir)).toEqual([]);
  });

  it("is osc_project_start / osc_project_end when given; a start after the end is INVALID_CONFIG", async () => {
    const dir = await freshCatalog();
    const dated = `${cfg}osc_project_start: 2015-01-01\nosc_project_end: 2020-12-31T12:00:00Z\n`;
    await apply(dir, await buildPublication(parseDatasetConfig(dated, "d.yaml"), undefined, dir, { mode: "dataset", now: NOW }));
    expect(interval(await json(dir, "projects/eocube-demo/collection.json"))).toEqual([["2015-01-01T00:00:00Z", "2020-12-31T12:00:00Z"]]);
    expect(await ciErrors(dir)).toEqual([]);
    const e = await expectError(
      buildPublication(
        parseDatasetConfig(`${cfg}osc_project_start: 2019-01-01\nosc_project_end: 2016-01-01\n`, "d.yaml"),
        undefined,
        await freshCatalog(),
        { mode: "dataset", now: NOW },
      ),
      "INVALID_CONFIG",
      "osc_project_end",
    );
    // a date-only end includes its whole day
    expect(e.message).toMatch(/would start \(2019-01-01T00:00:00Z\) after it ends \(2016-01-01T23:59:59Z\)/);
    await expectError(
      (async () =>
        buildPublication(parseDatasetConfig(`${cfg}osc_project_start: next year\n`, "d.yaml"), undefined, await freshCatalog(), {
          mode: "dataset",
          now: NOW,
        }))(),
      "INVALID_CONFIG",
      "osc_project_start",
    );
  });
});

describe("buildPublication: dropping a variable on update", () => {
  it("removes the product's related link and the variable's child link (patched in place); validate warns about a stale related link", async () => {
    const dir = await freshCatalog();
    const dc = await loadDatasetConfig(join(REPO, "examples/dataset-config.yaml"));
    dc.data_source = ZARR;
    await apply(dir, await buildPublication(dc, undefined, dir, { mode: "dataset", now: NOW }));
    const product = "products/xcube-demo-olci-north-sea/collection.json";
    const variable = "variables/olci-quality-flags/catalog.json";
    const variableBefore = await readFile(join(dir, variable), "utf8");
    expect(byRel(await json(dir, variable), "child").map((l) => l.href)).toEqual([
      "../../products/xcube-demo-olci-north-sea/collection.json",
    ]);

    const dropped = { ...dc, variables: { ...dc.variables, quality_flags: { skip: true } } };
    const plan = await buildPublication(dropped, undefined, dir, { mode: "dataset", now: new Date("2027-01-01T00:00:00Z") });
    await apply(dir, plan);
    const doc = await json(dir, product);
    expect(doc["osc:variables"]).not.toContain("olci-quality-flags");
    expect(byRel(doc, "related").map((l) => l.href)).not.toContain("../../variables/olci-quality-flags/catalog.json");
    expect(byRel(doc, "related").map((l) => l.href)).toContain("../../variables/c2rcc-flags/catalog.json");
    const variableAfter = await readFile(join(dir, variable), "utf8");
    expect(byRel(JSON.parse(variableAfter), "child")).toEqual([]);
    // only the link went (and `updated` was bumped): the rest of the variable's file is byte for byte as it was
    const child = JSON.parse(variableBefore).links.findIndex((l: Json) => l.rel === "child");
    const expected = JSON.parse(variableBefore);
    expected.links.splice(child, 1);
    expected.updated = "2027-01-01T00:00:00Z";
    expect(variableAfter).toBe(`${JSON.stringify(expected, null, 2)}\n`);
    // the variable itself stays in the catalog (other products may use it) and everything validates without warnings
    expect(await ciErrors(dir)).toEqual([]);
    const report = await validateCatalog(dir);
    expect(report.files.flatMap((f) => f.warnings.map((w) => `${f.file}: ${w.rule}`))).toEqual([]);

    // a stale related link written by hand is a warning of validate
    const text = await readFile(join(dir, product), "utf8");
    const stale = JSON.parse(text);
    stale.links.push({
      rel: "related",
      href: "../../variables/olci-quality-flags/catalog.json",
      type: "application/json",
      title: "Variable: OLCI Quality Flags",
    });
    await writeFile(join(dir, product), `${JSON.stringify(stale, null, 2)}\n`);
    const warned = (await validateCatalog(dir)).files.find((f) => f.file === product)!;
    expect(warned.valid).toBe(true);
    expect(warned.warnings).toEqual([
      expect.objectContaining({
        rule: "stale-related-link",
        message:
          "Link with rel 'related' to '../../variables/olci-quality-flags/catalog.json' names variables/olci-quality-flags, which is not in osc:variables",
      }),
    ]);
  });
});

describe("buildPublication: one workflow, a second dataset", () => {
  const wf = `
workflow_id: ostia-wf
properties:
  title: OSTIA workflow
  license: MIT
jupyter_notebook_url: https://github.com/me/repo/blob/main/nb.ipynb
contact:
  - name: A B
    organization: Org
`;
  const project = `
osc_themes: [oceans]
osc_project: eocube-demo
osc_project_title: eocube demo
osc_project_description: Demonstration project.
osc_project_url: https://example.org
osc_project_technical_officer: {name: Jane Doe, email: jane@esa.int}
license_type: CC-BY-4.0
`;
  const ostia = `${project}
dataset_id: ${OSTIA}
collection_id: ostia-sst-anom
access_link: https://example.org/ostia
variables:
  analysed_sst: {id: sea-surface-temperature, gcmd_keyword_url: "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/Earth%20Science/a"}
  sst_anomaly: {id: sst-anomaly, gcmd_keyword_url: "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/Earth%20Science/b"}
`;
  const utm = `${project}
dataset_id: ${UTM}
collection_id: utm-rgb
title: RGB scene
description: RGB UTM test
access_link: https://example.org/utm
time_range: ["2000-01-01", "2000-12-31"]
variables:
  band_data: {id: reflectance, description: RGB reflectance, gcmd_keyword_url: "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/Earth%20Science/c"}
`;

  it("refuses to make the first dataset's experiment the run of a second product, naming experiment_id with a suggestion; a distinct experiment_id works", async () => {
    const dir = await freshCatalog();
    await apply(
      dir,
      await buildPublication(parseDatasetConfig(ostia, "ostia.yaml"), parseWorkflowConfig(wf, "wf.yaml"), dir, { now: NOW }),
    );
    const e = await expectError(
      buildPublication(parseDatasetConfig(utm, "utm.yaml"), parseWorkflowConfig(wf, "wf.yaml"), dir, { now: NOW }),
      "INVALID_CONFIG",
      "experiment_id",
    );
    expect(e.message).toBe(
      "experiment ostia-wf is already the run that produced product ostia-sst-anom; it cannot also be the run of product utm-rgb (an OSC experiment is one run and its outputs)",
    );
    expect(e.hint).toMatch(/set experiment_id: ostia-wf-utm-rgb in the workflow config/);

    const plan = await buildPublication(
      parseDatasetConfig(utm, "utm.yaml"),
      parseWorkflowConfig(`${wf}experiment_id: ostia-wf-utm-rgb\n`, "wf.yaml"),
      dir,
      { now: NOW },
    );
    expect(plan.files.map((f) => f.path)).not.toContain("experiments/ostia-wf/input.yaml");
    await apply(dir, plan);
    expect(await ciErrors(dir)).toEqual([]);
    const input = async (id: string) => (await readFile(join(dir, "experiments", id, "input.yaml"), "utf8")).match(/^ {2}- product: .*$/gm);
    expect(await input("ostia-wf")).toEqual(["  - product: ostia-sst-anom"]);
    expect(await input("ostia-wf-utm-rgb")).toEqual(["  - product: utm-rgb"]);
    const children = (id: string) => json(dir, `experiments/${id}/record.json`).then((d) => byRel(d, "child").map((l) => l.href));
    expect(await children("ostia-wf")).toEqual(["../../products/ostia-sst-anom/collection.json"]);
    expect(await children("ostia-wf-utm-rgb")).toEqual(["../../products/utm-rgb/collection.json"]);
    const workflow = await json(dir, "workflows/ostia-wf/record.json");
    expect(workflow.properties.formats).toEqual([{ name: "NetCDF" }, { name: "GeoTIFF" }]);
    expect(byRel(workflow, "child").map((l) => l.href)).toEqual([
      "../../experiments/ostia-wf/record.json",
      "../../experiments/ostia-wf-utm-rgb/record.json",
    ]);
    expect((await json(dir, "products/utm-rgb/collection.json"))["osc:experiment"]).toBe("ostia-wf-utm-rgb");
  });
});

describe("buildPublication: bad input gives one clear INVALID_CONFIG", () => {
  const ok = `
dataset_id: ${ZARR}
collection_id: c
license_type: MIT
osc_themes: [oceans]
osc_project: cerulean-information-factory
description: d
access_link: https://example.org/c
variables:
  conc_chl: {id: sea-ice}
  conc_tsm: {id: sea-ice}
  kd489: {id: sea-ice}
  c2rcc_flags: {id: sea-ice}
  quality_flags: {id: sea-ice}
`;
  it("accepts the base config (all variables mapped to an existing one)", async () => {
    const dir = await sampleCopy();
    const plan = await buildPublication(parseDatasetConfig(ok, "d.yaml"), undefined, dir, { mode: "dataset", now: NOW });
    await apply(dir, plan);
    expect(await ciErrors(dir)).toEqual([]);
  });

  const cases: [string, string, string, RegExp][] = [
    ["a theme the catalog lacks", ok.replace("[oceans]", "[land]"), "osc_themes[0]", /theme "land" is not in the catalog/],
    ["an unknown mission", `${ok}osc_missions: [sentinel-9]\n`, "osc_missions[0]", /EO mission "sentinel-9"/],
    [
      "a new project without technical officer",
      ok.replace("cerulean-information-factory", "new-project"),
      "osc_project_technical_officer",
      /technical officer/,
    ],
    ["a variable the dataset lacks", `${ok}  chl: {id: x}\n`, "variables.chl", /has no data variable "chl"/],
    ["a product without via link", ok.replace("access_link: https://example.org/c\n", ""), "access_link", /via link/],
    [
      "a dataset without spatial coordinates",
      ok.replace(ZARR, join(DATA, "netcdf3/madis-sao.nc")).replace(/variables:[\s\S]*$/, ""),
      "dataset_id",
      /no spatial coordinates/,
    ],
    [
      "a dataset without time",
      ok.replace(ZARR, join(DATA, "netcdf3/eraint_uvz.nc")).replace(/variables:[\s\S]*$/, ""),
      "time_range",
      /no time coordinate/,
    ],
  ];
  for (const [name, text, field, message] of cases) {
    it(`rejects ${name}`, async () => {
      const dir = await sampleCopy();
      const e = await expectError(
        buildPublication(parseDatasetConfig(text, "d.yaml"), undefined, dir, { mode: "dataset", now: NOW }),
        "INVALID_CONFIG",
        field,
      );
      expect(e.message).toMatch(message);
    });
  }

  it("names the config file in errors of loaded configs", async () => {
    const base = await mkdtemp(join(tmpdir(), "eocube-build-cfg-"));
    const file = join(base, "dataset-config.yaml");
    await writeFile(file, ok.replace("[oceans]", "[land]"));
    const e = await expectError(
      buildPublication(await loadDatasetConfig(file), undefined, await sampleCopy(), { mode: "dataset" }),
      "INVALID_CONFIG",
    );
    expect(e.path).toBe(file);
  });

  it("refuses a folder that is not an OSC catalog and a mode without its config", async () => {
    const empty = await mkdtemp(join(tmpdir(), "eocube-build-empty-"));
    await expectError(buildPublication(parseDatasetConfig(ok, "d.yaml"), undefined, empty, { mode: "dataset" }), "NOT_FOUND");
    await expectError(buildPublication(parseDatasetConfig(ok, "d.yaml"), undefined, SAMPLE, { mode: "all" }), "INVALID_ARGUMENT");
  });

  it("rejects a notebook URL that names a folder (deep-code's GitHub tree link)", async () => {
    const wc = parseWorkflowConfig(
      "workflow_id: w\nproperties: {title: W, license: MIT, themes: [oceans]}\njupyter_notebook_url: https://github.com/bcdev/earthcode-workflows/tree/main/momo-nbs\nosc_project: cerulean-information-factory\n",
      "w.yaml",
    );
    await expectError(buildPublication(undefined, wc, await sampleCopy(), { mode: "workflow" }), "INVALID_CONFIG", "jupyter_notebook_url");
  });
});

describe("buildPublication: remote cubes (https on 127.0.0.1, s3 on s3rver)", () => {
  const cfg = (source: string, extra = "") => `
dataset_id: cube-1-250-250.zarr
data_source: ${source}
collection_id: remote-cube
license_type: CC-BY-4.0
osc_themes: [oceans]
osc_project: cerulean-information-factory
description: The xcube demo cube read remotely.
variables:
  conc_chl: {id: sea-ice}
  conc_tsm: {id: sea-ice}
  kd489: {id: sea-ice}
  c2rcc_flags: {id: sea-ice}
  quality_flags: {id: sea-ice}
${extra}`;

  it("falls back to the next data source and links an https cube as Access", async () => {
    const { startHttpServer } = await import("../../helpers/http-server.js");
    const server = await startHttpServer(DATA);
    try {
      const dir = await sampleCopy();
      const url = `${server.url}/zarr/cube-1-250-250.zarr`;
      const plan = await buildPublication(
        parseDatasetConfig(cfg(`["${join(DATA, "zarr/no-such-cube.zarr")}", "${url}"]`), "d.yaml"),
        undefined,
        dir,
        { mode: "dataset", now: NOW },
      );
      expect(plan.warnings.some((w) => w.includes("no-such-cube.zarr"))).toBe(true);
      const p = JSON.parse(plan.files.find((f) => f.path === "products/remote-cube/collection.json")!.content);
      expect(p.extent.spatial.bbox).toEqual([[0, 50, 5, 52.5]]);
      expect(byRel(p, "via")).toEqual([{ rel: "via", href: url, title: "Access" }]);
      // metadata and coordinates only: no chunk of a data variable was read
      expect(server.requests.some((r) => /\/(conc_chl|conc_tsm|kd489|c2rcc_flags|quality_flags)\/\d/.test(r.path))).toBe(false);
      await apply(dir, plan);
      expect(await ciErrors(dir)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("reads an s3:// cube with store_params and keeps secrets out of the plan", async () => {
    const { startS3Server, uploadFolder } = await import("../../helpers/s3.js");
    const s3 = await startS3Server();
    try {
      await uploadFolder(s3, ZARR, "cubes/cube-1-250-250.zarr");
      const dir = await sampleCopy();
      const storeParams = `store_params:\n  storage_options: {endpoint_url: "${s3.endpoint}", key: "${s3.storageOptions.key}", secret: "${s3.storageOptions.secret}", region: us-east-1}\n`;
      const text = cfg(
        `s3://${s3.bucket}/cubes/cube-1-250-250.zarr`,
        `access_link: s3://${s3.bucket}/cubes/cube-1-250-250.zarr\ndocumentation_link: https://example.org/doc\n${storeParams}`,
      );
      const plan = await buildPublication(parseDatasetConfig(text, "d.yaml"), undefined, dir, { mode: "dataset", now: NOW });
      const p = JSON.parse(plan.files.find((f) => f.path === "products/remote-cube/collection.json")!.content);
      expect(p.extent.spatial.bbox).toEqual([[0, 50, 5, 52.5]]);
      // the s3:// access link becomes the https URL of the object under the configured endpoint (not dropped, not s3://)
      expect(byRel(p, "via").map((l) => [l.href, l.title])).toEqual([
        [`${s3.endpoint}/${s3.bucket}/cubes/cube-1-250-250.zarr`, "Access"],
        ["https://example.org/doc", "Documentation"],
      ]);
      expect(plan.warnings.some((w) => w.includes(`access_link s3://${s3.bucket}/cubes/cube-1-250-250.zarr is linked as`))).toBe(true);
      for (const f of plan.files)
        expect(f.content).not.toContain(s3.storageOptions.secret === "S3RVER" ? "S3RVER" : s3.storageOptions.secret);
    } finally {
      await s3.close();
    }
  });

  it("reads a bare deep-code dataset_id from the DeepESDL bucket (here s3rver) with unsigned requests", async () => {
    const { startS3Server, uploadFolder } = await import("../../helpers/s3.js");
    const s3 = await startS3Server("deep-esdl-public");
    try {
      await uploadFolder(s3, ZARR, "cube-1-250-250.zarr");
      const text = cfg(
        "x",
        `store_params:\n  storage_options: {endpoint_url: "${s3.endpoint}", region: us-east-1}\naccess_link: https://example.org/c\n`,
      ).replace("data_source: x\n", "");
      const plan = await buildPublication(parseDatasetConfig(text, "d.yaml"), undefined, await sampleCopy(), { mode: "dataset", now: NOW });
      expect(plan.warnings).toContain(
        "dataset_id cube-1-250-250.zarr is no local file; reading it from s3://deep-esdl-public/cube-1-250-250.zarr as deep-code does",
      );
      const p = JSON.parse(plan.files.find((f) => f.path === "products/remote-cube/collection.json")!.content);
      expect(p.extent.spatial.bbox).toEqual([[0, 50, 5, 52.5]]);
    } finally {
      await s3.close();
    }
  });
});
