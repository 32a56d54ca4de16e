// Config loading: deep-code's dataset/workflow YAML validated by JSON Schema, one clear INVALID_CONFIG per mistake.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isEocubeError } from "../../../src/core/errors.js";
import { loadDatasetConfig, loadWorkflowConfig, parseDatasetConfig, parseWorkflowConfig } from "../../../src/catalog/osc/config.js";

const DEEP_CODE_TEMPLATES = fileURLToPath(new URL("../../../../shared/fixtures/deep-code/templates/", import.meta.url));
const EXAMPLES = fileURLToPath(new URL("../../../examples/", import.meta.url));

const BASE = "dataset_id: cube.zarr\ncollection_id: my-cube\nlicense_type: CC-BY-4.0\nosc_themes: [oceans]\n";

function fail(fn: () => unknown): { code: string; message: string; field?: string; hint?: string; path?: string } {
  try {
    fn();
  } catch (err) {
    if (isEocubeError(err)) return err;
    throw err;
  }
  throw new Error("expected an error");
}

describe("parseDatasetConfig", () => {
  it("accepts a minimal config and lower-cases theme ids like deep-code", () => {
    const c = parseDatasetConfig(BASE.replace("[oceans]", "[Oceans, LAND]"), "d.yaml");
    expect(c.osc_themes).toEqual(["oceans", "land"]);
    expect(c.collection_id).toBe("my-cube");
  });

  it("accepts every deep-code field and eocube's additions", () => {
    const c = parseDatasetConfig(
      BASE +
        `description: d\nosc_region: North Sea\ndataset_status: completed\ndocumentation_link: https://a.b/doc\n` +
        `access_link: https://a.b/data\nvisualisation_link: https://a.b/view\nosc_project: my-project\nosc_project_title: P\n` +
        `osc_project_url: https://a.b\ncf_parameter:\n  - {name: x, units: K}\nstac_catalog_s3_root: s3://b/stac/\n` +
        `osc_missions: [sentinel-3, {id: m-1, title: M, description: D, url: "https://m.org"}]\nkeywords: [a, b]\n` +
        `osc_project_technical_officer: {name: Jane Doe, email: jane@esa.int}\nstore_id: s3\nstore_params: {root: bucket}\n` +
        `data_source: [./a.zarr, https://h/a.zarr]\nvariables:\n  conc_chl: {id: chl, description: C, gcmd_keyword_url: "https://gcmd.earthdata.nasa.gov/x", units: mg}\n`,
      "d.yaml",
    );
    expect(c.variables?.conc_chl?.id).toBe("chl");
    expect(c.osc_missions).toHaveLength(2);
  });

  const bad: [string, string, string, RegExp][] = [
    ["invalid YAML", `${BASE}keywords: [a, b\n`, "", /not valid YAML at line \d+, column \d+/],
    ["unknown field", `${BASE}osc_theme: [land]\n`, "osc_theme", /unknown field "osc_theme"/],
    [
      "missing field",
      "dataset_id: c.zarr\nlicense_type: MIT\nosc_themes: [land]\n",
      "collection_id",
      /missing required field collection_id/,
    ],
    ["id with a space", BASE.replace("my-cube", "my cube"), "collection_id", /not a safe OSC id/],
    ["id with a slash", BASE.replace("my-cube", "a/b"), "collection_id", /not a safe OSC id/],
    ["id with ..", BASE.replace("my-cube", "a..b"), "collection_id", /not a safe OSC id/],
    ["capitals in a project id", `${BASE}osc_project: My-Project\n`, "osc_project", /not a safe OSC id/],
    ["unknown theme", BASE.replace("[oceans]", "[ocean]"), "osc_themes[0]", /not one of the allowed values/],
    ["unknown licence", BASE.replace("CC-BY-4.0", "CC-BY-4"), "license_type", /not one of the allowed values/],
    ["unknown mission id form", `${BASE}osc_missions: [Sentinel 3]\n`, "osc_missions[0]", /not a safe OSC id/],
    ["bad status", `${BASE}dataset_status: done\n`, "dataset_status", /allowed values/],
    ["bad URL", `${BASE}access_link: not a url\n`, "access_link", /not a valid uri/],
  ];
  for (const [name, text, field, message] of bad) {
    it(`rejects ${name} with one INVALID_CONFIG naming file and field`, () => {
      const e = fail(() => parseDatasetConfig(text, "dataset-config.yaml"));
      expect(e.code).toBe("INVALID_CONFIG");
      expect(e.path).toBe("dataset-config.yaml");
      expect(e.message).toMatch(message);
      if (field) expect(e.field).toBe(field);
      expect(e.message).toContain("dataset-config.yaml");
    });
  }

  it("names the allowed values and a close match", () => {
    expect(fail(() => parseDatasetConfig(BASE.replace("[oceans]", "[ocean]"), "d.yaml")).hint).toMatch(
      /did you mean "oceans"\? allowed values: atmosphere, cryosphere, land, magnetosphere-ionosphere, oceans, solid-earth/,
    );
    expect(fail(() => parseDatasetConfig(BASE.replace("CC-BY-4.0", "cc-by-4.0"), "d.yaml")).hint).toMatch(/did you mean "CC-BY-4.0"/);
    expect(fail(() => parseDatasetConfig(`${BASE}osc_theme: [land]\n`, "d.yaml")).hint).toMatch(/did you mean "osc_themes"/);
  });

  it("gives the line of the offending field", () => {
    expect(fail(() => parseDatasetConfig(`${BASE}dataset_status: done\n`, "d.yaml")).message).toMatch(/^d\.yaml:5: /);
  });

  it("rejects a YAML file that is not a mapping", () => {
    expect(fail(() => parseDatasetConfig("- a\n- b\n", "d.yaml")).code).toBe("INVALID_CONFIG");
  });
});

describe("parseWorkflowConfig", () => {
  const WF = "workflow_id: my-wf\nproperties:\n  title: T\n  license: MIT\n";
  it("accepts deep-code's fields plus parameters and input_datasets", () => {
    const c = parseWorkflowConfig(
      WF +
        "  description: D\n  keywords: [k]\n  themes: [Land]\n  jupyter_kernel_info: {name: k, python_version: 3.13, env_file: 'https://a.b/env.yml'}\n" +
        "jupyter_notebook_url: https://github.com/a/b/blob/main/n.ipynb\ncontact:\n  - name: A\n    organization: O\n    position: Scientist\n    contactInstructions: by email\n    roles: [principal investigator]\n    links: [{rel: about, type: text/html, href: 'https://o.org'}]\n" +
        "links: [{rel: related, href: 'https://x.org', title: X}]\nparameters: {a: 1}\ninput_datasets: ['https://d.org/x.zarr', {id: y, url: 'https://d.org/y'}]\n",
      "w.yaml",
    );
    expect(c.properties.themes).toEqual(["land"]);
    expect(c.parameters).toEqual({ a: 1 });
    expect(c.contact![0]).toMatchObject({ position: "Scientist", contactInstructions: "by email", roles: ["principal investigator"] });
  });
  it("keeps an unquoted python_version as written when YAML would read another number (3.10 is not 3.1)", () => {
    const kernel = (v: string) =>
      parseWorkflowConfig(`${WF}  jupyter_kernel_info: {name: k, python_version: ${v}}\n`, "w.yaml").properties.jupyter_kernel_info!;
    expect(kernel("3.10").python_version).toBe("3.10");
    expect(kernel("3.13").python_version).toBe(3.13); // deep-code writes such versions as numbers; unchanged
    expect(kernel("'3.12'").python_version).toBe("3.12");
  });
  it("normalises a workflow id with spaces as deep-code does (spaces → '-', lower case), rejects other unsafe ids and a missing licence", () => {
    expect(parseWorkflowConfig(WF.replace("my-wf", "My Wf"), "w.yaml").workflow_id).toBe("my-wf");
    expect(fail(() => parseWorkflowConfig(WF.replace("my-wf", "my/wf"), "w.yaml")).field).toBe("workflow_id");
    expect(fail(() => parseWorkflowConfig("workflow_id: a\nproperties: {title: T}\n", "w.yaml")).field).toBe("properties.license");
  });
});

describe("loadDatasetConfig / loadWorkflowConfig", () => {
  it("reads files and reports a missing one as NOT_FOUND", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eocube-config-"));
    await writeFile(join(dir, "d.yaml"), BASE);
    expect((await loadDatasetConfig(join(dir, "d.yaml"))).dataset_id).toBe("cube.zarr");
    await expect(loadDatasetConfig(join(dir, "missing.yaml"))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("names deep-code's unreplaced template placeholders precisely", async () => {
    // deep-code's own template: placeholders are not valid values (an id with spaces, a licence that is no SPDX id)
    await expect(loadDatasetConfig(join(DEEP_CODE_TEMPLATES, "dataset_config.yaml"))).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    await expect(loadWorkflowConfig(join(DEEP_CODE_TEMPLATES, "workflow_config.yaml"))).rejects.toMatchObject({ code: "INVALID_CONFIG" });
  });

  it("accepts the committed examples", async () => {
    const d = await loadDatasetConfig(join(EXAMPLES, "dataset-config.yaml"));
    expect(Object.keys(d.variables ?? {})).toEqual(["conc_chl", "conc_tsm", "kd489", "c2rcc_flags", "quality_flags"]);
    const w = await loadWorkflowConfig(join(EXAMPLES, "workflow-config.yaml"));
    expect(w.workflow_id).toBeTruthy();
  });
});
