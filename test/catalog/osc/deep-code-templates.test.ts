// deep-code's own configs publish unchanged: the dataset and workflow configs of deep-code's documentation
// (docs/configuration.md at deepesdl/deep-code e0e26db, 0.1.10.dev0, quoted below as written) into a fresh
// `catalog init` catalog and into a copy of the real OSC sample, with the cube deep-code would read
// (s3://deep-esdl-public/your-dataset.zarr) served from a copy of the real Zarr cube made ready for deep-code.
// The placeholder templates of `deep-code generate-config` (shared/fixtures/deep-code/templates) are refused field by field.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildPublication } from "../../../src/catalog/osc/build/index.js";
import { loadDatasetConfig, loadWorkflowConfig } from "../../../src/catalog/osc/config.js";
import type { PublicationPlan } from "../../../src/catalog/osc/plan.js";
import type { Dataset } from "../../../src/core/dataset.js";
import { isEocubeError } from "../../../src/core/errors.js";
import { openDataset } from "../../../src/stores/open.js";
import { applyPlan, ciErrors, freshCatalog, type Json, readJson, sampleCopy } from "./catalogs.js";
import { deepCodeReadyCube } from "./cube-copy.js";

const FIXTURES = fileURLToPath(new URL("../../../../shared/fixtures/", import.meta.url));
const NOW = new Date("2026-11-22T10:00:00Z");

/** deep-code docs/configuration.md, "Dataset config (YAML)" (e0e26db), as written. */
const DATASET_CONFIG = `# Required
dataset_id: your-dataset.zarr
collection_id: your-collection       # no spaces — use hyphens
license_type: CC-BY-4.0
stac_catalog_s3_root: s3://bucket/stac/your-collection/

# Optional
osc_themes: [cryosphere]        # must match slugs at opensciencedata.esa.int/themes/catalog — auto-lowercased
osc_region: global
dataset_status: completed       # ongoing | completed | planned (default: ongoing)
documentation_link: https://example.com/docs
visualisation_link: https://example.com/viewer   # URL to a visualisation of the dataset
osc_project: deep-earth-system-data-lab          # defaults to deep-earth-system-data-lab
access_link: s3://bucket/your-dataset.zarr   # defaults to s3://deep-esdl-public/{dataset_id}

# CF parameter overrides (list of {name, units, ...} dicts)
cf_parameter:
  - name: sea_surface_temperature
    units: kelvin
`;

/** deep-code docs/configuration.md, "Workflow config (YAML)" (e0e26db), as written. */
const WORKFLOW_CONFIG = `# Required
workflow_id: your-workflow
properties:
  title: "My workflow"
  description: "What this workflow does"
  keywords: ["Earth Science"]
  themes: ["cryosphere"]
  license: proprietary
  # jupyter_kernel_info is optional — only published when jupyter_notebook_url is set
  jupyter_kernel_info:
    name: deepesdl-xcube-1.8.3
    python_version: 3.11
    env_file: https://example.com/environment.yml

# Optional
jupyter_notebook_url: https://github.com/org/repo/path/to/notebook.ipynb
contact:
  - name: Jane Doe
    organization: Example Org
    links:
      - rel: about
        type: text/html
        href: https://example.org
links:
  - rel: related
    type: text/html
    href: https://example.com/related-resource
    title: Related resource
`;

async function configs(): Promise<{ dataset: string; workflow: string }> {
  const dir = await mkdtemp(join(tmpdir(), "eocube-dc-cfg-"));
  const dataset = join(dir, "dataset_config.yaml");
  const workflow = join(dir, "workflow_config.yaml");
  await writeFile(dataset, DATASET_CONFIG);
  await writeFile(workflow, WORKFLOW_CONFIG);
  return { dataset, workflow };
}

/** Publishes the docs' configs unchanged into `dir`; the cube deep-code would open comes from a ready copy. */
async function publishDocs(dir: string): Promise<{ plan: PublicationPlan; opened: string[] }> {
  const files = await configs();
  const cube = await deepCodeReadyCube("your-dataset.zarr");
  const opened: string[] = [];
  const open = async (source: string): Promise<Dataset> => {
    opened.push(source);
    return openDataset(cube);
  };
  const plan = await buildPublication(await loadDatasetConfig(files.dataset), await loadWorkflowConfig(files.workflow), dir, {
    mode: "all",
    now: NOW,
    open,
    env: {},
  });
  await applyPlan(dir, plan);
  return { plan, opened };
}

const json = readJson;

for (const [where, make] of [
  ["a fresh `catalog init` catalog", () => freshCatalog(NOW, "eocube-dc-fresh-")],
  ["a copy of the real OSC sample", () => sampleCopy("eocube-dc-sample-")],
] as const) {
  describe(`deep-code's documented configs, unchanged, into ${where}`, () => {
    it("publish a catalog the OSC validator accepts, with deep-code's defaults and eocube's steward fixes", async () => {
      const dir = await make();
      const { plan, opened } = await publishDocs(dir);
      // the bare dataset_id is read where deep-code reads it
      expect(opened).toEqual(["s3://deep-esdl-public/your-dataset.zarr"]);
      expect(plan.collectionId).toBe("your-collection");
      expect(plan.workflowId).toBe("your-workflow");
      expect(await ciErrors(dir)).toEqual([]);

      const p = await json(dir, "products/your-collection/collection.json");
      expect(p["osc:project"]).toBe("deep-earth-system-data-lab");
      expect(p["osc:status"]).toBe("completed");
      expect(p["osc:region"]).toBe("global");
      expect(p["osc:experiment"]).toBe("your-workflow");
      expect(p["cf:parameter"]).toEqual([{ name: "sea_surface_temperature", unit: "kelvin" }]);
      expect(p.title).toBe("Your Collection"); // no title anywhere: the id in words
      expect(p.description).toMatch(/^Sentinel-3 OLCI C2RCC water quality/); // the cube's description attribute
      // the s3:// access link is linked as its https URL (AWS virtual-hosted style), not dropped
      expect(p.links.filter((l: Json) => l.rel === "via").map((l: Json) => [l.href, l.title])).toEqual([
        ["https://bucket.s3.amazonaws.com/your-dataset.zarr", "Access"],
        ["https://example.com/docs", "Documentation"],
      ]);
      expect(p.links.find((l: Json) => l.rel === "visualisation")?.href).toBe("https://example.com/viewer");
      expect(plan.warnings.some((w) => w.includes("stac_catalog_s3_root"))).toBe(true);
      expect(p.extent.temporal.interval[0].map((t: string) => t.slice(0, 10))).toEqual(["2017-01-16", "2017-01-30"]);

      // variables with the cube's GCMD keywords, titled in the OSC's title case
      expect(p["osc:variables"]).toEqual(["c2rcc-flags", "conc-chl", "conc-tsm", "kd489", "quality-flags"]);
      expect((await json(dir, "variables/conc-chl/catalog.json")).title).toBe("Chlorophyll Concentration");

      // deep-code's default project, made with the real catalog's values (it needs a technical officer to validate)
      const project = await json(dir, "projects/deep-earth-system-data-lab/collection.json");
      expect(project.title).toBe("DeepESDL");
      expect(project["osc:status"]).toBe("completed");
      expect(project["osc:workflows"]).toEqual(["your-workflow"]);
      expect(project.contacts[0].roles).toEqual(["technical_officer"]);

      // the workflow and its experiment
      const wf = await json(dir, "workflows/your-workflow/record.json");
      expect(wf.properties["osc:project"]).toBe("deep-earth-system-data-lab");
      expect(wf.properties.jupyter_kernel_info.python_version).toBe(3.11); // as written (a YAML number, as deep-code keeps it)
      const exp = await json(dir, "experiments/your-workflow/record.json");
      expect(exp.links.find((l: Json) => l.rel === "child")?.href).toBe("../../products/your-collection/collection.json");

      // publishing the same configs again changes nothing
      const again = await publishDocs(dir);
      expect(again.plan.files).toEqual([]);
    });
  });
}

describe("deep-code's generate-config templates (placeholders) are refused with the field named", () => {
  it("dataset_config.yaml and workflow_config.yaml as deep-code writes them", async () => {
    const templates = join(FIXTURES, "deep-code/templates");
    for (const [file, load, field] of [
      ["dataset_config.yaml", loadDatasetConfig, /collection_id|license_type/],
      ["workflow_config.yaml", loadWorkflowConfig, /workflow_id|license/],
    ] as const) {
      try {
        await load(join(templates, file));
        throw new Error(`${file} was accepted`);
      } catch (err) {
        if (!isEocubeError(err)) throw err;
        expect(err.code).toBe("INVALID_CONFIG");
        expect(err.message).toMatch(field);
        expect(err.message).toContain(file);
      }
    }
  });
});
