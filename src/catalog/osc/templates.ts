// Annotated config templates written by `eocube generate-config` (deep-code's generate-config, with comments).
import { rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { EocubeError } from "../../core/errors.js";
import { OSC_STATUSES } from "./constants.js";
import { folderError, makeFolders } from "./folders.js";
import { OSC_THEME_IDS } from "./themes.js";

/** File name of the dataset config template. */
export const DATASET_TEMPLATE_NAME = "dataset-config.yaml";
/** File name of the workflow config template. */
export const WORKFLOW_TEMPLATE_NAME = "workflow-config.yaml";
/** deep-code's file names of the templates (`deep-code generate-config`), with `names: "deep-code"`. */
export const DEEP_CODE_TEMPLATE_NAMES = { dataset: "dataset_config.yaml", workflow: "workflow_config.yaml" } as const;

/** The annotated dataset config template (valid YAML; placeholders must be replaced before publishing). */
export function datasetConfigTemplate(): string {
  return `# eocube dataset config (deep-code compatible): describes the product published to the Open Science Catalog.
# Publish with:  eocube publish dataset-config.yaml workflow-config.yaml --catalog <catalog-dir>
# Ids that become folders (collection_id, osc_project, variable ids, mission ids) must be safe:
# no spaces, slashes or "..". Project, variable and mission ids are lower-case-with-hyphens.

# --- REQUIRED ------------------------------------------------------------------------------------
# The cube to publish: a local path, an https:// or s3:// URL, or a data id in the store given by store_id.
dataset_id: my-cube.zarr
# OSC product id: the folder products/<collection_id>/ (letters, digits, single - _ or .).
collection_id: my-cube
# SPDX licence id accepted by the OSC, e.g. CC-BY-4.0, CC-BY-SA-4.0, CC0-1.0, MIT, proprietary, various.
license_type: CC-BY-4.0
# One or more OSC themes: ${OSC_THEME_IDS.join(", ")}.
osc_themes:
  - land

# --- WHERE THE CUBE LIVES (optional) ---------------------------------------------------------------
# Read the cube from here instead of dataset_id; a list is tried in order (the first that opens wins).
# data_source:
#   - ./data/my-cube.zarr
#   - https://example.org/data/my-cube.zarr
# Data store id (file, https, s3, memory) and its parameters (xcube store_params); secrets are never logged.
# store_id: s3
# store_params:
#   root: my-bucket
#   storage_options: {anon: true}

# --- PRODUCT (optional) ----------------------------------------------------------------------------
# Title and description; default: the cube's "title" / "description" (or "summary") attributes.
# title: My cube
# description: What the cube holds, how it was made, and its spatial and temporal coverage.
# Region covered, e.g. Global, North Sea.
osc_region: Global
# Status of the product: ${OSC_STATUSES.join(" | ")} (default: ongoing).
dataset_status: ongoing
# Free keywords of the product.
keywords: []
# Links: where to access the data (https page, not a bare s3:// URL), documentation, a viewer.
# access_link: https://example.org/my-cube
# documentation_link: https://example.org/my-cube/docs
# visualisation_link: https://viewer.example.org/?dataset=my-cube
# EO missions whose data went into the product; ids of eo-missions/<id>/ in the catalog, or full definitions
# for missions the catalog does not have yet.
# osc_missions:
#   - sentinel-3
#   - id: my-mission
#     title: My Mission
#     description: What the mission observes.
#     url: https://example.org/my-mission
# CF parameters (cf:parameter); default: one per data variable from its standard_name and units.
# cf_parameter:
#   - name: sea_surface_temperature
#     units: K

# --- VARIABLES (optional per data variable; required where the cube lacks the information) ---------
# Each data variable becomes an OSC variable (variables/<id>/). A NEW variable needs a GCMD keyword URL
# (https://gcmd.earthdata.nasa.gov/KeywordViewer/) and a description; an existing one is only linked.
# variables:
#   my_var:
#     id: my-var                      # default: the name, slugified
#     title: My variable              # default: long_name attribute, else the name
#     description: What it measures.  # default: description attribute, else "Long name (standard_name, units)"
#     gcmd_keyword_url: https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/Earth%20Science/<uuid>
#     units: K                        # default: units attribute
#     skip: false                     # true leaves the variable out

# --- PROJECT (optional) -----------------------------------------------------------------------------
# OSC project id (projects/<id>/), default deep-earth-system-data-lab. A project that is not in the catalog
# yet is created from the fields below and needs a technical officer.
osc_project: my-project
osc_project_title: My Project
# Project website (the project's "via" link).
osc_project_url: https://example.org/my-project
# osc_project_description: What the project does.
# When the project ran (ISO 8601 dates), default: the product's temporal extent.
# osc_project_start: 2021-01-01
# osc_project_end: 2024-12-31
osc_project_technical_officer:
  name: Jane Doe
  email: jane.doe@esa.int

# stac_catalog_s3_root: deep-code only (it uploads a STAC item there); eocube accepts and ignores it.
`;
}

/** The annotated workflow config template. */
export function workflowConfigTemplate(): string {
  return `# eocube workflow config (deep-code compatible): the workflow (notebook) that made the product and the
# experiment (one run of it). Both become OGC API Records in workflows/<id>/ and experiments/<id>/.

# --- REQUIRED ------------------------------------------------------------------------------------
# OSC workflow id (letters, digits, single - _ or .; no spaces, slashes or "..").
workflow_id: my-workflow
properties:
  # Human-readable title of the workflow.
  title: My workflow
  # SPDX licence id of the workflow code, e.g. MIT, Apache-2.0, CC-BY-4.0.
  license: MIT
  # --- optional ---
  description: What the workflow does, its inputs and its outputs.
  keywords:
    - data cube
  # OSC themes: ${OSC_THEME_IDS.join(", ")} (default: the dataset's osc_themes).
  themes:
    - land
  # The notebook kernel; env_file is the environment (conda/pip) file used to run it.
  jupyter_kernel_info:
    name: my-kernel
    python_version: "3.12"
    env_file: https://github.com/me/my-repo/blob/main/environment.yml

# --- OPTIONAL ------------------------------------------------------------------------------------
# Experiment id (experiments/<id>/), default: workflow_id. One experiment is one run and its product:
# publishing a second dataset with the same workflow needs its own experiment_id.
# experiment_id: my-experiment
# Project of the workflow, default: osc_project of the dataset config.
# osc_project: my-project
# The notebook on GitHub (a blob URL of the .ipynb file).
jupyter_notebook_url: https://github.com/me/my-repo/blob/main/notebooks/make-cube.ipynb
# When the product was made by \`eocube gen\`: its request (relative to this file). publish writes it to the
# experiment's input.yaml and the software versions to environment.yaml; \`eocube reproduce <experiment>\` re-runs it.
# gen_request: gen-request.yaml
# People and organisations (OGC API Records contacts).
contact:
  - name: Jane Doe
    organization: My Organisation
    # position: Research scientist   # optional, as are roles and contactInstructions
    links:
      - rel: about
        type: text/html
        href: https://example.org
# Extra links of the workflow record (rel, href, optional type and title).
links: []
# Parameters of the experiment run, written to experiments/<id>/input.yaml.
parameters: {}
# Input datasets of the experiment (URLs, or {id, title, url}), written to input.yaml.
input_datasets: []
`;
}

/** Options of {@link writeConfigTemplates}. */
export interface WriteTemplatesOptions {
  /** Replace existing files (default false). */
  force?: boolean;
  /**
   * File names: eocube's `dataset-config.yaml` / `workflow-config.yaml` ("eocube", the default) or deep-code's
   * `dataset_config.yaml` / `workflow_config.yaml` ("deep-code").
   */
  names?: "eocube" | "deep-code";
}

/**
 * Writes `dataset-config.yaml` and `workflow-config.yaml` (deep-code's names with `names: "deep-code"`) into `dir`
 * (created when missing).
 * @returns the absolute paths written.
 * @throws EocubeError ALREADY_EXISTS naming the file when one exists and `force` is not set (nothing is written then),
 *   or when `dir` (or a parent) is a file; READ_ONLY when `dir` cannot be written; INVALID_ARGUMENT when it cannot
 *   be made (e.g. under /proc). Nothing is left behind on failure.
 */
export async function writeConfigTemplates(dir: string, options: WriteTemplatesOptions = {}): Promise<string[]> {
  const deepCode = options.names === "deep-code";
  const targets: [string, string][] = [
    [join(resolve(dir), deepCode ? DEEP_CODE_TEMPLATE_NAMES.dataset : DATASET_TEMPLATE_NAME), datasetConfigTemplate()],
    [join(resolve(dir), deepCode ? DEEP_CODE_TEMPLATE_NAMES.workflow : WORKFLOW_TEMPLATE_NAME), workflowConfigTemplate()],
  ];
  const action = "writing the config templates";
  const outDir = await stat(resolve(dir)).catch(() => undefined);
  if (outDir && !outDir.isDirectory()) {
    throw new EocubeError("ALREADY_EXISTS", `${dir} is a file, not a folder`, {
      path: dir,
      field: "-o",
      hint: "give -o a folder (new or existing), not a file",
    });
  }
  if (!options.force) {
    for (const [path] of targets) {
      if (
        await stat(path).then(
          () => true,
          () => false,
        )
      ) {
        throw new EocubeError("ALREADY_EXISTS", `${path} already exists`, {
          path,
          hint: "use --force to overwrite it, or -o to write elsewhere",
        });
      }
    }
  }
  const made = await makeFolders(dir, action);
  const written: string[] = [];
  try {
    for (const [path, text] of targets) {
      await writeFile(path, text).catch((err) => {
        throw folderError(err, path, action);
      });
      written.push(path);
    }
  } catch (err) {
    // all or nothing (unless --force replaced an existing file, which cannot be undone)
    if (made) await rm(made, { recursive: true, force: true }).catch(() => {});
    else if (!options.force) for (const p of written) await rm(p, { force: true }).catch(() => {});
    throw err;
  }
  return targets.map(([p]) => p);
}
